/* The PAL images built into the STK: each header checked once at boot,
 * then found by UUID when a client opens a session. */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/string.h>

#define MAX_PALS 8

struct pal_blob {
	uint64_t start, size;
};
extern const struct pal_blob pal_image_table[];

static struct pal_image pals[MAX_PALS];
static unsigned npals;

static bool page_aligned(uint64_t v)
{
	return !(v & 4095U);
}

static const char *header_error(const struct pal_header *h, uint64_t size)
{
	if (size < sizeof(*h) || memcmp(h->magic, PAL_MAGIC, sizeof(PAL_MAGIC)))
		return "bad magic";
	if (!page_aligned(h->text_size) || !page_aligned(h->image_size) ||
	    !page_aligned(h->mem_size) || !page_aligned(h->stack_size))
		return "sizes not page multiples";
	if (h->image_size > size || h->text_size > h->image_size || h->entry >= h->text_size)
		return "image layout";
	if (h->mem_size > PAL_MAX_MEM || h->stack_size < 4096U ||
	    (uint64_t)h->image_size + h->bss_size + 4096U + h->stack_size > h->mem_size)
		return "memory layout";
	return NULL;
}

void pal_registry_init(void)
{
	for (const struct pal_blob *b = pal_image_table; b->size && npals < MAX_PALS; b++) {
		const struct pal_header *h = (const struct pal_header *)(uintptr_t)b->start;
		const char *err = header_error(h, b->size);
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

const struct pal_image *pal_find(const uint8_t uuid[16])
{
	for (unsigned i = 0; i < npals; i++)
		if (!memcmp(pals[i].hdr->uuid, uuid, 16))
			return &pals[i];
	return NULL;
}

unsigned pal_device_uuids(uint8_t *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < npals; i++) {
		if (!(pals[i].hdr->flags & PAL_FLAG_DEVICE))
			continue;
		if (out && n < max)
			memcpy(out + 16U * n, pals[i].hdr->uuid, 16);
		n++;
	}
	return n;
}
