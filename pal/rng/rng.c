/* rng: OP-TEE's RNG TA interface, for Linux's optee-rng driver
 * (tzv-pals.h). An HMAC-DRBG (SHA-256) per instance, seeded from the CPU's
 * RNDR through SYS_RANDOM and reseeded every RESEED_BYTES of output. */
#include <bearssl.h>
#include <stdbool.h>
#include <string.h>

#include "pal.h"

PAL_DEFINE("rng", TZV_UUID_RNG, PAL_FLAG_DEVICE, 64 * 1024, 16 * 1024);

#define SEED_BYTES   48
#define RESEED_BYTES (64 * 1024)
#define CHUNK	     512

/* reported by GET_RNG_INFO: bytes/s, and entropy per 1024 bits */
#define RNG_RATE    8192
#define RNG_QUALITY 1000

static br_hmac_drbg_context drbg;
static size_t since_seed;

static TEE_Result seed(bool reseed)
{
	uint8_t buf[SEED_BYTES];
	TEE_Result res = pal_random(buf, sizeof(buf));

	if (res != TEE_SUCCESS)
		return res;
	if (reseed)
		br_hmac_drbg_update(&drbg, buf, sizeof(buf));
	else
		br_hmac_drbg_init(&drbg, &br_sha256_vtable, buf, sizeof(buf));
	pal_wipe(buf, sizeof(buf));
	since_seed = 0;
	return TEE_SUCCESS;
}

TEE_Result pal_open(struct pal_params *p)
{
	(void)p;
	return seed(false);
}

void pal_close(void)
{
	pal_wipe(&drbg, sizeof(drbg));
}

static TEE_Result get_entropy(struct pal_params *p)
{
	uint8_t *out = (uint8_t *)(uintptr_t)p->p[0].u.mem.buf;
	uint64_t len = p->p[0].u.mem.size;
	uint8_t chunk[CHUNK];

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INOUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if ((!out && len) || len > PAL_MAX_MEM)
		return TEE_ERROR_BAD_PARAMETERS;
	/* in chunks, so that a large request reseeds on schedule; through a
	 * local buffer, so that BearSSL only ever touches the arena */
	for (uint64_t done = 0; done < len;) {
		size_t n = len - done < CHUNK ? len - done : CHUNK;

		if (since_seed >= RESEED_BYTES) {
			TEE_Result res = seed(true);

			if (res != TEE_SUCCESS)
				return res;
		}
		br_hmac_drbg_generate(&drbg, chunk, n);
		memcpy(out + done, chunk, n);
		since_seed += n;
		done += n;
	}
	pal_wipe(chunk, sizeof(chunk));
	p->p[0].u.mem.size = len;
	return TEE_SUCCESS;
}

static TEE_Result get_rng_info(struct pal_params *p)
{
	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	p->p[0].u.value.a = RNG_RATE;
	p->p[0].u.value.b = RNG_QUALITY;
	return TEE_SUCCESS;
}

TEE_Result pal_invoke(uint32_t cmd, struct pal_params *p)
{
	switch (cmd) {
	case RNG_CMD_GET_ENTROPY:
		return get_entropy(p);
	case RNG_CMD_GET_RNG_INFO:
		return get_rng_info(p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
