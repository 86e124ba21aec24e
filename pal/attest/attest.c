/* attest: the attestation PAL (docs/secure-boot.md, tzv-pals.h). It quotes
 * the VM's PCRs as a TPM 2.0 TPMS_ATTEST signed by the VM's attestation key
 * (AK), certifies the AK with the device key, reads and extends the PCRs,
 * hands out the VM's TCG event log, and seals data to the PCRs.
 *
 * Keys come from the device secret through SYS_DERIVE (bound to this PAL's
 * UUID, and for the AK and the sealing key to the VM). The signing keys and
 * the AK statement cost three P-256 multiplications and a signature to
 * make, so the first command that needs them keeps them, for the vTEE's
 * life, in a storage object only this PAL of this vTEE can read (the STK's
 * volatile store, wiped with the vTEE); the sealing key is derived and
 * wiped each time. */
#include <bearssl.h>
#include <stdbool.h>
#include <string.h>
#include <tzv/smccc.h>

#include "pal.h"

/* ECDSA signing and key generation need well under 8 KiB of stack; the
 * event log (< 64 KiB) is copied through bss */
PAL_DEFINE("attest", TZV_UUID_ATTEST, PAL_FLAG_ATTEST, 192 * 1024, 32 * 1024);

#define CURVE	    BR_EC_secp256r1
#define KEY_BYTES   32 /* a P-256 private scalar */
#define PUB_BYTES   65 /* 0x04 || X || Y */
#define SIG_BYTES   64 /* r || s */
#define HASH_BYTES  32
#define PCR_BYTES   32
#define MASK_LIMIT  (1U << ATTEST_NUM_PCRS)
#define LOG_MAX	    (64 * 1024) /* the contract: a VM's log is < 64 KiB */
#define NAME_BYTES  34		/* TPM2B_NAME: nameAlg || SHA-256 */
#define QUOTE_FIXED 113		/* TPMS_ATTEST without the nonce */
#define QUOTE_MAX   (QUOTE_FIXED + ATTEST_NONCE_MAX)

/* TPM 2.0 constants (Part 2) */
#define TPM_GENERATED	    0xff544347U
#define TPM_ST_ATTEST_QUOTE 0x8018U
#define TPM_ALG_ECC	    0x0023U
#define TPM_ALG_SHA256	    0x000BU
#define TPM_ALG_NULL	    0x0010U
#define TPM_ALG_ECDSA	    0x0018U
#define TPM_ECC_NIST_P256   0x0003U
/* fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign */
#define AK_ATTRIBUTES	 0x00050072U
#define PCR_SELECT_BYTES 3
#define FIRMWARE_VERSION ((uint64_t)TZV_OS_REV_MAJOR << 32 | TZV_OS_REV_MINOR)

/* the AK statement (the AK's certificate) */
#define AKC_MAGIC  "TZVAKC1"
#define AKC_SIGNED 96 /* magic[8] vm[16] ak_pub[65] pad[7] */
_Static_assert(AKC_SIGNED + SIG_BYTES == ATTEST_AK_STATEMENT, "AK statement layout");

/* the seal blob: header (the AAD), nonce, ciphertext, tag */
#define SEAL_MAGIC     "TZVSEAL1"
#define SEAL_AAD       48 /* magic[8] mask u32 len u32 pcr_digest[32] */
#define SEAL_NONCE     12
#define SEAL_TAG       16
#define SEAL_KEY_BYTES 16 /* AES-128 */
_Static_assert(SEAL_AAD + SEAL_NONCE + SEAL_TAG == ATTEST_SEAL_OVERHEAD, "seal blob layout");

static uint8_t log_buf[LOG_MAX];

/* ---- parameters ---- */

static void *mem_buf(const struct pal_params *p, int i)
{
	return (void *)(uintptr_t)p->p[i].u.mem.buf;
}

/* TEE_SUCCESS when output parameter i can take need bytes; else sets its
 * size to need (how the client learns it) and says SHORT_BUFFER. */
static TEE_Result out_room(struct pal_params *p, int i, size_t need)
{
	if (need == 0 || (p->p[i].u.mem.buf && p->p[i].u.mem.size >= need))
		return TEE_SUCCESS;
	p->p[i].u.mem.size = need;
	return TEE_ERROR_SHORT_BUFFER;
}

