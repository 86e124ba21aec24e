/* Measured boot in the STK: each vTEE's PCRs, replayed from the monitor's
 * records of the platform and of that VM's images, then extended at run
 * time by the VM through the attestation PAL; its TCG event log; and the
 * keys PALs derive from the device secret (docs/secure-boot.md). */
#include <stk.h>
#include <tzv/crypto.h>
#include <tzv/string.h>

#define RECORD_FIXED (4 + 4 + 4 + 2 + SHA256_SIZE + 4)
#define DERIVE_TAG   "tzvisor derive v1"

static uint64_t secret[4]; /* the device's; only ever an HMAC key */
static const struct measure_area *const area = (const struct measure_area *)MEASURE_BASE;

/* The log's first event: "Spec ID Event03", SHA-256 only, in the SHA-1
 * format the header event always has. */
static const uint8_t spec_id_event[] = {
    0,	  0,   0,   0,	 3,   0,   0,	0, /* PCR 0, EV_NO_ACTION */
    0,	  0,   0,   0,	 0,   0,   0,	0,   0,	  0,   0,   0,	 0,   0,   0,
    0,	  0,   0,   0,	 0,   33,  0,	0,   0,	  'S', 'p', 'e', 'c', ' ', 'I',
    'D',  ' ', 'E', 'v', 'e', 'n', 't', '0', '3', 0,   0,   0,	 0,   0, /* platform class: client
									  */
    0,	  2,   2,   2, /* version 2.0, errata 2, UINT64 */
    1,	  0,   0,   0, /* one algorithm: */
    0x0b, 0,   32,  0, /* SHA-256, 32 bytes */
    0,		       /* no vendor info */
};

void attest_init(const uint64_t s[4])
{
	memcpy(secret, s, sizeof(secret));
}

static void extend(struct vtee *t, uint32_t pcr, const uint8_t *digest)
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, t->pcr[pcr], SHA256_SIZE);
	sha256_update(&h, digest, SHA256_SIZE);
	sha256_final(&h, t->pcr[pcr]);
}

/* A monitor log's length, read once and bounded: the monitor rewrites a
 * VM's log whenever the hypervisor asks it to verify the VM again, which
 * a hostile one may do while the STK reads it. */
static uint32_t log_len(const struct measure_log *log)
{
	uint32_t len = *(const volatile uint32_t *)&log->len;

	return len < MEASURE_LOG_MAX ? len : MEASURE_LOG_MAX;
}

/* Replays a monitor log into the vTEE's PCRs; -1 if it is malformed. */
static int replay(struct vtee *t, const struct measure_log *log)
{
	uint32_t len = log_len(log);

	for (uint32_t off = 0; off < len;) {
		uint32_t pcr, size;
		if (len - off < RECORD_FIXED)
			return -1;
		memcpy(&pcr, log->data + off, 4);
		memcpy(&size, log->data + off + RECORD_FIXED - 4, 4);
		if (pcr >= PCR_COUNT || size > len - off - RECORD_FIXED)
			return -1;
		extend(t, pcr, log->data + off + 14);
		off += RECORD_FIXED + size;
	}
	return 0;
}

/* At VM_CREATED: the platform's and this VM's measurements, if the monitor
 * verified the VM's images for this start. */
int vtee_measure(struct vtee *t)
{
	unsigned vm = t->client - 1U;

	if (area->magic != MEASURE_MAGIC || vm >= area->map.nvms || !area->vm[vm].verified)
		return -1;
	memset(t->pcr, 0, sizeof(t->pcr));
	if (replay(t, &area->platform) || replay(t, &area->vm[vm].log))
		return -1;
	memcpy(t->vm_name, area->vm[vm].name, sizeof(t->vm_name));
	t->vm_name[sizeof(t->vm_name) - 1] = 0;
	_Static_assert(PCR_COUNT > 10, "PCRs 8-10: the VM's images");
	sha256(t->pcr[8], 3 * 32, t->vm_images);
	t->starts = area->vm[vm].starts;
	return 0;
}

