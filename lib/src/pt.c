#include <stdbool.h>
#include <tzv/pt.h>
#include <tzv/string.h>

static uint64_t identity_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void *identity_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

void pt_init(struct pt *pt, uint64_t *root, uint64_t *pool, size_t pool_pages)
{
	pt->root = root;
	pt->pool = pool;
	pt->pool_pages = pool_pages;
	pt->used = 0;
	if (!pt->to_phys)
		pt->to_phys = identity_phys;
	if (!pt->to_virt)
		pt->to_virt = identity_virt;
	memset(root, 0, PT_PAGE_SIZE);
}

static unsigned level_shift(unsigned level)
{
	return 12U + 9U * (3U - level);
}

static uint64_t *next_table(struct pt *pt, uint64_t *entry)
{
	if (*entry & PT_VALID) {
		if (!(*entry & PT_TABLE))
			return NULL; /* a block already covers this range */
		return pt->to_virt(*entry & PT_ADDR_MASK);
	}
	if (pt->used == pt->pool_pages)
		return NULL;
	uint64_t *t = pt->pool + pt->used++ * PT_ENTRIES;
	memset(t, 0, PT_PAGE_SIZE);
	*entry = pt->to_phys(t) | PT_TABLE | PT_VALID;
	return t;
}

static int map_level(struct pt *pt, uint64_t *table, unsigned level, uint64_t va, uint64_t pa,
		     uint64_t size, uint64_t attrs)
{
	uint64_t span = 1UL << level_shift(level);

	while (size) {
		unsigned idx = (unsigned)((va >> level_shift(level)) & (PT_ENTRIES - 1));
		uint64_t *e = &table[idx];
		uint64_t chunk = span - (va & (span - 1));
		if (chunk > size)
			chunk = size;

		if (level >= 2 && !(va & (span - 1)) && !(pa & (span - 1)) && chunk == span) {
			if (*e & PT_VALID)
				return PT_EEXIST;
			*e = (pa & PT_ADDR_MASK) | attrs | PT_VALID | (level == 3 ? PT_TABLE : 0);
		} else {
			if (level == 3)
				return PT_EALIGN;
			if ((*e & PT_VALID) && !(*e & PT_TABLE))
				return PT_EEXIST;
			uint64_t *t = next_table(pt, e);
			if (!t)
				return PT_ENOMEM;
			int r = map_level(pt, t, level + 1, va, pa, chunk, attrs);
			if (r)
				return r;
		}
		va += chunk;
		pa += chunk;
		size -= chunk;
	}
	return PT_OK;
}

static int walk(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *attrs, uint64_t *hole);

/* A block becomes a table of the next level mapping the same range with
 * the same attributes, from one pool page. */
static int split(struct pt *pt, uint64_t *e, unsigned level)
{
	if (pt->used == pt->pool_pages)
		return PT_ENOMEM;
	uint64_t *t = pt->pool + pt->used++ * PT_ENTRIES;
	uint64_t span = 1UL << level_shift(level + 1);
	uint64_t keep = *e & ~PT_ADDR_MASK & ~(PT_VALID | PT_TABLE);
	uint64_t type = PT_VALID | (level + 1 == 3 ? PT_TABLE : 0);

	for (unsigned i = 0; i < PT_ENTRIES; i++)
		t[i] = ((*e & PT_ADDR_MASK) + i * span) | keep | type;
	*e = pt->to_phys(t) | PT_TABLE | PT_VALID;
	return PT_OK;
}

static int protect_level(struct pt *pt, uint64_t *table, unsigned level, uint64_t va, uint64_t size,
			 uint64_t clear, uint64_t set)
{
	uint64_t span = 1UL << level_shift(level);

	while (size) {
		uint64_t *e = &table[(va >> level_shift(level)) & (PT_ENTRIES - 1)];
		uint64_t chunk = span - (va & (span - 1));
		if (chunk > size)
			chunk = size;
		if (!(*e & PT_VALID))
			return PT_ERANGE;
		bool leaf = level == 3 || !(*e & PT_TABLE);
		if (leaf && chunk == span) {
			*e = (*e & ~clear) | set;
		} else {
			int r = leaf ? split(pt, e, level) : PT_OK;
			if (!r)
				r = protect_level(pt, pt->to_virt(*e & PT_ADDR_MASK), level + 1, va,
						  chunk, clear, set);
			if (r)
				return r;
		}
		va += chunk;
		size -= chunk;
	}
	return PT_OK;
}

int pt_protect(struct pt *pt, uint64_t va, uint64_t size, uint64_t clear, uint64_t set)
{
	if ((va | size) & (PT_PAGE_SIZE - 1))
		return PT_EALIGN;
	if (size == 0 || va + size < va || va + size > (1UL << PT_VA_BITS))
		return PT_ERANGE;
	return protect_level(pt, pt->root, 1, va, size, clear, set);
}

int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs)
{
	if ((va | pa | size) & (PT_PAGE_SIZE - 1))
		return PT_EALIGN;
	if (size == 0 || va + size < va || va + size > (1UL << PT_VA_BITS) || pa + size < pa ||
	    pa + size > (1UL << 48))
		return PT_ERANGE;
	/* Refuse overlap up front so a failed call leaves no partial map;
	 * unmapped space is skipped a whole entry at a time. */
	for (uint64_t off = 0; off < size;) {
		uint64_t dummy, hole;
		if (walk(pt, va + off, &dummy, NULL, &hole) == 0)
			return PT_EEXIST;
		off += hole - ((va + off) & (hole - 1));
	}
	return map_level(pt, pt->root, 1, va, pa, size, attrs);
}

/* On a miss, *hole is the size of the unmapped entry containing va. */
static int walk(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *attrs, uint64_t *hole)
{
	const uint64_t *table = pt->root;

	for (unsigned level = 1; level <= 3; level++) {
		unsigned shift = level_shift(level);
		uint64_t e = table[(va >> shift) & (PT_ENTRIES - 1)];
		if (!(e & PT_VALID)) {
			*hole = 1UL << shift;
			return -1;
		}
		if (level == 3 || !(e & PT_TABLE)) {
			uint64_t mask = (1UL << shift) - 1;
			*pa = (e & PT_ADDR_MASK & ~mask) | (va & mask);
			if (attrs)
				*attrs = e & ~PT_ADDR_MASK & ~(PT_VALID | PT_TABLE);
			return 0;
		}
		table = pt->to_virt(e & PT_ADDR_MASK);
	}
	return -1;
}

int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *attrs)
{
	uint64_t hole;

	if (va >= (1UL << PT_VA_BITS))
		return -1;
	return walk(pt, va, pa, attrs, &hole);
}
