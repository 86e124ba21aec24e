/* Architectural behaviour a guest may rely on, checked the same way on
 * QEMU natively and under tzvisor (test_conform.py): the GIC's pending and
 * active state of SGIs, PPIs and SPIs; the EL1 physical timer and the
 * counters; the SMCCC TRNG where the firmware offers it. Interrupts stay
 * masked at the CPU throughout: acknowledging by reading IAR works anyway. */
#include "bm.h"

#define SGI_FRAME  (GICR_BASE + 0x10000UL)
#define ISENABLER  0x100U
#define ICENABLER  0x180U
#define ISPENDR	   0x200U
#define ICPENDR	   0x280U
#define ISACTIVER  0x300U
#define ICACTIVER  0x380U
#define GICD_GROUP 0x080U
#define SPI_UART   33U /* the console's: a VM's own SPI on both */

static unsigned passed, failed;

static void check(const char *what, unsigned id, bool ok)
{
	pr("conform: %s (INTID %u): %s\n", what, id, ok ? "ok" : "FAILED");
	if (ok)
		passed++;
	else
		failed++;
}

/* Private interrupts are the redistributor's, SPIs the distributor's. */
static uintptr_t reg(unsigned off, unsigned id)
{
	return (id < 32 ? SGI_FRAME : GICD_BASE) + off + 4U * (id / 32U);
}

static void set(unsigned off, unsigned id)
{
	mmio_write32(reg(off, id), 1U << (id % 32U));
	dsb(sy);
}

static bool bit(unsigned off, unsigned id)
{
	return (mmio_read32(reg(off, id)) >> (id % 32U)) & 1U;
}

/* The next acknowledged interrupt within ms, or 1023. */
static unsigned ack_within(unsigned ms)
{
	uint64_t end = read_sysreg(cntvct_el0) + ms * bm_ticks_per_ms();

	do {
		uint64_t iar = read_sysreg(ICC_IAR1_EL1);
		if (iar < 1020)
			return (unsigned)iar;
	} while (read_sysreg(cntvct_el0) < end);
	return 1023;
}

static void software_pending(unsigned id)
{
	set(ICENABLER, id);
	set(ISPENDR, id);
	check("set pending while disabled reads as pending", id, bit(ISPENDR, id));
	check("ICPENDR reads back the same pending bit", id, bit(ICPENDR, id));
	set(ICPENDR, id);
	check("cleared by ICPENDR", id, !bit(ISPENDR, id));
}

static void active_state(unsigned id)
{
	set(ISENABLER, id);
	if (id < 16)
		write_sysreg(ICC_SGI1R_EL1, ((uint64_t)id << 24) | 1U); /* to this CPU */
	else
		set(ISPENDR, id);
	isb();
	unsigned got = ack_within(100);
	check("acknowledged", id, got == id);
	check("active once acknowledged", id, bit(ISACTIVER, id) && bit(ICACTIVER, id));
	check("not pending once acknowledged", id, !bit(ISPENDR, id));
	set(ICACTIVER, id);
	check("no longer active after ICACTIVER", id, !bit(ISACTIVER, id));
	if (got < 1020)
		write_sysreg(ICC_EOIR1_EL1, got);
	set(ICENABLER, id);
	/* and set active by ISACTIVER, cleared again */
	set(ISACTIVER, id);
	check("set active by ISACTIVER", id, bit(ISACTIVER, id));
	set(ICACTIVER, id);
	check("cleared by ICACTIVER", id, !bit(ISACTIVER, id));
}

/* The virtual timer's PPI masked at the GIC: its level shows as pending. */
static void timer_pending(void)
{
	set(ICENABLER, 27);
	uint64_t cval = read_sysreg(cntvct_el0) + bm_ticks_per_ms();
	write_sysreg(cntv_cval_el0, cval);
	write_sysreg(cntv_ctl_el0, 1);
	isb();
	/* QEMU raises the timer's line from its own timer, a little late */
	uint64_t end = cval + 50U * bm_ticks_per_ms();
	while (!bit(ISPENDR, 27) && read_sysreg(cntvct_el0) < end)
		;
	check("virtual timer fired while masked at the GIC reads as pending", 27,
	      bit(ISPENDR, 27) && read_sysreg(cntvct_el0) >= cval);
	write_sysreg(cntv_ctl_el0, 0);
	isb();
	check("not pending once the timer is off (level)", 27, !bit(ISPENDR, 27));
	set(ISENABLER, 27);
}