/* HMAC-SHA256 keyed with the device secret over "tzvisor derive vN" ||
 * [signer] || UUID || the VM's name or 16 zeros || [measurement] || label.
 * v1: the platform's PALs (their keys are the device's); v2: a loaded PAL,
 * bound to its signer, so that another provider's PAL of the same UUID
 * derives others; v3 (PAL_DERIVE_MEASUREMENT): bound to the signer and the
 * exact measurement too. The tag's version keeps the three apart. */
static void derive(const struct vtee *t, const struct pal_image *pal, uint64_t flags,
		   const void *label, size_t len, uint8_t out[SHA256_SIZE])
{
	static const uint8_t platform[32];
	uint8_t msg[sizeof(DERIVE_TAG) - 1 + 32 + 16 + 16 + 32 + PAL_DERIVE_LABEL_MAX];
	size_t n = sizeof(DERIVE_TAG) - 1;
	bool measured = flags & PAL_DERIVE_MEASUREMENT;

	memcpy(msg, DERIVE_TAG, n);
	if (measured || memcmp(pal->signer, platform, 32)) {
		msg[n - 1] = measured ? '3' : '2';
		memcpy(msg + n, pal->signer, 32);
		n += 32;
	}
	memcpy(msg + n, pal->hdr->uuid, 16);
	memset(msg + n + 16, 0, 16);
	if (flags & PAL_DERIVE_VM)
		memcpy(msg + n + 16, t->vm_name, sizeof(t->vm_name));
	n += 32;
	if (measured) {
		memcpy(msg + n, pal->measurement, 32);
		n += 32;
	}
	memcpy(msg + n, label, len);
	hmac_sha256(secret, sizeof(secret), msg, n + len, NULL, 0, out);
	memset(msg, 0, sizeof(msg));
}

uint64_t sys_derive(struct vtee *t, struct session *s, const uint64_t *x)
{
	const void *label = user_buf(s, x[0], x[1], false);
	uint8_t *out = user_buf(s, x[3], SHA256_SIZE, true);

	if (!label || !out || x[1] > PAL_DERIVE_LABEL_MAX ||
	    (x[2] & ~(uint64_t)(PAL_DERIVE_VM | PAL_DERIVE_MEASUREMENT)))
		return TEEC_ERROR_BAD_PARAMETERS;
	derive(t, s->pal, x[2], label, x[1], out);
	return 0;
}

/* The calling PAL's identity over its data, MACed with the key the VM's
 * attestation PAL derives for PAL_STATEMENT_LABEL: only that PAL can tell
 * it is genuine (and then sign it), whoever carries it there. */
uint64_t sys_statement(struct vtee *t, struct session *s, const uint64_t *x)
{
	const void *data = user_buf(s, x[0], x[1], false);
	struct pal_statement_token *out = user_buf(s, x[2], sizeof(*out), true);
	const struct pal_image *attest = pal_attest();
	uint8_t key[SHA256_SIZE], copy[PAL_STATEMENT_DATA_MAX];

	if (!data || !out || x[1] > PAL_STATEMENT_DATA_MAX || (x[2] & 3U))
		return TEEC_ERROR_BAD_PARAMETERS;
	if (!attest)
		return TEEC_ERROR_NOT_SUPPORTED;
	/* first: the PAL may pass data inside the token it is to receive */
	memcpy(copy, data, x[1]);
	memset(out, 0, sizeof(*out));
	memcpy(out->s.magic, PAL_STATEMENT_MAGIC, sizeof(PAL_STATEMENT_MAGIC));
	memcpy(out->s.vm, t->vm_name, sizeof(out->s.vm));
	memcpy(out->s.uuid, s->pal->hdr->uuid, 16);
	memcpy(out->s.signer, s->pal->signer, 32);
	memcpy(out->s.measurement, s->pal->measurement, 32);
	out->s.data_len = (uint32_t)x[1];
	memcpy(out->s.data, copy, x[1]);
	derive(t, attest, PAL_DERIVE_VM, PAL_STATEMENT_LABEL, sizeof(PAL_STATEMENT_LABEL) - 1, key);
	hmac_sha256(key, sizeof(key), &out->s, sizeof(out->s), NULL, 0, out->mac);
	memset(key, 0, sizeof(key));
	return 0;
}

