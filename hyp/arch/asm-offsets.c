#include <cpu.h>
#include <tzv/offsets.h>
#include <vm.h>

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(VCPU_X, offsetof(struct vcpu, x));
	DEFINE(VCPU_PC, offsetof(struct vcpu, pc));
	DEFINE(VCPU_SPSR, offsetof(struct vcpu, spsr));
	DEFINE(VCPU_STACK_TOP, offsetof(struct vcpu, stack_top));
	DEFINE(SMC_REGS_X, offsetof(struct smc_regs, x));
	DEFINE(HYP_STACK_SIZE_, HYP_STACK_SIZE);
	DEFINE(MAX_CPUS, BOARD_MAX_CPUS);
}
