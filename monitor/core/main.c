/* EL3 monitor: cold boot of the primary CPU, secondary hold, and the first
 * entries into the secure tiny kernel and the hypervisor. */
#include <mon.h>
#include <tzv/console.h>
#include <tzv/string.h>
#include <tzv/sysreg.h>

void mon_main(unsigned idx);
void mon_main(unsigned idx)
{
	console_init(UART0_BASE, "[EL3 mon] ");
	pr("tzvisor secure monitor running at EL%u on CPU %u (" BOARD_NAME ")\n", current_el(),
	   idx);
	struct mon_cpu *c = mon_cpu_setup(idx);
	console_share(CONSOLE_SHARED_BASE, true); /* (its MMU is on now) */
	unsigned cpus = gic_init_distributor();
	psci_mark_booted(idx, cpus);
	uint64_t stk_size = secure_boot(cpus);
	pr("STK: %lu bytes in secure SRAM at 0x%lx\n", (unsigned long)stk_size,
	   (unsigned long)STK_BASE);
	/* x0 = this CPU, x1..x4 = the device secret, which only the STK keeps */
	uint64_t args[5] = {idx};
	device_secret(&args[1]);
	world_enter_stk(c, STK_BASE, args, 5);
	memset(args, 0, sizeof(args));
	el3_exit();
}

/* Secondary CPUs stay here until PSCI CPU_ON names them. */
void mon_secondary(unsigned idx);
void mon_secondary(unsigned idx)
{
	gic_init_cpu();
	mon_cpu_wait_for_on(idx);
}
