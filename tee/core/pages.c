/* Secure memory for what the vTEEs hold at run time (registered PAL files,
 * PAL instances and their tables, files being loaded): 4 KiB pages of one
 * pool in which each vTEE has a range of its own, its VM's quota by the
 * partition map (tee_secure_kib). Runs are first fit within that range, so
 * no VM's use can leave another short or fragmented. Pages are wiped when
 * freed, so nothing of one owner reaches the next. */
#include <stk.h>
#include <tzv/string.h>

static uint8_t pool[TZV_TEE_POOL_PAGES][4096] __attribute__((aligned(4096)));
static bool taken[TZV_TEE_POOL_PAGES];

/* n pages in a row of t's range, or NULL when no run is free there. */
void *pages_alloc(struct vtee *t, unsigned n)
{
	unsigned end = t->secure_first + t->secure_pages;

	for (unsigned i = t->secure_first, run = 0; n && i < end; i++) {
		run = taken[i] ? 0 : run + 1;
		if (run < n)
			continue;
		unsigned first = i + 1 - n;
		for (unsigned k = first; k <= i; k++)
			taken[k] = true;
		t->secure_used += n;
		return pool[first];
	}
	return NULL;
}

/* Once nothing of the vTEE is left: its whole range, wiped, whatever a
 * bug may have kept. */
void pages_release_all(struct vtee *t)
{
	for (unsigned k = t->secure_first; k < t->secure_first + t->secure_pages; k++)
		if (taken[k]) {
			memset(pool[k], 0, sizeof(pool[k]));
			taken[k] = false;
		}
	t->secure_used = 0;
}

void pages_free(struct vtee *t, void *p, unsigned n)
{
	unsigned first = (unsigned)(((uint8_t(*)[4096])p) - pool);
	unsigned end = t->secure_first + t->secure_pages;

	/* only pages of this vTEE's own range */
	if (!p || first < t->secure_first || first >= end || n > end - first)
		return;
	memset(p, 0, (size_t)n * 4096U);
	for (unsigned k = first; k < first + n; k++)
		taken[k] = false;
	t->secure_used -= n;
}
