/* Introspection: a VM given the right over another (introspects = [...],
 * measured in the partition map) may pause and resume it, read its RAM in
 * bounded chunks, read a paused vCPU's registers, and have the target's
 * writes to chosen pages, to its memory-management registers and its SMC
 * and HVC calls reported in an event ring (docs/hypercalls.md). Nothing
 * else is reachable this way: not the vTEEs, the PALs or any secure memory
 * (none of it is VM RAM), not the hypervisor, not the VM itself. */
#include <gic.h>
#include <tzv/console.h>
#include <tzv/cpu.h>
#include <tzv/string.h>
#include <vm.h>

#define PAUSE_WAIT_US 100000U /* a vCPU that does not pause by then: BUSY */
#define ANSWERED      0x80U   /* in vcpu.answer, beside the verdict bit */

/* The target of v's call, or NULL (logged) when v has no right over it. */
static struct vm *target_of(struct vcpu *v, uint64_t target)
{
	struct vm *me = v->vm;

	if (target < vm_count && target != me->id && (me->cfg->introspects >> target) & 1U)
		return &vms[target];
	vm_log(me, "%s: introspection of VM %lu refused: no right\n", me->cfg->name,
	       (unsigned long)target);
	return NULL;
}

/* [ipa, ipa+len) inside vm's RAM: its physical address, or 0. */
static uint64_t ram_at(const struct vm *vm, uint64_t ipa, uint64_t len)
{
	const struct vm_config *c = vm->cfg;

	if (ipa < c->ram_ipa || len > c->ram_size || ipa - c->ram_ipa > c->ram_size - len)
		return 0;
	return c->ram_pa + (ipa - c->ram_ipa);
}

/* On the target's CPU, from its request handling: takes on the traps its
 * monitor asked for; on a pause, keeps what its EL1 state is now, then
 * waits (in EL2, where the guest cannot see it) until resumed or stopped. */
void vmi_pause_point(struct vcpu *v)
{
	bool tvm = v->vm->vmi.traps & TZV_VMI_TRAP_SYSREG;

	if (tvm != v->tvm) {
		vcpu_arch_trap_vm_regs(tvm);
		v->tvm = tvm;
	}
	if (!v->pause_request)
		return;
	memcpy(v->el1.x, v->x, sizeof(v->x));
	v->el1.pc = v->pc;
	v->el1.pstate = v->spsr;
	vcpu_arch_save_el1(&v->el1);
	dsb(sy);
	v->paused = true;
	while (v->pause_request && !v->stop_request)
		dmb(sy);
	v->paused = false;
	dsb(sy);
}

/* (not while a watch changes its stage 2: that needs it paused) */
static void unpause(struct vm *t)
{
	spin_lock(&t->vmi.lock);
	for (unsigned i = 0; i < t->cfg->ncpus; i++)
		t->vcpu[i].pause_request = false;
	dsb(sy);
	spin_unlock(&t->vmi.lock);
}

/* Its running vCPUs look at their requests (traps to take on); a VM
 * that stops has none to take on. */
static void kick(struct vm *t)
{
	dsb(sy);
	if (t->state != VM_RUNNING || t->stopping)
		return;
	for (unsigned i = 0; i < t->cfg->ncpus; i++)
		if (t->vcpu[i].state == VCPU_ON)
			gic_send_sgi(SGI_HYP, t->vcpu[i].pcpu);
}

/* Its pages writable again, its traps off, its events nobody's. Lifting
 * write protection splits no block: it may run meanwhile. */
static void unwatch(struct vm *t)
{
	t->vmi.traps = 0;
	kick(t);
	spin_lock(&t->vmi.lock);
	for (unsigned i = 0; i < TZV_VMI_MAX_WATCHES; i++) {
		struct vmi_watch *w = &t->vmi.watch[i];
		if (w->policy)
			stage2_protect(t, w->ipa, w->size, true);
		w->policy = 0;
	}
	t->vmi.watcher = NULL;
	spin_unlock(&t->vmi.lock);
}

/* A VM that stops: as a monitor it leaves nothing paused or watched
 * behind and its ring goes; as a target its watches end. */
void vmi_release(struct vm *vm)
{
	for (unsigned i = 0; i < vm_count; i++) {
		if ((vm->cfg->introspects >> i) & 1U)
			unpause(&vms[i]);
		if (vms[i].vmi.watcher == vm || &vms[i] == vm)
			unwatch(&vms[i]);
	}
	spin_lock(&vm->events.lock);
	vm->events.ring = NULL;
	spin_unlock(&vm->events.lock);
}

