/* Secure tiny kernel: initialisation (other CPUs only run stk_cpu_init). */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/sysreg.h>

uint8_t stk_stacks[BOARD_MAX_CPUS * STK_STACK_SIZE] __attribute__((aligned(16)));

void stk_main(unsigned idx, uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3);
void stk_main(unsigned idx, uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3)
{
	const uint64_t secret[4] = {s0, s1, s2, s3};

	console_init(UART0_BASE, "[S-EL1 stk] ");
	stk_mmu_init_tables();
	stk_cpu_init();
	console_share(CONSOLE_SHARED_BASE, false);
	pr("secure tiny kernel running at S-EL%u on CPU %u, MMU and caches on\n", current_el(),
	   idx);
	pal_registry_init();
	attest_init(secret);
}
