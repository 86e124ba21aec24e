/* The physical CPU the hypervisor runs on: its index, its stack, its EL2
 * setup, its power (through the monitor), and the fatal path for
 * exceptions taken at EL2 itself. */
#include <cpu.h>
#include <tzv/cpu.h>
#include <tzv/fatal.h>
#include <tzv/smccc.h>
#include <vm.h>

uint8_t hyp_stacks[BOARD_MAX_CPUS * HYP_STACK_SIZE] __attribute__((aligned(16)));

extern char hyp_secondary_entry[];
extern char hyp_probe_load[], hyp_probe_fault[];

uint64_t hyp_stack_top(unsigned pcpu)
{
	return (uint64_t)(uintptr_t)(hyp_stacks + (pcpu + 1U) * HYP_STACK_SIZE);
}

/* EL2 state that does not depend on which guest runs here. */
void hyp_cpu_init(void)
{
	write_sysreg(cptr_el2, 0x33ffUL); /* RES1 bits; no FP/SIMD trap */
	/* let the guest use every PMU counter, trap no debug registers */
	write_sysreg(mdcr_el2, (read_sysreg(pmcr_el0) >> 11) & 0x1fUL);
	/* a vCPU owns its CPU's EL1 timers: the physical counter and timer
	 * (EL1PCTEN, EL1PCEN) as well as the virtual ones; no counter offset
	 * (docs/boot-flow.md) */
	write_sysreg(cnthctl_el2, 3UL);
	write_sysreg(cntvoff_el2, 0);
	write_sysreg(ICC_SRE_EL2, 0xfUL);
	isb();
	write_sysreg(ICC_SRE_EL1, 0x7UL);
	write_sysreg(vpidr_el2, read_sysreg(midr_el1));
	isb();
	gic_cpu_init(cpu_index());
}

long pcpu_power_on(struct vcpu *v)
{
	long ret = PSCI_ALREADY_ON;

	/* the CPU may still be on its way off after its previous vCPU stopped */
	for (unsigned tries = 0; tries < 1000000 && ret == PSCI_ALREADY_ON; tries++)
		ret = fw_cpu_on(v->pcpu, (uint64_t)(uintptr_t)hyp_secondary_entry,
				(uint64_t)(uintptr_t)v);
	return ret;
}

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
	const struct fatal_sysreg sys[] = {
	    {"ESR_EL2", esr},
	    {"ELR_EL2", elr},
	    {"FAR_EL2", read_sysreg(far_el2)},
	    {"SPSR_EL2", read_sysreg(spsr_el2)},
	};
	fatal_dump("EL2", kind, sys, 4, regs);
}
