/* What the exception vectors hand to C: a trap from a lower EL of either
 * world (an SMC, or the secure side's first FP/SIMD use), and the fatal
 * path for everything else. */
#include <mon.h>
#include <tzv/console.h>
#include <tzv/fatal.h>
#include <tzv/smccc.h>
#include <tzv/sysreg.h>

/* What the STK asks of the monitor before it goes on; anything else from
 * the secure side ends its part of a call (stk_return). */
static const struct {
	uint32_t fid;
	void (*fn)(struct mon_cpu *c);
} stk_services[] = {
    {TZV_STK_SVC_PAL_SVN, nv_stk_pal_svn},
    {TZV_STK_SVC_FLASH, nv_stk_flash},
};

static void from_secure(struct mon_cpu *c)
{
	if ((uint32_t)c->sec.gp.x[0] == TZV_STK_RET_FAST_DONE) { /* the common case, first */
		stk_return(c);
		return;
	}
	SMCCC_DISPATCH(stk_services, (uint32_t)c->sec.gp.x[0], c);
	stk_return(c);
}

void mon_lower_sync(struct mon_cpu *c);
void mon_lower_sync(struct mon_cpu *c)
{
	uint64_t esr = read_sysreg(esr_el3);

	if (ESR_EC(esr) == EC_FP && c->cur == &c->sec) {
		world_secure_fp_trap(c);
		return;
	}
	if (ESR_EC(esr) != EC_SMC64)
		panic("EL3: unexpected trap from %s world, ESR %lx ELR %lx\n",
		      c->cur == &c->ns ? "normal" : "secure", (unsigned long)esr,
		      (unsigned long)c->cur->gp.elr);
	if (c->cur == &c->sec)
		from_secure(c);
	else
		smc_from_ns(c);
}

void mon_fatal(const uint64_t *regs, unsigned kind);
void mon_fatal(const uint64_t *regs, unsigned kind)
{
	const struct fatal_sysreg sys[] = {
	    {"ESR_EL3", read_sysreg(esr_el3)}, {"ELR_EL3", read_sysreg(elr_el3)},
	    {"FAR_EL3", read_sysreg(far_el3)}, {"SPSR_EL3", read_sysreg(spsr_el3)},
	    {"SCR_EL3", read_sysreg(scr_el3)},
	};

	fatal_dump("EL3", kind, sys, sizeof(sys) / sizeof(sys[0]), regs);
}