static void out_put(struct pal_params *p, int i, const void *src, size_t len)
{
	if (len)
		memcpy(mem_buf(p, i), src, len);
	p->p[i].u.mem.size = len;
}

/* An input memory reference of min..max bytes; BAD_PARAMETERS otherwise. */
static TEE_Result in_len(const struct pal_params *p, int i, size_t min, size_t max)
{
	uint64_t size = p->p[i].u.mem.size;

	if (size < min || size > max || (size && !p->p[i].u.mem.buf))
		return TEE_ERROR_BAD_PARAMETERS;
	return TEE_SUCCESS;
}

static TEE_Result get_mask(const struct pal_params *p, uint32_t *mask)
{
	*mask = p->p[0].u.value.a;
	return *mask < MASK_LIMIT ? TEE_SUCCESS : TEE_ERROR_BAD_PARAMETERS;
}

static size_t mask_count(uint32_t mask)
{
	size_t n = 0;

	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

/* ---- PCRs ---- */

/* The selected PCRs' values, ascending, into vals (32 bytes each). */
static TEE_Result read_pcrs(uint32_t mask, uint8_t vals[][PCR_BYTES], size_t *n)
{
	*n = 0;
	for (uint32_t i = 0; i < ATTEST_NUM_PCRS; i++) {
		if (!(mask & (1U << i)))
			continue;
		TEE_Result res = pal_pcr_read(i, vals[*n]);

		if (res != TEE_SUCCESS)
			return res;
		(*n)++;
	}
	return TEE_SUCCESS;
}

/* SHA-256 of the selected PCR values in ascending order (a quote's
 * pcrDigest, a seal blob's binding). */
static TEE_Result pcr_digest(uint32_t mask, uint8_t out[HASH_BYTES])
{
	uint8_t vals[ATTEST_NUM_PCRS][PCR_BYTES];
	br_sha256_context h;
	size_t n;
	TEE_Result res = read_pcrs(mask, vals, &n);

	if (res != TEE_SUCCESS)
		return res;
	br_sha256_init(&h);
	br_sha256_update(&h, vals, n * PCR_BYTES);
	br_sha256_out(&h, out);
	return TEE_SUCCESS;
}

/* ---- keys ---- */

struct key {
	uint8_t kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	br_ec_private_key sk;
	uint8_t pub[PUB_BYTES];
};

static void key_wipe(struct key *k)
{
	pal_wipe(k, sizeof(*k));
}

/* The ECDSA P-256 key the contract derives from label: seed = SYS_DERIVE,
 * HMAC-DRBG(SHA-256) over it, br_ec_keygen with the default EC code; its
 * public key too when pub. */
static TEE_Result derive_key(const char *label, uint32_t flags, struct key *k, bool pub)
{
	const br_ec_impl *ec = br_ec_get_default();
	br_hmac_drbg_context drbg;
	br_ec_public_key pk;
	uint8_t seed[32];
	TEE_Result res;
	size_t len = 0;

	res = pal_derive(label, flags, seed);
	if (res == TEE_SUCCESS) {
		br_hmac_drbg_init(&drbg, &br_sha256_vtable, seed, sizeof(seed));
		len = br_ec_keygen(&drbg.vtable, ec, &k->sk, k->kbuf, CURVE);
		pal_wipe(&drbg, sizeof(drbg));
	}
	pal_wipe(seed, sizeof(seed));
	if (res != TEE_SUCCESS)
		return res;
	if (len != KEY_BYTES || (pub && br_ec_compute_pub(ec, &pk, k->pub, &k->sk) != PUB_BYTES)) {
		key_wipe(k);
		return TEE_ERROR_GENERIC;
	}
	return TEE_SUCCESS;
}

/* ECDSA (RFC 6979 nonces) over SHA-256(data): r || s. */
static TEE_Result sign(const struct key *k, const void *data, size_t len, uint8_t sig[SIG_BYTES])
{
	uint8_t hash[HASH_BYTES];
	br_sha256_context h;

	br_sha256_init(&h);
	br_sha256_update(&h, data, len);
	br_sha256_out(&h, hash);
	if (br_ecdsa_sign_raw_get_default()(br_ec_get_default(), &br_sha256_vtable, hash, &k->sk,
					    sig) != SIG_BYTES)
		return TEE_ERROR_GENERIC;
	return TEE_SUCCESS;
}

/* ---- the keys kept for the vTEE's life ---- */

#define CACHE_ID    0x41544b43U /* "ATKC": this PAL's object in the vTEE's store */
#define CACHE_MAGIC "TZVATK1"

struct cache {
	uint8_t magic[8];
	uint8_t ak[KEY_BYTES], ak_pub[PUB_BYTES], pad[7];
	uint8_t device[KEY_BYTES];
	uint8_t statement[ATTEST_AK_STATEMENT];
};
_Static_assert(sizeof(struct cache) <= PAL_STORE_MAX, "the cache fits a storage object");

static struct cache cache; /* this instance's copy */

/* The AK statement (the AK's certificate): the VM's name and the AK's
 * public key, signed with the device key. */
static TEE_Result make_statement(const struct key *device)
{
	struct pal_identity id;
	uint8_t *st = cache.statement;
	TEE_Result res = pal_identity(&id);

	if (res != TEE_SUCCESS)
		return res;
	memset(st, 0, ATTEST_AK_STATEMENT);
	memcpy(st, AKC_MAGIC, sizeof(AKC_MAGIC)); /* with its NUL: 8 bytes */
	memcpy(st + 8, id.vm, sizeof(id.vm));
	memcpy(st + 24, cache.ak_pub, PUB_BYTES);
	return sign(device, st, AKC_SIGNED, st + AKC_SIGNED);
}

static TEE_Result make_cache(void)
{
	struct key ak, device;
	TEE_Result res;

	memset(&cache, 0, sizeof(cache));
	res = derive_key("attestation key", PAL_DERIVE_VM, &ak, true);
	if (res != TEE_SUCCESS)
		return res;
	memcpy(cache.ak, ak.kbuf, KEY_BYTES);
	memcpy(cache.ak_pub, ak.pub, PUB_BYTES);
	key_wipe(&ak);
	res = derive_key("device key", 0, &device, false);
	if (res == TEE_SUCCESS) {
		memcpy(cache.device, device.kbuf, KEY_BYTES);
		res = make_statement(&device);
		key_wipe(&device);
	}
	if (res != TEE_SUCCESS) {
		pal_wipe(&cache, sizeof(cache));
		return res;
	}
	memcpy(cache.magic, CACHE_MAGIC, sizeof(CACHE_MAGIC));
	/* (a vTEE whose store is full: this instance keeps them alone) */
	(void)pal_store_put(CACHE_ID, &cache, sizeof(cache));
	return TEE_SUCCESS;
}

/* The kept keys in this instance's copy: from the store, else made (once
 * per vTEE, unless its store is full: then by each instance). */
static TEE_Result load_cache(void)
{
	size_t len = 0;

	if (!memcmp(cache.magic, CACHE_MAGIC, sizeof(CACHE_MAGIC)))
		return TEE_SUCCESS;
	if (pal_store_get(CACHE_ID, &cache, sizeof(cache), &len) == TEE_SUCCESS &&
	    len == sizeof(cache) && !memcmp(cache.magic, CACHE_MAGIC, sizeof(CACHE_MAGIC)))
		return TEE_SUCCESS;
	return make_cache();
}

/* A kept private key as BearSSL's. */
static void kept_key(struct key *k, const uint8_t scalar[KEY_BYTES], const uint8_t *pub)
{
	memcpy(k->kbuf, scalar, KEY_BYTES);
	k->sk.curve = CURVE;
	k->sk.x = k->kbuf;
	k->sk.xlen = KEY_BYTES;
	if (pub)
		memcpy(k->pub, pub, PUB_BYTES);
}

/* ---- TPM 2.0 marshalling (big-endian) ---- */

struct wr {
	uint8_t *p;
	size_t n;
};

static void put8(struct wr *w, uint8_t v)
{
	w->p[w->n++] = v;
}

static void put16(struct wr *w, uint16_t v)
{
	put8(w, (uint8_t)(v >> 8));
	put8(w, (uint8_t)v);
}

static void put32(struct wr *w, uint32_t v)
{
	put16(w, (uint16_t)(v >> 16));
	put16(w, (uint16_t)v);
}

static void put64(struct wr *w, uint64_t v)
{
	put32(w, (uint32_t)(v >> 32));
	put32(w, (uint32_t)v);
}

static void put_bytes(struct wr *w, const void *src, size_t len)
{
	memcpy(w->p + w->n, src, len);
	w->n += len;
}

/* a TPM2B: u16 size, then the bytes */
static void put_tpm2b(struct wr *w, const void *src, size_t len)
{
	put16(w, (uint16_t)len);
	put_bytes(w, src, len);
}

/* The AK's Name: nameAlg SHA-256 || SHA-256 of its marshalled TPMT_PUBLIC
 * (an ECDSA/SHA-256 restricted signing key on NIST P-256). */
static void ak_name(const uint8_t pub[PUB_BYTES], uint8_t name[NAME_BYTES])
{
	uint8_t buf[128];
	struct wr w = {buf, 0};
	br_sha256_context h;

	put16(&w, TPM_ALG_ECC);	      /* type */
	put16(&w, TPM_ALG_SHA256);    /* nameAlg */
	put32(&w, AK_ATTRIBUTES);     /* objectAttributes */
	put16(&w, 0);		      /* authPolicy: empty */
	put16(&w, TPM_ALG_NULL);      /* parameters.symmetric */
	put16(&w, TPM_ALG_ECDSA);     /* parameters.scheme */
	put16(&w, TPM_ALG_SHA256);    /*   .details.ecdsa.hashAlg */
	put16(&w, TPM_ECC_NIST_P256); /* parameters.curveID */
	put16(&w, TPM_ALG_NULL);      /* parameters.kdf */
	put_tpm2b(&w, pub + 1, 32);   /* unique.x */
	put_tpm2b(&w, pub + 33, 32);  /* unique.y */
	name[0] = TPM_ALG_SHA256 >> 8;
	name[1] = TPM_ALG_SHA256 & 0xff;
	br_sha256_init(&h);
	br_sha256_update(&h, buf, w.n);
	br_sha256_out(&h, name + 2);
}

/* ---- commands ---- */

/* The quote of the mask's PCRs over extra (1-64 bytes) into outputs 2
 * (TPMS_ATTEST) and 3 (TPMT_SIGNATURE), which out_room has checked. */
static TEE_Result make_quote(struct pal_params *p, uint32_t mask, const uint8_t *extra, size_t len)
{
	uint8_t digest[HASH_BYTES], name[NAME_BYTES], sig[SIG_BYTES];
	uint8_t quote[QUOTE_MAX], tsig[ATTEST_SIGNATURE];
	struct pal_identity id;
	struct wr w = {quote, 0}, s = {tsig, 0};
	struct key ak;
	TEE_Result res = pal_identity(&id);

	if (res == TEE_SUCCESS)
		res = pcr_digest(mask, digest);
	if (res == TEE_SUCCESS)
		res = load_cache();
	if (res != TEE_SUCCESS)
		return res;
	kept_key(&ak, cache.ak, cache.ak_pub);
	ak_name(ak.pub, name);

	put32(&w, TPM_GENERATED);	       /* magic */
	put16(&w, TPM_ST_ATTEST_QUOTE);	       /* type */
	put_tpm2b(&w, name, sizeof(name));     /* qualifiedSigner */
	put_tpm2b(&w, extra, len);	       /* extraData */
	put64(&w, pal_time_us() / 1000);       /* clockInfo.clock (ms) */
	put32(&w, 0);			       /* clockInfo.resetCount */
	put32(&w, id.starts);		       /* clockInfo.restartCount */
	put8(&w, 1);			       /* clockInfo.safe */
	put64(&w, FIRMWARE_VERSION);	       /* firmwareVersion */
	put32(&w, 1);			       /* TPML_PCR_SELECTION.count */
	put16(&w, TPM_ALG_SHA256);	       /*   .hash */
	put8(&w, PCR_SELECT_BYTES);	       /*   .sizeofSelect */
	put8(&w, (uint8_t)mask);	       /*   .pcrSelect: PCR 0-7 */
	put8(&w, (uint8_t)(mask >> 8));	       /*   PCR 8-15 */
	put8(&w, (uint8_t)(mask >> 16));       /*   PCR 16-23 */
	put_tpm2b(&w, digest, sizeof(digest)); /* pcrDigest */

	res = sign(&ak, quote, w.n, sig);
	key_wipe(&ak);
	if (res != TEE_SUCCESS)
		return res;
	put16(&s, TPM_ALG_ECDSA);    /* sigAlg */
	put16(&s, TPM_ALG_SHA256);   /* hash */
	put_tpm2b(&s, sig, 32);	     /* signatureR */
	put_tpm2b(&s, sig + 32, 32); /* signatureS */

	out_put(p, 2, quote, w.n);
	out_put(p, 3, tsig, s.n);
	return TEE_SUCCESS;
}

/* The checks QUOTE and QUOTE_PAL share: the types, the mask, and room for
 * a quote over len bytes. */
static TEE_Result quote_params(struct pal_params *p, uint32_t *mask, size_t len)
{
	TEE_Result res, res3;

	if (pal_param_types(p) !=
		TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_MEMREF_INPUT,
				TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_MEMREF_OUTPUT) ||
	    get_mask(p, mask) != TEE_SUCCESS)
		return TEE_ERROR_BAD_PARAMETERS;
	res = out_room(p, 2, QUOTE_FIXED + len);
	res3 = out_room(p, 3, ATTEST_SIGNATURE);
	return res != TEE_SUCCESS || res3 != TEE_SUCCESS ? TEE_ERROR_SHORT_BUFFER : TEE_SUCCESS;
}

