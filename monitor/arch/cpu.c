/* A CPU's EL3 setup, on every power-on. */
#include <mon.h>
#include <tzv/sysreg.h>

#define MDCR_SDD	(1UL << 16) /* no debug exceptions in the secure state */
#define SCTLR_EL2_RESET 0x30C50830UL

void cpu_arch_init(struct mon_cpu *c)
{
	mmu_enable();
	write_sysreg(tpidr_el3, c);
	write_sysreg(cptr_el3, 0); /* FP/SIMD usable below and here */
	write_sysreg(mdcr_el3, MDCR_SDD);
	gic_init_cpu();
	write_sysreg(ICC_SRE_EL1, 0x7);
	write_sysreg(ICC_SRE_EL2, 0xf);
	isb();
	/* Reset values are UNKNOWN on hardware; start EL2 with MMU off. */
	write_sysreg(sctlr_el2, SCTLR_EL2_RESET);
	isb();
}
