/* Hypervisor boot: primary and secondary CPUs, idle loop, fatal path. */
#include <hyp.h>
#include <tzv/console.h>
#include <tzv/smccc.h>
#include <tzv/sysreg.h>

uint8_t hyp_stacks[BOARD_MAX_CPUS * HYP_STACK_SIZE] __attribute__((aligned(16)));

extern char hyp_secondary_entry[];

unsigned this_cpu(void)
{
	return board_cpu_index(read_sysreg(mpidr_el1));
}

uint64_t hyp_stack_top(unsigned pcpu)
{
	return (uint64_t)(uintptr_t)(hyp_stacks + (pcpu + 1U) * HYP_STACK_SIZE);
}

/* A physical CPU is powered exactly while its vCPU is: switching a vCPU on
 * asks the monitor to start its CPU here, with the vCPU as context. */
long pcpu_power_on(struct vcpu *v)
{
	long ret = PSCI_ALREADY_ON;

	/* the CPU may still be on its way off after its previous vCPU stopped */
	for (unsigned tries = 0; tries < 1000000 && ret == PSCI_ALREADY_ON; tries++) {
		struct smc_regs r = {{PSCI_CPU_ON_64, board_cpu_mpidr(v->pcpu),
				      (uint64_t)(uintptr_t)hyp_secondary_entry,
				      (uint64_t)(uintptr_t)v}};
		hyp_smc(&r);
		ret = (long)r.x[0];
	}
	return ret;
}

void pcpu_power_off(void)
{
	struct smc_regs r = {{PSCI_CPU_OFF}};

	hyp_smc(&r);
	panic("PSCI CPU_OFF returned %ld\n", (long)r.x[0]);
}

void hyp_main(void);
void hyp_main(void)
{
	console_init(UART0_BASE, "[EL2 hyp] ");
	pr("tzvisor hypervisor running at EL%u on CPU %u\n", current_el(), this_cpu());
	hyp_mmu_init();
	hyp_mmu_enable();
	hyp_cpu_init();
	hyp_selftest();
	gic_dist_init();
	vm_create_all();
	struct vcpu *mine = NULL;
	for (unsigned i = 0; i < vm_count; i++) {
		struct vcpu *boot = vm_start(&vms[i]);
		if (i + 1 == vm_count)
			console_init_input();
		if (!boot)
			continue;
		if (boot->pcpu == this_cpu())
			mine = boot;
		else if (pcpu_power_on(boot) != PSCI_SUCCESS)
			panic("cannot start CPU %u for %s\n", boot->pcpu, vms[i].cfg->name);
	}
	bool any = false;
	for (unsigned i = 0; i < vm_count; i++)
		any |= vms[i].state == VM_RUNNING;
	if (!any) {
		pr("no VM could start: system off\n");
		struct smc_regs r = {{PSCI_SYSTEM_OFF}};
		hyp_smc(&r);
	}
	if (mine)
		vcpu_run(mine);
	pcpu_power_off();
}

/* Entered through PSCI CPU_ON with the vCPU this CPU is to run. */
void hyp_secondary_main(struct vcpu *v);
void hyp_secondary_main(struct vcpu *v)
{
	hyp_mmu_enable();
	hyp_cpu_init();
	vcpu_run(v);
}

void cpu_halt(void)
{
	for (;;)
		wfe();
}

extern char hyp_probe_load[], hyp_probe_fault[];

static const char *const exc_kinds[] = {
    "synchronous exception at EL2",
    "IRQ at EL2",
    "FIQ at EL2",
    "SError at EL2",
    "IRQ from a guest",
    "FIQ from a guest",
    "SError from a guest",
    "exception from AArch32",
};

/* Exceptions taken at EL2 itself. Only the boot probe may fault. */
void hyp_el2_exception(uint64_t *regs, unsigned kind);
void hyp_el2_exception(uint64_t *regs, unsigned kind)
{
	uint64_t elr = read_sysreg(elr_el2), esr = read_sysreg(esr_el2);

	if (kind == 0 && elr == (uint64_t)(uintptr_t)hyp_probe_load) {
		regs[2] = esr; /* the probe reports the syndrome in x2 */
		write_sysreg(elr_el2, (uint64_t)(uintptr_t)hyp_probe_fault);
		return;
	}
	pr("FATAL EL2: %s on CPU %u\n", exc_kinds[kind & 7U], this_cpu());
	pr("  ESR_EL2 %016lx ELR_EL2 %016lx FAR_EL2 %016lx SPSR_EL2 %016lx\n", (unsigned long)esr,
	   (unsigned long)elr, (unsigned long)read_sysreg(far_el2),
	   (unsigned long)read_sysreg(spsr_el2));
	for (unsigned i = 0; i < 30; i += 2)
		pr("  x%02u %016lx x%02u %016lx\n", i, (unsigned long)regs[i], i + 1,
		   (unsigned long)regs[i + 1]);
	pr("  x30 %016lx\nEL2: CPU halted\n", (unsigned long)regs[30]);
	cpu_halt();
}
