/* What the guest-exit vectors hand to C: synchronous traps, dispatched on
 * ESR_EL2.EC through a table to the core's handlers (MMIO emulation, guest
 * SMC/HVC, VM life), and physical interrupts. Injecting an exception into
 * the guest is done here, as the hardware would take it. */
#include <console.h>
#include <tzv/console.h>
#include <tzv/cpu.h>
#include <vm.h>
#include <vpci.h>

typedef void (*trap_handler)(struct vcpu *v, uint64_t esr);

#define SPSR_M_MASK	   0xfUL
#define SPSR_PAN	   (1UL << 22)
#define SCTLR_SPAN	   (1UL << 23)
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

/* An abort with the given syndrome bits (fault status...). */
static void inject_abort(struct vcpu *v, bool data, uint64_t far, uint64_t iss)
{
	bool from_el0 = (v->spsr & SPSR_M_MASK) == 0;
	unsigned ec =
	    data ? (from_el0 ? EC_DABT_LOW : EC_DABT_CUR) : (from_el0 ? EC_IABT_LOW : EC_IABT_CUR);

	inject_exception(v, ((uint64_t)ec << 26) | ESR_IL | iss, far);
}

static void inject_undef(struct vcpu *v)
{
	inject_exception(v, ((uint64_t)EC_UNKNOWN << 26) | ESR_IL, read_sysreg(far_el1));
}

static uint64_t fault_ipa(void)
{
	return ((read_sysreg(hpfar_el2) & 0xffffffffff0UL) << 8) | (read_sysreg(far_el2) & 0xfffUL);
}

/* A stage-2 fault: the guest touched an address outside its VM. */
static void trap_abort(struct vcpu *v, uint64_t esr, bool data)
{
	uint64_t ipa = fault_ipa();
	uint64_t vbar = read_sysreg(vbar_el1);

	if (!data && v->pc >= vbar && v->pc < vbar + 0x800) {
		/* its own vectors are outside the VM: an abort would loop */
		pr("%s vcpu%u: exception vectors at 0x%lx are outside the VM: stopping it\n",
		   v->vm->cfg->name, v->id, (unsigned long)vbar);
		vm_power_off(v->vm, v);
	}
	vm_log(v->vm,
	       "%s vcpu%u: %s at IPA 0x%lx (PC 0x%lx, ESR 0x%lx) outside the VM: injecting an "
	       "external abort\n",
	       v->vm->cfg->name, v->id,
	       data ? (esr & (1UL << 6) ? "write" : "read") : "instruction fetch",
	       (unsigned long)ipa, (unsigned long)v->pc, (unsigned long)esr);
	inject_abort(v, data, read_sysreg(far_el2), FSC_SYNC_EXT_ABORT);
}

#define ESR_ISV	       (1UL << 24)
#define ESR_S1PTW      (1UL << 7)
#define ESR_WNR	       (1UL << 6)
#define FSC_TYPE       0x3cUL
#define FSC_PERMISSION 0x0cUL /* at levels 0..3 */

/* The access a data abort's syndrome describes (size, the value a store
 * writes); false if there is none (e.g. a load/store pair). */
static bool access_of(const struct vcpu *v, uint64_t esr, unsigned *size, uint64_t *val)
{
	unsigned rt = (esr >> 16) & 31U;

	*size = 1U << ((esr >> 22) & 3U);
	*val = (esr & ESR_WNR) && rt != 31 ? v->x[rt] : 0;
	if (*size < 8)
		*val &= (1UL << (8U * *size)) - 1U;
	return esr & ESR_ISV;
}

/* A store to a page its introspecting VM write-protected: vmi.c decides,
 * and a refusal is the permission fault read-only memory gives. */
static bool watched_write(struct vcpu *v, uint64_t esr)
{
	unsigned size;
	uint64_t val, far = read_sysreg(far_el2);
	bool syndrome = access_of(v, esr, &size, &val);

	switch (vmi_write_fault(v, fault_ipa(), far, syndrome, size, val)) {
	case VMI_WRITTEN:
		v->pc += 4;
		return true;
	case VMI_REFUSED:
		inject_abort(v, true, far, ESR_WNR | FSC_PERMISSION | 3U);
		return true;
	case VMI_AGAIN:
		return true;
	default:
		return false;
	}
}

/* Emulates a load or store to an emulated device; false if there is none. */
static bool emulate_mmio(struct vcpu *v, uint64_t esr)
{
	unsigned size;
	uint64_t val;
	bool write = esr & ESR_WNR;
	unsigned rt = (esr >> 16) & 31U;

	if (!access_of(v, esr, &size, &val) || !mmio_emulate(v, fault_ipa(), size, write, &val))
		return false;
	if (!write && rt != 31)
		v->x[rt] = size < 8 ? val & ((1UL << (8U * size)) - 1U) : val;
	v->pc += 4;
	return true;
}

static void trap_dabt(struct vcpu *v, uint64_t esr)
{
	if ((esr & FSC_TYPE) == FSC_PERMISSION && (esr & (ESR_WNR | ESR_S1PTW)) == ESR_WNR &&
	    watched_write(v, esr))
		return;
	if (!emulate_mmio(v, esr))
		trap_abort(v, esr, true);
}

static void trap_iabt(struct vcpu *v, uint64_t esr)
{
	trap_abort(v, esr, false);
}

static void trap_smc(struct vcpu *v, uint64_t esr)
{
	(void)esr;
	if (v->vm->vmi.traps) /* (the common case: no call out of line) */
		vmi_call_event(v, TZV_VMI_EV_SMC);
	v->pc += 4; /* a trapped SMC returns to itself */
	guest_smccc(v);
}

