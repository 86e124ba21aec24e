/* A session's PAL instance: its arena (a private copy of the image, the
 * memory the PAL declares and its parameter page) and its translation
 * tables, in one run of its vTEE's secure memory; and the STK's view of
 * that memory for system calls. */
#include <stk.h>
#include <tzv/string.h>

/* What the PAL's header asks for, from the vTEE's quota; false when that
 * is used up. */
bool pal_instance_create(struct vtee *t, struct session *s)
{
	const struct pal_header *h = s->pal->hdr;
	unsigned arena = h->mem_size / 4096U + 1U;

	s->arena = pages_alloc(t, arena + PAL_TABLE_PAGES);
	if (!s->arena)
		return false;
	s->pages = arena + PAL_TABLE_PAGES;
	s->tables = (uint64_t *)(void *)(s->arena + (size_t)arena * 4096U);
	/* an ASID per session slot of every vTEE (limits.h keeps them < 256) */
	s->asid = t->index * TZV_TEE_MAX_SESSIONS + (unsigned)(s - t->sess) + 1U;
	memcpy(s->arena, h, h->image_size);
	pal_tables_init(s);
	return true;
}

void pal_instance_destroy(struct vtee *t, struct session *s)
{
	pal_tables_wipe(s);
	pages_free(t, s->arena, s->pages); /* wipes the arena and the tables */
	memset(&s->ctx, 0, sizeof(s->ctx));
	s->arena = NULL;
	s->tables = NULL;
	s->pages = 0;
}

/* The parameter page, right after the instance's memory. */
struct pal_params *pal_params_of(const struct session *s)
{
	return (struct pal_params *)(void *)(s->arena + s->pal->hdr->mem_size);
}

/* The STK's view of [va, va+len) when all of it is the instance's arena or
 * parameter page (writable: not its code). */
void *user_buf(struct session *s, uint64_t va, uint64_t len, bool write)
{
	const struct pal_header *h = s->pal->hdr;
	uint64_t lo = PAL_VA_BASE + (write ? h->text_size : 0),
		 top = PAL_VA_BASE + h->mem_size + 4096U;

	if (va < lo || va > top || len > top - va)
		return NULL;
	return s->arena + (va - PAL_VA_BASE);
}
