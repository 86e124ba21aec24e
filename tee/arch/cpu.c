/* The STK's per-CPU setup, the syndrome of a trap from a PAL at S-EL0, and
 * the fatal path for exceptions taken at S-EL1 itself. */
#include <stk.h>
#include <tzv/fatal.h>
#include <tzv/sysreg.h>

#define CPACR_FPEN (3UL << 20) /* FP/SIMD for S-EL1 and S-EL0 */
#define EC_SVC64   0x15U

/* On every CPU, at boot and at each CPU_ON, with the STK's tables built. */
void stk_cpu_init(void)
{
	stk_mmu_enable();
	write_sysreg(cpacr_el1, CPACR_FPEN);
	isb();
	stk_fp_poison();
	stk_gic_cpu_init();
}

bool el0_trap_is_syscall(void)
{
	return ESR_EC(read_sysreg(esr_el1)) == EC_SVC64;
}

void el0_trap_syndrome(uint64_t *esr, uint64_t *far)
{
	*esr = read_sysreg(esr_el1);
	*far = read_sysreg(far_el1);
}

void stk_fatal(const uint64_t *regs, unsigned kind);
void stk_fatal(const uint64_t *regs, unsigned kind)
{
	const struct fatal_sysreg sys[] = {
	    {"ESR_EL1", read_sysreg(esr_el1)},
	    {"ELR_EL1", read_sysreg(elr_el1)},
	    {"FAR_EL1", read_sysreg(far_el1)},
	    {"SPSR_EL1", read_sysreg(spsr_el1)},
	};

	fatal_dump("S-EL1", kind & 3U, sys, 4, regs);
}

/* A service of the monitor (TZV_STK_SVC_*), on this CPU; the monitor
 * answers in x0 and keeps x19..x29 and the stack, as a C function does
 * (monitor/arch/entry.S), not the other registers. */
uint64_t stk_monitor_call(uint32_t fid, uint64_t a1)
{
	register uint64_t x0 __asm__("x0") = fid;
	register uint64_t x1 __asm__("x1") = a1;

	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1)
			 :
			 : "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
			   "x13", "x14", "x15", "x16", "x17", "x18", "x30", "memory", "cc");
	return x0;
}
