/* S-EL1 translation tables: the STK's own region of secure SRAM (code
 * read-only, the rest no-execute) and the console UART. */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/pt.h>
#include <tzv/sysreg.h>

#define POOL_PAGES 8
static uint64_t root[PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t pool[POOL_PAGES * PT_ENTRIES] __attribute__((aligned(4096)));
static struct pt stk_pt;

extern char __text_end[];

#define S1_RX  (PT_S1_ATTR_NORMAL | PT_SH_INNER | PT_AF | PT_S1_AP_RO | PT_S1_XN)
#define S1_RW  (PT_S1_ATTR_NORMAL | PT_SH_INNER | PT_AF | PT_S1_XN | PT_S1_PXN)
#define S1_DEV (PT_S1_ATTR_DEVICE | PT_AF | PT_S1_XN | PT_S1_PXN)

void stk_mmu_init_tables(void)
{
	uint64_t text_end = ((uint64_t)(uintptr_t)__text_end + 4095U) & ~4095UL;

	pt_init(&stk_pt, root, pool, POOL_PAGES);
	/* XN here is UXN (EL0); the STK's own code stays privileged-executable */
	if (pt_map(&stk_pt, STK_BASE, STK_BASE, text_end - STK_BASE, S1_RX) ||
	    pt_map(&stk_pt, text_end, text_end, STK_BASE + STK_SIZE - text_end, S1_RW) ||
	    pt_map(&stk_pt, UART0_BASE, UART0_BASE, PT_PAGE_SIZE, S1_DEV))
		panic("STK: cannot build its translation tables\n");
}

void stk_mmu_enable(void)
{
	write_sysreg(mair_el1, MAIR_VALUE);
	/* T0SZ=25 (39-bit), WB-WA inner/outer, inner shareable, 4K, no TTBR1
	 * walks, 40-bit output */
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
