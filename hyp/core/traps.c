/* Guest traps, dispatched on ESR_EL2.EC through a table. */
#include <hyp.h>
#include <tzv/console.h>
#include <tzv/smccc.h>
#include <tzv/sysreg.h>

typedef void (*trap_handler)(struct vcpu *v, uint64_t esr);

#define SPSR_M_MASK 0xfUL
#define SPSR_PAN (1UL << 22)
#define SCTLR_SPAN (1UL << 23)
#define FSC_SYNC_EXT_ABORT 0x10UL

/* Takes an exception to the guest's EL1 as hardware would: syndrome and
 * return state in its EL1 registers, PC at its vector, interrupts masked. */
static void inject_exception(struct vcpu *v, uint64_t esr, uint64_t far)
{
	uint64_t mode = v->spsr & SPSR_M_MASK;
	uint64_t vector = mode == 0 ? 0x400 : (mode == SPSR_EL1H ? 0x200 : 0x000);

	write_sysreg(esr_el1, esr);
	write_sysreg(far_el1, far);
	write_sysreg(elr_el1, v->pc);
	write_sysreg(spsr_el1, v->spsr);
	v->pc = read_sysreg(vbar_el1) + vector;
	v->spsr = SPSR_EL1H | SPSR_DAIF;
	if (!(read_sysreg(sctlr_el1) & SCTLR_SPAN))
		v->spsr |= SPSR_PAN;
}

/* A synchronous external abort, as for an access no device answers. */
static void inject_abort(struct vcpu *v, bool data, uint64_t far)
{
	bool from_el0 = (v->spsr & SPSR_M_MASK) == 0;
	unsigned ec = data ? (from_el0 ? EC_DABT_LOW : EC_DABT_CUR)
			   : (from_el0 ? EC_IABT_LOW : EC_IABT_CUR);

	inject_exception(v, ((uint64_t)ec << 26) | ESR_IL | FSC_SYNC_EXT_ABORT, far);
}

static void inject_undef(struct vcpu *v)
{
	inject_exception(v, ((uint64_t)EC_UNKNOWN << 26) | ESR_IL, read_sysreg(far_el1));
}

static uint64_t fault_ipa(void)
{
	return ((read_sysreg(hpfar_el2) & 0xffffffffff0UL) << 8) |
	       (read_sysreg(far_el2) & 0xfffUL);
}

/* A stage-2 fault: the guest touched an address outside its VM. */
static void trap_abort(struct vcpu *v, uint64_t esr, bool data)
{
	uint64_t ipa = fault_ipa();

	vm_log(v->vm, "%s vcpu%u: %s at IPA 0x%lx (PC 0x%lx, ESR 0x%lx) outside the VM: injecting an external abort\n",
	       v->vm->cfg->name, v->id, data ? (esr & (1UL << 6) ? "write" : "read") : "instruction fetch",
	       (unsigned long)ipa, (unsigned long)v->pc, (unsigned long)esr);
	inject_abort(v, data, read_sysreg(far_el2));
}

static void trap_dabt(struct vcpu *v, uint64_t esr)
{
	trap_abort(v, esr, true);
}

static void trap_iabt(struct vcpu *v, uint64_t esr)
{
	trap_abort(v, esr, false);
}

static void trap_smc(struct vcpu *v, uint64_t esr)
{
	(void)esr;
	v->pc += 4; /* a trapped SMC returns to itself */
	vpsci_handle(v, (uint32_t)v->x[0]);
}

static void trap_hvc(struct vcpu *v, uint64_t esr)
{
	(void)esr;
	vm_log(v->vm, "%s vcpu%u: unknown HVC 0x%lx\n", v->vm->cfg->name, v->id,
	       (unsigned long)v->x[0]);
	v->x[0] = (uint64_t)SMCCC_NOT_SUPPORTED;
}

static void trap_unknown(struct vcpu *v, uint64_t esr)
{
	vm_log(v->vm, "%s vcpu%u: unhandled trap (ESR 0x%lx, PC 0x%lx): injecting undefined instruction\n",
	       v->vm->cfg->name, v->id, (unsigned long)esr, (unsigned long)v->pc);
	inject_undef(v);
}

static const trap_handler trap_table[EC_MAX + 1] = {
	[EC_HVC64] = trap_hvc,
	[EC_SMC64] = trap_smc,
	[EC_IABT_LOW] = trap_iabt,
	[EC_DABT_LOW] = trap_dabt,
};

void hyp_trap_sync(struct vcpu *v);
void hyp_trap_sync(struct vcpu *v)
{
	uint64_t esr = read_sysreg(esr_el2);
	trap_handler h = trap_table[ESR_EC(esr)];

	(h ? h : trap_unknown)(v, esr);
}
