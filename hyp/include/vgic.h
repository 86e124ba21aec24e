/* The vGICv3 each VM sees (hyp/arch/vgic.c). */
#ifndef HYP_VGIC_H
#define HYP_VGIC_H
#include <gic.h>
#include <stdbool.h>
#include <stdint.h>
#include <tzv/spinlock.h>

#define VGIC_MAX_LRS 16U /* ICH_VTR_EL2.ListRegs allows at most 16 */

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
	/* its list registers at its last entry, for other vCPUs' reads of
	 * pending and active state; and the changes of that state they asked
	 * for (clear pending, set active, clear active), done at its next entry */
	uint64_t lr[VGIC_MAX_LRS];
	uint64_t req[3][GIC_NR_IRQS / 64];
	bool reqs;
	bool shared; /* its VM has other vCPUs, which read its state */
	spinlock_t lock;
};

struct vgic_dist {
	uint32_t ctlr;
	struct virq spi[GIC_NR_IRQS]; /* indexed by INTID; 0..31 unused */
	uint64_t irouter[GIC_NR_IRQS];
	bool owned[GIC_NR_IRQS];
	unsigned nr_lines;	 /* GICD_TYPER.ITLinesNumber + 1 */
	unsigned foreign_writes; /* to SPIs it does not own, since its start */
	spinlock_t lock;
};

struct vcpu;
struct vm;
void vgic_vm_init(struct vm *vm);
void vgic_vcpu_reset(struct vcpu *v);
void vgic_cpu_load(struct vcpu *v);
void vgic_inject(struct vcpu *v, unsigned intid, bool hw);
bool vgic_inject_ppi_now(struct vcpu *v, unsigned intid); /* on v's CPU, intid < 32 */
void vgic_flush(struct vcpu *v);
bool vgic_spi_owned(struct vm *vm, unsigned intid);
void vgic_add_virtual_spi(struct vm *vm, unsigned intid, bool edge);
struct vcpu *vgic_spi_target(struct vm *vm, unsigned intid);
void vgic_sgi1r(struct vcpu *v, uint64_t val);

#endif
