/* Hypervisor boot: the primary CPU builds and starts every VM, the others
 * come on through PSCI CPU_ON to run one vCPU each. */
#include <console.h>
#include <cpu.h>
#include <tzv/console.h>
#include <tzv/cpu.h>
#include <tzv/smccc.h>
#include <vm.h>
#include <vpci.h>

void hyp_main(void);
void hyp_main(void)
{
	console_init(UART0_BASE, "[EL2 hyp] ");
	pr("tzvisor hypervisor running at EL%u on CPU %u\n", current_el(), cpu_index());
	hyp_mmu_init();
	hyp_mmu_enable();
	console_share(CONSOLE_SHARED_BASE, false);
	hyp_cpu_init();
	hyp_selftest();
	gic_dist_init();
	vm_create_all();
	vpci_init();
	struct vcpu *mine = NULL;
	for (unsigned i = 0; i < vm_count; i++) {
		struct vcpu *boot = vm_start(&vms[i]);
		if (i + 1 == vm_count)
			console_init_input();
		if (!boot)
			continue;
		if (boot->pcpu == cpu_index())
			mine = boot;
		else if (pcpu_power_on(boot) != PSCI_SUCCESS)
			panic("cannot start CPU %u for %s\n", boot->pcpu, vms[i].cfg->name);
	}
	if (!vm_any_running()) {
		pr("no VM could start: system off\n");
		fw_system_off();
	}
	if (mine)
		vcpu_run(mine);
	fw_cpu_off();
}

/* Entered through PSCI CPU_ON with the vCPU this CPU is to run. */
void hyp_secondary_main(struct vcpu *v);
void hyp_secondary_main(struct vcpu *v)
{
	hyp_mmu_enable();
	hyp_cpu_init();
	vcpu_run(v);
}
