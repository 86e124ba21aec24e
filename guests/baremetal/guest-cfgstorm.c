/* The storm of test/configs/cfgrace.toml: it flips the trigger mode of its
 * own SPI (the RTC's, SPI 2) without pause. SPI 2 shares one physical
 * GICD_ICFGR word with the setter VM's SPI 7, so each flip is a
 * read-modify-write of that word by the hypervisor on this VM's CPU, which
 * must never undo what the setter's CPU wrote meanwhile. */
#include "bm.h"

#define ICFGR_SPI0_15 (GICD_BASE + 0xC08U) /* two bits per interrupt */
#define RTC_EDGE      (2U << (2U * 2U))

void bm_main(uint64_t dtb)
{
	(void)dtb;
	pr("cfgstorm: flipping the trigger mode of SPI 2 without pause\n");
	for (uint32_t v = RTC_EDGE;; v ^= RTC_EDGE)
		mmio_write32(ICFGR_SPI0_15, v);
}
