/* EL2 stage-1 tables: an identity map of what the hypervisor touches. */
#include <board.h>
#include <cpu.h>
#include <tzv/console.h>
#include <tzv/pt.h>
#include <tzv/sysreg.h>

#define POOL_PAGES 16
static uint64_t root[PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t pool[POOL_PAGES * PT_ENTRIES] __attribute__((aligned(4096)));
static struct pt hyp_pt;

extern char __text_start[], __text_end[];

#define S1_RAM	  (PT_S1_ATTR_NORMAL | PT_SH_INNER | PT_AF | PT_S1_AP_EL2_RES1 | PT_S1_XN)
#define S1_TEXT	  (PT_S1_ATTR_NORMAL | PT_SH_INNER | PT_AF | PT_S1_AP_EL2_RES1 | PT_S1_AP_RO)
#define S1_DEV	  (PT_S1_ATTR_DEVICE | PT_AF | PT_S1_AP_EL2_RES1 | PT_S1_XN)
#define S1_DEV_RO (S1_DEV | PT_S1_AP_RO)

static void map(uint64_t base, uint64_t end, uint64_t attrs)
{
	int r = pt_map(&hyp_pt, base, base, end - base, attrs);

	if (r)
		panic("EL2 stage-1 map %lx..%lx failed (%d)\n", (unsigned long)base,
		      (unsigned long)end, r);
}

void hyp_mmu_init(void)
{
	uint64_t ts = (uint64_t)(uintptr_t)__text_start;
	uint64_t te = ((uint64_t)(uintptr_t)__text_end + 4095U) & ~4095UL;

	pt_init(&hyp_pt, root, pool, POOL_PAGES);
	map(GICD_BASE, GICR_BASE + GICR_STRIDE * BOARD_MAX_CPUS, S1_DEV);
	map(UART0_BASE, UART0_BASE + PT_PAGE_SIZE, S1_DEV);
	map(SMMU_BASE, SMMU_BASE + SMMU_SIZE, S1_DEV);
	map(PCIE_ECAM_BASE, PCIE_ECAM_BASE + PCIE_ECAM_SIZE, S1_DEV);
	/* Mapped only so the boot self-test can show that the hardware, not
	 * this table, refuses normal-world reads of secure SRAM. */
	map(SECURE_SRAM_BASE, SECURE_SRAM_BASE + PT_PAGE_SIZE, S1_DEV_RO);
	map(RAM_BASE, ts, S1_RAM);
	map(ts, te, S1_TEXT);
	map(te, RAM_BASE + RAM_SIZE, S1_RAM);
}

void hyp_mmu_enable(void)
{
	write_sysreg(mair_el2, MAIR_VALUE);
	/* RES1 bits 31, 23 | T0SZ=25 | WB-WA | inner shareable | 4K | PS=40 bit */
	write_sysreg(tcr_el2, (1UL << 31) | (1UL << 23) | 25UL | (1UL << 8) | (1UL << 10) |
				  (3UL << 12) | (2UL << 16));
	write_sysreg(ttbr0_el2, (uint64_t)(uintptr_t)root);
	isb();
	__asm__ volatile("tlbi alle2\n dsb ish\n isb" ::: "memory");
	/* RES1 | M | C | SA | I | WXN */
	write_sysreg(sctlr_el2,
		     0x30C50830UL | 1UL | (1UL << 2) | (1UL << 3) | (1UL << 12) | (1UL << 19));
	isb();
}
