/* make bench: virtual timer interrupt latency, the distance in counter
 * ticks between the programmed deadline and the IRQ handler's first
 * instruction after the common exception entry. Runs natively and under
 * tzvisor alike. */
#include "bm.h"

#define SAMPLES	   101
#define PPI_VTIMER 27U

static volatile uint64_t deadline, latency;
static volatile bool fired;

static void timer_irq(void)
{
	uint64_t now = read_sysreg(cntvct_el0);
	uint64_t iar = read_sysreg(ICC_IAR1_EL1);

	if (iar == PPI_VTIMER) {
		latency = now - deadline;
		write_sysreg(cntv_ctl_el0, 2); /* masked: the line drops */
		fired = true;
	}
	if (iar < 1020)
		write_sysreg(ICC_EOIR1_EL1, iar);
}

void bm_main(uint64_t dtb)
{
	uint64_t lat[SAMPLES];

	(void)dtb;
	bm_gic_init();
	bm_irq_handler = timer_irq;
	__asm__ volatile("msr daifclr, #2" ::: "memory");
	for (unsigned i = 0; i < SAMPLES; i++) {
		fired = false;
		deadline = read_sysreg(cntvct_el0) + 2000U;
		write_sysreg(cntv_cval_el0, deadline);
		write_sysreg(cntv_ctl_el0, 1);
		isb();
		while (!fired) /* busy: under -icount, WFI would let virtual time warp */
			;
		lat[i] = latency;
	}
	__asm__ volatile("msr daifset, #2" ::: "memory");
	for (unsigned i = 1; i < SAMPLES; i++) /* insertion sort: few samples */
		for (unsigned j = i; j && lat[j - 1] > lat[j]; j--) {
			uint64_t t = lat[j];
			lat[j] = lat[j - 1];
			lat[j - 1] = t;
		}
	pr("timerlat: %u samples, median %lu ticks, min %lu, max %lu (counter %lu Hz)\n", SAMPLES,
	   (unsigned long)lat[SAMPLES / 2], (unsigned long)lat[0], (unsigned long)lat[SAMPLES - 1],
	   (unsigned long)read_sysreg(cntfrq_el0));
	bm_power_off();
}
