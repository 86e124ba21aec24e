/* S-EL1 translation tables: the STK's own region of secure SRAM (code
 * read-only, the rest no-execute), the console UART, the monitor's
 * measurement records (read-only) and a small window per CPU where the STK
 * maps, for one access, a normal-world page the caller's partition holds
 * (non-secure, never executable); no normal-world memory stays mapped.
 * Each PAL instance gets tables of its own that share those privileged
 * mappings and add its arena and memref windows. */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/cpu.h>
#include <tzv/pt.h>
#include <tzv/string.h>
#include <tzv/sysreg.h>

#define POOL_PAGES 8
static uint64_t root[PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t pool[POOL_PAGES * PT_ENTRIES] __attribute__((aligned(4096)));
static struct pt stk_pt;
uint64_t stk_kernel_ttbr; /* read by the entry code */

extern char __text_end[];

#define S1_RX  (PT_S1_ATTR_NORMAL | PT_SH_INNER | PT_AF | PT_S1_AP_RO | PT_S1_XN)
#define S1_RW  (PT_S1_ATTR_NORMAL | PT_SH_INNER | PT_AF | PT_S1_XN | PT_S1_PXN)
#define S1_DEV (PT_S1_ATTR_DEVICE | PT_AF | PT_S1_XN | PT_S1_PXN)
#define S1_NS  (1UL << 5)
#define S1_NG  (1UL << 11)
#define S1_EL0 (1UL << 6) /* AP[1]: EL0 may access */
/* PAL pages: not global (tagged with the instance's ASID), never
 * executable by the STK */
#define PAL_PAGE                                                                                   \
	(PT_VALID | PT_TABLE | PT_S1_ATTR_NORMAL | PT_SH_INNER | PT_AF | S1_NG | PT_S1_PXN | S1_EL0)
#define PAL_RX (PAL_PAGE | PT_S1_AP_RO)
#define PAL_RW (PAL_PAGE | PT_S1_XN)
#define PAL_RO (PAL_PAGE | PT_S1_XN | PT_S1_AP_RO)

#define PAL_L1_INDEX ((PAL_VA_BASE >> 30) & 511U)

/* The normal-world window, one L3 table: a page for each call slot's
 * message while the call lasts, then NS_CPU_PAGES per CPU for one access. */
#define NS_WIN_VA	0x200000000UL
#define NS_WIN_L1_INDEX ((NS_WIN_VA >> 30) & 511U)
#define NS_CALL_SLOTS	(TZV_MAX_VMS * TZV_TEE_MAX_CALLS)
#define NS_CPU_PAGES	2U
#define NS_PAGE		(PT_VALID | PT_TABLE | S1_RW | S1_NS)
static uint64_t ns_l2[PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t ns_l3[PT_ENTRIES] __attribute__((aligned(4096)));
_Static_assert(NS_CALL_SLOTS + NS_CPU_PAGES * BOARD_MAX_CPUS <= PT_ENTRIES, "window fits a table");

void stk_mmu_init_tables(void)
{
	uint64_t text_end = ((uint64_t)(uintptr_t)__text_end + 4095U) & ~4095UL;

	pt_init(&stk_pt, root, pool, POOL_PAGES);
	/* XN here is UXN (EL0); the STK's own code stays privileged-executable */
	if (pt_map(&stk_pt, STK_BASE, STK_BASE, text_end - STK_BASE, S1_RX) ||
	    pt_map(&stk_pt, text_end, text_end, STK_BASE + STK_SIZE - text_end, S1_RW) ||
	    pt_map(&stk_pt, UART0_BASE, UART0_BASE, PT_PAGE_SIZE, S1_DEV) ||
	    pt_map(&stk_pt, CONSOLE_SHARED_BASE, CONSOLE_SHARED_BASE, PT_PAGE_SIZE,
		   S1_RW | S1_NS) ||
	    pt_map(&stk_pt, MEASURE_BASE, MEASURE_BASE, MEASURE_SIZE, S1_RW | PT_S1_AP_RO))
		panic("STK: cannot build its translation tables\n");
	if (root[PAL_L1_INDEX] || root[NS_WIN_L1_INDEX])
		panic("STK: PAL address space or window overlaps the STK's\n");
	root[NS_WIN_L1_INDEX] = (uint64_t)(uintptr_t)ns_l2 | PT_VALID | PT_TABLE;
	ns_l2[0] = (uint64_t)(uintptr_t)ns_l3 | PT_VALID | PT_TABLE;
	stk_kernel_ttbr = (uint64_t)(uintptr_t)root;
}

void stk_mmu_enable(void)
{
	write_sysreg(mair_el1, MAIR_VALUE);
	/* T0SZ=25 (39-bit), WB-WA inner/outer, inner shareable, 4K, no TTBR1
	 * walks, 40-bit output, 8-bit ASIDs from TTBR0 */
	write_sysreg(tcr_el1,
		     25UL | (1UL << 8) | (1UL << 10) | (3UL << 12) | (1UL << 23) | (2UL << 32));
	write_sysreg(ttbr0_el1, (uint64_t)(uintptr_t)root);
	isb();
	__asm__ volatile("tlbi vmalle1\n dsb ish\n isb" ::: "memory");
	/* RES1 | M | C | SA | I | WXN */
	write_sysreg(sctlr_el1,
		     0x30D00800UL | 1UL | (1UL << 2) | (1UL << 3) | (1UL << 12) | (1UL << 19));
	isb();
}

/* The caller has checked the pages are its client's, under its vTEE's lock. */
static void *map_at(unsigned first, uint64_t pa, uint64_t n)
{
	for (unsigned i = 0; i < n; i++)
		ns_l3[first + i] = ((pa & ~4095UL) + i * 4096UL) | NS_PAGE;
	dsb(ishst);
	isb();
	return (void *)(uintptr_t)(NS_WIN_VA + first * 4096UL + (pa & 4095U));
}

static void unmap_at(unsigned first, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!ns_l3[first + i])
			continue;
		ns_l3[first + i] = 0;
		dsb(ishst);
		__asm__ volatile("tlbi vaae1is, %0" ::"r"((NS_WIN_VA >> 12) + first + i)
				 : "memory");
	}
	dsb(ish);
	isb();
}

