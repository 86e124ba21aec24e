/* hello: the smallest PAL, for the end-to-end tests (tzv-pals.h). */
#include "pal.h"

PAL_DEFINE("hello", TZV_UUID_HELLO, 0, 32 * 1024, 16 * 1024);

static TEE_Result cmd_inc(struct pal_params *p)
{
	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	p->p[0].u.value.a += 1;
	p->p[0].u.value.b += 2;
	return TEE_SUCCESS;
}

static TEE_Result cmd_xor(struct pal_params *p)
{
	const volatile uint8_t *in = (const volatile uint8_t *)(uintptr_t)p->p[0].u.mem.buf;
	volatile uint8_t *out = (volatile uint8_t *)(uintptr_t)p->p[1].u.mem.buf;
	uint64_t len = p->p[0].u.mem.size;
	uint32_t sum = 0;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_MEMREF_OUTPUT,
						  TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	/* a NULL input is empty, and then the output must be NULL too */
	if (!in && (len || out))
		return TEE_ERROR_BAD_PARAMETERS;
	/* a NULL output holds nothing: the client asks for the size */
	if ((out ? p->p[1].u.mem.size : 0) < len) {
		p->p[1].u.mem.size = len;
		return TEE_ERROR_SHORT_BUFFER;
	}
	/* volatile: each shared byte is read once, whatever the normal world
	 * does to it meanwhile, so the sum matches the output */
	for (uint64_t i = 0; i < len; i++) {
		uint8_t c = in[i];

		sum += c;
		out[i] = c ^ 0x5a;
	}
	p->p[1].u.mem.size = len;
	p->p[2].u.value.a = sum;
	p->p[2].u.value.b = (uint32_t)len;
	return TEE_SUCCESS;
}

TEE_Result pal_invoke(uint32_t cmd, struct pal_params *p)
{
	switch (cmd) {
	case HELLO_CMD_INC:
		return cmd_inc(p);
	case HELLO_CMD_XOR:
		return cmd_xor(p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
