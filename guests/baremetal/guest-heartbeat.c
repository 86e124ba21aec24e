/* vm2 of the default system: a heartbeat a second, sleeping in between.
 * Each beat is written to the shared region shm0 (region 0, at IPA
 * 0x70000000 as configs/default.toml places it) and rings its doorbell;
 * every tenth is printed, so the console stays readable for the shells
 * next to it. Input: a digit sets the seconds between printed beats (0:
 * none), 'q' powers the VM off. */
#include "bm.h"

#define SHM0	   0x70000000UL
#define SHM0_ID	   0
#define BEAT_MAGIC 0x54414542U /* "BEAT" */

/* Sleeps a second, acting on the keys that come meanwhile. */
static void second(unsigned *every)
{
	for (unsigned i = 0; i < 10; i++) {
		bm_sleep_ms(100);
		for (int c; (c = bm_getc()) >= 0;) {
			if (c == 'q') {
				pr("heartbeat guest: powering off\n");
				bm_power_off();
			}
			if (c >= '0' && c <= '9') {
				*every = (unsigned)(c - '0');
				pr("heartbeat: a line every %u s (0: none)\n", *every);
			}
		}
	}
}

void bm_main(uint64_t dtb)
{
	volatile uint32_t *shm = (volatile uint32_t *)SHM0;
	unsigned every = 10;

	(void)dtb;
	bm_gic_init();
	pr("heartbeat guest up at EL%u (q powers it off; a digit sets the seconds between "
	   "lines, 0 none)\n",
	   current_el());
	for (uint32_t n = 1;; n++) {
		shm[1] = n;
		shm[0] = BEAT_MAGIC;
		dsb(sy);
		long r = (long)bm_hvc(TZV_HC_DOORBELL, SHM0_ID, 0, 0).a0;
		if (r || (every && n % every == 1U % every))
			pr("heartbeat %u%s\n", n, r ? " (doorbell refused)" : "");
		second(&every);
	}
}