static void physical_timer(void)
{
	uint64_t ms = bm_ticks_per_ms();

	set(ISENABLER, 30);
	uint64_t cval = read_sysreg(cntpct_el0) + 2U * ms;
	write_sysreg(cntp_cval_el0, cval);
	write_sysreg(cntp_ctl_el0, 1);
	isb();
	unsigned got = ack_within(200);
	uint64_t at = read_sysreg(cntpct_el0);
	check("EL1 physical timer interrupts as PPI 30", 30, got == 30);
	check("not before its compare value", 30, at >= cval);
	check("CNTP_CTL.ISTATUS set once it fired", 30, read_sysreg(cntp_ctl_el0) & 4U);
	write_sysreg(cntp_ctl_el0, 0);
	isb();
	if (got < 1020)
		write_sysreg(ICC_EOIR1_EL1, got);
	write_sysreg(cntp_tval_el0, 1000U * ms);
	isb();
	uint64_t now = read_sysreg(cntpct_el0), cv = read_sysreg(cntp_cval_el0);
	check("CNTP_TVAL sets CVAL to the counter plus TVAL", 30,
	      cv <= now + 1000U * ms && cv + ms >= now + 1000U * ms);
	uint64_t p = read_sysreg(cntpct_el0), v = read_sysreg(cntvct_el0);
	check("physical and virtual counters agree (no offset)", 30, v >= p && v - p < ms);
	set(ICENABLER, 30);
}

static void trng_version(void *out)
{
	*(uint64_t *)out = bm_hvc(TRNG_VERSION, 0, 0, 0).a0;
}

static void trng(void)
{
	uint64_t version = 0;

	/* natively QEMU's own PSCI knows no TRNG: the call is undefined */
	if (bm_try(trng_version, &version) || (long)version < 0) {
		pr("conform: TRNG: not offered by this firmware\n");
		return;
	}
	check("TRNG version 1.0 or later", 0, version >= TRNG_VERSION_1_0);
	check("TRNG_FEATURES offers RND64", 0, bm_hvc(TRNG_FEATURES, TRNG_RND64, 0, 0).a0 == 0);
	struct bm_res a = bm_hvc(TRNG_RND64, 192, 0, 0), b = bm_hvc(TRNG_RND64, 192, 0, 0);
	check("TRNG_RND64 gives 192 bits", 0, a.a0 == 0 && (a.a1 | a.a2 | a.a3));
	check("two draws differ", 0, a.a1 != b.a1 || a.a2 != b.a2 || a.a3 != b.a3);
	struct bm_res c = bm_hvc(TRNG_RND64, 8, 0, 0);
	check("8 bits leave the others zero", 0, c.a0 == 0 && !c.a1 && !c.a2 && c.a3 < 256U);
	check("193 bits are refused", 0,
	      (long)bm_hvc(TRNG_RND64, 193, 0, 0).a0 == TRNG_INVALID_PARAMETERS);
	struct bm_res d = bm_hvc(TRNG_RND32, 96, 0, 0);
	check("TRNG_RND32 gives 96 bits in 32-bit registers", 0,
	      d.a0 == 0 && (d.a1 | d.a2 | d.a3) && !((d.a1 | d.a2 | d.a3) >> 32));
}

void bm_main(uint64_t dtb)
{
	(void)dtb;
	bm_gic_init();
	mmio_write32(GICD_BASE + GICD_GROUP + 4U, 0xffffffffU); /* SPIs in Group 1 natively */
	pr("conform: start\n");
	software_pending(5);
	software_pending(SPI_UART);
	active_state(6);
	active_state(SPI_UART);
	timer_pending();
	physical_timer();
	trng();
	pr("conform: done, %u passed, %u failed\n", passed, failed);
	bm_power_off();
}
