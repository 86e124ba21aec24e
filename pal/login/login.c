/* login: TZVisor's password service (docs/channel.md). A remote client
 * opens an attested channel to this PAL: an ephemeral P-256 key exchange
 * whose transcript the STK's statement of this PAL's identity covers (the
 * attestation PAL quotes that statement with the VM's PCRs), then AES-256-GCM
 * records with sequence numbers each way. Over it the client enrols users
 * and checks passwords; the salted hashes stay in this PAL's trusted storage
 * and a password exists in the clear only in this instance's memory.
 *
 * One session is one channel: the session's instance holds the keys, and
 * every refusal ends the channel (the keys are wiped, later calls get
 * BAD_STATE). The VM, its kernel and the hypervisor only carry bytes. */
#include <bearssl.h>
#include <stdbool.h>
#include <string.h>

#include "pal.h"

/* EC arithmetic and HKDF need a few KiB of stack */
PAL_DEFINE("login", TZV_UUID_LOGIN, 0, 128 * 1024, 32 * 1024);

#define CURVE	   BR_EC_secp256r1
#define NONCE	   32
#define PUB	   65 /* 0x04 || X || Y */
#define HASH	   32
#define KEY	   32 /* AES-256 */
#define SEQ	   8
#define TAG	   16
#define SALT	   16
#define USER_MAX   32
#define PASS_MAX   256
#define TRANSCRIPT "tzv-channel-1"
#define KEYS_INFO  "tzv-channel-1 keys"
#define USER_ID	   "user:"

/* the client's requests and the PAL's answers (the first plaintext byte) */
enum { REQ_ENROLL = 1, REQ_LOGIN = 2, REQ_CLOSE = 3, ANSWER = 0x80 };
enum { ST_OK = 0, ST_REFUSED = 1, ST_EXISTS = 2, ST_BAD_REQUEST = 3 };

_Static_assert(LOGIN_HELLO_IN == NONCE + PUB, "the client's hello");
_Static_assert(LOGIN_HELLO_OUT == PUB + sizeof(struct pal_statement_token), "the PAL's hello");
_Static_assert(SEQ + 2 + USER_MAX + PASS_MAX + TAG <= LOGIN_RECORD_MAX, "a record fits");

/* this session's channel */
static struct {
	bool open, ended;
	uint8_t c2s[KEY], s2c[KEY];
	uint64_t seq_in, seq_out;
} ch;

static void end_channel(const char *why, uint64_t seq)
{
	pal_log("channel refused record %llu: %s; channel ended", (unsigned long long)seq, why);
	pal_wipe(&ch, sizeof(ch));
	ch.ended = true;
}

static const uint8_t *mem_in(const struct pal_params *p, int i)
{
	return (const uint8_t *)(uintptr_t)p->p[i].u.mem.buf;
}

/* ---- the handshake ---- */

/* A fresh ephemeral key: k (its scalar in kbuf) and its public point. */
static TEE_Result ephemeral(br_ec_private_key *k, uint8_t kbuf[BR_EC_KBUF_PRIV_MAX_SIZE],
			    uint8_t pub[PUB])
{
	const br_ec_impl *ec = br_ec_get_default();
	br_hmac_drbg_context drbg;
	br_ec_public_key pk;
	uint8_t seed[32];
	size_t len;
	TEE_Result res = pal_random(seed, sizeof(seed));

	if (res != TEE_SUCCESS)
		return res;
	br_hmac_drbg_init(&drbg, &br_sha256_vtable, seed, sizeof(seed));
	len = br_ec_keygen(&drbg.vtable, ec, k, kbuf, CURVE);
	pal_wipe(&drbg, sizeof(drbg));
	pal_wipe(seed, sizeof(seed));
	if (len == 0 || br_ec_compute_pub(ec, &pk, pub, k) != PUB)
		return TEE_ERROR_GENERIC;
	return TEE_SUCCESS;
}

/* The channel's keys from the shared secret and the transcript hash:
 * HKDF-SHA256 (salt = the transcript), 64 bytes, client-to-PAL first. */
static void derive_keys(const uint8_t *z, size_t zlen, const uint8_t transcript[HASH])
{
	uint8_t keys[2 * KEY];
	br_hkdf_context h;

	br_hkdf_init(&h, &br_sha256_vtable, transcript, HASH);
	br_hkdf_inject(&h, z, zlen);
	br_hkdf_flip(&h);
	br_hkdf_produce(&h, KEYS_INFO, sizeof(KEYS_INFO) - 1, keys, sizeof(keys));
	memcpy(ch.c2s, keys, KEY);
	memcpy(ch.s2c, keys + KEY, KEY);
	pal_wipe(keys, sizeof(keys));
	pal_wipe(&h, sizeof(h));
}

