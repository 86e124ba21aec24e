/* Victim of the isolation tests: keeps a known pattern in its RAM and
 * checks it, and reports any interrupt it did not expect (SGIs or SPIs an
 * attacker might try to send it). Its peer runs the same program. */
#include "bm.h"

#define AREA 0x40100000UL
#define AREA_WORDS (1U << 18) /* 1 MiB */

static uint32_t pattern(unsigned i)
{
	return 0x71c70000U ^ (i * 2654435761U);
}

static void unexpected(unsigned intid)
{
	pr("victim: UNEXPECTED interrupt %u\n", intid);
}

void bm_main(uint64_t dtb)
{
	volatile uint32_t *area = (volatile uint32_t *)AREA;

	(void)dtb;
	bm_gic_init();
	/* take every SGI and the doorbell so that a stray one would show */
	mmio_write32(GICR_BASE + 0x10000 + 0x100, 0xffffU | (1U << 27));
	mmio_write32(GICD_BASE + 0x100 + 4, 1U << 8); /* SPI 40 */
	bm_irq_hook = unexpected;
	for (unsigned i = 0; i < AREA_WORDS; i++)
		area[i] = pattern(i);
	pr("victim: pattern written\n");
	for (unsigned long n = 1;; n++) {
		bm_sleep_ms(500);
		unsigned bad = 0;
		for (unsigned i = 0; i < AREA_WORDS; i++)
			bad += area[i] != pattern(i);
		if (bad)
			pr("victim: PATTERN CORRUPTED (%u words)\n", bad);
		else
			pr("victim: pattern intact (check %lu)\n", n);
		if (bm_getc() == 'q')
			bm_power_off();
	}
}
