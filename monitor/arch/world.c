/* World switch: the monitor swaps EL1 system registers and FP/SIMD state
 * between the normal world and the secure tiny kernel, enters the STK at
 * the entries it announced, and takes its returns. */
#include <mon.h>
#include <tzv/console.h>
#include <tzv/smccc.h>
#include <tzv/string.h>
#include <tzv/sysreg.h>

#define SCTLR_EL1_RESET 0x30D00800UL
#define CPTR_TFP	(1UL << 10) /* FP/SIMD from lower ELs traps to EL3 */

struct stk_entries stk_entry;

/* Of the EL1 state, the monitor keeps only what the secure side can
 * change: the STK's own MMU and vector setup and its stack pointer, and,
 * but in a fast call, also what exceptions taken to S-EL1 write, TPIDR_EL1,
 * and what a PAL at S-EL0 can write (TPIDR_EL0) or use (CNTKCTL's timer
 * access). A fast call runs no PAL and takes no exception at S-EL1 (one
 * would be fatal). The STK and PALs never write the others. The STK needs
 * nothing of its own kept: every entry starts afresh from its setup as it
 * left it at initialisation. FP/SIMD is switched lazily: the first secure
 * use traps here and saves the normal world's registers. */
static void el1_save(struct el1_ctx *c, bool fast)
{
	c->sctlr = read_sysreg(sctlr_el1);
	c->cpacr = read_sysreg(cpacr_el1);
	c->ttbr0 = read_sysreg(ttbr0_el1);
	c->tcr = read_sysreg(tcr_el1);
	c->mair = read_sysreg(mair_el1);
	c->vbar = read_sysreg(vbar_el1);
	c->sp_el1 = read_sysreg(sp_el1);
	if (fast)
		return;
	c->tpidr_el0 = read_sysreg(tpidr_el0);
	c->tpidr_el1 = read_sysreg(tpidr_el1);
	c->elr_el1 = read_sysreg(elr_el1);
	c->spsr_el1 = read_sysreg(spsr_el1);
	c->esr_el1 = read_sysreg(esr_el1);
	c->far_el1 = read_sysreg(far_el1);
	c->cntkctl = read_sysreg(cntkctl_el1);
}

static void el1_restore(const struct el1_ctx *c, bool fast)
{
	write_sysreg(sctlr_el1, c->sctlr);
	write_sysreg(cpacr_el1, c->cpacr);
	write_sysreg(ttbr0_el1, c->ttbr0);
	write_sysreg(tcr_el1, c->tcr);
	write_sysreg(mair_el1, c->mair);
	write_sysreg(vbar_el1, c->vbar);
	write_sysreg(sp_el1, c->sp_el1);
	if (!fast) {
		write_sysreg(tpidr_el0, c->tpidr_el0);
		write_sysreg(tpidr_el1, c->tpidr_el1);
		write_sysreg(elr_el1, c->elr_el1);
		write_sysreg(spsr_el1, c->spsr_el1);
		write_sysreg(esr_el1, c->esr_el1);
		write_sysreg(far_el1, c->far_el1);
		write_sysreg(cntkctl_el1, c->cntkctl);
	}
	isb();
}

static void stk_el1_restore(const struct el1_ctx *c, bool fast)
{
	write_sysreg(mair_el1, c->mair);
	write_sysreg(tcr_el1, c->tcr);
	write_sysreg(ttbr0_el1, c->ttbr0);
	write_sysreg(cpacr_el1, c->cpacr);
	write_sysreg(vbar_el1, c->vbar);
	if (!fast)
		write_sysreg(cntkctl_el1, c->cntkctl);
	write_sysreg(sctlr_el1, c->sctlr);
	isb();
}

static void ns_to_secure(struct mon_cpu *c, bool fast)
{
	el1_save(&c->ns.el1, fast);
	stk_el1_restore(&c->sec.el1, fast);
	c->ns_el1_fast = fast;
	c->ns_fp_saved = false;
	write_sysreg(cptr_el3, CPTR_TFP);
	isb();
}

static void secure_to_ns(struct mon_cpu *c)
{
	el1_restore(&c->ns.el1, c->ns_el1_fast);
	write_sysreg(cptr_el3, 0);
	isb();
	if (c->ns_fp_saved)
		fp_restore(&c->ns.fp);
	c->ns_fp_saved = false;
	c->cur = &c->ns;
}

/* The secure side touched FP/SIMD for the first time in this call. */
void world_secure_fp_trap(struct mon_cpu *c)
{
	write_sysreg(cptr_el3, 0);
	isb();
	fp_save(&c->ns.fp);
	c->ns_fp_saved = true;
}