static void trap_hvc(struct vcpu *v, uint64_t esr)
{
	(void)esr; /* HVC returns past itself already */
	if (v->vm->vmi.traps)
		vmi_call_event(v, TZV_VMI_EV_HVC);
	guest_smccc(v);
}

/* ESR ISS of a trapped MSR/MRS, without Rt and direction */
#define SYSREG_KEY(op0, op1, crn, crm, op2)                                                        \
	(((op0) << 20) | ((op2) << 17) | ((op1) << 14) | ((crn) << 10) | ((crm) << 1))
#define SYSREG_KEY_MASK 0x3ffc1eUL
#define KEY_ICC_SGI1R	SYSREG_KEY(3UL, 0UL, 12UL, 11UL, 5UL)
#define KEY_ICC_ASGI1R	SYSREG_KEY(3UL, 0UL, 12UL, 11UL, 6UL)
#define KEY_ICC_SGI0R	SYSREG_KEY(3UL, 0UL, 12UL, 11UL, 7UL)

/* Writes HCR_EL2.TVM traps while introspection asks (vmi.c), made here as
 * the guest asked. */
#define VM_REG(crn, crm, op2, reg)                                                                 \
	case SYSREG_KEY(3UL, 0UL, crn##UL, crm##UL, op2##UL):                                      \
		write_sysreg(reg, val);                                                            \
		return true
static bool write_vm_reg(uint64_t key, uint64_t val)
{
	switch (key) {
		VM_REG(1, 0, 0, sctlr_el1);
		VM_REG(2, 0, 0, ttbr0_el1);
		VM_REG(2, 0, 1, ttbr1_el1);
		VM_REG(2, 0, 2, tcr_el1);
		VM_REG(5, 1, 0, afsr0_el1);
		VM_REG(5, 1, 1, afsr1_el1);
		VM_REG(5, 2, 0, esr_el1);
		VM_REG(6, 0, 0, far_el1);
		VM_REG(10, 2, 0, mair_el1);
		VM_REG(10, 3, 0, amair_el1);
		VM_REG(13, 0, 1, contextidr_el1);
	}
	return false;
}

static void trap_sysreg(struct vcpu *v, uint64_t esr)
{
	uint64_t key = esr & SYSREG_KEY_MASK;
	unsigned rt = (esr >> 5) & 31U;
	bool read = esr & 1U;
	uint64_t val = rt == 31 ? 0 : v->x[rt];

	if (!read && write_vm_reg(key, val)) {
		vmi_sysreg_event(v, key, val);
	} else if (key == KEY_ICC_SGI1R && !read) {
		vgic_sgi1r(v, val);
	} else if ((key == KEY_ICC_ASGI1R || key == KEY_ICC_SGI0R) && !read) {
		/* the guest has no Group 0 and no other security state: ignored */
	} else {
		vm_log(v->vm,
		       "%s vcpu%u: %s of system register (ESR 0x%lx) at PC 0x%lx not allowed: "
		       "injecting undefined instruction\n",
		       v->vm->cfg->name, v->id, read ? "read" : "write", (unsigned long)esr,
		       (unsigned long)v->pc);
		inject_undef(v);
		return;
	}
	v->pc += 4;
}

static void trap_unknown(struct vcpu *v, uint64_t esr)
{
	vm_log(v->vm,
	       "%s vcpu%u: unhandled trap (ESR 0x%lx, PC 0x%lx): injecting undefined instruction\n",
	       v->vm->cfg->name, v->id, (unsigned long)esr, (unsigned long)v->pc);
	inject_undef(v);
}

static const trap_handler trap_table[EC_MAX + 1] = {
    [EC_HVC64] = trap_hvc,     [EC_SMC64] = trap_smc,	  [EC_SYSREG] = trap_sysreg,
    [EC_IABT_LOW] = trap_iabt, [EC_DABT_LOW] = trap_dabt,
};

void hyp_trap_sync(struct vcpu *v);
void hyp_trap_sync(struct vcpu *v)
{
	uint64_t esr = read_sysreg(esr_el2);
	trap_handler h = trap_table[ESR_EC(esr)];

	v->stats.sync[ESR_EC(esr)]++;
	(h ? h : trap_unknown)(v, esr);
	vgic_flush(v);
}

/* A physical interrupt arrived while v ran on this CPU. */
void hyp_trap_irq(struct vcpu *v);
void hyp_trap_irq(struct vcpu *v)
{
	unsigned intid = gic_ack();

	v->stats.irq++;
	vuart_flush_partial();
	if (intid >= GIC_SPURIOUS)
		return;
	if (intid == PPI_VTIMER) { /* the most frequent, hardware-linked */
		gic_drop(intid);
		if (vgic_inject_ppi_now(v, intid))
			return; /* nothing else waited: nothing to flush */
		vgic_inject(v, intid, true);
	} else if (intid == SGI_HYP || intid == PPI_MAINT) {
		gic_drop(intid);
		gic_deactivate(intid);
		if (intid == SGI_HYP)
			vcpu_handle_requests(v);
	} else if (intid == UART0_INTID) {
		gic_drop(intid);
		console_rx_irq();
		gic_deactivate(intid);
	} else if (intid == SMMU_EVTQ_INTID || intid == SMMU_GERROR_INTID) {
		gic_drop(intid);
		vpci_fault_irq();
		gic_deactivate(intid);
	} else if (intid == PPI_PTIMER || vgic_spi_owned(v->vm, intid)) {
		/* hardware-linked: stays active until the guest's EOI */
		gic_drop(intid);
		vgic_inject(v, intid, true);
	} else {
		gic_drop(intid);
		gic_deactivate(intid);
		vm_log(v->vm, "CPU %u: interrupt %u owned by no VM running here: dropped\n",
		       cpu_index(), intid);
	}
	vgic_flush(v);
}
