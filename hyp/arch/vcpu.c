/* A vCPU's start: its registers per the Linux arm64 boot protocol (x0 =
 * context, MMU and caches off at EL1) and the EL2 controls that confine it
 * to its VM, with nothing of a previous run left in the EL1 and FP/SIMD
 * registers. */
#include <cpu.h>
#include <tzv/string.h>
#include <vm.h>

#define HCR_VM	   (1UL << 0)
#define HCR_SWIO   (1UL << 1)
#define HCR_FMO	   (1UL << 3)
#define HCR_IMO	   (1UL << 4)
#define HCR_FB	   (1UL << 9)
#define HCR_BSU_IS (1UL << 10)
#define HCR_TSC	   (1UL << 19)
#define HCR_TVM	   (1UL << 26)
#define HCR_RW	   (1UL << 31)
#define HCR_APK	   (1UL << 40)
#define HCR_API	   (1UL << 41)
#define HCR_GUEST                                                                                  \
	(HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_FB | HCR_BSU_IS | HCR_TSC | HCR_RW |          \
	 HCR_APK | HCR_API)

/* VTCR: T0SZ=25, SL0=1 (start at level 1), WB-WA, inner shareable, 4K,
 * 40-bit physical, RES1 bit 31 */
#define VTCR_VALUE                                                                                 \
	((1UL << 31) | 25UL | (1UL << 6) | (1UL << 8) | (1UL << 10) | (3UL << 12) | (2UL << 16))

#define SCTLR_EL1_RESET 0x30D00800UL

void vcpu_arch_reset(struct vcpu *v)
{
	memset(v->x, 0, sizeof(v->x));
	v->x[0] = v->context;
	v->pc = v->entry;
	v->spsr = SPSR_EL1H | SPSR_DAIF;
	write_sysreg(vmpidr_el2, v->vmpidr);
	write_sysreg(vttbr_el2, v->vm->vttbr);
	write_sysreg(vtcr_el2, VTCR_VALUE);
	write_sysreg(hcr_el2, HCR_GUEST);
	v->tvm = false;
	isb();
	write_sysreg(sctlr_el1, SCTLR_EL1_RESET);
	write_sysreg(vbar_el1, 0);
	write_sysreg(ttbr0_el1, 0);
	write_sysreg(ttbr1_el1, 0);
	write_sysreg(tcr_el1, 0);
	write_sysreg(mair_el1, 0);
	write_sysreg(cpacr_el1, 0);
	write_sysreg(contextidr_el1, 0);
	write_sysreg(tpidr_el0, 0);
	write_sysreg(tpidrro_el0, 0);
	write_sysreg(tpidr_el1, 0);
	write_sysreg(sp_el0, 0);
	write_sysreg(sp_el1, 0);
	write_sysreg(elr_el1, 0);
	write_sysreg(spsr_el1, 0);
	write_sysreg(far_el1, 0);
	write_sysreg(esr_el1, 0);
	write_sysreg(par_el1, 0);
	write_sysreg(mdscr_el1, 0);
	write_sysreg(cntkctl_el1, 0);
	write_sysreg(cntv_ctl_el0, 0);
	write_sysreg(cntv_cval_el0, 0);
	write_sysreg(cntp_ctl_el0, 0);
	write_sysreg(cntp_cval_el0, 0);
	hyp_fp_clear();
	isb();
	__asm__ volatile("tlbi vmalls12e1\n dsb ish\n isb" ::: "memory");
}

/* The EL1 state of the vCPU that runs on this CPU, for introspection: it is
 * in the CPU's registers, not in memory, while the vCPU is in EL2. */
void vcpu_arch_save_el1(struct tzv_vmi_regs *r)
{
	r->sctlr = read_sysreg(sctlr_el1);
	r->ttbr0 = read_sysreg(ttbr0_el1);
	r->ttbr1 = read_sysreg(ttbr1_el1);
	r->tcr = read_sysreg(tcr_el1);
	r->mair = read_sysreg(mair_el1);
	r->vbar = read_sysreg(vbar_el1);
	r->esr = read_sysreg(esr_el1);
	r->far = read_sysreg(far_el1);
	r->sp_el1 = read_sysreg(sp_el1);
	r->elr = read_sysreg(elr_el1);
	r->spsr = read_sysreg(spsr_el1);
	r->sp_el0 = read_sysreg(sp_el0);
}

/* Introspection of the VM's memory-management registers: their writes
 * trap (and traps.c makes them) while on. */
void vcpu_arch_trap_vm_regs(bool on)
{
	write_sysreg(hcr_el2, HCR_GUEST | (on ? HCR_TVM : 0));
	isb();
}
