/* Introspection: a VM given the right over another (introspects = [...],
 * measured in the partition map) may pause and resume it, read its RAM in
 * bounded chunks and read a paused vCPU's registers (docs/hypercalls.md).
 * Nothing else is reachable this way: not the vTEEs, the PALs or any secure
 * memory (none of it is VM RAM), not the hypervisor, not the VM itself. */
#include <gic.h>
#include <tzv/console.h>
#include <tzv/cpu.h>
#include <tzv/string.h>
#include <vm.h>

#define PAUSE_WAIT_US 100000U /* a vCPU that does not pause by then: BUSY */

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

/* On the target's CPU, from its request handling: keeps what its EL1 state
 * is now, then waits (in EL2, where the guest cannot see it) until resumed
 * or stopped. */
void vmi_pause_point(struct vcpu *v)
{
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

static void unpause(struct vm *t)
{
	for (unsigned i = 0; i < t->cfg->ncpus; i++)
		t->vcpu[i].pause_request = false;
	dsb(sy);
}

/* A monitor VM that stops leaves nothing paused behind. */
void vmi_release(struct vm *monitor)
{
	for (unsigned i = 0; i < vm_count; i++)
		if ((monitor->cfg->introspects >> i) & 1U)
			unpause(&vms[i]);
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
