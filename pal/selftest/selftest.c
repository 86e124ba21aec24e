/* selftest: misbehaves on purpose (tzv-pals.h), so that the tests can check
 * that the STK contains each fault to this instance. */
#include <stdbool.h>
#include <string.h>

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

static bool types(const struct pal_params *p, uint32_t t0, uint32_t t1, uint32_t t2)
{
	return pal_param_types(p) == TEE_PARAM_TYPES(t0, t1, t2, TEE_PARAM_TYPE_NONE);
}

/* Output memref i gets len bytes from src, or learns the size it needs. */
static TEE_Result put(struct pal_params *p, int i, const void *src, size_t len)
{
	struct pal_param *o = &p->p[i];

	if (o->u.mem.size < len || (len && !o->u.mem.buf)) {
		o->u.mem.size = len;
		return TEE_ERROR_SHORT_BUFFER;
	}
	memcpy((void *)(uintptr_t)o->u.mem.buf, src, len);
	o->u.mem.size = len;
	return TEE_SUCCESS;
}

/* Input memref i into buf (at most max bytes, in the arena, where the
 * system calls look); its length, or -1. */
static long get(const struct pal_params *p, int i, void *buf, size_t max)
{
	const struct pal_param *in = &p->p[i];

	if (in->u.mem.size > max || (in->u.mem.size && !in->u.mem.buf))
		return -1;
	memcpy(buf, (const void *)(uintptr_t)in->u.mem.buf, in->u.mem.size);
	return (long)in->u.mem.size;
}

static uint8_t blob[SELFTEST_SEAL_MAX + PAL_SEAL_OVERHEAD];

static TEE_Result seal(struct pal_params *p)
{
	long len;

	if (!types(p, TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_MEMREF_INPUT,
		   TEE_PARAM_TYPE_MEMREF_OUTPUT) ||
	    (len = get(p, 1, blob + PAL_SEAL_OVERHEAD, SELFTEST_SEAL_MAX)) < 0)
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_Result res = pal_seal(p->p[0].u.value.a, blob + PAL_SEAL_OVERHEAD, (size_t)len, blob);
	if (res == TEE_SUCCESS)
		res = put(p, 2, blob, (size_t)len + PAL_SEAL_OVERHEAD);
	pal_wipe(blob, sizeof(blob));
	return res;
}

static TEE_Result unseal(struct pal_params *p)
{
	long size;
	void *data;
	size_t len;

	if (!types(p, TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_MEMREF_OUTPUT,
		   TEE_PARAM_TYPE_NONE) ||
	    (size = get(p, 0, blob, sizeof(blob))) < 0)
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_Result res = pal_unseal(blob, (size_t)size, &data, &len);
	if (res == TEE_SUCCESS)
		res = put(p, 1, data, len);
	pal_wipe(blob, sizeof(blob));
	return res;
}

static TEE_Result statement(struct pal_params *p)
{
	uint8_t data[PAL_STATEMENT_DATA_MAX];
	struct pal_statement_token token;
	long len;

	if (!types(p, TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_MEMREF_OUTPUT,
		   TEE_PARAM_TYPE_NONE) ||
	    (len = get(p, 0, data, sizeof(data))) < 0)
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_Result res = pal_sys_statement(data, (size_t)len, &token);
	return res == TEE_SUCCESS ? put(p, 1, &token, sizeof(token)) : res;
}

TEE_Result pal_invoke(uint32_t cmd, struct pal_params *p)
{
	switch (cmd) {
	case SELFTEST_CMD_SEAL:
		return seal(p);
	case SELFTEST_CMD_UNSEAL:
		return unseal(p);
	case SELFTEST_CMD_STATEMENT:
		return statement(p);
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
