/* The racer of test/configs/stoprace.toml: its two vCPUs race to stop the
 * VM, a different way each boot, and the VM restarts; the test counts the
 * rounds. A stop that hangs a CPU or is lost ends the rounds. */
#include "bm.h"

/* MMU off: these are Device memory, seen at once by both vCPUs */
static volatile unsigned mode, ready, go;
static uint64_t stack1[1024] __attribute__((aligned(16)));

static const char *const how[] = {
    "both vCPUs ask for SYSTEM_RESET at once",
    "SYSTEM_RESET while vcpu1 is still starting",
    "the panic hypercall on vcpu0 and SYSTEM_RESET on vcpu1 at once",
};

void bm_secondary_main(void)
{
	ready = 1;
	while (!go)
		;
	bm_hvc(PSCI_SYSTEM_RESET, 0, 0, 0);
	pr("stoprace: vcpu1 STILL RUNNING after SYSTEM_RESET\n");
	for (;;)
		wfi();
}

void bm_main(uint64_t dtb)
{
	(void)dtb;
	mode = (unsigned)(read_sysreg(cntvct_el0) >> 12) % 3U;
	pr("stoprace: round, mode %u: %s\n", mode, how[mode]);
	long r = (long)bm_hvc(PSCI_CPU_ON_64, 1, (uint64_t)(uintptr_t)bm_secondary,
			      (uint64_t)(uintptr_t)(stack1 + 1024))
		     .a0;
	if (r != PSCI_SUCCESS)
		pr("stoprace: CPU_ON of vcpu1 FAILED: %ld\n", r);
	if (mode != 1) {
		while (!ready)
			;
		go = 1;
	}
	bm_hvc(mode == 2 ? TZV_HC_GUEST_PANIC : PSCI_SYSTEM_RESET, 0, 0, 0);
	pr("stoprace: vcpu0 STILL RUNNING after asking to stop\n");
	for (;;)
		wfi();
}
