/* A PAL built outside the tzvisor tree with the PAL SDK: its own UUID,
 * one command, and BearSSL from the SDK.
 *
 * command 0: p0 VALUE_INOUT: a -> 3a + 1; b -> the first 4 bytes of
 * SHA-256("sample" || a as 4 little-endian bytes), big-endian */
#include <bearssl.h>

#include "pal.h"

/* a7e1f0c1-7a76-4c30-9a00-73616d706c65 */
#define SAMPLE_UUID                                                                                \
	{                                                                                          \
		0xa7e1f0c1, 0x7a76, 0x4c30,                                                        \
		{                                                                                  \
			0x9a, 0x00, 0x73, 0x61, 0x6d, 0x70, 0x6c, 0x65                             \
		}                                                                                  \
	}

PAL_DEFINE("sample", SAMPLE_UUID, 0, 32 * 1024, 16 * 1024);

TEE_Result pal_invoke(uint32_t cmd, struct pal_params *p)
{
	uint8_t in[10] = {'s', 'a', 'm', 'p', 'l', 'e'}, hash[32];
	br_sha256_context h;
	uint32_t a;

	if (cmd != 0)
		return TEE_ERROR_NOT_SUPPORTED;
	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	a = p->p[0].u.value.a;
	for (int i = 0; i < 4; i++)
		in[6 + i] = (uint8_t)(a >> (8 * i));
	br_sha256_init(&h);
	br_sha256_update(&h, in, sizeof(in));
	br_sha256_out(&h, hash);
	p->p[0].u.value.a = 3 * a + 1;
	p->p[0].u.value.b =
	    (uint32_t)hash[0] << 24 | (uint32_t)hash[1] << 16 | (uint32_t)hash[2] << 8 | hash[3];
	return TEE_SUCCESS;
}
