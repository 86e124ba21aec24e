/* The monitor's own translation at EL3: an identity map, the same on every
 * CPU. Secure SRAM (its code and data, the STK's image) is Normal
 * write-back memory; the normal world's RAM is Normal write-back too, never
 * executable, in the non-secure address space (the lines the normal world's
 * caches hold), so that a VM's images are hashed from cached memory and by
 * Nettle, whose C parts make unaligned accesses, which fault on the Device
 * memory that is all an EL3 without MMU sees. The flash and the devices are
 * Device memory; the .hold page, which CPUs read with their MMU still off
 * while they wait, is Normal non-cacheable. */
#include <mon.h>
#include <tzv/console.h>
#include <tzv/pt.h>
#include <tzv/sysreg.h>

#define MAIR_EL3_VALUE (MAIR_VALUE | (0x44UL << 16)) /* index 2: Normal non-cacheable */
#define ATTR_NORMAL_NC (2UL << 2)
#define DESC_NS	       (1UL << 5)
#define BASE	       (PT_AF | PT_S1_AP_EL2_RES1)
#define NORMAL_RWX     (BASE | PT_SH_INNER | PT_S1_ATTR_NORMAL)
#define NS_RAM_RW      (NORMAL_RWX | PT_S1_XN | DESC_NS)
#define HOLD_RW	       (BASE | PT_SH_INNER | ATTR_NORMAL_NC | PT_S1_XN)
#define DEVICE_RW      (BASE | PT_S1_ATTR_DEVICE | PT_S1_XN)

/* TCR_EL3: 39-bit addresses, 4 KiB granule, tables walked through the
 * inner-shareable write-back caches, 40-bit physical addresses */
#define TCR_EL3_VALUE                                                                              \
	((1UL << 31) | (1UL << 23) | (2UL << 16) | (3UL << 12) | (1UL << 10) | (1UL << 8) |        \
	 (64UL - PT_VA_BITS))
#define SCTLR_M (1UL << 0)
#define SCTLR_C (1UL << 2)

#define POOL_PAGES 6U /* level 2 for the first GiB and for 2 of RAM, level 3 for .hold */

static uint64_t root[PT_ENTRIES] __attribute__((aligned(PT_PAGE_SIZE)));
static uint64_t pool[POOL_PAGES * PT_ENTRIES] __attribute__((aligned(PT_PAGE_SIZE)));
static bool built;

extern char __hold_start[], __hold_end[];

static void map(struct pt *pt, uint64_t base, uint64_t size, uint64_t attrs)
{
	if (pt_map(pt, base, base, size, attrs))
		panic("EL3 MMU: cannot map 0x%lx..0x%lx\n", (unsigned long)base,
		      (unsigned long)(base + size));
}

/* Built once, by the first CPU, before any other runs here. */
static void build(void)
{
	struct pt pt = {0};
	uint64_t hold = (uintptr_t)__hold_start, hold_end = (uintptr_t)__hold_end;

	pt_init(&pt, root, pool, POOL_PAGES);
	map(&pt, SECURE_FLASH_BASE, SECURE_FLASH_SIZE, DEVICE_RW);
	map(&pt, BOARD_DEVICES_BASE, BOARD_DEVICES_SIZE, DEVICE_RW);
	map(&pt, SECURE_SRAM_BASE, hold - SECURE_SRAM_BASE, NORMAL_RWX);
	map(&pt, hold, hold_end - hold, HOLD_RW);
	map(&pt, hold_end, SECURE_SRAM_BASE + SECURE_SRAM_SIZE - hold_end, NORMAL_RWX);
	map(&pt, RAM_BASE, RAM_SIZE, NS_RAM_RW);
	dsb(sy);
	built = true;
}

void mmu_enable(void)
{
	if (!built)
		build();
	write_sysreg(mair_el3, MAIR_EL3_VALUE);
	write_sysreg(tcr_el3, TCR_EL3_VALUE);
	write_sysreg(ttbr0_el3, (uint64_t)(uintptr_t)root);
	isb();
	__asm__ volatile("tlbi alle3" ::: "memory");
	dsb(sy);
	isb();
	write_sysreg(sctlr_el3, read_sysreg(sctlr_el3) | SCTLR_M | SCTLR_C);
	isb();
}

/* Code the monitor wrote (the STK's image) reaches the point where
 * instruction fetches see it. */
void mmu_sync_code(const void *p, uint64_t len)
{
	for (uintptr_t a = (uintptr_t)p & ~63UL; a < (uintptr_t)p + len; a += 64)
		__asm__ volatile("dc cvau, %0" ::"r"(a) : "memory");
	dsb(ish);
	__asm__ volatile("ic ialluis" ::: "memory");
	dsb(ish);
	isb();
}
