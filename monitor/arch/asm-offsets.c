#include <mon.h>
#include <tzv/offsets.h>
#include <tzv/sysreg.h>

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(CPU_CUR, offsetof(struct mon_cpu, cur));
	DEFINE(CPU_STACK_TOP, offsetof(struct mon_cpu, stack_top));
	DEFINE(GP_X, offsetof(struct gp_ctx, x));
	DEFINE(GP_SP_EL0, offsetof(struct gp_ctx, sp_el0));
	DEFINE(GP_ELR, offsetof(struct gp_ctx, elr));
	DEFINE(GP_SPSR, offsetof(struct gp_ctx, spsr));
	DEFINE(GP_SCR, offsetof(struct gp_ctx, scr));
	DEFINE(GP_PARTIAL, offsetof(struct gp_ctx, partial));
	DEFINE(SCR_NS_BIT, 0);
	DEFINE(ESR_EC_SHIFT, 26);
	DEFINE(ESR_EC_SMC64, EC_SMC64);
	_Static_assert(offsetof(struct gp_ctx, spsr) == offsetof(struct gp_ctx, elr) + 8, "ldp");
	_Static_assert(offsetof(struct gp_ctx, partial) == offsetof(struct gp_ctx, scr) + 8, "ldp");
	DEFINE(FP_Q, offsetof(struct fp_ctx, q));
	DEFINE(FP_FPSR, offsetof(struct fp_ctx, fpsr));
	DEFINE(FP_FPCR, offsetof(struct fp_ctx, fpcr));
	DEFINE(MON_STACK_SIZE, MON_STACK_BYTES);
	DEFINE(MAX_CPUS, BOARD_MAX_CPUS);
}
