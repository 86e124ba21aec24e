/* keystore: ECDSA P-256 keys per VM (tzv-pals.h). A private key lives only in
 * the VM's trusted storage in the secure flash (object "key N" for slot N),
 * where it survives reboots, and in this instance while a command uses it;
 * no output parameter ever carries it. */
#include <bearssl.h>
#include <string.h>

#include "pal.h"

/* BearSSL's deepest path (ECDSA signing) needs well under 8 KiB of stack */
PAL_DEFINE("keystore", TZV_UUID_KEYSTORE, 0, 64 * 1024, 24 * 1024);

#define CURVE	   BR_EC_secp256r1
#define KEY_BYTES  32 /* a P-256 private scalar */
#define PUB_BYTES  65 /* 0x04 || X || Y */
#define SIG_BYTES  64 /* r || s */
#define HASH_BYTES 32

static const br_ec_impl *ec(void)
{
	return &br_ec_p256_m31;
}

static TEE_Result get_slot(struct pal_params *p, uint32_t *slot)
{
	*slot = p->p[0].u.value.a;
	return *slot < KEYSTORE_SLOTS ? TEE_SUCCESS : TEE_ERROR_BAD_PARAMETERS;
}

static void key_name(uint32_t slot, char name[6])
{
	memcpy(name, "key ", 4);
	name[4] = (char)('0' + slot);
	name[5] = 0;
}

/* Reads the slot's key into kbuf (KEY_BYTES) and points sk at it. */
static TEE_Result load_key(uint32_t slot, uint8_t *kbuf, br_ec_private_key *sk)
{
	TEE_ObjectHandle o;
	size_t len = 0;
	char name[6];

	key_name(slot, name);
	TEE_Result res =
	    TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, name, 5, TEE_DATA_FLAG_ACCESS_READ, &o);
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_ReadObjectData(o, kbuf, KEY_BYTES, &len);
	TEE_CloseObject(o);
	if (res != TEE_SUCCESS)
		return res;
	if (len != KEY_BYTES)
		return TEE_ERROR_GENERIC;
	sk->curve = CURVE;
	sk->x = kbuf;
	sk->xlen = KEY_BYTES;
	return TEE_SUCCESS;
}

/* A new key replaces the slot's old one in one atomic write. */
static TEE_Result store_key(uint32_t slot, const uint8_t *kbuf)
{
	TEE_ObjectHandle o;
	char name[6];

	key_name(slot, name);
	TEE_Result res = TEE_CreatePersistentObject(
	    TEE_STORAGE_PRIVATE, name, 5, TEE_DATA_FLAG_OVERWRITE, NULL, kbuf, KEY_BYTES, &o);
	if (res == TEE_SUCCESS)
		TEE_CloseObject(o);
	return res;
}

static TEE_Result cmd_generate(struct pal_params *p)
{
	uint8_t seed[48], kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	br_hmac_drbg_context drbg;
	br_ec_private_key sk;
	uint32_t slot;
	TEE_Result res;
	size_t len;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = get_slot(p, &slot);
	if (res != TEE_SUCCESS)
		return res;
	res = pal_random(seed, sizeof(seed));
	if (res != TEE_SUCCESS)
		return res;
	br_hmac_drbg_init(&drbg, &br_sha256_vtable, seed, sizeof(seed));
	len = br_ec_keygen(&drbg.vtable, ec(), &sk, kbuf, CURVE);
	res = len == KEY_BYTES ? store_key(slot, kbuf) : TEE_ERROR_GENERIC;
	pal_wipe(seed, sizeof(seed));
	pal_wipe(&drbg, sizeof(drbg));
	pal_wipe(kbuf, sizeof(kbuf));
	return res;
}

static TEE_Result cmd_get_public(struct pal_params *p)
{
	uint8_t kbuf[KEY_BYTES], pub[BR_EC_KBUF_PUB_MAX_SIZE];
	uint8_t *out = (uint8_t *)(uintptr_t)p->p[1].u.mem.buf;
	br_ec_private_key sk;
	br_ec_public_key pk;
	uint32_t slot;
	TEE_Result res;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
						  TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = get_slot(p, &slot);
	if (res != TEE_SUCCESS)
		return res;
	if (!out || p->p[1].u.mem.size < PUB_BYTES) {
		p->p[1].u.mem.size = PUB_BYTES;
		return TEE_ERROR_SHORT_BUFFER;
	}
	res = load_key(slot, kbuf, &sk);
	if (res == TEE_SUCCESS && br_ec_compute_pub(ec(), &pk, pub, &sk) != PUB_BYTES)
		res = TEE_ERROR_GENERIC;
	pal_wipe(kbuf, sizeof(kbuf));
	if (res != TEE_SUCCESS)
		return res;
	memcpy(out, pub, PUB_BYTES);
	p->p[1].u.mem.size = PUB_BYTES;
	return TEE_SUCCESS;
}

static TEE_Result cmd_sign(struct pal_params *p)
{
	const uint8_t *digest = (const uint8_t *)(uintptr_t)p->p[1].u.mem.buf;
	uint8_t *out = (uint8_t *)(uintptr_t)p->p[2].u.mem.buf;
	uint8_t kbuf[KEY_BYTES], hash[HASH_BYTES], sig[SIG_BYTES];
	br_ec_private_key sk;
	uint32_t slot;
	TEE_Result res;

	if (pal_param_types(p) !=
	    TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_MEMREF_INPUT,
			    TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = get_slot(p, &slot);
	if (res != TEE_SUCCESS)
		return res;
	if (!digest || p->p[1].u.mem.size != HASH_BYTES)
		return TEE_ERROR_BAD_PARAMETERS;
	if (!out || p->p[2].u.mem.size < SIG_BYTES) {
		p->p[2].u.mem.size = SIG_BYTES;
		return TEE_ERROR_SHORT_BUFFER;
	}
	/* a private copy: the normal world may change its buffer meanwhile */
	memcpy(hash, digest, HASH_BYTES);
	res = load_key(slot, kbuf, &sk);
	/* RFC 6979 nonces: the signature needs no randomness */
	if (res == TEE_SUCCESS &&
	    br_ecdsa_i31_sign_raw(ec(), &br_sha256_vtable, hash, &sk, sig) != SIG_BYTES)
		res = TEE_ERROR_GENERIC;
	pal_wipe(kbuf, sizeof(kbuf));
	if (res != TEE_SUCCESS)
		return res;
	memcpy(out, sig, SIG_BYTES);
	p->p[2].u.mem.size = SIG_BYTES;
	return TEE_SUCCESS;
}

TEE_Result pal_invoke(uint32_t cmd, struct pal_params *p)
{
	switch (cmd) {
	case KEYSTORE_CMD_GENERATE:
		return cmd_generate(p);
	case KEYSTORE_CMD_GET_PUBLIC:
		return cmd_get_public(p);
	case KEYSTORE_CMD_SIGN:
		return cmd_sign(p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
