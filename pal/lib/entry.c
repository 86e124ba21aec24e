/* The entry point the header names: dispatches one STK entry to the PAL's
 * handlers and ends it with SYS_RETURN. Also the runtime's small glue. */
#include "pal.h"

/* BearSSL (Debian's build) is compiled with the stack protector; it reads
 * this canary. In bss (no data page for 8 bytes): OPEN, always the first
 * entry, sets it before any BearSSL code runs. */
uintptr_t __stack_chk_guard;

void __stack_chk_fail(void);
__attribute__((noreturn, section(".text.pal_entry"))) void pal_entry(uint64_t op, uint64_t cmd,
								     struct pal_params *p);

void pal_entry(uint64_t op, uint64_t cmd, struct pal_params *p)
{
	TEE_Result res;

	switch (op) {
	case PAL_OP_OPEN:
		/* No frame that checks the canary is live here. */
		pal_random(&__stack_chk_guard, sizeof(__stack_chk_guard));
		res = pal_open(p);
		break;
	case PAL_OP_INVOKE:
		res = pal_invoke((uint32_t)cmd, p);
		break;
	case PAL_OP_CLOSE:
		pal_close();
		res = TEE_SUCCESS;
		break;
	default:
		res = TEE_ERROR_NOT_SUPPORTED;
		break;
	}
	pal_sys_return(res);
}

__attribute__((weak)) TEE_Result pal_open(struct pal_params *p)
{
	(void)p;
	return TEE_SUCCESS;
}

__attribute__((weak)) void pal_close(void)
{
}

uint32_t pal_param_types(const struct pal_params *p)
{
	uint32_t types = 0;

	for (int i = 0; i < 4; i++) {
		/* an out-of-range type must match no TEE_PARAM_TYPES() */
		if (p->p[i].type > 0xf)
			return UINT32_MAX;
		types |= p->p[i].type << (4 * i);
	}
	return types;
}

void pal_panic(uint32_t code)
{
	pal_sys_panic(code);
}

void __stack_chk_fail(void)
{
	pal_panic(PAL_PANIC_STACK_SMASH);
}

TEE_Result pal_random(void *buf, size_t len)
{
	uint8_t *b = buf;

	while (len) {
		size_t n = len < PAL_RANDOM_MAX ? len : PAL_RANDOM_MAX;
		TEE_Result res = pal_sys_random(b, n);

		if (res != TEE_SUCCESS)
			return res;
		b += n;
		len -= n;
	}
	return TEE_SUCCESS;
}