long vmi_target(struct vcpu *v, uint64_t name_lo, uint64_t name_hi)
{
	char name[17];

	memcpy(name, &name_lo, 8);
	memcpy(name + 8, &name_hi, 8);
	name[16] = 0;
	(void)v;
	for (unsigned i = 0; i < vm_count; i++)
		if (!strcmp(vms[i].cfg->name, name))
			return (long)i;
	return SMCCC_INVALID_PARAMETER;
}

long vmi_pause(struct vcpu *v, uint64_t target)
{
	struct vm *t = target_of(v, target);

	if (!t)
		return TZV_VMI_DENIED;
	if (t->state != VM_RUNNING)
		return TZV_VMI_BUSY;
	for (unsigned i = 0; i < t->cfg->ncpus; i++) {
		struct vcpu *tv = &t->vcpu[i];
		if (tv->state == VCPU_OFF || tv->pause_request)
			continue;
		tv->pause_request = true;
		dsb(sy);
		gic_send_sgi(SGI_HYP, tv->pcpu);
	}
	uint64_t end = counter_ticks() + counter_freq() / 1000000U * PAUSE_WAIT_US;
	for (unsigned i = 0; i < t->cfg->ncpus; i++) {
		struct vcpu *tv = &t->vcpu[i];
		while (!tv->paused && tv->state != VCPU_OFF) {
			if (counter_ticks() > end) {
				unpause(t);
				return TZV_VMI_BUSY;
			}
			dmb(sy);
		}
	}
	return SMCCC_SUCCESS;
}

long vmi_resume(struct vcpu *v, uint64_t target)
{
	struct vm *t = target_of(v, target);

	if (!t)
		return TZV_VMI_DENIED;
	unpause(t);
	return SMCCC_SUCCESS;
}

long vmi_read(struct vcpu *v, uint64_t target, uint64_t ipa, uint64_t len, uint64_t dest)
{
	struct vm *t = target_of(v, target);

	if (!t)
		return TZV_VMI_DENIED;
	uint64_t from = ram_at(t, ipa, len), to = ram_at(v->vm, dest, len);
	if (!len || len > TZV_VMI_READ_MAX || !from || !to)
		return SMCCC_INVALID_PARAMETER;
	memcpy((void *)(uintptr_t)to, (const void *)(uintptr_t)from, len);
	return SMCCC_SUCCESS;
}

long vmi_regs(struct vcpu *v, uint64_t target, uint64_t vcpu, uint64_t dest)
{
	struct vm *t = target_of(v, target);

	if (!t)
		return TZV_VMI_DENIED;
	uint64_t to = ram_at(v->vm, dest, sizeof(struct tzv_vmi_regs));
	if (vcpu >= t->cfg->ncpus || !to)
		return SMCCC_INVALID_PARAMETER;
	struct vcpu *tv = &t->vcpu[vcpu];
	if (!tv->paused)
		return TZV_VMI_BUSY;
	memcpy((void *)(uintptr_t)to, &tv->el1, sizeof(tv->el1));
	return SMCCC_SUCCESS;
}

long vmi_events(struct vcpu *v, uint64_t ipa, uint64_t size)
{
	struct vmi_events *e = &v->vm->events;
	uint64_t pa = ram_at(v->vm, ipa, size);

	if (size && (!pa || ipa % 64 || size > 65536 ||
		     size < sizeof(struct tzv_vmi_ring) + sizeof(struct tzv_vmi_event)))
		return SMCCC_INVALID_PARAMETER;
	spin_lock(&e->lock);
	e->ring = size ? (struct tzv_vmi_ring *)(uintptr_t)pa : NULL;
	e->size = size ? (uint32_t)((size - sizeof(*e->ring)) / sizeof(e->ring->ev[0])) : 0;
	e->head = e->lost = 0;
	if (e->ring)
		*e->ring = (struct tzv_vmi_ring){.size = e->size};
	spin_unlock(&e->lock);
	return SMCCC_SUCCESS;
}

/* An event of v (a target) into its monitor's ring, then the monitor's
 * doorbell; its seq. A full ring keeps what it has and counts the loss. */
