/* selftest: misbehaves on purpose (tzv-pals.h), so that the tests can check
 * that the STK contains each fault to this instance. */
#include "pal.h"

PAL_DEFINE("selftest", TZV_UUID_SELFTEST, 0, 64 * 1024, 16 * 1024);

/* The STK's own image: a system call must not be able to read it. */
#define STK_ADDRESS 0x0E100000

/* volatile: the compiler can neither prove them NULL (and emit a trap
 * instead of the store) nor bound the recursion */
static uint32_t *volatile null_ptr;
static volatile uint32_t recursion_stop; /* never set */

static TEE_Result spin(struct pal_params *p)
{
	uint64_t start, until;
	uint32_t loops = 0;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	start = pal_time_us();
	until = start + (uint64_t)p->p[0].u.value.a * 1000;
	/* a system call per loop: preemption must be invisible across them */
	while (pal_time_us() < until)
		loops++;
	p->p[0].u.value.b = loops;
	return TEE_SUCCESS;
}

/* noinline: gcc would otherwise unroll the recursion into frames larger than
 * the guard page, which could then be stepped over */
__attribute__((noinline)) static uint32_t recurse(uint32_t depth)
{
	volatile uint8_t frame[1024];

	frame[0] = (uint8_t)depth;
	frame[sizeof(frame) - 1] = (uint8_t)depth;
	if (recursion_stop)
		return frame[0];
	/* used after the call: no tail call */
	return recurse(depth + 1) + frame[sizeof(frame) - 1];
}

TEE_Result pal_invoke(uint32_t cmd, struct pal_params *p)
{
	switch (cmd) {
	case SELFTEST_CMD_SPIN:
		return spin(p);
	case SELFTEST_CMD_NULL:
		*null_ptr = 0xdead;
		break;
	case SELFTEST_CMD_UNDEF:
		__asm__ volatile(".inst 0x00000000"); /* udf #0 */
		break;
	case SELFTEST_CMD_OOM:
		for (;;) {
			volatile uint8_t *b = malloc(4096);

			b[0] = 1; /* only the runtime's panic ends this */
		}
	case SELFTEST_CMD_STACK:
		recurse(0);
		break;
	case SELFTEST_CMD_STKMEM:
		/* must fail with TEE_ERROR_BAD_PARAMETERS, which the test sees */
		return pal_sys_log((const char *)STK_ADDRESS, 16);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
	/* still alive: the STK let the fault pass */
	return TEE_ERROR_GENERIC;
}