/* [pa, pa + len), at most NS_CPU_PAGES pages, in this CPU's part of the
 * window for one access, unmapped before the CPU leaves the STK. */
void *ns_map(uint64_t pa, uint64_t len)
{
	uint64_t n = ((pa & 4095U) + len + 4095U) / 4096U;

	if (!len || n > NS_CPU_PAGES)
		panic("STK: normal-world window of %lu bytes\n", (unsigned long)len);
	return map_at(NS_CALL_SLOTS + cpu_index() * NS_CPU_PAGES, pa, n);
}

void ns_unmap(void)
{
	unmap_at(NS_CALL_SLOTS + cpu_index() * NS_CPU_PAGES, NS_CPU_PAGES);
}

/* The message page of call slot `slot`, from its start to its end. */
void *ns_map_call(unsigned slot, uint64_t pa)
{
	return map_at(slot % NS_CALL_SLOTS, pa, 1);
}

void ns_unmap_call(unsigned slot)
{
	unmap_at(slot % NS_CALL_SLOTS, 1);
}

/* tables: [0] L1, [1] L2 for the PAL gigabyte, [2] L3 of the arena,
 * [3..6] L3 of the four memref windows */
#define TBL(s, i) ((s)->tables + (i)*PT_ENTRIES)

static void tlb_flush_asid(unsigned asid)
{
	__asm__ volatile("dsb ishst\n tlbi aside1is, %0\n dsb ish\n isb" ::"r"((uint64_t)asid << 48)
			 : "memory");
}

void pal_tables_init(struct session *s)
{
	const struct pal_header *h = s->pal->hdr;
	uint64_t arena = (uint64_t)(uintptr_t)s->arena;
	unsigned text = h->text_size / 4096U, mem = h->mem_size / 4096U;
	unsigned guard = (h->mem_size - h->stack_size) / 4096U - 1U;

	memset(s->tables, 0, PAL_TABLE_PAGES * PT_PAGE_SIZE);
	memcpy(TBL(s, 0), root, PT_PAGE_SIZE); /* the STK's privileged mappings */
	TBL(s, 0)[PAL_L1_INDEX] = (uint64_t)(uintptr_t)TBL(s, 1) | PT_VALID | PT_TABLE;
	for (unsigned i = 0; i < 1 + PAL_NUM_PARAMS; i++)
		TBL(s, 1)[i] = (uint64_t)(uintptr_t)TBL(s, 2 + i) | PT_VALID | PT_TABLE;
	for (unsigned i = 0; i <= mem; i++) {
		if (i == guard)
			continue; /* stack overflow faults */
		TBL(s, 2)[i] = (arena + i * 4096UL) | (i < text ? PAL_RX : PAL_RW);
	}
	tlb_flush_asid(s->asid);
}

int pal_map_window(struct session *s, unsigned w, const uint64_t *pages, uint64_t n, bool write)
{
	if (w >= PAL_NUM_PARAMS || n > PT_ENTRIES)
		return -1;
	for (uint64_t i = 0; i < n; i++)
		TBL(s, 3 + w)[i] = pages[i] | S1_NS | (write ? PAL_RW : PAL_RO);
	s->mapped[w] = (unsigned)n;
	dsb(ishst);
	return 0;
}

void pal_unmap_windows(struct session *s)
{
	for (unsigned w = 0; w < PAL_NUM_PARAMS; w++) {
		memset(TBL(s, 3 + w), 0, s->mapped[w] * sizeof(uint64_t));
		s->mapped[w] = 0;
	}
	tlb_flush_asid(s->asid);
}

void pal_tables_switch(const struct session *s)
{
	write_sysreg(ttbr0_el1, (uint64_t)(uintptr_t)TBL(s, 0) | ((uint64_t)s->asid << 48));
	isb();
}

void pal_tables_wipe(struct session *s)
{
	memset(s->tables, 0, PAL_TABLE_PAGES * PT_PAGE_SIZE);
	tlb_flush_asid(s->asid);
}
