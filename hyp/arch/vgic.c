/* vGICv3: an emulated distributor and redistributors per VM, injection
 * through the list registers. The guest's CPU interface is the hardware's
 * virtual one (ICV_*), so acknowledge, EOI and priority masking never trap;
 * only distributor/redistributor MMIO and SGI generation do. A VM's own
 * SPIs and its virtual timer are hardware-linked: the guest's EOI
 * deactivates the physical interrupt. */
#include <tzv/cpu.h>
#include <tzv/string.h>
#include <vm.h>

#define LR_ACTIVE     (1UL << 63)
#define LR_PENDING    (1UL << 62)
#define LR_HW	      (1UL << 61)
#define LR_GROUP1     (1UL << 60)
#define LR_VINTID(lr) ((unsigned)((lr)&0xffffffffUL))
#define ICH_HCR_EN    (1UL << 0)
#define ICH_HCR_UIE   (1UL << 1)

#define ARE_NS	      (1U << 4)
#define GICD_IIDR_VAL 0x0000043BU /* implementer Arm */
#define PIDR2_GICV3   0x3BU

#define LR_CASE(n, crm, op2)                                                                       \
	case n:                                                                                    \
		if (write)                                                                         \
			write_sysreg(S3_4_C12_##crm##_##op2, val);                                 \
		else                                                                               \
			val = read_sysreg(S3_4_C12_##crm##_##op2);                                 \
		break

static uint64_t lr_access(unsigned n, bool write, uint64_t val)
{
	switch (n) {
		LR_CASE(0, C12, 0);
		LR_CASE(1, C12, 1);
		LR_CASE(2, C12, 2);
		LR_CASE(3, C12, 3);
		LR_CASE(4, C12, 4);
		LR_CASE(5, C12, 5);
		LR_CASE(6, C12, 6);
		LR_CASE(7, C12, 7);
		LR_CASE(8, C13, 0);
		LR_CASE(9, C13, 1);
		LR_CASE(10, C13, 2);
		LR_CASE(11, C13, 3);
		LR_CASE(12, C13, 4);
		LR_CASE(13, C13, 5);
		LR_CASE(14, C13, 6);
		LR_CASE(15, C13, 7);
	}
	return val;
}

static unsigned nr_lrs(void)
{
	return (unsigned)(read_sysreg(ICH_VTR_EL2) & 0x1fU) + 1U;
}

static struct virq *virq_of(struct vcpu *v, unsigned intid)
{
	return intid < 32 ? &v->vgic.priv[intid] : &v->vm->vgic.spi[intid];
}

/* ---- per-VM and per-vCPU state ---------------------------------------- */

static struct vm *spi_owner[GIC_NR_IRQS];
static bool gicd_mmio(struct vcpu *v, uint64_t off, unsigned size, bool write, uint64_t *val);
static bool gicr_mmio(struct vcpu *v, uint64_t off, unsigned size, bool write, uint64_t *val);

/* At the VM's start: its distributor and redistributors, and the physical
 * SPIs of its passthrough devices, routed to its first vCPU's CPU. */
void vgic_vm_init(struct vm *vm)
{
	struct vgic_dist *d = &vm->vgic;
	unsigned lines = gic_nr_lines();

	memset(d->spi, 0, sizeof(d->spi));
	memset(d->irouter, 0, sizeof(d->irouter));
	memset(d->owned, 0, sizeof(d->owned));
	d->ctlr = 0;
	d->foreign_writes = 0;
	d->nr_lines = lines < GIC_NR_IRQS / 32U ? lines : GIC_NR_IRQS / 32U;
	for (unsigned i = 0; i < vm->cfg->nirqs; i++) {
		unsigned id = vm->cfg->irq[i];
		d->owned[id] = true;
		d->spi[id].hw = 1;
		d->spi[id].prio = 0xa0;
		spi_owner[id] = vm;
		gic_set_enable(id, 0, false);
		gic_set_route(id, vm->vcpu[0].pcpu);
	}
	mmio_register(vm, GICD_BASE, GICD_SIZE, gicd_mmio);
	mmio_register(vm, GICR_BASE, GICR_STRIDE * vm->cfg->ncpus, gicr_mmio);
}

/* The VM owns the physical SPI intid (one of its passthrough devices'). */
bool vgic_spi_owned(struct vm *vm, unsigned intid)
{
	return intid >= 32 && intid < GIC_NR_IRQS && spi_owner[intid] == vm;
}

/* The VM sees SPI intid: a passthrough device's or an emulated device's. */
static bool spi_visible(struct vm *vm, unsigned intid)
{
	return intid >= 32 && intid < GIC_NR_IRQS && vm->vgic.owned[intid];
}

/* An emulated device of the VM raises SPI intid (software, no physical). */
void vgic_add_virtual_spi(struct vm *vm, unsigned intid, bool edge)
{
	vm->vgic.owned[intid] = true;
	vm->vgic.spi[intid].hw = 0;
	vm->vgic.spi[intid].prio = 0xa0;
	vm->vgic.spi[intid].edge = edge;
}

struct vcpu *vgic_spi_target(struct vm *vm, unsigned intid)
{
	uint64_t r = vm->vgic.irouter[intid];
	unsigned id = (r & (1UL << 31)) ? 0 : (unsigned)(r & 0xffU);

	return &vm->vcpu[id < vm->cfg->ncpus ? id : 0];
}

void vgic_vcpu_reset(struct vcpu *v)
{
	memset(&v->vgic, 0, sizeof(v->vgic));
	for (unsigned i = 0; i < 32; i++) {
		v->vgic.priv[i].edge = i < 16;
		v->vgic.priv[i].prio = 0xa0;
	}
	v->vgic.priv[PPI_VTIMER].hw = 1;
	v->vgic.priv[PPI_PTIMER].hw = 1;
	v->vgic.shared = v->vm->cfg->ncpus > 1;
	v->vgic.waker = 6; /* ProcessorSleep | ChildrenAsleep, as at reset */
}

/* Clean virtual CPU interface on this physical CPU for the vCPU. */
void vgic_cpu_load(struct vcpu *v)
{
	for (unsigned n = 0; n < nr_lrs(); n++)
		lr_access(n, true, 0);
	write_sysreg(ICH_AP0R0_EL2, 0);
	write_sysreg(ICH_AP1R0_EL2, 0);
	write_sysreg(ICH_VMCR_EL2, 0);
	write_sysreg(ICH_HCR_EL2, ICH_HCR_EN);
	gic_set_enable(PPI_VTIMER, v->pcpu, false);
	gic_clear_active(PPI_VTIMER, v->pcpu);
	gic_set_enable(PPI_PTIMER, v->pcpu, false);
	gic_clear_active(PPI_PTIMER, v->pcpu);
	isb();
}

/* ---- injection ---------------------------------------------------------- */

void vgic_inject(struct vcpu *v, unsigned intid, bool hw)
{
	struct vgic_cpu *c = &v->vgic;

	spin_lock(&c->lock);
	uint64_t bit = 1UL << (intid % 64U);
	if (!(c->pending[intid / 64U] & bit)) {
		c->pending[intid / 64U] |= bit;
		c->npending++;
	}
	c->pending_hw[intid] = hw;
	spin_unlock(&c->lock);
	if (v->pcpu != cpu_index())
		gic_send_sgi(SGI_HYP, v->pcpu);
}

/* Finds the list register for intid: one holding it already, or a free one. */
static int lr_for(unsigned intid, uint64_t elrsr, bool *merge)
{
	int free_lr = -1;

	for (unsigned n = 0, nlr = nr_lrs(); n < nlr; n++) {
		if (elrsr & (1UL << n)) {
			if (free_lr < 0)
				free_lr = (int)n;
			continue;
		}
		if (LR_VINTID(lr_access(n, false, 0)) == intid) {
			*merge = true;
			return (int)n;
		}
	}
	*merge = false;
	return free_lr;
}

/* A hardware-linked PPI of this vCPU (its timers) when nothing waits for
 * the list registers: straight into a free one, without the queue or its
 * lock (only this CPU writes its list registers; another CPU that queues
 * an interrupt for it meanwhile also kicks it). False: queue it. */
bool vgic_inject_ppi_now(struct vcpu *v, unsigned intid)
{
	const struct vgic_cpu *c = &v->vgic;
	uint64_t all = (1UL << nr_lrs()) - 1U;

	/* (every list register empty: none holds intid already) */
	if (c->npending || c->reqs || c->shared || (read_sysreg(ICH_ELRSR_EL2) & all) != all)
		return false;
	lr_access(0, true,
		  LR_PENDING | LR_GROUP1 | LR_HW | ((uint64_t)c->priv[intid].prio << 48) |
		      ((uint64_t)intid << 32) | intid);
	return true;
}

/* ---- pending and active state (GICD/GICR I[SC]PENDR, I[SC]ACTIVER) ------ */

enum { REQ_CLEAR_PENDING, REQ_SET_ACTIVE, REQ_CLEAR_ACTIVE };

/* Changes intid's list register on the vCPU's own CPU (c->lock held). A
 * hardware-linked interrupt that ends up neither pending nor active is
 * deactivated physically too, or it would never fire again. */
static void lr_change(struct vcpu *v, unsigned intid, unsigned req)
{
	bool merge;
	int n = lr_for(intid, read_sysreg(ICH_ELRSR_EL2), &merge);

	if (n < 0 || (!merge && req != REQ_SET_ACTIVE))
		return;
	uint64_t lr = merge ? lr_access((unsigned)n, false, 0)
			    : LR_GROUP1 | ((uint64_t)virq_of(v, intid)->prio << 48) | intid;
	if (req == REQ_CLEAR_PENDING)
		lr &= ~LR_PENDING;
	else if (req == REQ_SET_ACTIVE)
		lr |= LR_ACTIVE;
	else
		lr &= ~LR_ACTIVE;
	if (!(lr & (LR_PENDING | LR_ACTIVE))) {
		if (lr & LR_HW)
			gic_clear_active(intid, v->pcpu);
		lr = 0;
	}
	lr_access((unsigned)n, true, lr);
}

/* On the target's own CPU now, else at its next entry (it is kicked). */
static void lr_request(struct vcpu *t, unsigned intid, unsigned req)
{
	if (t->pcpu == cpu_index()) {
		lr_change(t, intid, req);
		return;
	}
	t->vgic.req[req][intid / 64U] |= 1UL << (intid % 64U);
	t->vgic.reqs = true;
	gic_send_sgi(SGI_HYP, t->pcpu);
}

static void apply_requests(struct vcpu *v)
{
	struct vgic_cpu *c = &v->vgic;

	for (unsigned r = 0; r < 3; r++)
		for (unsigned w = 0; w < GIC_NR_IRQS / 64U; w++) {
			for (uint64_t bits = c->req[r][w]; bits; bits &= bits - 1)
				lr_change(v, w * 64U + (unsigned)__builtin_ctzl(bits), r);
			c->req[r][w] = 0;
		}
	c->reqs = false;
}

/* Pending (bit 0) and active (bit 1) state of intid on vCPU t: its list
 * register (read on its own CPU, else as it was at its last entry), its
 * queue, and for a hardware-linked interrupt not yet taken, the GIC. */
static unsigned irq_state(struct vcpu *t, unsigned intid)
{
	struct vgic_cpu *c = &t->vgic;
	uint64_t lr = 0, bit = 1UL << (intid % 64U);
	bool merge;

	spin_lock(&c->lock);
	if (t->pcpu == cpu_index()) {
		int n = lr_for(intid, read_sysreg(ICH_ELRSR_EL2), &merge);
		if (n >= 0 && merge)
			lr = lr_access((unsigned)n, false, 0);
	} else {
		for (unsigned n = 0; n < VGIC_MAX_LRS; n++)
			if (c->lr[n] && LR_VINTID(c->lr[n]) == intid)
				lr = c->lr[n];
	}
	unsigned st = (unsigned)(lr >> 62) & 3U;
	if (c->pending[intid / 64U] & bit)
		st |= 1U;
	else if (!lr && virq_of(t, intid)->hw && gic_pending(intid, t->pcpu))
		st |= 1U;
	spin_unlock(&c->lock);
	return st;
}

static void clear_pending(struct vcpu *t, unsigned intid)
{
	struct vgic_cpu *c = &t->vgic;
	uint64_t bit = 1UL << (intid % 64U);

	spin_lock(&c->lock);
	if (c->pending[intid / 64U] & bit) {
		c->pending[intid / 64U] &= ~bit;
		c->npending--;
		if (c->pending_hw[intid]) /* taken physically, not yet handed on */
			gic_clear_active(intid, t->pcpu);
		c->pending_hw[intid] = false;
	}
	if (virq_of(t, intid)->hw)
		gic_set_pending(intid, t->pcpu, false);
	lr_request(t, intid, REQ_CLEAR_PENDING);
	spin_unlock(&c->lock);
}

static void change_active(struct vcpu *t, unsigned intid, bool on)
{
	spin_lock(&t->vgic.lock);
	lr_request(t, intid, on ? REQ_SET_ACTIVE : REQ_CLEAR_ACTIVE);
	spin_unlock(&t->vgic.lock);
}

/* vgic_flush's work, out of line: the common entry with nothing to do
 * then costs no stack frame. */
static __attribute__((noinline)) void flush_lrs(struct vcpu *v)
{
	struct vgic_cpu *c = &v->vgic;
	bool starved = false, shared = c->shared;

	spin_lock(&c->lock);
	if (c->reqs)
		apply_requests(v);
	uint64_t elrsr = read_sysreg(ICH_ELRSR_EL2);
	for (unsigned w = 0; w < GIC_NR_IRQS / 64U && !starved; w++) {
		for (uint64_t bits = c->pending[w]; bits; bits &= bits - 1) {
			unsigned intid = w * 64U + (unsigned)__builtin_ctzl(bits);
			struct virq *q = virq_of(v, intid);
			bool hw = c->pending_hw[intid], merge;
			if (!q->enabled && !hw)
				continue; /* stays pending until enabled */
			int n = lr_for(intid, elrsr, &merge);
			if (n < 0) {
				starved = true;
				break;
			}
			uint64_t lr =
			    merge ? lr_access((unsigned)n, false, 0) | LR_PENDING
				  : LR_PENDING | LR_GROUP1 | ((uint64_t)q->prio << 48) | intid;
			if (hw && !merge)
				lr |= LR_HW | ((uint64_t)intid << 32);
			lr_access((unsigned)n, true, lr);
			elrsr &= ~(1UL << n);
			c->pending[w] &= ~(1UL << (intid % 64U));
			c->pending_hw[intid] = false;
			c->npending--;
		}
	}
	if (shared) /* what other vCPUs read of this one's state */
		for (unsigned n = 0, nlr = nr_lrs(); n < nlr; n++)
			c->lr[n] = elrsr & (1UL << n) ? 0 : lr_access(n, false, 0);
	spin_unlock(&c->lock);
	/* out of list registers: ask for an interrupt when they drain */
	write_sysreg(ICH_HCR_EL2, ICH_HCR_EN | (starved ? ICH_HCR_UIE : 0));
	isb();
}

/* Moves pending interrupts into list registers; runs on the vCPU's own
 * CPU before every entry into the guest. */
void vgic_flush(struct vcpu *v)
{
	const struct vgic_cpu *c = &v->vgic;

	if (c->npending || c->reqs || c->shared) {
		flush_lrs(v);
		return;
	}
	write_sysreg(ICH_HCR_EL2, ICH_HCR_EN);
}

/* ICC_SGI1R_EL1 written by the guest: SGIs to vCPUs of the same VM only. */
void vgic_sgi1r(struct vcpu *v, uint64_t val)
{
	unsigned intid = (unsigned)(val >> 24) & 0xfU;
	struct vm *vm = v->vm;
	uint64_t names = val & 0xffffUL; /* vCPUs named by the target list */
	unsigned rs = (unsigned)(val >> 44) & 0xfU;

	if (!(val & (1UL << 40)) &&
	    ((val >> 16 & 0xffU) || (val >> 32 & 0xffU) || (val >> 48 & 0xffU) ||
	     (names && (rs * 16U + 63U - (unsigned)__builtin_clzl(names)) >= vm->cfg->ncpus)))
		vm_log(vm,
		       "%s vcpu%u: SGI %u to CPUs outside the VM (ICC_SGI1R 0x%lx): not delivered "
		       "there\n",
		       vm->cfg->name, v->id, intid, (unsigned long)val);

	for (unsigned i = 0; i < vm->cfg->ncpus; i++) {
		struct vcpu *t = &vm->vcpu[i];
		bool hit;
		if (val & (1UL << 40)) {
			hit = t != v;
		} else {
			bool aff_ok = ((val >> 16) & 0xffU) == 0 && ((val >> 32) & 0xffU) == 0 &&
				      ((val >> 48) & 0xffU) == 0;
			hit = aff_ok && i / 16U == rs && (val & (1UL << (i % 16U)));
		}
		if (hit && t->state == VCPU_ON)
			vgic_inject(t, intid, false);
	}
}

/* ---- distributor and redistributor MMIO --------------------------------- */

static void set_enable(struct vcpu *v, unsigned intid, bool on)
{
	struct virq *q = virq_of(v, intid);

	q->enabled = on;
	if (q->hw)
		gic_set_enable(intid, intid >= 32 ? 0 : v->pcpu, on);
	/* an SPI's software-pending state waits on its target vCPU */
	struct vcpu *t = intid >= 32 ? vgic_spi_target(v->vm, intid) : v;
	if (on && t->vgic.npending && t->pcpu != cpu_index())
		gic_send_sgi(SGI_HYP, t->pcpu);
}

/* Set when a write names an SPI the VM does not see; gicd_access logs it. */
static bool foreign_write[BOARD_MAX_CPUS];

static bool skip_foreign(struct vcpu *v, unsigned id, bool write, bool named)
{
	if (id < 32 || spi_visible(v->vm, id))
		return false;
	if (write && named)
		foreign_write[cpu_index()] = true;
	return true;
}

/* One bit per interrupt, in the order of the GIC's registers. */
enum bit_op {
	OP_SET_ENABLE,
	OP_CLEAR_ENABLE,
	OP_SET_PENDING,
	OP_CLEAR_PENDING,
	OP_SET_ACTIVE,
	OP_CLEAR_ACTIVE
};

static uint32_t bits_access(struct vcpu *v, unsigned first, bool write, uint32_t val,
			    enum bit_op op)
{
	uint32_t out = 0;

	for (unsigned b = 0; b < 32; b++) {
		unsigned id = first + b;
		/* Linux's own initialisation clears, configures and routes every
		 * SPI: only setting enable or pending of a foreign one is an attempt */
		bool attempt = (val & (1U << b)) && (op == OP_SET_ENABLE || op == OP_SET_PENDING);
		if (skip_foreign(v, id, write, attempt))
			continue;
		struct virq *q = virq_of(v, id);
		struct vcpu *t = id >= 32 ? vgic_spi_target(v->vm, id) : v;
		if (!write) {
			bool on = op <= OP_CLEAR_ENABLE	   ? q->enabled
				  : op <= OP_CLEAR_PENDING ? irq_state(t, id) & 1U
							   : irq_state(t, id) & 2U;
			out |= on ? 1U << b : 0U;
			continue;
		}
		if (!(val & (1U << b)))
			continue;
		switch (op) {
		case OP_SET_ENABLE:
			set_enable(v, id, true);
			break;
		case OP_CLEAR_ENABLE:
			set_enable(v, id, false);
			break;
		case OP_SET_PENDING:
			if (q->hw)
				gic_set_pending(id, v->pcpu, true);
			else
				vgic_inject(t, id, false);
			break;
		case OP_CLEAR_PENDING:
			clear_pending(t, id);
			break;
		case OP_SET_ACTIVE:
		case OP_CLEAR_ACTIVE:
			change_active(t, id, op == OP_SET_ACTIVE);
			break;
		}
	}
	return out;
}

static uint64_t prio_access(struct vcpu *v, unsigned first, unsigned size, bool write, uint64_t val)
{
	uint64_t out = 0;

	for (unsigned i = 0; i < size; i++) {
		unsigned id = first + i;
		if (skip_foreign(v, id, write, false))
			continue;
		struct virq *q = virq_of(v, id);
		if (write)
			q->prio = (uint8_t)(val >> (8U * i)) & 0xf8U; /* 5 priority bits */
		else
			out |= (uint64_t)q->prio << (8U * i);
	}
	return out;
}

static uint32_t cfg_access(struct vcpu *v, unsigned first, bool write, uint32_t val)
{
	uint32_t out = 0;

	for (unsigned i = 0; i < 16; i++) {
		unsigned id = first + i;
		if (id < 16) {
			out |= 2U << (2U * i); /* SGIs are edge-triggered, read-only */
			continue;
		}
		if (skip_foreign(v, id, write, false))
			continue;
		struct virq *q = virq_of(v, id);
		if (write) {
			q->edge = (val >> (2U * i + 1U)) & 1U;
			if (q->hw)
				gic_set_edge(id, v->pcpu, q->edge);
		}
		out |= (uint32_t)q->edge << (2U * i + 1U);
	}
	return out;
}

static void route_spi(struct vm *vm, unsigned id, uint64_t val)
{
	vm->vgic.irouter[id] = val & ((1UL << 31) | 0xffUL);
	if (vm->vgic.spi[id].hw)
		gic_set_route(id, vgic_spi_target(vm, id)->pcpu);
}

static bool gicd_access(struct vcpu *v, uint32_t off, unsigned size, bool write, uint64_t *val)
{
	struct vgic_dist *d = &v->vm->vgic;
	uint64_t r = 0;

	foreign_write[cpu_index()] = false;
	if (off == 0x0000) {
		if (write)
			d->ctlr = (uint32_t)*val & 3U;
		r = d->ctlr | ARE_NS;
	} else if (off == 0x0004) {
		r = (d->nr_lines - 1U) | (9U << 19) | ((v->vm->cfg->ncpus - 1U) << 5);
	} else if (off == 0x0008) {
		r = GICD_IIDR_VAL;
	} else if (off >= 0x0080 && off < 0x0100) {
		r = off == 0x0080 ? 0 : 0xffffffffU; /* all Group 1 */
	} else if (off >= 0x0100 && off < 0x0400 && off % 0x80 >= 4) {
		/* I[SC]ENABLER, I[SC]PENDR, I[SC]ACTIVER for SPIs (word 0 is
		 * the redistributors' business with affinity routing) */
		enum bit_op op = (enum bit_op)((off - 0x100) / 0x80);
		r = bits_access(v, (off % 0x80) * 8U, write, (uint32_t)*val, op);
	} else if (off >= 0x0420 && off < 0x0800) {
		r = prio_access(v, off - 0x400, size, write, *val);
	} else if (off >= 0x0C08 && off < 0x0D00) {
		r = cfg_access(v, (off - 0xC00) * 4U, write, (uint32_t)*val);
	} else if (off >= 0x6100 && off < 0x6000 + 8U * GIC_NR_IRQS) {
		unsigned id = (off - 0x6000) / 8U;
		if (!skip_foreign(v, id, write, false)) {
			if (write && size == 8)
				route_spi(v->vm, id, *val);
			else if (write && off % 8 == 0)
				route_spi(v->vm, id,
					  (d->irouter[id] & ~0xffffffffUL) | (uint32_t)*val);
			r = d->irouter[id] >> (off % 8 ? 32 : 0);
		}
	} else if (off == 0xFFE8) {
		r = PIDR2_GICV3;
	}
	if (!write)
		*val = r;
	/* a guest's GIC set-up loop would say the same for every register */
	if (foreign_write[cpu_index()] && d->foreign_writes++ < 4)
		vm_log(v->vm,
		       "%s vcpu%u: GICD write at offset 0x%x enables or raises SPIs it does not "
		       "own: ignored%s\n",
		       v->vm->cfg->name, v->id, off,
		       d->foreign_writes == 4 ? " (further ones without a line)" : "");
	return true;
}

static bool gicr_access(struct vcpu *v, uint32_t off, unsigned size, bool write, uint64_t *val)
{
	uint64_t r = 0;

	if (off == 0x0004) {
		r = GICD_IIDR_VAL;
	} else if (off == 0x0008 || off == 0x000C) {
		uint64_t m = v->vmpidr;
		uint64_t aff = (m & 0xffffffUL) | ((m >> 32 & 0xffUL) << 24);
		uint64_t typer = (aff << 32) | ((uint64_t)v->id << 8) |
				 (v->id + 1U == v->vm->cfg->ncpus ? 1UL << 4 : 0);
		r = off == 0x8 ? typer : typer >> 32;
		if (off == 0x8 && size == 4)
			r &= 0xffffffffU;
	} else if (off == 0x0014) {
		if (write)
			v->vgic.waker = (uint32_t)*val & 2U;
		r = v->vgic.waker | (v->vgic.waker & 2U ? 4U : 0U);
	} else if (off == 0xFFE8) {
		r = PIDR2_GICV3;
	} else if (off == 0x10080) {
		r = 0xffffffffU;
	} else if (off >= 0x10100 && off < 0x10400 && off % 0x80 == 0) {
		r = bits_access(v, 0, write, (uint32_t)*val, (enum bit_op)((off - 0x10100) / 0x80));
	} else if (off >= 0x10400 && off < 0x10420) {
		r = prio_access(v, off - 0x10400, size, write, *val);
	} else if (off == 0x10C00 || off == 0x10C04) {
		r = cfg_access(v, (off - 0x10C00) * 4U, write, (uint32_t)*val);
	}
	if (!write)
		*val = r;
	return true;
}

/* Every offset of the ranges is a register (or reads as zero). */
static bool gicd_mmio(struct vcpu *v, uint64_t off, unsigned size, bool write, uint64_t *val)
{
	struct vm *vm = v->vm;

	spin_lock(&vm->vgic.lock);
	bool ok = gicd_access(v, (uint32_t)off, size, write, val);
	spin_unlock(&vm->vgic.lock);
	return ok;
}

static bool gicr_mmio(struct vcpu *v, uint64_t off, unsigned size, bool write, uint64_t *val)
{
	struct vm *vm = v->vm;

	spin_lock(&vm->vgic.lock);
	bool ok = gicr_access(&vm->vcpu[off / GICR_STRIDE], (uint32_t)(off % GICR_STRIDE), size,
			      write, val);
	spin_unlock(&vm->vgic.lock);
	return ok;
}
