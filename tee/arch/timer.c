/* The secure physical timer that ends a PAL's time slice, the GIC CPU
 * interface bits the STK needs for it, the counter and the CPU's RNDR. */
#include <stk.h>
#include <tzv/cpu.h>
#include <tzv/sysreg.h>

/* Secure Group 1 on this CPU: the timer reaches S-EL1 as an IRQ. */
void stk_gic_cpu_init(void)
{
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	write_sysreg(cntps_ctl_el1, 0);
	isb();
}

uint64_t stk_time_us(void)
{
	uint64_t f = read_sysreg(cntfrq_el0), t = read_sysreg(cntpct_el0);

	return (t / f) * 1000000U + (t % f) * 1000000U / f;
}

void secure_timer_arm(uint32_t us)
{
	uint64_t f = read_sysreg(cntfrq_el0);

	write_sysreg(cntps_cval_el1, read_sysreg(cntpct_el0) + f * us / 1000000U);
	write_sysreg(cntps_ctl_el1, 1); /* enabled, not masked */
	isb();
}

void secure_timer_stop(void)
{
	write_sysreg(cntps_ctl_el1, 0);
	isb();
}

/* Acknowledges the timer's interrupt (and any other Secure Group 1 one). */
void secure_timer_ack(void)
{
	secure_timer_stop();
	uint64_t iar = read_sysreg(ICC_IAR1_EL1);
	if (iar < 1020)
		write_sysreg(ICC_EOIR1_EL1, iar);
}

bool stk_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t v;
		if (!cpu_random64(&v))
			return false;
		for (unsigned i = 0; i < 8 && len; i++, len--) {
			*p++ = (uint8_t)v;
			v >>= 8;
		}
	}
	return true;
}
