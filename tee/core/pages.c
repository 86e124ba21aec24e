/* Secure memory for what the vTEEs hold at run time (registered PAL images,
 * files being loaded): runs of 4 KiB pages from one pool, first fit. Pages
 * are wiped when freed, so nothing of one owner reaches the next. */
#include <stk.h>
#include <tzv/string.h>

static uint8_t pool[STK_POOL_PAGES][4096] __attribute__((aligned(4096)));
static bool taken[STK_POOL_PAGES];

/* n pages in a row, or NULL when no run is free. */
void *pages_alloc(unsigned n)
{
	for (unsigned i = 0, run = 0; n && i < STK_POOL_PAGES; i++) {
		run = taken[i] ? 0 : run + 1;
		if (run < n)
			continue;
		unsigned first = i + 1 - n;
		for (unsigned k = first; k <= i; k++)
			taken[k] = true;
		return pool[first];
	}
	return NULL;
}

void pages_free(void *p, unsigned n)
{
	unsigned first = (unsigned)(((uint8_t(*)[4096])p) - pool);

	if (!p || first >= STK_POOL_PAGES || n > STK_POOL_PAGES - first)
		return;
	memset(p, 0, (size_t)n * 4096U);
	for (unsigned k = first; k < first + n; k++)
		taken[k] = false;
}

unsigned pages_free_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < STK_POOL_PAGES; i++)
		n += !taken[i];
	return n;
}