static TEE_Result cmd_quote(struct pal_params *p)
{
	uint8_t nonce[ATTEST_NONCE_MAX];
	size_t nlen = p->p[1].u.mem.size;
	uint32_t mask;
	TEE_Result res;

	if (in_len(p, 1, 1, ATTEST_NONCE_MAX) != TEE_SUCCESS)
		return TEE_ERROR_BAD_PARAMETERS;
	res = quote_params(p, &mask, nlen);
	if (res != TEE_SUCCESS)
		return res;
	/* a private copy: the normal world may change its buffer meanwhile */
	memcpy(nonce, mem_buf(p, 1), nlen);
	return make_quote(p, mask, nonce, nlen);
}

static TEE_Result cmd_get_ak(struct pal_params *p)
{
	TEE_Result res;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = out_room(p, 0, ATTEST_AK_STATEMENT);
	if (res == TEE_SUCCESS)
		res = load_cache();
	if (res == TEE_SUCCESS)
		out_put(p, 0, cache.statement, ATTEST_AK_STATEMENT);
	return res;
}

static TEE_Result cmd_read_pcrs(struct pal_params *p)
{
	uint8_t vals[ATTEST_NUM_PCRS][PCR_BYTES];
	uint32_t mask;
	TEE_Result res;
	size_t n;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
						  TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (get_mask(p, &mask) != TEE_SUCCESS)
		return TEE_ERROR_BAD_PARAMETERS;
	res = out_room(p, 1, mask_count(mask) * PCR_BYTES);
	if (res != TEE_SUCCESS)
		return res;
	res = read_pcrs(mask, vals, &n);
	if (res != TEE_SUCCESS)
		return res;
	out_put(p, 1, vals, n * PCR_BYTES);
	return TEE_SUCCESS;
}