static TEE_Result cmd_hello(struct pal_params *p)
{
	uint8_t in[LOGIN_HELLO_IN], out[LOGIN_HELLO_OUT], transcript[HASH];
	uint8_t kbuf[BR_EC_KBUF_PRIV_MAX_SIZE], shared[PUB];
	struct pal_statement_token token; /* aligned, as SYS_STATEMENT wants */
	br_ec_private_key k;
	br_sha256_context h;
	TEE_Result res;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE) ||
	    p->p[0].u.mem.size != sizeof(in) || !p->p[0].u.mem.buf)
		return TEE_ERROR_BAD_PARAMETERS;
	if (ch.open || ch.ended) {
		pal_log("a second handshake on one channel refused");
		return TEE_ERROR_BAD_STATE;
	}
	if (!p->p[1].u.mem.buf || p->p[1].u.mem.size < sizeof(out)) {
		p->p[1].u.mem.size = sizeof(out);
		return TEE_ERROR_SHORT_BUFFER;
	}
	/* one read of the shared buffer: what is hashed is what is used */
	memcpy(in, mem_in(p, 0), sizeof(in));
	memcpy(shared, in + NONCE, PUB);
	res = ephemeral(&k, kbuf, out);
	if (res != TEE_SUCCESS)
		return res;
	/* Z = the X coordinate of k * the client's point (mul refuses a point
	 * that is not on the curve) */
	if (!br_ec_get_default()->mul(shared, PUB, k.x, k.xlen, CURVE)) {
		pal_wipe(kbuf, sizeof(kbuf));
		pal_log("handshake refused: the client's key is not a P-256 point");
		return TEE_ERROR_BAD_PARAMETERS;
	}
	pal_wipe(kbuf, sizeof(kbuf));
	br_sha256_init(&h);
	br_sha256_update(&h, TRANSCRIPT, sizeof(TRANSCRIPT) - 1);
	br_sha256_update(&h, in, sizeof(in));
	br_sha256_update(&h, out, PUB);
	br_sha256_out(&h, transcript);
	derive_keys(shared + 1, 32, transcript);
	pal_wipe(shared, sizeof(shared));
	res = pal_sys_statement(transcript, sizeof(transcript), &token);
	if (res != TEE_SUCCESS) {
		pal_wipe(&ch, sizeof(ch));
		return res;
	}
	memcpy(out + PUB, &token, sizeof(token));
	ch.open = true;
	memcpy((void *)(uintptr_t)p->p[1].u.mem.buf, out, sizeof(out));
	p->p[1].u.mem.size = sizeof(out);
	return TEE_SUCCESS;
}

/* ---- records: seq (8, big-endian) || ciphertext || tag ---- */

static void put_seq(uint8_t *p, uint64_t seq)
{
	for (int i = 0; i < SEQ; i++)
		p[i] = (uint8_t)(seq >> (8 * (SEQ - 1 - i)));
}

static uint64_t get_seq(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < SEQ; i++)
		v = v << 8 | p[i];
	return v;
}

/* AES-GCM with key over data, nonce = 4 zero bytes || seq, AAD = seq. */
static TEE_Result record_gcm(int encrypt, const uint8_t key[KEY], const uint8_t seq[SEQ],
			     uint8_t *data, size_t len, uint8_t tag[TAG])
{
	uint8_t nonce[12] = {0};

	memcpy(nonce + 4, seq, SEQ);
	return pal_aes_gcm(encrypt, key, KEY, seq, SEQ, nonce, data, len, tag);
}

/* ---- the password store: "user:NAME" = salt || HMAC-SHA256(salt, password) ---- */

static size_t user_id(char id[PAL_OBJ_ID_MAX], const uint8_t *user, size_t len)
{
	memcpy(id, USER_ID, sizeof(USER_ID) - 1);
	memcpy(id + sizeof(USER_ID) - 1, user, len);
	return sizeof(USER_ID) - 1 + len;
}

static void salted_hash(const uint8_t salt[SALT], const uint8_t *pass, size_t len,
			uint8_t out[HASH])
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, salt, SALT);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, pass, len);
	br_hmac_out(&hc, out);
	pal_wipe(&hc, sizeof(hc));
	pal_wipe(&kc, sizeof(kc));
}

/* Creates the user (never replaces one); the salt goes back to the client. */
static uint8_t enroll(const uint8_t *user, size_t ulen, const uint8_t *pass, size_t plen,
		      uint8_t *answer, size_t *alen)
{
	uint8_t rec[SALT + HASH];
	char id[PAL_OBJ_ID_MAX];
	size_t idlen = user_id(id, user, ulen);
	TEE_Result res = pal_random(rec, SALT);

	if (res != TEE_SUCCESS)
		return ST_REFUSED;
	salted_hash(rec, pass, plen, rec + SALT);
	res = pal_sys_obj_put(id, idlen, rec, sizeof(rec), PAL_OBJ_EXCLUSIVE);
	memcpy(answer, rec, SALT);
	pal_wipe(rec, sizeof(rec));
	if (res == TEE_ERROR_ACCESS_CONFLICT)
		return ST_EXISTS;
	if (res != TEE_SUCCESS) {
		pal_log("enrolling a user failed: 0x%08x", (unsigned)res);
		return ST_REFUSED;
	}
	*alen = SALT;
	return ST_OK;
}

