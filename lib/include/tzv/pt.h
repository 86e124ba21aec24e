/* Translation-table builder for the 4 KiB granule, shared by the EL2 stage-1
 * and stage-2 tables and the S-EL1 tables. Tables start at level 1 (39-bit
 * input addresses) and come from a fixed pool of pages owned by the caller. */
#ifndef TZV_PT_H
#define TZV_PT_H
#include <stddef.h>
#include <stdint.h>

#define PT_ENTRIES   512U
#define PT_PAGE_SIZE 4096UL
#define PT_VA_BITS   39U

/* Descriptor type bits */
#define PT_VALID     (1UL << 0)
#define PT_TABLE     (1UL << 1) /* at level 1/2: table; at level 3: page */
#define PT_AF	     (1UL << 10)
#define PT_SH_INNER  (3UL << 8)
#define PT_ADDR_MASK 0x0000fffffffff000UL

/* Stage 1 (EL2 / S-EL1) attributes; MAIR index 0 = Device-nGnRnE,
 * index 1 = Normal write-back. */
#define PT_S1_ATTR_DEVICE (0UL << 2)
#define PT_S1_ATTR_NORMAL (1UL << 2)
#define PT_S1_AP_RO	  (1UL << 7)
#define PT_S1_AP_EL2_RES1 (1UL << 6)
#define PT_S1_PXN	  (1UL << 53)
#define PT_S1_XN	  (1UL << 54)
#define MAIR_VALUE	  0xff00UL

/* Stage 2 attributes */
#define PT_S2_MEM_DEVICE (0x0UL << 2)
#define PT_S2_MEM_NORMAL (0xfUL << 2)
#define PT_S2_AP_R	 (1UL << 6)
#define PT_S2_AP_RW	 (3UL << 6)
#define PT_S2_XN	 (2UL << 53)

#define PT_S2_NORMAL_RWX (PT_S2_MEM_NORMAL | PT_S2_AP_RW | PT_SH_INNER | PT_AF)
#define PT_S2_NORMAL_RW	 (PT_S2_NORMAL_RWX | PT_S2_XN)
#define PT_S2_DEVICE_RW	 (PT_S2_MEM_DEVICE | PT_S2_AP_RW | PT_AF | PT_S2_XN)

struct pt {
	uint64_t *root; /* level-1 table, one page */
	uint64_t *pool; /* pages for lower-level tables */
	size_t pool_pages;
	size_t used;
	/* Turns a table's address as the CPU sees it into the address the
	 * walker sees (identity on target; host unit tests use their own). */
	uint64_t (*to_phys)(const void *p);
	void *(*to_virt)(uint64_t pa);
};

enum pt_err { PT_OK = 0, PT_EALIGN = -1, PT_ENOMEM = -2, PT_EEXIST = -3, PT_ERANGE = -4 };

void pt_init(struct pt *pt, uint64_t *root, uint64_t *pool, size_t pool_pages);
/* Maps [va, va+size) to [pa, pa+size) with the given attribute bits, using
 * the largest blocks alignment allows. Fails without changes to existing
 * entries' targets if any page of the range is already mapped. */
int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs);
/* Changes the attribute bits of every page of [va, va+size): clears
 * `clear`, then sets `set`; a block the range covers in part is split into
 * a table first (a pool page each). The caller keeps every walker off the
 * range meanwhile (break-before-make) and invalidates the TLBs after. On
 * PT_ENOMEM the range before the block that could not be split changed.
 * PT_ERANGE if part of the range is unmapped. */
int pt_protect(struct pt *pt, uint64_t va, uint64_t size, uint64_t clear, uint64_t set);
/* Walks the table: returns the output address for va and the leaf
 * descriptor's attributes in *attrs, or -1 if unmapped. */
int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *attrs);

#endif