uint64_t sys_pcr_read(struct vtee *t, struct session *s, const uint64_t *x)
{
	uint8_t *out = user_buf(s, x[1], SHA256_SIZE, true);

	if (x[0] >= PCR_COUNT || !out)
		return TEEC_ERROR_BAD_PARAMETERS;
	memcpy(out, t->pcr[x[0]], SHA256_SIZE);
	return 0;
}

/* A run-time measurement of the VM: its record in the vTEE's log, then
 * the PCR extended. */
uint32_t vtee_extend(struct vtee *t, uint32_t pcr, const uint8_t digest[32], const void *event,
		     uint32_t size)
{
	struct measure_log *log = &t->runtime;
	uint32_t type = EV_EVENT_TAG, count = 1;
	uint16_t alg = TPM_ALG_SHA256;

	if (RECORD_FIXED + size > MEASURE_LOG_MAX - log->len)
		return TEEC_ERROR_STORAGE_NO_SPACE;
	uint8_t *p = log->data + log->len;
	memcpy(p, &pcr, 4);
	memcpy(p + 4, &type, 4);
	memcpy(p + 8, &count, 4);
	memcpy(p + 12, &alg, 2);
	memcpy(p + 14, digest, SHA256_SIZE);
	memcpy(p + RECORD_FIXED - 4, &size, 4);
	memcpy(p + RECORD_FIXED, event, size);
	log->len += RECORD_FIXED + size;
	log->count++;
	extend(t, pcr, digest);
	return 0;
}

/* Only the attestation PAL extends, and only the VM's own PCRs but the
 * one the STK keeps for the PALs the VM loaded. */
uint64_t sys_pcr_extend(struct vtee *t, struct session *s, const uint64_t *x)
{
	const uint8_t *digest = user_buf(s, x[1], SHA256_SIZE, false);
	const void *event = user_buf(s, x[2], x[3], false);

	if (!(s->pal->hdr->flags & PAL_FLAG_ATTEST) || x[0] < PCR_VM_FIRST || x[0] > PCR_VM_LAST ||
	    x[0] == PCR_PALS)
		return TEEC_ERROR_ACCESS_DENIED;
	if (!digest || !event || x[3] > PAL_EXTEND_EVENT_MAX)
		return TEEC_ERROR_BAD_PARAMETERS;
	return vtee_extend(t, (uint32_t)x[0], digest, event, (uint32_t)x[3]);
}

/* The whole log: the header, the platform, the VM's boot, its run time. */
uint64_t sys_eventlog(struct vtee *t, struct session *s, const uint64_t *x)
{
	const struct measure_log *parts[] = {&area->platform, &area->vm[t->client - 1U].log,
					     &t->runtime};
	uint64_t *len = user_buf(s, x[2], sizeof(uint64_t), true);
	uint64_t total = sizeof(spec_id_event);
	uint32_t n[3];

	for (unsigned i = 0; i < 3; i++) {
		n[i] = log_len(parts[i]); /* the size checked is the size copied */
		total += n[i];
	}
	uint8_t *buf = user_buf(s, x[0], x[1], true);
	if (!len || (x[2] & 7U) || !buf)
		return TEEC_ERROR_BAD_PARAMETERS;
	*len = total;
	if (x[1] < total)
		return TEEC_ERROR_SHORT_BUFFER;
	memcpy(buf, spec_id_event, sizeof(spec_id_event));
	buf += sizeof(spec_id_event);
	for (unsigned i = 0; i < 3; i++) {
		memcpy(buf, parts[i]->data, n[i]);
		buf += n[i];
	}
	return 0;
}

uint64_t sys_identity(struct vtee *t, struct session *s, const uint64_t *x)
{
	struct pal_identity *id = user_buf(s, x[0], sizeof(*id), true);

	if (!id || (x[0] & 3U))
		return TEEC_ERROR_BAD_PARAMETERS;
	memcpy(id->vm, t->vm_name, sizeof(id->vm));
	id->client = t->client - 1U;
	id->starts = t->starts;
	return 0;
}
