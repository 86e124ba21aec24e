/* The setter of test/configs/cfgrace.toml: at each key from the console it
 * sets its own SPI (the GPIO's, SPI 7) to the next trigger mode, edge in odd
 * rounds, level in even ones, and says so; the test then reads the
 * physical GICD_ICFGR. 'q' ends. */
#include "bm.h"

#define ICFGR_SPI0_15 (GICD_BASE + 0xC08U)
#define GPIO_EDGE     (2U << (2U * 7U))

void bm_main(uint64_t dtb)
{
	(void)dtb;
	pr("cfgset: ready for rounds\n");
	for (unsigned round = 1;; round++) {
		int c;
		while ((c = bm_getc()) < 0)
			;
		if (c == 'q')
			bm_power_off();
		mmio_write32(ICFGR_SPI0_15, round & 1U ? GPIO_EDGE : 0);
		pr("cfgset: round %u edge %u\n", round, round & 1U);
	}
}