static TEE_Result cmd_extend(struct pal_params *p)
{
	uint8_t event[ATTEST_EVENT_MAX], digest[HASH_BYTES];
	size_t len = p->p[1].u.mem.size;
	br_sha256_context h;
	uint32_t pcr;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
						  TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	pcr = p->p[0].u.value.a;
	if (pcr >= ATTEST_NUM_PCRS || in_len(p, 1, 1, ATTEST_EVENT_MAX) != TEE_SUCCESS)
		return TEE_ERROR_BAD_PARAMETERS;
	/* a real PCR, but not one the VM may extend (as SYS_PCR_EXTEND says) */
	if (pcr < 8 || pcr > 15)
		return TEE_ERROR_ACCESS_DENIED;
	memcpy(event, mem_buf(p, 1), len);
	br_sha256_init(&h);
	br_sha256_update(&h, event, len);
	br_sha256_out(&h, digest);
	return pal_pcr_extend(pcr, digest, event, len);
}

static TEE_Result cmd_get_eventlog(struct pal_params *p)
{
	size_t len = 0;
	TEE_Result res;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = pal_eventlog(log_buf, sizeof(log_buf), &len);
	if (res == TEE_ERROR_SHORT_BUFFER) {
		pal_log("event log of %zu bytes exceeds %u", len, (unsigned)sizeof(log_buf));
		return TEE_ERROR_GENERIC;
	}
	if (res != TEE_SUCCESS)
		return res;
	if (len > sizeof(log_buf))
		return TEE_ERROR_GENERIC;
	res = out_room(p, 0, len);
	if (res != TEE_SUCCESS)
		return res;
	out_put(p, 0, log_buf, len);
	return TEE_SUCCESS;
}

