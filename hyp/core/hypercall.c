/* tzvisor's hypercalls (SMCCC vendor-specific hypervisor range,
 * docs/hypercalls.md), dispatched through a table. */
#include <hostile.h>
#include <shmem.h>
#include <tzv/console.h>
#include <tzv/smccc.h>
#include <vm.h>

/* a91a2c4e-7e3b-4d6c-9b1f-7a2d5c0e9f31, as SMCCC UID words */
static void hc_call_uid(struct vcpu *v)
{
	v->x[0] = 0x4e2c1aa9;
	v->x[1] = 0x6c4d3b7e;
	v->x[2] = 0x1f9b2d7a;
	v->x[3] = 0x319f0e5c;
}

static void hc_revision(struct vcpu *v)
{
	v->x[0] = TZV_HC_REV_MAJOR;
	v->x[1] = TZV_HC_REV_MINOR;
}

static void hc_null(struct vcpu *v)
{
	vcpu_ret(v, SMCCC_SUCCESS);
}

static void hc_doorbell(struct vcpu *v)
{
	vcpu_ret(v, shmem_ring(v, v->x[1]));
}

/* The guest's kernel says it panicked: apply the VM's restart policy. */
static void hc_guest_panic(struct vcpu *v)
{
	struct vm *vm = v->vm;

	if (vm->cfg->on_panic == ON_PANIC_RESTART) {
		pr("%s: guest kernel panic; policy restart\n", vm->cfg->name);
		vm_reset(vm, v);
	}
	pr("%s: guest kernel panic; policy stop\n", vm->cfg->name);
	vm_power_off(vm, v);
}

static void hc_vmi_target(struct vcpu *v)
{
	vcpu_ret(v, vmi_target(v, v->x[1], v->x[2]));
}

static void hc_vmi_pause(struct vcpu *v)
{
	vcpu_ret(v, vmi_pause(v, v->x[1]));
}

static void hc_vmi_resume(struct vcpu *v)
{
	vcpu_ret(v, vmi_resume(v, v->x[1]));
}

static void hc_vmi_read(struct vcpu *v)
{
	vcpu_ret(v, vmi_read(v, v->x[1], v->x[2], v->x[3], v->x[4]));
}

static void hc_vmi_regs(struct vcpu *v)
{
	vcpu_ret(v, vmi_regs(v, v->x[1], v->x[2], v->x[3]));
}

static void hc_vmi_events(struct vcpu *v)
{
	vcpu_ret(v, vmi_events(v, v->x[1], v->x[2]));
}

static void hc_vmi_watch(struct vcpu *v)
{
	vcpu_ret(v, vmi_watch(v, v->x[1], v->x[2], v->x[3], v->x[4]));
}

static void hc_vmi_trap(struct vcpu *v)
{
	vcpu_ret(v, vmi_trap(v, v->x[1], v->x[2]));
}

static void hc_vmi_answer(struct vcpu *v)
{
	vcpu_ret(v, vmi_answer(v, v->x[1], v->x[2], v->x[3]));
}

struct hc_fn {
	uint32_t fid;
	void (*fn)(struct vcpu *v);
};

static const struct hc_fn hc_table[] = {
    {TZV_HC_CALL_UID, hc_call_uid},
    {TZV_HC_REVISION, hc_revision},
    {TZV_HC_NULL, hc_null},
    {TZV_HC_DOORBELL, hc_doorbell},
    {TZV_HC_GUEST_PANIC, hc_guest_panic},
    {TZV_HC_VMI_TARGET, hc_vmi_target},
    {TZV_HC_VMI_PAUSE, hc_vmi_pause},
    {TZV_HC_VMI_RESUME, hc_vmi_resume},
    {TZV_HC_VMI_READ, hc_vmi_read},
    {TZV_HC_VMI_REGS, hc_vmi_regs},
    {TZV_HC_VMI_EVENTS, hc_vmi_events},
    {TZV_HC_VMI_WATCH, hc_vmi_watch},
    {TZV_HC_VMI_TRAP, hc_vmi_trap},
    {TZV_HC_VMI_ANSWER, hc_vmi_answer},
#ifdef TZV_HOSTILE
    {TZV_HC_HOSTILE, hc_hostile}, /* the trust-model tests' hypervisor only */
#endif
};

void hypercall_handle(struct vcpu *v, uint32_t fid)
{
	SMCCC_DISPATCH(hc_table, fid, v);
	vm_log(v->vm, "%s vcpu%u: unknown hypercall 0x%x\n", v->vm->cfg->name, v->id, fid);
	vcpu_ret(v, SMCCC_NOT_SUPPORTED);
}
