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
}