static uint32_t put_event(struct vcpu *v, enum tzv_vmi_kind kind, unsigned verdict, uint64_t addr,
			  uint64_t value)
{
	struct vm *m = v->vm->vmi.watcher;
	if (!m)
		return 0;
	struct vmi_events *e = &m->events;
	spin_lock(&e->lock);
	uint32_t seq = e->seq++;
	struct tzv_vmi_ring *r = e->ring;
	if (r && e->head - r->tail < e->size) {
		r->ev[e->head % e->size] = (struct tzv_vmi_event){seq,
								  (uint8_t)kind,
								  (uint8_t)v->vm->id,
								  (uint8_t)v->id,
								  (uint8_t)verdict,
								  v->pc,
								  addr,
								  value};
		dmb(ish);
		r->head = ++e->head;
	} else if (r) {
		r->lost = ++e->lost;
	}
	spin_unlock(&e->lock);
	unsigned intid = m->cfg->vmi_intid;
	if (intid && m->state == VM_RUNNING)
		vgic_inject(vgic_spi_target(m, intid), intid, false);
	return seq;
}

/* t's events go to monitor, unless another monitor has them already. */
static bool claim(struct vm *t, struct vm *monitor)
{
	spin_lock(&t->lock);
	if (!t->vmi.watcher)
		t->vmi.watcher = monitor;
	bool mine = t->vmi.watcher == monitor;
	spin_unlock(&t->lock);
	return mine;
}

static bool all_paused(const struct vm *t)
{
	for (unsigned i = 0; i < t->cfg->ncpus; i++)
		if (t->vcpu[i].state != VCPU_OFF && !t->vcpu[i].paused)
			return false;
	return true;
}

/* The watch of exactly [ipa, ipa+len), else a free slot; NULL if none is
 * free or the range overlaps another watch (*overlap). */
static struct vmi_watch *slot_for(struct vm *t, uint64_t ipa, uint64_t len, bool *overlap)
{
	struct vmi_watch *free = NULL;

	*overlap = false;
	for (unsigned i = 0; i < TZV_VMI_MAX_WATCHES; i++) {
		struct vmi_watch *w = &t->vmi.watch[i];
		if (!w->policy) {
			free = free ? free : w;
		} else if (w->ipa == ipa && w->size == len) {
			return w;
		} else if (ipa < w->ipa + w->size && w->ipa < ipa + len) {
			*overlap = true;
			return NULL;
		}
	}
	return free;
}

static bool policy_ok(uint64_t p)
{
	uint64_t verdict = p & (TZV_VMI_WP_DENY | TZV_VMI_WP_ALLOW);

	return p == 0 || (p <= 7 && verdict && verdict != (TZV_VMI_WP_DENY | TZV_VMI_WP_ALLOW));
}

/* Under the target's vmi lock: no other vCPU of the monitor changes its
 * tables or resumes it meanwhile. */
static long watch_locked(struct vcpu *v, struct vm *t, uint64_t ipa, uint64_t len, uint64_t policy)
{
	bool overlap;

	if (!all_paused(t))
		return TZV_VMI_BUSY;
	struct vmi_watch *w = slot_for(t, ipa, len, &overlap);
	if (overlap || (!policy && (!w || !w->policy)))
		return SMCCC_INVALID_PARAMETER;
	if (!w)
		return TZV_VMI_FULL;
	if (!policy) {
		stage2_protect(t, ipa, len, true);
	} else if (!w->policy && stage2_protect(t, ipa, len, false)) {
		stage2_protect(t, ipa, len, true); /* what it changed before the pool ran out */
		vm_log(v->vm, "%s: watch of %s's IPA 0x%lx: no stage-2 table page left\n",
		       v->vm->cfg->name, t->cfg->name, (unsigned long)ipa);
		return TZV_VMI_FULL;
	}
	*w = (struct vmi_watch){ipa, len, (uint32_t)policy};
	return SMCCC_SUCCESS;
}

/* Splitting blocks needs the target still: it must be paused. */
long vmi_watch(struct vcpu *v, uint64_t target, uint64_t ipa, uint64_t len, uint64_t policy)
{
	struct vm *t = target_of(v, target);

	if (!t)
		return TZV_VMI_DENIED;
	if (!len || (ipa | len) % PT_PAGE_SIZE || !ram_at(t, ipa, len) || !policy_ok(policy))
		return SMCCC_INVALID_PARAMETER;
	if (!claim(t, v->vm))
		return TZV_VMI_BUSY;
	spin_lock(&t->vmi.lock);
	long r = watch_locked(v, t, ipa, len, policy);
	spin_unlock(&t->vmi.lock);
	return r;
}

