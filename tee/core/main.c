/* Secure tiny kernel: initialisation and the fatal path. */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/smccc.h>
#include <tzv/sysreg.h>

uint8_t stk_stacks[BOARD_MAX_CPUS * STK_STACK_SIZE] __attribute__((aligned(16)));

void stk_main(unsigned idx, uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3);
void stk_main(unsigned idx, uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3)
{
	const uint64_t secret[4] = {s0, s1, s2, s3};

	console_init(UART0_BASE, "[S-EL1 stk] ");
	stk_mmu_init_tables();
	stk_mmu_enable();
	write_sysreg(cpacr_el1, 3UL << 20); /* FP/SIMD for S-EL1 */
	isb();
	stk_fp_poison();
	stk_gic_cpu_init();
	pr("secure tiny kernel running at S-EL%u on CPU %u, MMU and caches on\n", current_el(),
	   idx);
	pal_registry_init();
	attest_init(secret);
}

void stk_cpu_on(void);
void stk_cpu_on(void)
{
	stk_mmu_enable();
	write_sysreg(cpacr_el1, 3UL << 20);
	isb();
	stk_fp_poison();
	stk_gic_cpu_init();
}

void cpu_halt(void)
{
	for (;;)
		wfe();
}

void stk_fatal(const uint64_t *regs, unsigned kind);
void stk_fatal(const uint64_t *regs, unsigned kind)
{
	static const char *const kinds[] = {"synchronous exception", "IRQ", "FIQ", "SError"};

	pr("FATAL S-EL1: %s on CPU %lu\n", kinds[kind & 3U],
	   (unsigned long)(read_sysreg(mpidr_el1) & 0xffffffUL));
	pr("  ESR_EL1 %016lx ELR_EL1 %016lx FAR_EL1 %016lx SPSR_EL1 %016lx\n",
	   (unsigned long)read_sysreg(esr_el1), (unsigned long)read_sysreg(elr_el1),
	   (unsigned long)read_sysreg(far_el1), (unsigned long)read_sysreg(spsr_el1));
	for (unsigned i = 0; i < 30; i += 2)
		pr("  x%02u %016lx x%02u %016lx\n", i, (unsigned long)regs[i], i + 1,
		   (unsigned long)regs[i + 1]);
	pr("  x30 %016lx\nS-EL1: CPU halted\n", (unsigned long)regs[30]);
	cpu_halt();
}
