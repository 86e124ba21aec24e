/* The PAL images: those built into the STK (checked once at boot; the
 * platform's own), and those a VM loaded into its vTEE (registered there,
 * each in secure memory of its own), found by UUID when a client opens a
 * session. */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/string.h>

#define MAX_PALS 4

struct pal_blob {
	uint64_t start, size;
};
extern const struct pal_blob pal_image_table[];

static struct pal_image pals[MAX_PALS];
static unsigned npals;

void pal_registry_init(void)
{
	for (const struct pal_blob *b = pal_image_table; b->size && npals < MAX_PALS; b++) {
		const struct pal_header *h = (const struct pal_header *)(uintptr_t)b->start;
		const char *err = pal_header_error(h, b->size);
		if (err) {
			pr("PAL image at 0x%lx refused: %s\n", (unsigned long)b->start, err);
			continue;
		}
		struct pal_image *p = &pals[npals++];
		p->hdr = h;
		p->size = b->size;
		memcpy(p->name, h->name, sizeof(h->name));
		pr("PAL %s: %u KiB image, %u KiB memory\n", p->name, h->image_size / 1024U,
		   h->mem_size / 1024U);
	}
}

/* The platform's PAL, or the one this vTEE registered, of that UUID. */
struct pal_image *pal_find(struct vtee *t, const uint8_t uuid[16])
{
	for (unsigned i = 0; i < npals; i++)
		if (!memcmp(pals[i].hdr->uuid, uuid, 16))
			return &pals[i];
	for (unsigned i = 0; t && i < TZV_TEE_MAX_PALS; i++)
		if (t->reg[i].hdr && !memcmp(t->reg[i].hdr->uuid, uuid, 16))
			return &t->reg[i];
	return NULL;
}

/* The platform's attestation PAL, whose keys vouch for the others. */
const struct pal_image *pal_attest(void)
{
	for (unsigned i = 0; i < npals; i++)
		if (pals[i].hdr->flags & PAL_FLAG_ATTEST)
			return &pals[i];
	return NULL;
}

unsigned pal_registered(const struct vtee *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < TZV_TEE_MAX_PALS; i++)
		n += t->reg[i].hdr != NULL;
	return n;
}

/* A checked file, in npages of the vTEE's secure memory, becomes one of its
 * PALs; NULL when it has its quota of them (the caller keeps the memory). */
struct pal_image *pal_register(struct vtee *t, uint8_t *file, unsigned npages,
			       const uint8_t measurement[32])
{
	const struct pal_file_header *fh = (const void *)file;

	if (pal_registered(t) >= t->max_pals)
		return NULL;
	for (unsigned i = 0; i < TZV_TEE_MAX_PALS; i++) {
		struct pal_image *p = &t->reg[i];
		if (p->hdr)
			continue;
		p->hdr = (const void *)(file + sizeof(*fh));
		p->size = fh->image_size;
		memcpy(p->name, fh->name, sizeof(fh->name));
		memcpy(p->signer, fh->signer, sizeof(p->signer));
		memcpy(p->measurement, measurement, sizeof(p->measurement));
		p->version = fh->pal_version;
		p->svn = fh->svn;
		p->mem = file;
		p->npages = npages;
		return p;
	}
	return NULL;
}

unsigned pal_sessions(const struct vtee *t, const struct pal_image *pal)
{
	unsigned n = 0;

	for (unsigned i = 0; i < TZV_TEE_MAX_SESSIONS; i++)
		n += t->sess[i].in_use && t->sess[i].pal == pal;
	return n;
}

void pal_unregister(struct vtee *t, struct pal_image *p)
{
	pages_free(t, p->mem, p->npages);
	memset(p, 0, sizeof(*p));
}

/* At most max: the count is what out holds, never more. */
unsigned pal_device_uuids(uint8_t *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < npals && n < max; i++) {
		if (!(pals[i].hdr->flags & PAL_FLAG_DEVICE))
			continue;
		if (out)
			memcpy(out + 16U * n, pals[i].hdr->uuid, 16);
		n++;
	}
	return n;
}