static uint8_t check(const uint8_t *user, size_t ulen, const uint8_t *pass, size_t plen)
{
	uint8_t rec[SALT + HASH], hash[HASH], diff = 0;
	char id[PAL_OBJ_ID_MAX];
	size_t idlen = user_id(id, user, ulen);
	TEE_Result res = pal_sys_obj_read(id, idlen, 0, rec, sizeof(rec));

	/* an unknown user is refused like a wrong password */
	if (res != TEE_SUCCESS) {
		pal_wipe(rec, sizeof(rec));
		return ST_REFUSED;
	}
	salted_hash(rec, pass, plen, hash);
	for (size_t i = 0; i < HASH; i++)
		diff |= hash[i] ^ rec[SALT + i];
	pal_wipe(rec, sizeof(rec));
	pal_wipe(hash, sizeof(hash));
	return diff ? ST_REFUSED : ST_OK;
}

/* A request: op || user length || user || password. The answer: ANSWER|op
 * || status || (ENROLL, accepted: the salt). */
static size_t serve(uint8_t *req, size_t len, uint8_t *answer)
{
	uint8_t op = len ? req[0] : 0, st = ST_BAD_REQUEST;
	size_t ulen = len >= 2 ? req[1] : 0, alen = 0, plen;
	const uint8_t *user = req + 2, *pass = user + ulen;

	if (op == REQ_CLOSE && len == 1) {
		st = ST_OK;
	} else if ((op == REQ_ENROLL || op == REQ_LOGIN) && len >= 2 && ulen >= 1 &&
		   ulen <= USER_MAX && len - 2 >= ulen + 1 && len - 2 - ulen <= PASS_MAX) {
		plen = len - 2 - ulen;
		st = op == REQ_ENROLL ? enroll(user, ulen, pass, plen, answer + 2, &alen)
				      : check(user, ulen, pass, plen);
		char name[USER_MAX + 1];

		memcpy(name, user, ulen);
		name[ulen] = 0;
		pal_log("%s '%s': %s", op == REQ_ENROLL ? "enrol" : "login", name,
			st == ST_OK	  ? "accepted"
			: st == ST_EXISTS ? "exists"
					  : "refused");
	}
	answer[0] = (uint8_t)(ANSWER | op);
	answer[1] = st;
	return 2 + alen;
}

static TEE_Result cmd_record(struct pal_params *p)
{
	uint8_t rec[LOGIN_RECORD_MAX], out[LOGIN_RECORD_MAX];
	size_t len = p->p[0].u.mem.size, n;
	bool closing;
	uint64_t seq;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE) ||
	    !p->p[0].u.mem.buf)
		return TEE_ERROR_BAD_PARAMETERS;
	if (!ch.open) {
		pal_log("record refused: %s", ch.ended ? "the channel has ended" : "no handshake");
		return TEE_ERROR_BAD_STATE;
	}
	if (!p->p[1].u.mem.buf || p->p[1].u.mem.size < sizeof(out)) {
		p->p[1].u.mem.size = sizeof(out);
		return TEE_ERROR_SHORT_BUFFER;
	}
	if (len < SEQ + 1 + TAG || len > sizeof(rec)) {
		end_channel("its size", ch.seq_in);
		return TEE_ERROR_SECURITY;
	}
	memcpy(rec, mem_in(p, 0), len);
	seq = get_seq(rec);
	if (seq != ch.seq_in) {
		end_channel(seq < ch.seq_in ? "replayed" : "out of order", seq);
		return TEE_ERROR_SECURITY;
	}
	if (record_gcm(0, ch.c2s, rec, rec + SEQ, len - SEQ - TAG, rec + len - TAG) !=
	    TEE_SUCCESS) {
		end_channel("bad tag", seq);
		return TEE_ERROR_SECURITY;
	}
	ch.seq_in++;
	n = serve(rec + SEQ, len - SEQ - TAG, out + SEQ);
	closing = out[SEQ] == (ANSWER | REQ_CLOSE);
	pal_wipe(rec, sizeof(rec));
	put_seq(out, ch.seq_out++);
	(void)record_gcm(1, ch.s2c, out, out + SEQ, n, out + SEQ + n);
	memcpy((void *)(uintptr_t)p->p[1].u.mem.buf, out, SEQ + n + TAG);
	p->p[1].u.mem.size = SEQ + n + TAG;
	if (closing) {
		pal_wipe(&ch, sizeof(ch));
		ch.ended = true;
	}
	pal_wipe(out, sizeof(out));
	return TEE_SUCCESS;
}

TEE_Result pal_invoke(uint32_t cmd, struct pal_params *p)
{
	switch (cmd) {
	case LOGIN_CMD_HELLO:
		return cmd_hello(p);
	case LOGIN_CMD_RECORD:
		return cmd_record(p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
