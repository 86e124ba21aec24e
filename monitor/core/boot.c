/* Secure boot and measured boot (docs/secure-boot.md). The manifest in the
 * secure flash must carry the root key whose SHA-256 is fused into the
 * monitor (rotpk.h) and that key's signature; then every component is
 * checked (place, size, SHA-256, security version) where it lies, before it
 * runs, and measured into the PCR the manifest names. A bad manifest or
 * platform component halts the boot; a bad VM image refuses that VM. */
#include <mon.h>
#include <rotpk.h>
#include <tzv/console.h>
#include <tzv/crypto.h>
#include <tzv/measure.h>
#include <tzv/smccc.h>
#include <tzv/spinlock.h>
#include <tzv/string.h>
#include <tzv/sysreg.h>

static const uint8_t rotpk_hash[SHA256_SIZE] = TZV_ROTPK_HASH;
static const struct manifest_header *manifest;
static struct measure_area *const area = (struct measure_area *)MEASURE_BASE;
static spinlock_t measure_lock;

extern const char __monitor_image_end[];

/* The manifest, copied out of the flash before it is checked: nothing
 * reads the flash after boot, when it may be being programmed (nv.c). */
#define MANIFEST_BYTES                                                                             \
	(sizeof(struct manifest_header) + MANIFEST_MAX_COMPS * sizeof(struct manifest_comp) +      \
	 sizeof(struct manifest_sig))
static uint64_t manifest_copy[(MANIFEST_BYTES + 7) / 8];

/* A component name's length; 0 when it is empty or not NUL-terminated. */
static uint32_t name_len(const char *n)
{
	for (uint32_t i = 0; i < COMP_NAME_MAX; i++)
		if (!n[i])
			return i;
	return 0;
}

static const struct manifest_comp *comps(void)
{
	return (const struct manifest_comp *)(manifest + 1);
}

static void hex8(const uint8_t *d, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < 8; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15U];
	}
	out[16] = 0;
}

/* Appends one TCG_PCR_EVENT2 record (one SHA-256 digest). */
static int log_event(struct measure_log *log, uint32_t pcr, uint32_t type, const uint8_t *digest,
		     const char *event, uint32_t event_len)
{
	uint32_t need = 4 + 4 + 4 + 2 + SHA256_SIZE + 4 + event_len;
	uint8_t *p = log->data + log->len;

	if (need > MEASURE_LOG_MAX - log->len)
		return -1;
	uint32_t count = 1;
	uint16_t alg = TPM_ALG_SHA256;
	memcpy(p, &pcr, 4);
	memcpy(p + 4, &type, 4);
	memcpy(p + 8, &count, 4);
	memcpy(p + 12, &alg, 2);
	memcpy(p + 14, digest, SHA256_SIZE);
	memcpy(p + 14 + SHA256_SIZE, &event_len, 4);
	memcpy(p + 18 + SHA256_SIZE, event, event_len);
	log->len += need;
	log->count++;
	return 0;
}

static uint32_t event_type(uint32_t pcr)
{
	if (pcr < PCR_VM_FIRST)
		return EV_POST_CODE;
	return (pcr == 8 || pcr == 9) ? EV_IPL : EV_EVENT_TAG;
}

/* The event names the component; the partition map's and the PAL signers'
 * carry the component itself, so a verifier can read what it is told of. */
static void measure(struct measure_log *log, const struct manifest_comp *c)
{
	const char *data = c->name;
	uint32_t len = name_len(c->name);
	char hex[17];

	if (c->kind == COMP_PARTMAP || c->kind == COMP_SIGNERS) {
		data = (const char *)(uintptr_t)c->load;
		len = (uint32_t)c->size;
	}
	if (log_event(log, c->pcr, event_type(c->pcr), c->sha256, data, len))
		panic("measured boot: the event log is full\n");
	hex8(c->sha256, hex);
	pr("measured %s into PCR %u (sha256 %s...)\n", c->name, c->pcr, hex);
}

static bool in_ns_ram(uint64_t pa, uint64_t size)
{
	return pa >= RAM_BASE && size <= RAM_SIZE && pa - RAM_BASE <= RAM_SIZE - size;
}

