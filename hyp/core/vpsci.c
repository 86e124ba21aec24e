/* PSCI and the SMCCC arch calls for guests, dispatched through a table:
 * every answer acts on the calling VM only. */
#include <cpu.h>
#include <tzv/smccc.h>
#include <vm.h>

static void v_psci_version(struct vcpu *v)
{
	vcpu_ret(v, PSCI_VERSION_1_1);
}

static void v_cpu_on(struct vcpu *v)
{
	struct vcpu *t = vcpu_by_mpidr(v->vm, v->x[1]);

	if (!t) {
		vm_log(v->vm,
		       "%s vcpu%u: PSCI CPU_ON of MPIDR 0x%lx, not a CPU of the VM: refused\n",
		       v->vm->cfg->name, v->id, (unsigned long)v->x[1]);
		vcpu_ret(v, PSCI_INVALID_PARAMETERS);
		return;
	}
	const struct vm_config *c = v->vm->cfg;
	if (v->x[2] < c->ram_ipa || v->x[2] >= c->ram_ipa + c->ram_size || (v->x[2] & 3U)) {
		vm_log(v->vm, "%s vcpu%u: PSCI CPU_ON entry 0x%lx outside the VM's RAM: refused\n",
		       c->name, v->id, (unsigned long)v->x[2]);
		vcpu_ret(v, PSCI_INVALID_ADDRESS);
		return;
	}
	spin_lock(&v->vm->lock);
	long r = PSCI_SUCCESS;
	if (v->vm->stopping)
		r = PSCI_DENIED; /* the VM is going off or restarting */
	else if (t->state == VCPU_ON)
		r = PSCI_ALREADY_ON;
	else if (t->state == VCPU_ON_PENDING)
		r = PSCI_ON_PENDING;
	else {
		t->entry = v->x[2];
		t->context = v->x[3];
		t->state = VCPU_ON_PENDING;
		dsb(sy);
		if (pcpu_power_on(t) != PSCI_SUCCESS) {
			t->state = VCPU_OFF;
			r = PSCI_INTERNAL_FAILURE;
		}
	}
	spin_unlock(&v->vm->lock);
	vm_log(v->vm, "%s: vcpu%u on (PSCI CPU_ON from vcpu%u): %ld\n", v->vm->cfg->name, t->id,
	       v->id, r);
	vcpu_ret(v, r);
}

static void v_cpu_off(struct vcpu *v)
{
	vm_log(v->vm, "%s: vcpu%u off\n", v->vm->cfg->name, v->id);
	vcpu_power_off(v);
}

static void v_affinity_info(struct vcpu *v)
{
	struct vcpu *t = vcpu_by_mpidr(v->vm, v->x[1]);

	if (!t || v->x[2] != 0) {
		vcpu_ret(v, PSCI_INVALID_PARAMETERS);
		return;
	}
	static const long map[] = {[VCPU_OFF] = PSCI_AFF_OFF,
				   [VCPU_ON_PENDING] = PSCI_AFF_ON_PENDING,
				   [VCPU_ON] = PSCI_AFF_ON};
	vcpu_ret(v, map[t->state]);
}

static void v_migrate_info_type(struct vcpu *v)
{
	vcpu_ret(v, PSCI_MIGRATE_TOS_NOT_PRESENT);
}

static void v_system_off(struct vcpu *v)
{
	vm_power_off(v->vm, v);
}

static void v_system_reset(struct vcpu *v)
{
	vm_reset(v->vm, v);
}

static void v_smccc_version(struct vcpu *v)
{
	vcpu_ret(v, SMCCC_VERSION_1_1);
}

static void v_smccc_arch_features(struct vcpu *v)
{
	vcpu_ret(v, (uint32_t)v->x[1] == SMCCC_VERSION ? SMCCC_SUCCESS : SMCCC_NOT_SUPPORTED);
}

static void v_psci_features(struct vcpu *v);

struct vpsci_fn {
	uint32_t fid;
	void (*fn)(struct vcpu *v);
};

static const struct vpsci_fn vpsci_table[] = {
    {PSCI_VERSION, v_psci_version},
    {PSCI_CPU_ON_32, v_cpu_on},
    {PSCI_CPU_ON_64, v_cpu_on},
    {PSCI_CPU_OFF, v_cpu_off},
    {PSCI_AFFINITY_INFO_32, v_affinity_info},
    {PSCI_AFFINITY_INFO_64, v_affinity_info},
    {PSCI_MIGRATE_INFO_TYPE, v_migrate_info_type},
    {PSCI_SYSTEM_OFF, v_system_off},
    {PSCI_SYSTEM_RESET, v_system_reset},
    {PSCI_FEATURES, v_psci_features},
    {SMCCC_VERSION, v_smccc_version},
    {SMCCC_ARCH_FEATURES, v_smccc_arch_features},
};

static void v_psci_features(struct vcpu *v)
{
	vcpu_ret(v, SMCCC_FIND(vpsci_table, (uint32_t)v->x[1]) ? PSCI_SUCCESS : PSCI_NOT_SUPPORTED);
}

void vpsci_handle(struct vcpu *v, uint32_t fid)
{
	SMCCC_DISPATCH(vpsci_table, fid, v);
	vm_log(v->vm, "%s vcpu%u: SMC 0x%x not supported\n", v->vm->cfg->name, v->id, fid);
	vcpu_ret(v, SMCCC_NOT_SUPPORTED);
}
