/* Secure tiny kernel: initialisation and the fast-call front end. */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/smccc.h>
#include <tzv/sysreg.h>

uint8_t stk_stacks[BOARD_MAX_CPUS * STK_STACK_SIZE] __attribute__((aligned(16)));

void stk_main(unsigned idx);
void stk_main(unsigned idx)
{
	console_init(UART0_BASE, "[S-EL1 stk] ");
	stk_mmu_init_tables();
	stk_mmu_enable();
	write_sysreg(cpacr_el1, 3UL << 20); /* FP/SIMD for S-EL1 */
	isb();
	stk_fp_poison();
	pr("secure tiny kernel running at S-EL%u on CPU %u, MMU and caches on\n",
	   current_el(), idx);
}

void stk_cpu_on(void);
void stk_cpu_on(void)
{
	stk_mmu_enable();
	write_sysreg(cpacr_el1, 3UL << 20);
	isb();
	stk_fp_poison();
}

static void ret4(struct smc_args *a, uint64_t r0, uint64_t r1, uint64_t r2,
		 uint64_t r3)
{
	a->a[0] = r0;
	a->a[1] = r1;
	a->a[2] = r2;
	a->a[3] = r3;
}

static void fast_calls_uid(struct smc_args *a)
{
	/* the OP-TEE message API UID the Linux driver checks */
	ret4(a, 0x384fb3e0, 0xe7f811e3, 0xaf630002, 0xa5d5c51b);
}

static void fast_calls_revision(struct smc_args *a)
{
	ret4(a, 2, 0, 0, 0);
}

static void fast_os_revision(struct smc_args *a)
{
	ret4(a, TZV_OS_REV_MAJOR, TZV_OS_REV_MINOR, 0, 0);
}

struct fast_handler {
	uint32_t fid;
	void (*fn)(struct smc_args *a);
};

static const struct fast_handler fast_table[] = {
	{OPTEE_SMC_CALLS_UID, fast_calls_uid},
	{OPTEE_SMC_CALLS_REVISION, fast_calls_revision},
	{OPTEE_SMC_GET_OS_REVISION, fast_os_revision},
};

void stk_fast_smc(struct smc_args *a)
{
	uint32_t fid = (uint32_t)a->a[0];

	for (unsigned i = 0; i < sizeof(fast_table) / sizeof(fast_table[0]); i++) {
		if (fast_table[i].fid == fid) {
			fast_table[i].fn(a);
			return;
		}
	}
	ret4(a, OPTEE_SMC_RETURN_UNKNOWN_FUNCTION, 0, 0, 0);
}

void cpu_halt(void)
{
	for (;;)
		wfe();
}

void stk_fatal(const uint64_t *regs, unsigned kind);
void stk_fatal(const uint64_t *regs, unsigned kind)
{
	static const char *const kinds[] = {"synchronous exception", "IRQ", "FIQ",
					    "SError"};

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
