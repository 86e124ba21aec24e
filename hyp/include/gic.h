/* The physical GICv3 as the hypervisor drives it (hyp/arch/gic.c). */
#ifndef HYP_GIC_H
#define HYP_GIC_H
#include <stdbool.h>
#include <stdint.h>
#include <tzv/sysreg.h>

#define GIC_NR_IRQS  256U /* INTIDs the hypervisor handles: SGIs, PPIs, SPIs up to 255 */
#define GIC_SPURIOUS 1020U
#define SGI_HYP	     15U /* hypervisor-internal IPI */
#define PPI_MAINT    25U /* vGIC maintenance interrupt */
#define PPI_VTIMER   27U
#define PPI_PTIMER   30U /* EL1 physical timer: each VM has its CPUs' own */

void gic_dist_init(void);
unsigned gic_nr_lines(void); /* GICD_TYPER.ITLinesNumber + 1 */
void gic_cpu_init(unsigned pcpu);
void gic_set_enable(unsigned intid, unsigned pcpu, bool on);
void gic_set_route(unsigned intid, unsigned pcpu);
void gic_set_edge(unsigned intid, unsigned pcpu, bool edge);
void gic_set_pending(unsigned intid, unsigned pcpu, bool on);
bool gic_pending(unsigned intid, unsigned pcpu);
void gic_clear_active(unsigned intid, unsigned pcpu);
void gic_send_sgi(unsigned sgi, unsigned pcpu);

/* The CPU interface, inline: these are on every interrupt's path. */
static inline unsigned gic_ack(void)
{
	return (unsigned)(read_sysreg(ICC_IAR1_EL1) & 0xffffffU);
}

static inline void gic_drop(unsigned intid)
{
	write_sysreg(ICC_EOIR1_EL1, intid);
	isb();
}

static inline void gic_deactivate(unsigned intid)
{
	write_sysreg(ICC_DIR_EL1, intid);
	isb();
}

#endif