/* The component's bytes at its place match the manifest. */
static int check_comp(const struct manifest_comp *c)
{
	uint8_t digest[SHA256_SIZE];

	if (c->svn < nv_platform_min()) {
		pr("component '%s' refused: security version %u is below the minimum %u\n", c->name,
		   c->svn, nv_platform_min());
		return TZV_VERIFY_ROLLBACK;
	}
	sha256((const void *)(uintptr_t)c->load, c->size, digest);
	if (memcmp(digest, c->sha256, SHA256_SIZE)) {
		pr("component '%s' refused: SHA-256 of its %lu bytes at 0x%lx differs from the "
		   "manifest\n",
		   c->name, (unsigned long)c->size, (unsigned long)c->load);
		return TZV_VERIFY_MISMATCH;
	}
	return TZV_VERIFY_OK;
}

static const struct manifest_comp *find_kind(uint32_t kind)
{
	for (uint32_t i = 0; i < manifest->count; i++)
		if (comps()[i].kind == kind)
			return &comps()[i];
	return NULL;
}

/* The manifest's shape and signature; halts on any fault. */
static void check_manifest(void)
{
	const struct manifest_header *h = (const void *)manifest_copy;
	uint8_t digest[SHA256_SIZE];

	_Static_assert(MANIFEST_BYTES <= FLASH_MANIFEST_MAX, "the manifest's flash area");
	memcpy(manifest_copy, (const void *)(SECURE_FLASH_BASE + FLASH_MANIFEST), MANIFEST_BYTES);
	if (memcmp(h->magic, MANIFEST_MAGIC, sizeof(MANIFEST_MAGIC)) ||
	    h->version != MANIFEST_VERSION)
		panic("secure boot: no signed manifest in the secure flash\n");
	if (!h->count || h->count > MANIFEST_MAX_COMPS ||
	    h->signed_size != sizeof(*h) + h->count * sizeof(struct manifest_comp))
		panic("secure boot: malformed manifest (%u components)\n", h->count);
	const struct manifest_sig *s = (const void *)((const uint8_t *)h + h->signed_size);
	sha256(s->root_pub, sizeof(s->root_pub), digest);
	if (memcmp(digest, rotpk_hash, SHA256_SIZE))
		panic("secure boot: the manifest's root key is not the one fused into this "
		      "device\n");
	sha256(h, h->signed_size, digest);
	if (!ecdsa_p256_verify(s->root_pub, digest, s->sig))
		panic("secure boot: the manifest's signature is not the root key's\n");
	manifest = h;
	for (uint32_t i = 0; i < h->count; i++) {
		const struct manifest_comp *c = &comps()[i];
		if (c->pcr >= PCR_COUNT || !name_len(c->name))
			panic("secure boot: malformed component %u in the manifest\n", i);
	}
	pr("secure boot: manifest of %u components signed by the root key\n", h->count);
}

/* The PAL signers: a list of this version, and never the root key, which
 * signs the platform and nothing else. */
static void check_signers(const struct pal_signers *s)
{
	if (memcmp(s->magic, SIGNERS_MAGIC, sizeof(SIGNERS_MAGIC)) || s->version != 1 ||
	    s->count > TZV_MAX_SIGNERS)
		panic("secure boot: the PAL signer list is malformed\n");
	for (uint32_t i = 0; i < s->count; i++)
		if (!memcmp(s->key[i], rotpk_hash, SHA256_SIZE))
			panic("secure boot: the PAL signer list names the root key\n");
	pr("secure boot: %u authorized PAL signer(s)\n", s->count);
}

/* Copies the STK out of the flash, then checks and measures the platform:
 * the monitor itself, the STK, the hypervisor, the configuration and the
 * partition map (into secure SRAM, for the monitor and the STK). */
