/* EL3 monitor: cold boot of the primary CPU, secondary hold, and the first
 * entries into the secure tiny kernel and the hypervisor. */
#include <mon.h>
#include <tzv/console.h>
#include <tzv/smccc.h>
#include <tzv/string.h>
#include <tzv/sysreg.h>

struct mon_cpu mon_cpus[BOARD_MAX_CPUS];
struct stk_entries stk_entry;

static void cpu_init_el3(unsigned idx)
{
	struct mon_cpu *c = &mon_cpus[idx];

	c->idx = idx;
	write_sysreg(tpidr_el3, c);
	write_sysreg(cptr_el3, 0);	   /* FP/SIMD usable below and here */
	write_sysreg(mdcr_el3, 1UL << 16); /* SDD: no debug exceptions in the secure state */
	gic_init_cpu();
	write_sysreg(ICC_SRE_EL1, 0x7);
	write_sysreg(ICC_SRE_EL2, 0xf);
	isb();
	/* Reset values are UNKNOWN on hardware; start EL2 with MMU off. */
	write_sysreg(sctlr_el2, 0x30C50830UL);
	isb();
}

extern uint8_t mon_stacks[];

static void set_stack_top(struct mon_cpu *c)
{
	c->stack_top = (uint64_t)(uintptr_t)(mon_stacks + (c->idx + 1U) * MON_STACK_BYTES);
}

void mon_main(unsigned idx);
void mon_main(unsigned idx)
{
	struct mon_cpu *c = &mon_cpus[idx];

	console_init(UART0_BASE, "[EL3 mon] ");
	pr("tzvisor secure monitor running at EL%u on CPU %u (" BOARD_NAME ")\n", current_el(),
	   idx);
	cpu_init_el3(idx);
	set_stack_top(c);
	psci_mark_booted(idx, gic_init_distributor());
	uint64_t stk_size = secure_boot();
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
	mon_cpu_wait_for_on(&mon_cpus[idx]);
}

/* Called from psci once this CPU has been switched on. */

void mon_cpu_started(struct mon_cpu *c)
{
	cpu_init_el3(c->idx);
	set_stack_top(c);
	const uint64_t args[1] = {c->idx};
	world_enter_stk(c, stk_entry.cpu_on, args, 1);
	el3_exit();
}

void cpu_halt(void)
{
	for (;;)
		wfe();
}

static const char *const fatal_kinds[] = {
    "synchronous exception at EL3",
    "IRQ at EL3",
    "FIQ at EL3",
    "SError at EL3",
    "IRQ from a lower EL",
    "FIQ from a lower EL",
    "SError from a lower EL",
    "exception from AArch32",
};

void mon_fatal(const uint64_t *regs, unsigned kind);
void mon_fatal(const uint64_t *regs, unsigned kind)
{
	pr("FATAL EL3: %s on CPU %lu\n", fatal_kinds[kind & 7U],
	   (unsigned long)(read_sysreg(mpidr_el1) & 0xffffffUL));
	pr("  ESR_EL3 %016lx ELR_EL3 %016lx FAR_EL3 %016lx\n", (unsigned long)read_sysreg(esr_el3),
	   (unsigned long)read_sysreg(elr_el3), (unsigned long)read_sysreg(far_el3));
	pr("  SPSR_EL3 %016lx SCR_EL3 %016lx\n", (unsigned long)read_sysreg(spsr_el3),
	   (unsigned long)read_sysreg(scr_el3));
	for (unsigned i = 0; i < 31; i += 2) {
		if (i == 30)
			pr("  x30 %016lx\n", (unsigned long)regs[30]);
		else
			pr("  x%02u %016lx x%02u %016lx\n", i, (unsigned long)regs[i], i + 1,
			   (unsigned long)regs[i + 1]);
	}
	pr("EL3: CPU halted\n");
	cpu_halt();
}
