/* The physical GICv3 as the hypervisor drives it, and the vGICv3 it
 * presents to each VM. */
#ifndef HYP_GIC_H
#define HYP_GIC_H
#include <stdbool.h>
#include <stdint.h>
#include <tzv/spinlock.h>

#define GIC_NR_IRQS  256U /* INTIDs the hypervisor handles: SGIs, PPIs, SPIs up to 255 */
#define GIC_SPURIOUS 1020U
#define SGI_HYP	     15U /* hypervisor-internal IPI */
#define PPI_MAINT    25U /* vGIC maintenance interrupt */
#define PPI_VTIMER   27U

/* physical (hyp/arch/gic.c) */
void gic_dist_init(void);
void gic_cpu_init(unsigned pcpu);
void gic_set_enable(unsigned intid, unsigned pcpu, bool on);
void gic_set_route(unsigned intid, unsigned pcpu);
void gic_set_edge(unsigned intid, unsigned pcpu, bool edge);
void gic_set_pending(unsigned intid, unsigned pcpu, bool on);
void gic_clear_active(unsigned intid, unsigned pcpu);
void gic_send_sgi(unsigned sgi, unsigned pcpu);
unsigned gic_ack(void);
void gic_drop(unsigned intid);
void gic_deactivate(unsigned intid);

/* virtual (hyp/arch/vgic.c) */
struct virq {
	uint8_t prio;
	uint8_t enabled;
	uint8_t edge;
	uint8_t hw; /* backed by the physical INTID of the same number */
};

struct vgic_cpu {
	struct virq priv[32];
	uint64_t pending[GIC_NR_IRQS / 64]; /* waiting for a free list register */
	bool pending_hw[GIC_NR_IRQS];
	unsigned npending;
	uint32_t waker;
	spinlock_t lock;
};

struct vgic_dist {
	uint32_t ctlr;
	struct virq spi[GIC_NR_IRQS]; /* indexed by INTID; 0..31 unused */
	uint64_t irouter[GIC_NR_IRQS];
	bool owned[GIC_NR_IRQS];
	unsigned nr_lines; /* GICD_TYPER.ITLinesNumber + 1 */
	spinlock_t lock;
};

struct vcpu;
struct vm;
void vgic_vm_init(struct vm *vm);
void vgic_vcpu_reset(struct vcpu *v);
void vgic_cpu_load(struct vcpu *v);
void vgic_inject(struct vcpu *v, unsigned intid, bool hw);
void vgic_flush(struct vcpu *v);
bool vgic_spi_owned(struct vm *vm, unsigned intid);
void vgic_add_virtual_spi(struct vm *vm, unsigned intid);
struct vcpu *vgic_spi_target(struct vm *vm, unsigned intid);
bool vgic_mmio(struct vcpu *v, uint64_t ipa, unsigned size, bool write, uint64_t *val);
void vgic_sgi1r(struct vcpu *v, uint64_t val);

#endif
