/* PSCI and SMCCC for guests: every answer acts on the calling VM only. */
#include <hyp.h>
#include <tzv/console.h>
#include <tzv/smccc.h>
#include <tzv/sysreg.h>

static void ret(struct vcpu *v, long val)
{
	v->x[0] = (uint64_t)val;
}

static void v_psci_version(struct vcpu *v)
{
	ret(v, PSCI_VERSION_1_1);
}

static void v_cpu_on(struct vcpu *v)
{
	struct vcpu *t = vcpu_by_mpidr(v->vm, v->x[1]);

	if (!t) {
		vm_log(v->vm,
		       "%s vcpu%u: PSCI CPU_ON of MPIDR 0x%lx, not a CPU of the VM: refused\n",
		       v->vm->cfg->name, v->id, (unsigned long)v->x[1]);
		ret(v, PSCI_INVALID_PARAMETERS);
		return;
	}
	const struct vm_config *c = v->vm->cfg;
	if (v->x[2] < c->ram_ipa || v->x[2] >= c->ram_ipa + c->ram_size || (v->x[2] & 3U)) {
		vm_log(v->vm, "%s vcpu%u: PSCI CPU_ON entry 0x%lx outside the VM's RAM: refused\n",
		       c->name, v->id, (unsigned long)v->x[2]);
		ret(v, PSCI_INVALID_ADDRESS);
		return;
	}
	spin_lock(&v->vm->lock);
	long r = PSCI_SUCCESS;
	if (t->state == VCPU_ON)
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
	ret(v, r);
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
		ret(v, PSCI_INVALID_PARAMETERS);
		return;
	}
	static const long map[] = {[VCPU_OFF] = PSCI_AFF_OFF,
				   [VCPU_ON_PENDING] = PSCI_AFF_ON_PENDING,
				   [VCPU_ON] = PSCI_AFF_ON};
	ret(v, map[t->state]);
}

static void v_migrate_info_type(struct vcpu *v)
{
	ret(v, PSCI_MIGRATE_TOS_NOT_PRESENT);
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
	ret(v, SMCCC_VERSION_1_1);
}

static void v_smccc_arch_features(struct vcpu *v)
{
	ret(v, (uint32_t)v->x[1] == SMCCC_VERSION ? SMCCC_SUCCESS : SMCCC_NOT_SUPPORTED);
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

#define VPSCI_LEN (sizeof(vpsci_table) / sizeof(vpsci_table[0]))

static void v_psci_features(struct vcpu *v)
{
	uint32_t q = (uint32_t)v->x[1];

	for (size_t i = 0; i < VPSCI_LEN; i++)
		if (vpsci_table[i].fid == q) {
			ret(v, PSCI_SUCCESS);
			return;
		}
	ret(v, PSCI_NOT_SUPPORTED);
}

/* Every SMC or HVC a guest issues lands here, dispatched on the owner:
 * PSCI and SMCCC here, hypercalls, Trusted-OS calls to the VM's vTEE. */
void guest_smccc(struct vcpu *v)
{
	uint32_t fid = (uint32_t)v->x[0];

	if (v->x[0] >> 32) {
		vm_log(v->vm, "%s vcpu%u: call 0x%lx with bits 63:32 set not supported\n",
		       v->vm->cfg->name, v->id, (unsigned long)v->x[0]);
		ret(v, SMCCC_NOT_SUPPORTED);
		return;
	}
	if (SMCCC_OWNER(fid) >= SMCCC_OWNER_TOS_FIRST) {
		tee_forward(v, fid);
		return;
	}
	switch (SMCCC_OWNER(fid)) {
	case SMCCC_OWNER_ARCH:
	case SMCCC_OWNER_STD:
		vpsci_handle(v, fid);
		break;
	case SMCCC_OWNER_VENDOR_HYP:
		hypercall_handle(v, fid);
		break;
	default:
		vm_log(v->vm, "%s vcpu%u: call 0x%x not supported\n", v->vm->cfg->name, v->id, fid);
		ret(v, SMCCC_NOT_SUPPORTED);
	}
}

void vpsci_handle(struct vcpu *v, uint32_t fid)
{
	for (size_t i = 0; i < VPSCI_LEN; i++) {
		if (vpsci_table[i].fid == fid) {
			vpsci_table[i].fn(v);
			return;
		}
	}
	vm_log(v->vm, "%s vcpu%u: SMC 0x%x not supported\n", v->vm->cfg->name, v->id, fid);
	ret(v, SMCCC_NOT_SUPPORTED);
}
