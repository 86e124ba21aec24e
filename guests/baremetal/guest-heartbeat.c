/* vm2 of the default system: a heartbeat a second, sleeping in between.
 * Each beat is also written to the shared region shm0 (region 0, at IPA
 * 0x70000000 as configs/default.toml places it) and rings its doorbell.
 * Input 'q' powers the VM off. */
#include "bm.h"

#define SHM0	   0x70000000UL
#define SHM0_ID	   0
#define BEAT_MAGIC 0x54414542U /* "BEAT" */

void bm_main(uint64_t dtb)
{
	volatile uint32_t *shm = (volatile uint32_t *)SHM0;

	(void)dtb;
	bm_gic_init();
	pr("heartbeat guest up at EL%u (q powers it off)\n", current_el());
	for (uint32_t n = 1;; n++) {
		shm[1] = n;
		shm[0] = BEAT_MAGIC;
		dsb(sy);
		long r = (long)bm_hvc(TZV_HC_DOORBELL, SHM0_ID, 0, 0).a0;
		pr("heartbeat %u%s\n", n, r ? " (doorbell refused)" : "");
		for (unsigned i = 0; i < 10; i++) {
			bm_sleep_ms(100);
			if (bm_getc() == 'q') {
				pr("heartbeat guest: powering off\n");
				bm_power_off();
			}
		}
	}
}
