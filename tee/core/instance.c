/* A session's PAL instance: its arena (a private copy of the image, its
 * memory and parameter page) and translation tables in fixed slots, and the
 * STK's view of that memory for system calls. */
#include <stk.h>
#include <tzv/string.h>

#define SLOTS (TZV_MAX_VMS * TZV_TEE_MAX_SESSIONS)

static uint8_t arenas[SLOTS][STK_ARENA_SIZE] __attribute__((aligned(4096)));
static uint64_t tables[SLOTS][7 * 512] __attribute__((aligned(4096)));

/* The arena and tables of a session slot are fixed: creating an instance
 * cannot fail for want of memory, and no VM can take another's. */
void pal_instance_create(struct vtee *t, struct session *s)
{
	unsigned slot = t->index * TZV_TEE_MAX_SESSIONS + (unsigned)(s - t->sess);
	const struct pal_header *h = s->pal->hdr;

	s->arena = arenas[slot];
	s->tables = tables[slot];
	s->asid = slot + 1U;
	memcpy(s->arena, h, h->image_size);
	memset(s->arena + h->image_size, 0, STK_ARENA_SIZE - h->image_size);
	pal_tables_init(s);
}

void pal_instance_destroy(struct session *s)
{
	pal_tables_wipe(s);
	memset(s->arena, 0, STK_ARENA_SIZE);
	memset(&s->ctx, 0, sizeof(s->ctx));
	s->arena = NULL;
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
