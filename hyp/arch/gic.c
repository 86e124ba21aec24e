/* Physical GICv3 as seen from the normal world: the monitor made every
 * interrupt non-secure Group 1; the hypervisor owns the rest. */
#include <board.h>
#include <gic.h>
#include <tzv/spinlock.h>
#include <tzv/sysreg.h>

#define GICD_CTLR	     0x0000
#define GICD_TYPER	     0x0004
#define GICD_ISENABLER	     0x0100
#define GICD_ICENABLER	     0x0180
#define GICD_ISPENDR	     0x0200
#define GICD_ICPENDR	     0x0280
#define GICD_ICACTIVER	     0x0380
#define GICD_IPRIORITYR	     0x0400
#define GICD_ICFGR	     0x0C00
#define GICD_IROUTER	     0x6000
#define GICD_CTLR_RWP	     (1U << 31)
#define GICD_CTLR_ENABLE_G1A (1U << 1)
#define GICD_CTLR_ARE_NS     (1U << 4)

#define GICR_SGI	0x10000
#define GICR_ISENABLER0 (GICR_SGI + 0x0100)
#define GICR_ICENABLER0 (GICR_SGI + 0x0180)
#define GICR_ISPENDR0	(GICR_SGI + 0x0200)
#define GICR_ICPENDR0	(GICR_SGI + 0x0280)
#define GICR_ICACTIVER0 (GICR_SGI + 0x0380)
#define GICR_IPRIORITYR (GICR_SGI + 0x0400)
#define GICR_ICFGR0	(GICR_SGI + 0x0C00)

#define PRIO_GUEST 0xa0U
#define PRIO_HYP   0x80U

static uintptr_t rd_base(unsigned pcpu)
{
	return GICR_BASE + GICR_STRIDE * pcpu;
}

/* Private interrupts live in the CPU's redistributor, SPIs in the
 * distributor: one helper picks the register bank. */
static uintptr_t bank(unsigned intid, unsigned pcpu, unsigned gicd_off, unsigned gicr_off)
{
	if (intid < 32)
		return rd_base(pcpu) + gicr_off;
	return GICD_BASE + gicd_off + 4U * (intid / 32U);
}

static void wait_rwp(void)
{
	while (mmio_read32(GICD_BASE + GICD_CTLR) & GICD_CTLR_RWP)
		;
}

unsigned gic_nr_lines(void)
{
	return (mmio_read32(GICD_BASE + GICD_TYPER) & 0x1fU) + 1U;
}

void gic_dist_init(void)
{
	unsigned lines = gic_nr_lines();

	for (unsigned i = 1; i < lines; i++)
		mmio_write32(GICD_BASE + GICD_ICENABLER + 4U * i, 0xffffffffU);
	for (unsigned id = 32; id < lines * 32U && id < GIC_NR_IRQS; id++)
		*(volatile uint8_t *)(GICD_BASE + GICD_IPRIORITYR + id) = PRIO_GUEST;
	wait_rwp();
	mmio_write32(GICD_BASE + GICD_CTLR, GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_G1A);
	wait_rwp();
}

void gic_cpu_init(unsigned pcpu)
{
	uintptr_t rd = rd_base(pcpu);

	mmio_write32(rd + GICR_ICENABLER0, 0xffffffffU);
	mmio_write32(rd + GICR_ICPENDR0, 0xffffffffU);
	mmio_write32(rd + GICR_ICACTIVER0, 0xffffffffU);
	for (unsigned id = 0; id < 32; id++)
		*(volatile uint8_t *)(rd + GICR_IPRIORITYR + id) = PRIO_GUEST;
	*(volatile uint8_t *)(rd + GICR_IPRIORITYR + SGI_HYP) = PRIO_HYP;
	*(volatile uint8_t *)(rd + GICR_IPRIORITYR + PPI_MAINT) = PRIO_HYP;
	mmio_write32(rd + GICR_ISENABLER0, (1U << SGI_HYP) | (1U << PPI_MAINT));

	write_sysreg(ICC_PMR_EL1, 0xff);
	write_sysreg(ICC_BPR1_EL1, 0);
	/* EOImode 1: EOIR only drops priority, so a guest's EOI of a
	 * hardware-linked virtual interrupt is what deactivates it */
	write_sysreg(ICC_CTLR_EL1, 1UL << 1);
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	isb();
}

static void set_bit_reg(uintptr_t reg, unsigned intid)
{
	mmio_write32(reg, 1U << (intid % 32U));
}

void gic_set_enable(unsigned intid, unsigned pcpu, bool on)
{
	set_bit_reg(on ? bank(intid, pcpu, GICD_ISENABLER, GICR_ISENABLER0)
		       : bank(intid, pcpu, GICD_ICENABLER, GICR_ICENABLER0),
		    intid);
	if (intid >= 32)
		wait_rwp();
}

void gic_set_pending(unsigned intid, unsigned pcpu, bool on)
{
	set_bit_reg(on ? bank(intid, pcpu, GICD_ISPENDR, GICR_ISPENDR0)
		       : bank(intid, pcpu, GICD_ICPENDR, GICR_ICPENDR0),
		    intid);
}

bool gic_pending(unsigned intid, unsigned pcpu)
{
	return mmio_read32(bank(intid, pcpu, GICD_ISPENDR, GICR_ISPENDR0)) & (1U << (intid % 32U));
}

void gic_clear_active(unsigned intid, unsigned pcpu)
{
	set_bit_reg(bank(intid, pcpu, GICD_ICACTIVER, GICR_ICACTIVER0), intid);
}

void gic_set_route(unsigned intid, unsigned pcpu)
{
	if (intid >= 32)
		mmio_write64(GICD_BASE + GICD_IROUTER + 8U * intid, board_cpu_mpidr(pcpu));
}

/* One ICFGR word holds the trigger mode of 16 interrupts that may belong to
 * different VMs (and the hypervisor's UART): its read-modify-write is
 * serialized across every CPU, not under one VM's lock. */
static spinlock_t icfgr_lock;

void gic_set_edge(unsigned intid, unsigned pcpu, bool edge)
{
	uintptr_t reg = intid < 32 ? rd_base(pcpu) + GICR_ICFGR0 + 4U * (intid / 16U)
				   : GICD_BASE + GICD_ICFGR + 4U * (intid / 16U);
	uint32_t bit = 2U << (2U * (intid % 16U));

	spin_lock(&icfgr_lock);
	uint32_t v = mmio_read32(reg);
	mmio_write32(reg, edge ? v | bit : v & ~bit);
	spin_unlock(&icfgr_lock);
}

void gic_send_sgi(unsigned sgi, unsigned pcpu)
{
	dsb(ishst);
	write_sysreg(ICC_SGI1R_EL1, board_sgi_target(sgi, pcpu));
	isb();
}
