/* Mediation toward the secure world's virtual TEEs: a VM's Trusted-OS
 * calls go to EL3 with the VM's client id in w7, whatever the VM put there;
 * the hypervisor alone creates and destroys a VM's vTEE. Fast calls carry
 * no normal-world addresses; yielding calls (which do) are refused until
 * their mediation exists. */
#include <hyp.h>
#include <tzv/console.h>
#include <tzv/optee.h>
#include <tzv/smccc.h>

static uint32_t client_id(const struct vm *vm)
{
	return TZV_CLIENT_OF_VM(vm->id);
}

void tee_forward(struct vcpu *v, uint32_t fid)
{
	if (!(fid & SMCCC_FAST)) {
		vm_log(v->vm, "%s vcpu%u: yielding Trusted-OS call 0x%x not supported yet\n",
		       v->vm->cfg->name, v->id, fid);
		v->x[0] = OPTEE_SMC_RETURN_UNKNOWN_FUNCTION;
		return;
	}
	struct smc_regs r;
	for (unsigned i = 0; i < 7; i++)
		r.x[i] = v->x[i] & 0xffffffffUL;
	r.x[7] = client_id(v->vm);
	hyp_smc(&r);
	for (unsigned i = 0; i < 4; i++)
		v->x[i] = r.x[i];
}

static uint64_t vm_lifecycle_call(uint32_t fid, struct vm *vm)
{
	struct smc_regs r = {{fid, client_id(vm), 0, 0, 0, 0, 0, TZV_CLIENT_HYP}};

	hyp_smc(&r);
	return r.x[0];
}

void tee_vm_created(struct vm *vm)
{
	uint64_t r = vm_lifecycle_call(OPTEE_SMC_VM_CREATED, vm);

	if (r != OPTEE_SMC_RETURN_OK)
		pr("%s: the secure world refused its vTEE (0x%lx)\n", vm->cfg->name,
		   (unsigned long)r);
}

void tee_vm_destroyed(struct vm *vm)
{
	vm_lifecycle_call(OPTEE_SMC_VM_DESTROYED, vm);
}
