/* vm2 of the default system: a heartbeat a second, sleeping in between.
 * Input 'q' powers the VM off. */
#include "bm.h"

void bm_main(uint64_t dtb)
{
	(void)dtb;
	bm_gic_init();
	pr("heartbeat guest up at EL%u (q powers it off)\n", current_el());
	for (unsigned long n = 1;; n++) {
		pr("heartbeat %lu\n", n);
		for (unsigned i = 0; i < 10; i++) {
			bm_sleep_ms(100);
			if (bm_getc() == 'q') {
				pr("heartbeat guest: powering off\n");
				bm_power_off();
			}
		}
	}
}
