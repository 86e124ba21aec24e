/* Host unit tests for the translation-table builder (lib/src/pt.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tzv/pt.h>

static int failures;
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define POOL 8
static uint64_t root[PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t pool[POOL * PT_ENTRIES] __attribute__((aligned(4096)));

static void fresh(struct pt *pt)
{
	memset(pt, 0, sizeof(*pt));
	pt_init(pt, root, pool, POOL);
}

static void test_blocks_and_pages(void)
{
	struct pt pt;
	uint64_t pa, attrs;

	fresh(&pt);
	/* 512 MiB at a 2 MiB-aligned pair: only level-2 blocks, one table */
	CHECK(pt_map(&pt, 0x40000000, 0x50000000, 0x20000000, PT_S2_NORMAL_RWX) == PT_OK);
	CHECK(pt.used == 1);
	CHECK(pt_lookup(&pt, 0x40000000, &pa, &attrs) == 0 && pa == 0x50000000);
	CHECK(pt_lookup(&pt, 0x5fffffff, &pa, &attrs) == 0 && pa == 0x6fffffff);
	CHECK((attrs & PT_S2_AP_RW) == PT_S2_AP_RW);
	CHECK(pt_lookup(&pt, 0x60000000, &pa, NULL) == -1);
	CHECK(pt_lookup(&pt, 0x3fffffff, &pa, NULL) == -1);
	/* a single device page needs level-2 and level-3 tables */
	CHECK(pt_map(&pt, 0x09000000, 0x09000000, 0x1000, PT_S2_DEVICE_RW) == PT_OK);
	CHECK(pt.used == 3);
	CHECK(pt_lookup(&pt, 0x09000abc, &pa, &attrs) == 0 && pa == 0x09000abc);
	CHECK((attrs & PT_S2_XN) == PT_S2_XN);
	CHECK(pt_lookup(&pt, 0x09001000, &pa, NULL) == -1);
}

static void test_errors(void)
{
	struct pt pt;
	uint64_t pa;

	fresh(&pt);
	CHECK(pt_map(&pt, 0x1001, 0x1000, 0x1000, 0) == PT_EALIGN);
	CHECK(pt_map(&pt, 0x1000, 0x1000, 0x800, 0) == PT_EALIGN);
	CHECK(pt_map(&pt, 0x1000, 0x1000, 0, 0) == PT_ERANGE);
	CHECK(pt_map(&pt, 1UL << 39, 0, 0x1000, 0) == PT_ERANGE);
	CHECK(pt_map(&pt, (1UL << 39) - 0x1000, 0, 0x2000, 0) == PT_ERANGE);
	CHECK(pt_map(&pt, 0x40000000, 0x40000000, 0x200000, PT_S2_NORMAL_RWX) == PT_OK);
	/* overlap, partial or whole, is refused and leaves the map unchanged */
	CHECK(pt_map(&pt, 0x401ff000, 0x0, 0x2000, PT_S2_NORMAL_RWX) == PT_EEXIST);
	CHECK(pt_map(&pt, 0x40100000, 0x0, 0x1000, PT_S2_NORMAL_RWX) == PT_EEXIST);
	CHECK(pt_lookup(&pt, 0x401ff000, &pa, NULL) == 0 && pa == 0x401ff000);
	CHECK(pt_lookup(&pt, 0x40200000, &pa, NULL) == -1);
	/* the pool runs out: one page per distinct 2 MiB region at level 3 */
	fresh(&pt);
	int r = PT_OK;
	for (uint64_t i = 0; i < 64 && r == PT_OK; i++)
		r = pt_map(&pt, i << 21, i << 21, 0x1000, PT_S2_DEVICE_RW);
	CHECK(r == PT_ENOMEM);
	CHECK(pt.used == POOL);
}

static void test_unaligned_pa_uses_pages(void)
{
	struct pt pt;
	uint64_t pa;

	fresh(&pt);
	/* IPA 2 MiB aligned but PA only 4 KiB aligned: must not use a block */
	CHECK(pt_map(&pt, 0x40000000, 0x50001000, 0x200000, PT_S2_NORMAL_RWX) == PT_OK);
	CHECK(pt_lookup(&pt, 0x401ff004, &pa, NULL) == 0 && pa == 0x50200004);
}

int main(void)
{
	test_blocks_and_pages();
	test_errors();
	test_unaligned_pa_uses_pages();
	printf("unit test_pt: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
