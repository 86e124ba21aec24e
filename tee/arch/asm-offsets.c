#include <stk.h>
#include <tzv/offsets.h>
#include <tzv/smccc.h>

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(STK_STACK_SIZE_, STK_STACK_SIZE);
	DEFINE(RET_INIT_DONE, TZV_STK_RET_INIT_DONE);
	DEFINE(RET_FAST_DONE, TZV_STK_RET_FAST_DONE);
	DEFINE(RET_CPU_ON_DONE, TZV_STK_RET_CPU_ON_DONE);
	DEFINE(CTX_X, offsetof(struct pal_ctx, x));
	DEFINE(CTX_SP, offsetof(struct pal_ctx, sp));
	DEFINE(CTX_SPSR, offsetof(struct pal_ctx, spsr));
	DEFINE(CTX_FPSR, offsetof(struct pal_ctx, fpsr));
	DEFINE(CTX_Q, offsetof(struct pal_ctx, q));
}