/* AES-128-GCM with the VM's sealing key over blob (the header is the AAD,
 * then the nonce), in place on data; encrypt writes the tag, decrypt checks
 * it (TEE_ERROR_SECURITY on a mismatch). */
static TEE_Result seal_gcm(int encrypt, const uint8_t *hdr, const uint8_t *nonce, uint8_t *data,
			   size_t len, uint8_t *tag)
{
	uint8_t key[32];
	TEE_Result res = pal_derive("seal", PAL_DERIVE_VM, key);

	if (res == TEE_SUCCESS)
		res =
		    pal_aes_gcm(encrypt, key, SEAL_KEY_BYTES, hdr, SEAL_AAD, nonce, data, len, tag);
	pal_wipe(key, sizeof(key));
	return res;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static TEE_Result cmd_seal(struct pal_params *p)
{
	uint8_t blob[ATTEST_SEAL_OVERHEAD + ATTEST_SEAL_MAX];
	size_t len = p->p[1].u.mem.size;
	uint8_t *nonce = blob + SEAL_AAD, *data = nonce + SEAL_NONCE;
	uint32_t mask;
	TEE_Result res;

	if (pal_param_types(p) !=
	    TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_MEMREF_INPUT,
			    TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (get_mask(p, &mask) != TEE_SUCCESS || in_len(p, 1, 0, ATTEST_SEAL_MAX) != TEE_SUCCESS)
		return TEE_ERROR_BAD_PARAMETERS;
	res = out_room(p, 2, ATTEST_SEAL_OVERHEAD + len);
	if (res != TEE_SUCCESS)
		return res;

	memcpy(blob, SEAL_MAGIC, 8);
	put_le32(blob + 8, mask);
	put_le32(blob + 12, (uint32_t)len);
	res = pcr_digest(mask, blob + 16);
	if (res == TEE_SUCCESS)
		res = pal_random(nonce, SEAL_NONCE);
	if (res != TEE_SUCCESS)
		return res;
	if (len)
		memcpy(data, mem_buf(p, 1), len);
	res = seal_gcm(1, blob, nonce, data, len, data + len);
	if (res == TEE_SUCCESS)
		out_put(p, 2, blob, ATTEST_SEAL_OVERHEAD + len);
	pal_wipe(blob, sizeof(blob));
	return res;
}

static TEE_Result cmd_unseal(struct pal_params *p)
{
	uint8_t blob[ATTEST_SEAL_OVERHEAD + ATTEST_SEAL_MAX], digest[HASH_BYTES];
	size_t size = p->p[0].u.mem.size, len;
	uint8_t *nonce = blob + SEAL_AAD, *data = nonce + SEAL_NONCE;
	uint32_t mask, diff = 0;
	TEE_Result res;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (in_len(p, 0, ATTEST_SEAL_OVERHEAD, sizeof(blob)) != TEE_SUCCESS)
		return TEE_ERROR_BAD_PARAMETERS;
	memcpy(blob, mem_buf(p, 0), size);
	len = size - ATTEST_SEAL_OVERHEAD;

	/* a blob of another format, length or PCR state is as bad as a forged
	 * one: TEE_ERROR_SECURITY for every mismatch */
	mask = get_le32(blob + 8);
	if (memcmp(blob, SEAL_MAGIC, 8) || get_le32(blob + 12) != len || mask >= MASK_LIMIT)
		return TEE_ERROR_SECURITY;
	res = pcr_digest(mask, digest);
	if (res != TEE_SUCCESS)
		return res;
	for (size_t i = 0; i < HASH_BYTES; i++)
		diff |= digest[i] ^ blob[16 + i];
	if (diff)
		return TEE_ERROR_SECURITY;
	res = seal_gcm(0, blob, nonce, data, len, data + len);
	if (res == TEE_SUCCESS) {
		res = out_room(p, 1, len);
		if (res == TEE_SUCCESS)
			out_put(p, 1, data, len);
	}
	pal_wipe(blob, sizeof(blob));
	return res;
}

/* A PAL's statement token (SYS_STATEMENT, made by the STK for a PAL of
 * this VM, whoever carried it here) from input i into t, checked against
 * the MAC only the STK and this PAL can compute. */
static TEE_Result take_token(const struct pal_params *p, int i, struct pal_statement_token *t)
{
	uint8_t key[HASH_BYTES], mac[HASH_BYTES], diff = 0;
	br_hmac_key_context kc;
	br_hmac_context hc;
	TEE_Result res;

	if (in_len(p, i, sizeof(*t), sizeof(*t)) != TEE_SUCCESS)
		return TEE_ERROR_BAD_PARAMETERS;
	memcpy(t, mem_buf(p, i), sizeof(*t));
	res = pal_derive(PAL_STATEMENT_LABEL, PAL_DERIVE_VM, key);
	if (res != TEE_SUCCESS)
		return res;
	br_hmac_key_init(&kc, &br_sha256_vtable, key, sizeof(key));
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, &t->s, sizeof(t->s));
	br_hmac_out(&hc, mac);
	pal_wipe(key, sizeof(key));
	pal_wipe(&kc, sizeof(kc));
	for (size_t j = 0; j < sizeof(mac); j++)
		diff |= mac[j] ^ t->mac[j];
	if (diff || memcmp(t->s.magic, PAL_STATEMENT_MAGIC, sizeof(PAL_STATEMENT_MAGIC))) {
		pal_log("statement token refused: not the STK's for this VM");
		return TEE_ERROR_SECURITY;
	}
	return TEE_SUCCESS;
}

/* A PAL's statement, signed with the device key. */
static TEE_Result cmd_certify_pal(struct pal_params *p)
{
	struct pal_statement_token t;
	uint8_t out[sizeof(t.s) + SIG_BYTES];
	struct key k;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_Result res = out_room(p, 1, sizeof(out));
	if (res == TEE_SUCCESS)
		res = take_token(p, 0, &t);
	if (res == TEE_SUCCESS)
		res = load_cache();
	if (res != TEE_SUCCESS)
		return res;
	memcpy(out, &t.s, sizeof(t.s));
	kept_key(&k, cache.device, NULL);
	res = sign(&k, out, sizeof(t.s), out + sizeof(t.s));
	key_wipe(&k);
	if (res == TEE_SUCCESS)
		out_put(p, 1, out, sizeof(out));
	return res;
}

/* A PAL's statement, quoted with the VM's PCRs: extraData = its SHA-256. */
static TEE_Result cmd_quote_pal(struct pal_params *p)
{
	struct pal_statement_token t;
	uint8_t extra[HASH_BYTES];
	br_sha256_context h;
	uint32_t mask;
	TEE_Result res = quote_params(p, &mask, sizeof(extra));

	if (res == TEE_SUCCESS)
		res = take_token(p, 1, &t);
	if (res != TEE_SUCCESS)
		return res;
	br_sha256_init(&h);
	br_sha256_update(&h, &t.s, sizeof(t.s));
	br_sha256_out(&h, extra);
	return make_quote(p, mask, extra, sizeof(extra));
}

TEE_Result pal_invoke(uint32_t cmd, struct pal_params *p)
{
	switch (cmd) {
	case ATTEST_CMD_CERTIFY_PAL:
		return cmd_certify_pal(p);
	case ATTEST_CMD_QUOTE_PAL:
		return cmd_quote_pal(p);
	case ATTEST_CMD_QUOTE:
		return cmd_quote(p);
	case ATTEST_CMD_GET_AK:
		return cmd_get_ak(p);
	case ATTEST_CMD_READ_PCRS:
		return cmd_read_pcrs(p);
	case ATTEST_CMD_EXTEND:
		return cmd_extend(p);
	case ATTEST_CMD_GET_EVENTLOG:
		return cmd_get_eventlog(p);
	case ATTEST_CMD_SEAL:
		return cmd_seal(p);
	case ATTEST_CMD_UNSEAL:
		return cmd_unseal(p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
