/* tzvisor's hypercalls (SMCCC vendor-specific hypervisor range) and the
 * shared-memory regions whose doorbells they ring. */
#include <hyp.h>
#include <tzv/console.h>
#include <tzv/smccc.h>

static void ret(struct vcpu *v, long val)
{
	v->x[0] = (uint64_t)val;
}

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
	ret(v, SMCCC_SUCCESS);
}

static const struct shmem_member *membership(const struct shmem_config *s, unsigned vm)
{
	for (unsigned m = 0; m < s->nmembers; m++)
		if (s->member[m].vm == vm)
			return &s->member[m];
	return NULL;
}

/* DOORBELL(region): raises the region's doorbell in every other member
 * that runs. Only members may ring. */
static void hc_doorbell(struct vcpu *v)
{
	uint64_t id = v->x[1];

	if (id >= shmem_config_count || !membership(&shmem_configs[id], v->vm->id)) {
		vm_log(v->vm, "%s vcpu%u: doorbell of region %lu refused: not a member\n",
		       v->vm->cfg->name, v->id, (unsigned long)id);
		ret(v, SMCCC_INVALID_PARAMETER);
		return;
	}
	const struct shmem_config *s = &shmem_configs[id];
	for (unsigned m = 0; m < s->nmembers; m++) {
		struct vm *peer = &vms[s->member[m].vm];
		if (peer != v->vm && peer->state == VM_RUNNING)
			vgic_inject(vgic_spi_target(peer, s->member[m].intid), s->member[m].intid,
				    false);
	}
	ret(v, SMCCC_SUCCESS);
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

struct hc_fn {
	uint32_t fid;
	void (*fn)(struct vcpu *v);
};

static const struct hc_fn hc_table[] = {
    {TZV_HC_CALL_UID, hc_call_uid}, {TZV_HC_REVISION, hc_revision},	  {TZV_HC_NULL, hc_null},
    {TZV_HC_DOORBELL, hc_doorbell}, {TZV_HC_GUEST_PANIC, hc_guest_panic},
};

void hypercall_handle(struct vcpu *v, uint32_t fid)
{
	for (size_t i = 0; i < sizeof(hc_table) / sizeof(hc_table[0]); i++) {
		if (hc_table[i].fid == fid) {
			hc_table[i].fn(v);
			return;
		}
	}
	vm_log(v->vm, "%s vcpu%u: unknown hypercall 0x%x\n", v->vm->cfg->name, v->id, fid);
	ret(v, SMCCC_NOT_SUPPORTED);
}

/* Maps the VM's shared regions and declares their doorbells. */
void shmem_attach(struct vm *vm)
{
	for (unsigned i = 0; i < shmem_config_count; i++) {
		const struct shmem_member *m = membership(&shmem_configs[i], vm->id);
		if (!m)
			continue;
		vgic_add_virtual_spi(vm, m->intid);
		vm->vgic.spi[m->intid].edge = 1;
	}
}
