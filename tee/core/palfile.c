/* Signed PAL files (docs/pal-abi.md): every check the STK makes before a
 * PAL a VM loaded may run, on a copy already in secure memory. Compiled
 * for the host too, for its tests (test/unit/test_palfile.c). */
#include <stk.h>
#include <tzv/crypto.h>
#include <tzv/string.h>

static bool zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return !acc;
}

static bool page_aligned(uint64_t v)
{
	return !(v & 4095U);
}

/* What is wrong with a PAL image's header, for an image of size bytes. */
const char *pal_header_error(const struct pal_header *h, uint64_t size)
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

static bool authorized(const struct pal_signers *s, const uint8_t key[32])
{
	for (uint32_t i = 0; i < s->count && i < TZV_MAX_SIGNERS; i++)
		if (!memcmp(s->key[i], key, 32))
			return true;
	return false;
}

/* The file's layout, signer and signature, its UUID against the one asked
 * for, and the image inside it; NULL when all holds (with the PAL's
 * measurement), else what is wrong. len is what was received. */
const char *pal_file_check(const uint8_t *file, uint64_t len, const uint8_t uuid[16],
			   const struct pal_signers *signers, uint8_t measurement[32])
{
	const struct pal_file_header *h = (const void *)file;

	if (len < sizeof(*h) + sizeof(struct pal_file_sig) ||
	    memcmp(h->magic, PAL_FILE_MAGIC, sizeof(PAL_FILE_MAGIC)))
		return "not a signed PAL file";
	if (h->version != PAL_FILE_VERSION || h->header_size != sizeof(*h))
		return "an unknown format version";
	if (h->image_size > PAL_MAX_MEM ||
	    len != sizeof(*h) + (uint64_t)h->image_size + sizeof(struct pal_file_sig))
		return "sizes that do not add up";
	if (!zero(h->reserved, sizeof(h->reserved)))
		return "reserved bytes set";
	const struct pal_file_sig *s = (const void *)(file + sizeof(*h) + h->image_size);
	uint8_t key_id[SHA256_SIZE];
	sha256(s->pub, sizeof(s->pub), key_id);
	if (memcmp(key_id, h->signer, sizeof(key_id)) || !zero(s->pad, sizeof(s->pad)))
		return "a signer that is not the key in it";
	if (!authorized(signers, h->signer))
		return "a signer the platform does not authorize";
	sha256(file, sizeof(*h) + h->image_size, measurement);
	if (!ecdsa_p256_verify(s->pub, measurement, s->sig))
		return "a signature that does not verify";
	if (memcmp(h->uuid, uuid, 16))
		return "another PAL's UUID";
	const struct pal_header *img = (const void *)(file + sizeof(*h));
	const char *err = pal_header_error(img, h->image_size);
	if (err)
		return err;
	if (memcmp(img->uuid, h->uuid, 16) || memcmp(img->name, h->name, sizeof(h->name)) ||
	    img->mem_size != h->mem_size || img->image_size != h->image_size)
		return "an image that is not the one the header describes";
	if (img->flags)
		return "flags only the platform's own PALs may have";
	return NULL;
}