/* A fresh entry reads x0..x7 only: the others keep what the monitor's
 * code left in them, values of the monitor or of the normal world. */
static void stk_entry_at(struct world *s, uint64_t entry)
{
	s->gp.partial = 1;
	s->gp.elr = entry;
	s->gp.spsr = SPSR_EL1H | SPSR_DAIF;
	s->gp.scr = SCR_SECURE;
}

/* Enters the STK at one of its entry points with x0..x(n-1) = args (at
 * boot and CPU_ON). */
void world_enter_stk(struct mon_cpu *c, uint64_t entry, const uint64_t *args, unsigned nargs)
{
	struct world *s = &c->sec;

	if (c->cur == &c->ns)
		ns_to_secure(c, false);
	c->cur = s;
	for (unsigned i = 0; i < 8; i++)
		s->gp.x[i] = i < nargs ? args[i] : 0;
	stk_entry_at(s, entry);
}

/* A Trusted-OS call of the normal world, to the STK at entry with the
 * call's x0..x7 (32-bit per the OP-TEE ABI). */
void world_call_stk(struct mon_cpu *c, uint64_t entry, bool fast)
{
	struct world *s = &c->sec;
	const uint64_t *x = c->ns.gp.x;

	ns_to_secure(c, fast);
	c->cur = s;
#pragma GCC unroll 8
	for (unsigned i = 0; i < 8; i++)
		s->gp.x[i] = (uint32_t)x[i];
	stk_entry_at(s, entry);
}

/* First entry of this CPU into the normal world (EL2), with a clean EL1
 * and FP state so nothing of the secure world's is left in registers. */
void world_enter_ns(struct mon_cpu *c, uint64_t entry, uint64_t x0)
{
	struct world *n = &c->ns;

	write_sysreg(cptr_el3, 0);
	isb();
	el1_save(&c->sec.el1, false); /* the STK's setup, for every later entry */
	c->ns_el1_fast = false;
	c->ns_fp_saved = false;
	memset(n, 0, sizeof(*n));
	n->el1.sctlr = SCTLR_EL1_RESET;
	el1_restore(&n->el1, false); /* no secure value is left in a register */
	fp_restore(&n->fp);
	n->gp.x[0] = x0;
	n->gp.elr = entry;
	n->gp.spsr = SPSR_EL2H | SPSR_DAIF;
	n->gp.scr = SCR_NONSECURE;
	c->cur = n;
}

static void stk_init_done(struct mon_cpu *c)
{
	/* x1 points at the STK's entry table: fast_smc, cpu_on, std_smc */
	const uint64_t *table = (const uint64_t *)(uintptr_t)c->sec.gp.x[1];

	if ((uintptr_t)table < STK_BASE || (uintptr_t)table >= STK_BASE + STK_SIZE)
		panic("STK entry table 0x%lx outside secure SRAM\n",
		      (unsigned long)(uintptr_t)table);
	stk_entry.fast_smc = table[0];
	stk_entry.cpu_on = table[1];
	stk_entry.std_smc = table[2];
	pr("STK initialised; entering the hypervisor at EL2 (0x%lx)\n", (unsigned long)HYP_BASE);
	world_enter_ns(c, HYP_BASE, c->idx);
}

static void stk_cpu_on_done(struct mon_cpu *c)
{
	world_enter_ns(c, c->ns_entry, c->ns_context);
}

/* The end of a fast call, or of one step of a yielding call (its result or
 * an RPC to the normal world). */
static void stk_call_done(struct mon_cpu *c)
{
	struct world *s = &c->sec, *n = &c->ns;

	secure_to_ns(c);
	/* Results are 32-bit per the OP-TEE ABI: zero-extend them. */
	for (unsigned i = 0; i < 4; i++)
		n->gp.x[i] = s->gp.x[i + 1] & 0xffffffffUL;
}

struct stk_ret_handler {
	uint32_t fid;
	void (*fn)(struct mon_cpu *c);
};

static const struct stk_ret_handler stk_ret_table[] = {
    {TZV_STK_RET_INIT_DONE, stk_init_done},
    {TZV_STK_RET_FAST_DONE, stk_call_done},
    {TZV_STK_RET_CPU_ON_DONE, stk_cpu_on_done},
};

/* The STK is trusted: an unknown return is a bug, so it halts. */
void stk_return(struct mon_cpu *c)
{
	uint32_t fid = (uint32_t)c->sec.gp.x[0];
	SMCCC_DISPATCH(stk_ret_table, fid, c);
	panic("unknown call 0x%x from the secure tiny kernel\n", fid);
}
