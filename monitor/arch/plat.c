/* QEMU virt platform code for the monitor: GICv3 security configuration
 * and power control through the secure PL061 GPIO. */
#include <mon.h>
#include <tzv/sysreg.h>

#define GICD_CTLR	  0x0000
#define GICD_TYPER	  0x0004
#define GICD_IGROUPR	  0x0080
#define GICD_IGRPMODR	  0x0D00
#define GICD_CTLR_RWP	  (1U << 31)
#define GICD_CTLR_ARE_S	  (1U << 4)
#define GICD_CTLR_ARE_NS  (1U << 5)
#define GICD_CTLR_EN_G0	  (1U << 0)
#define GICD_CTLR_EN_G1NS (1U << 1)
#define GICD_CTLR_EN_G1S  (1U << 2)

#define GICR_TYPER	0x0008
#define GICR_TYPER_LAST (1UL << 4)
#define GICR_WAKER	0x0014
#define GICR_SGI	0x10000
#define GICR_IGROUPR0	(GICR_SGI + 0x0080)
#define GICR_IGRPMODR0	(GICR_SGI + 0x0D00)
#define GICR_ISENABLER0 (GICR_SGI + 0x0100)
#define GICR_IPRIORITYR (GICR_SGI + 0x0400)

/* Group 0 SGI the monitor uses to wake a CPU held in WFI for CPU_ON. */
#define SGI_WAKE 8U
/* The secure physical timer: Secure Group 1, so the STK takes it as an IRQ
 * (normal-world interrupts reach it as FIQs), above any normal-world
 * priority (those are 0x80 and lower once the normal world writes them). */
#define PPI_SECURE_TIMER 29U
#define PRIO_SECURE	 0x10U

static void gicd_wait_rwp(void)
{
	while (mmio_read32(GICD_BASE + GICD_CTLR) & GICD_CTLR_RWP)
		;
}

static void gic_init_redistributor(unsigned idx)
{
	uintptr_t rd = GICR_BASE + GICR_STRIDE * idx;

	mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~(1U << 1));
	while (mmio_read32(rd + GICR_WAKER) & (1U << 2))
		;
	/* everything non-secure Group 1 but the wake-up SGI (Group 0) and the
	 * secure timer (Secure Group 1) */
	mmio_write32(rd + GICR_IGROUPR0, ~((1U << SGI_WAKE) | (1U << PPI_SECURE_TIMER)));
	mmio_write32(rd + GICR_IGRPMODR0, 1U << PPI_SECURE_TIMER);
	mmio_write8(rd + GICR_IPRIORITYR + SGI_WAKE, 0x80);
	mmio_write8(rd + GICR_IPRIORITYR + PPI_SECURE_TIMER, PRIO_SECURE);
	mmio_write32(rd + GICR_ISENABLER0, (1U << SGI_WAKE) | (1U << PPI_SECURE_TIMER));
}

/* Every SPI is non-secure Group 1 for now: the secure world takes no
 * interrupts yet. Secure interrupts will be carved out here. The primary
 * also prepares every CPU's redistributor, so a held CPU can be woken. */
unsigned gic_init_distributor(void)
{
	unsigned lines = (mmio_read32(GICD_BASE + GICD_TYPER) & 0x1fU) + 1U;

	mmio_write32(GICD_BASE + GICD_CTLR, 0);
	gicd_wait_rwp();
	mmio_write32(GICD_BASE + GICD_CTLR, GICD_CTLR_ARE_S | GICD_CTLR_ARE_NS);
	gicd_wait_rwp();
	for (unsigned i = 1; i < lines; i++) {
		mmio_write32(GICD_BASE + GICD_IGROUPR + 4U * i, 0xffffffffU);
		mmio_write32(GICD_BASE + GICD_IGRPMODR + 4U * i, 0);
	}
	/* as many redistributors as the machine has CPUs (GICR_TYPER.Last) */
	unsigned cpus = 0;
	while (cpus < BOARD_MAX_CPUS) {
		gic_init_redistributor(cpus);
		if (mmio_read64(GICR_BASE + GICR_STRIDE * cpus++ + GICR_TYPER) & GICR_TYPER_LAST)
			break;
	}
	mmio_write32(GICD_BASE + GICD_CTLR, GICD_CTLR_ARE_S | GICD_CTLR_ARE_NS | GICD_CTLR_EN_G0 |
						GICD_CTLR_EN_G1NS | GICD_CTLR_EN_G1S);
	gicd_wait_rwp();
	return cpus;
}

/* This CPU's own interface: Group 0 on, so the wake-up SGI ends a WFI. */
void gic_init_cpu(void)
{
	write_sysreg(ICC_SRE_EL3, 0xf); /* SRE, DFB, DIB, Enable (lower ELs) */
	isb();
	write_sysreg(ICC_PMR_EL1, 0xff);
	write_sysreg(ICC_IGRPEN0_EL1, 1);
	isb();
}

void gic_send_wake(unsigned idx)
{
	dsb(sy);
	write_sysreg(ICC_SGI0R_EL1, board_sgi_target(SGI_WAKE, idx));
	isb();
}

/* Waits in WFI for the wake-up SGI and acknowledges it. */
void gic_wait_wake(void)
{
	for (;;) {
		wfi();
		uint64_t iar = read_sysreg(ICC_IAR0_EL1);
		if (iar < 1020) {
			write_sysreg(ICC_EOIR0_EL1, iar);
			if (iar == SGI_WAKE)
				return;
		}
	}
}

#define GPIODIR 0x400
static void gpio_raise(unsigned pin)
{
	mmio_write32(SECURE_GPIO_BASE + GPIODIR, 1U << pin);
	/* PL061 data is addressed through a mask in address bits 9:2 */
	mmio_write32(SECURE_GPIO_BASE + ((1U << pin) << 2), 1U << pin);
}

void platform_power_off(void)
{
	gpio_raise(0);
	for (;;)
		wfi();
}

void platform_reset(void)
{
	gpio_raise(1);
	for (;;)
		wfi();
}