uint64_t secure_boot(unsigned cpus)
{
	uint8_t digest[SHA256_SIZE];
	char hex[17];

	check_manifest();
	memset(area, 0, sizeof(*area));
	area->magic = MEASURE_MAGIC;
	nv_load();
	uint64_t mon_size = (uint64_t)(uintptr_t)__monitor_image_end - SECURE_FLASH_BASE;
	sha256((const void *)SECURE_FLASH_BASE, mon_size, digest);
	log_event(&area->platform, 0, EV_POST_CODE, digest, "monitor", 7);
	hex8(digest, hex);
	pr("measured monitor into PCR 0 (sha256 %s...)\n", hex);

	static const uint32_t platform[] = {COMP_STK, COMP_HYP, COMP_CONFIG, COMP_PARTMAP,
					    COMP_SIGNERS};
	static const char *const names[] = {"", "stk", "hyp",	     "config", "",
					    "", "",    "partitions", "signers"};
	const struct manifest_comp *stk = NULL;
	uint32_t svn = 0;
	for (unsigned i = 0; i < sizeof(platform) / sizeof(platform[0]); i++) {
		const struct manifest_comp *c = find_kind(platform[i]);
		if (!c)
			panic("secure boot: the manifest has no '%s' component\n",
			      names[platform[i]]);
		if (c->kind == COMP_STK) {
			if (c->load != STK_BASE || !c->size || c->size > STK_SIZE)
				panic("secure boot: component 'stk' has a wrong place or size\n");
			memcpy((void *)STK_BASE,
			       (const void *)(SECURE_FLASH_BASE + FLASH_STK_IMAGE), c->size);
			mmu_sync_code((const void *)STK_BASE, c->size);
			stk = c;
		} else if (c->kind == COMP_PARTMAP || c->kind == COMP_SIGNERS) {
			bool map = c->kind == COMP_PARTMAP;
			if (c->load != SECURE_FLASH_BASE + (map ? FLASH_PARTMAP : FLASH_SIGNERS) ||
			    c->size != (map ? sizeof(area->map) : sizeof(area->signers)))
				panic("secure boot: component '%s' has a wrong place or size\n",
				      c->name);
		} else if (!in_ns_ram(c->load, c->size)) {
			panic("secure boot: component '%s' outside normal-world RAM\n", c->name);
		}
		if (check_comp(c))
			panic("secure boot: the boot stops here\n");
		if (c->kind == COMP_PARTMAP) {
			memcpy(&area->map, (const void *)(uintptr_t)c->load, sizeof(area->map));
			partmap_install(&area->map, cpus);
		} else if (c->kind == COMP_SIGNERS) {
			memcpy(&area->signers, (const void *)(uintptr_t)c->load,
			       sizeof(area->signers));
			check_signers(&area->signers);
		}
		measure(&area->platform, c);
		svn = c->svn > svn ? c->svn : svn;
	}
	/* this platform is good: older ones may no longer boot */
	nv_platform_raise(svn);
	return stk->size;
}

void device_secret(uint64_t out[4])
{
	memcpy(out, (const void *)(SECURE_FLASH_BASE + FLASH_DEVICE_SECRET), 32);
}

/* TZV_SIP_VERIFY_VM from the hypervisor: the VM's kernel, initrd and DTB,
 * in the VM's RAM, against the manifest; measured into the VM's own log,
 * which starts afresh. */
static uint64_t verify_vm(uint32_t vm)
{
	int err = TZV_VERIFY_OK;
	bool kernel = false;

	/* (checked before its record is named: vm comes from the hypervisor) */
	if (vm >= area->map.nvms)
		return TZV_VERIFY_NO_IMAGES;
	struct measure_vm *m = &area->vm[vm];
	spin_lock(&measure_lock);
	m->verified = 0;
	m->log.len = m->log.count = 0;
	memset(m->name, 0, sizeof(m->name));
	for (uint32_t i = 0; i < manifest->count && !err; i++) {
		const struct manifest_comp *c = &comps()[i];
		if (c->vm != vm || c->kind < COMP_KERNEL || c->kind > COMP_DTB)
			continue;
		if (!in_ns_ram(c->load, c->size)) {
			pr("component '%s' refused: outside normal-world RAM\n", c->name);
			err = TZV_VERIFY_BAD_PLACE;
			break;
		}
		err = check_comp(c);
		if (err)
			break;
		kernel |= c->kind == COMP_KERNEL;
		if (!m->name[0])
			for (unsigned k = 0; k < sizeof(m->name) - 1 && c->name[k] != '.'; k++)
				m->name[k] = c->name[k];
		measure(&m->log, c);
	}
	if (!err && !kernel)
		err = TZV_VERIFY_NO_IMAGES;
	if (!err) {
		m->starts++;
		m->verified = 1;
	}
	spin_unlock(&measure_lock);
	return (uint64_t)err;
}

/* SiP calls: only the hypervisor's own (a guest's SMC never gets here
 * unless the hypervisor forwards it, and it forwards only Trusted-OS
 * calls). The crypto may use FP/SIMD: the normal world's registers are
 * saved around it. */
void smc_sip(struct mon_cpu *c, uint32_t fid)
{
	struct fp_ctx fp;

	if (fid != TZV_SIP_VERIFY_VM || c->cur != &c->ns) {
		c->cur->gp.x[0] = (uint64_t)SMCCC_NOT_SUPPORTED;
		return;
	}
	fp_save(&fp);
	c->ns.gp.x[0] = verify_vm((uint32_t)c->ns.gp.x[1]);
	fp_restore(&fp);
}