long vmi_trap(struct vcpu *v, uint64_t target, uint64_t mask)
{
	struct vm *t = target_of(v, target);

	if (!t)
		return TZV_VMI_DENIED;
	if (mask & ~(uint64_t)(TZV_VMI_TRAP_SYSREG | TZV_VMI_TRAP_SMC | TZV_VMI_TRAP_HVC))
		return SMCCC_INVALID_PARAMETER;
	if (!claim(t, v->vm))
		return TZV_VMI_BUSY;
	t->vmi.traps = (uint32_t)mask;
	kick(t);
	return SMCCC_SUCCESS;
}

long vmi_answer(struct vcpu *v, uint64_t target, uint64_t seq, uint64_t allow)
{
	struct vm *t = target_of(v, target);

	if (!t)
		return TZV_VMI_DENIED;
	if (t->vmi.watcher != v->vm)
		return TZV_VMI_BUSY;
	for (unsigned i = 0; i < t->cfg->ncpus; i++)
		if (t->vcpu[i].asked == seq) {
			t->vcpu[i].answer = seq << 8 | ANSWERED | (allow != 0);
			return SMCCC_SUCCESS;
		}
	return SMCCC_INVALID_PARAMETER; /* nobody waits on that one (any more) */
}

/* The target waits in EL2 for its monitor's verdict on event seq, at most
 * TZV_VMI_ASK_MS; then the policy's fallback stands. An answer carries
 * the seq it is for, so a late one cannot decide a later event. */
static bool await_answer(struct vcpu *v, uint32_t seq, bool fallback)
{
	uint64_t end = counter_ticks() + counter_freq() / 1000U * TZV_VMI_ASK_MS;

	v->asked = seq;
	dsb(sy);
	while (v->answer >> 8 != seq || !(v->answer & ANSWERED)) {
		if (counter_ticks() > end || v->stop_request) {
			put_event(v, TZV_VMI_EV_TIMEOUT, fallback, seq, 0);
			return fallback;
		}
		dmb(sy);
	}
	return v->answer & 1U;
}

static const struct vmi_watch *watch_at(const struct vm *t, uint64_t ipa)
{
	for (unsigned i = 0; i < TZV_VMI_MAX_WATCHES; i++) {
		const struct vmi_watch *w = &t->vmi.watch[i];
		if (w->policy && ipa - w->ipa < w->size)
			return w;
	}
	return NULL;
}

enum vmi_write vmi_write_fault(struct vcpu *v, uint64_t ipa, uint64_t va, bool syndrome,
			       unsigned size, uint64_t val)
{
	struct vm *t = v->vm;
	const struct vmi_watch *w = watch_at(t, ipa);
	uint64_t pa, attrs;

	if (!w) /* a watch lifted while this write faulted, if it is writable now */
		return !pt_lookup(&t->s2, ipa, &pa, &attrs) && (attrs & PT_S2_AP_RW) == PT_S2_AP_RW
			   ? VMI_AGAIN
			   : VMI_UNWATCHED;
	uint32_t policy = w->policy;
	bool allow = policy & TZV_VMI_WP_ALLOW;
	unsigned verdict = (allow ? TZV_VMI_V_ALLOWED : 0) |
			   (policy & TZV_VMI_WP_ASK ? TZV_VMI_V_ASKED : 0) |
			   (syndrome ? 0 : TZV_VMI_V_NO_SYNDROME);
	uint32_t seq = put_event(v, TZV_VMI_EV_WRITE, verdict, ipa, va);
	if (policy & TZV_VMI_WP_ASK)
		allow = await_answer(v, seq, allow);
	pa = ram_at(t, ipa, size);
	if (!allow || !syndrome || !pa) {
		vm_log(t, "%s vcpu%u: write to watched IPA 0x%lx (PC 0x%lx) refused\n",
		       t->cfg->name, v->id, (unsigned long)ipa, (unsigned long)v->pc);
		return VMI_REFUSED;
	}
	memcpy((void *)(uintptr_t)pa, &val, size); /* little-endian: its low bytes */
	return VMI_WRITTEN;
}

void vmi_sysreg_event(struct vcpu *v, uint64_t key, uint64_t val)
{
	if (v->vm->vmi.traps & TZV_VMI_TRAP_SYSREG)
		put_event(v, TZV_VMI_EV_SYSREG, 0, key, val);
}

void vmi_call_event(struct vcpu *v, enum tzv_vmi_kind kind)
{
	unsigned bit = kind == TZV_VMI_EV_SMC ? TZV_VMI_TRAP_SMC : TZV_VMI_TRAP_HVC;

	if (v->vm->vmi.traps & bit)
		put_event(v, kind, 0, v->x[0], v->x[1]);
}
