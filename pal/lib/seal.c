/* Sealing to the PAL's own identity (docs/pal-abi.md, "Sealing and
 * statements"): AES-256-GCM with a key the STK derives for this PAL in this
 * VM (signer, UUID, VM; with PAL_SEAL_MEASUREMENT its exact measurement
 * too), so that only the same PAL in the same VM unseals. All of it runs
 * here, at S-EL0: the STK only derives the key. */
#include <bearssl.h>
#include <string.h>

#include "pal.h"

#define SEAL_MAGIC "TZVPSL1" /* with its NUL, 8 bytes */
#define SEAL_AAD   16	     /* magic, flags, length */
#define SEAL_NONCE 12
#define SEAL_TAG   16
#define SEAL_LABEL "PAL seal"
_Static_assert(SEAL_AAD + SEAL_NONCE + SEAL_TAG == PAL_SEAL_OVERHEAD, "blob layout");

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

TEE_Result pal_aes_gcm(int encrypt, const uint8_t *key, size_t key_len, const void *aad,
		       size_t aad_len, const uint8_t nonce[12], uint8_t *data, size_t len,
		       uint8_t tag[16])
{
	br_aes_ct64_ctr_keys aes;
	br_gcm_context g;
	TEE_Result res = TEE_SUCCESS;

	br_aes_ct64_ctr_init(&aes, key, key_len);
	br_gcm_init(&g, &aes.vtable, br_ghash_ctmul64);
	br_gcm_reset(&g, nonce, 12);
	br_gcm_aad_inject(&g, aad, aad_len);
	br_gcm_flip(&g);
	br_gcm_run(&g, encrypt, data, len);
	if (encrypt)
		br_gcm_get_tag(&g, tag);
	else if (!br_gcm_check_tag(&g, tag))
		res = TEE_ERROR_SECURITY;
	pal_wipe(&g, sizeof(g));
	pal_wipe(&aes, sizeof(aes));
	return res;
}

/* With the key of this PAL in this VM (and build, with the flag). */
static TEE_Result gcm(int encrypt, uint32_t flags, const uint8_t *aad, const uint8_t *nonce,
		      uint8_t *data, size_t len, uint8_t *tag)
{
	uint8_t key[32];
	TEE_Result res = pal_derive(SEAL_LABEL, PAL_DERIVE_VM | flags, key);

	if (res == TEE_SUCCESS)
		res = pal_aes_gcm(encrypt, key, sizeof(key), aad, SEAL_AAD, nonce, data, len, tag);
	pal_wipe(key, sizeof(key));
	return res;
}

TEE_Result pal_seal(uint32_t flags, const void *data, size_t len, void *blob)
{
	uint8_t *b = blob;

	if (flags & ~(uint32_t)PAL_SEAL_MEASUREMENT || len > UINT32_MAX - PAL_SEAL_OVERHEAD)
		return TEE_ERROR_BAD_PARAMETERS;
	memcpy(b, SEAL_MAGIC, 8);
	put_le32(b + 8, flags);
	put_le32(b + 12, (uint32_t)len);
	TEE_Result res = pal_random(b + SEAL_AAD, SEAL_NONCE);
	if (res != TEE_SUCCESS)
		return res;
	memmove(b + SEAL_AAD + SEAL_NONCE, data, len);
	return gcm(1, flags, b, b + SEAL_AAD, b + SEAL_AAD + SEAL_NONCE, len,
		   b + SEAL_AAD + SEAL_NONCE + len);
}

/* TEE_ERROR_SECURITY for anything but this PAL's own, unchanged blob. */
TEE_Result pal_unseal(void *blob, size_t size, void **data, size_t *len)
{
	uint8_t *b = blob;

	if (size < PAL_SEAL_OVERHEAD || memcmp(b, SEAL_MAGIC, 8) ||
	    get_le32(b + 12) != size - PAL_SEAL_OVERHEAD ||
	    (get_le32(b + 8) & ~(uint32_t)PAL_SEAL_MEASUREMENT))
		return TEE_ERROR_SECURITY;
	*len = size - PAL_SEAL_OVERHEAD;
	*data = b + SEAL_AAD + SEAL_NONCE;
	TEE_Result res = gcm(0, get_le32(b + 8), b, b + SEAL_AAD, *data, *len, b + size - SEAL_TAG);
	if (res != TEE_SUCCESS)
		pal_wipe(*data, *len);
	return res;
}
