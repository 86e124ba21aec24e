/* Fuzz target: the vGICv3 (hyp/arch/vgic.c) as a VM's vCPUs drive it:
 * distributor and redistributor MMIO through the ranges it registers
 * (hyp/core/mmio.c mmio_emulate -> gicd_mmio/gicr_mmio: bits_access,
 * prio_access, cfg_access, route_spi, irq_state, lr_request/lr_change),
 * ICC_SGI1R_EL1 (vgic_sgi1r), injection (vgic_inject) and the list
 * registers on each entry (vgic_flush, vgic_cpu_load), with the guest's
 * own acknowledge and EOI simulated on the fake list registers
 * (test/fuzz/shim/host.c), whose count (ICH_VTR_EL2) the input picks.
 *
 * Input: the VM's shape (shim/hyp.c fuzz_vm_setup), then operations, one
 * byte each and their operands. */
#include <stdlib.h>

#include <tzv/console.h>

#include "shim/hyp.h"

/* The queue's count is the number of bits queued: vgic_flush relies on it. */
FUZZ_UNTRACED static void check(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->cfg->ncpus; i++) {
		const struct vgic_cpu *c = &vm->vcpu[i].vgic;
		unsigned n = 0;
		for (unsigned w = 0; w < GIC_NR_IRQS / 64U; w++)
			n += (unsigned)__builtin_popcountl(c->pending[w]);
		if (n != c->npending || c->lock.locked)
			abort();
	}
	if (vm->vgic.lock.locked)
		abort();
}

/* The guest's CPU interface on the vCPU's CPU: it acknowledges (pending ->
 * active) or EOIs (active -> none) what a list register holds. */
static void guest_cpu_interface(unsigned pcpu, uint8_t how)
{
	struct fuzz_cpu *c = &fuzz_cpus[pcpu];
	unsigned n = how % fuzz_nr_lrs;
	uint64_t st = c->lr[n] >> 62;

	if (how & 0x80U)
		st = st & 1U ? 2U : 0U; /* acknowledge */
	else
		st &= 1U; /* EOI */
	c->lr[n] = (c->lr[n] & ~(3UL << 62)) | (st << 62);
	if (!st)
		c->lr[n] = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct vm *vm;

	FUZZ_TRY(vm = fuzz_vm_setup(&in));
	for (unsigned i = 1; i < vm->cfg->ncpus; i++)
		vm->vcpu[i].state = fuzz_u8(&in) & 1U ? VCPU_ON : VCPU_OFF;
	while (in.n) {
		uint8_t op = fuzz_u8(&in);
		struct vcpu *v = &vm->vcpu[(op >> 4) % vm->cfg->ncpus];
		fuzz_pcpu = v->pcpu; /* the code runs on the vCPU's own CPU */
		switch (op % 8U) {
		case 0:
		case 1: { /* distributor MMIO */
			uint64_t off = fuzz_u16(&in), val = fuzz_u64(&in);
			unsigned sz = 1U << (fuzz_u8(&in) & 3U);
			FUZZ_TRY(mmio_emulate(v, GICD_BASE + off, sz, op & 1U, &val));
			break;
		}
		case 2:
		case 3: { /* redistributor MMIO, any vCPU's frame */
			uint64_t off = fuzz_u32(&in) % (GICR_STRIDE * vm->cfg->ncpus + 0x100U);
			uint64_t val = fuzz_u64(&in);
			unsigned sz = 1U << (fuzz_u8(&in) & 3U);
			FUZZ_TRY(mmio_emulate(v, GICR_BASE + off, sz, op & 1U, &val));
			break;
		}
		case 4: { /* ICC_SGI1R_EL1 */
			uint64_t val = fuzz_u64(&in);
			FUZZ_TRY(vgic_sgi1r(v, val));
			break;
		}
		case 5: { /* an interrupt for the vCPU: a device's, the timer's */
			unsigned intid = fuzz_u8(&in);
			FUZZ_TRY(vgic_inject(v, intid, op & 0x80U));
			break;
		}
		case 6: /* the vCPU enters the guest */
			if (op & 0x80U)
				FUZZ_TRY(vgic_cpu_load(v));
			FUZZ_TRY(vgic_flush(v));
			break;
		case 7:
			guest_cpu_interface(v->pcpu, fuzz_u8(&in));
			break;
		}
		check(vm);
	}
	return 0;
}
