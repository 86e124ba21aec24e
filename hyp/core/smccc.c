/* Every SMC or HVC a guest issues lands here, dispatched on the SMCCC
 * owner: PSCI and the arch calls (vpsci.c), the TRNG (the monitor's), tzvisor's hypercalls
 * (hypercall.c), Trusted-OS calls to the VM's vTEE (tee.c); anything else
 * gets NOT_SUPPORTED and a log line. */
#include <cpu.h>
#include <tzv/smccc.h>
#include <vm.h>

void guest_smccc(struct vcpu *v)
{
	uint32_t fid = (uint32_t)v->x[0];

	if (v->x[0] >> 32) {
		vm_log(v->vm, "%s vcpu%u: call 0x%lx with bits 63:32 set not supported\n",
		       v->vm->cfg->name, v->id, (unsigned long)v->x[0]);
		vcpu_ret(v, SMCCC_NOT_SUPPORTED);
		return;
	}
	if (SMCCC_OWNER(fid) >= SMCCC_OWNER_TOS_FIRST) {
		tee_forward(v, fid);
		return;
	}
	switch (SMCCC_OWNER(fid)) {
	case SMCCC_OWNER_STD:
		if (TRNG_IS(fid)) { /* entropy is the firmware's to give */
			fw_trng(v->x);
			break;
		}
		vpsci_handle(v, fid);
		break;
	case SMCCC_OWNER_ARCH:
		vpsci_handle(v, fid);
		break;
	case SMCCC_OWNER_VENDOR_HYP:
		hypercall_handle(v, fid);
		break;
	default:
		vm_log(v->vm, "%s vcpu%u: call 0x%x not supported\n", v->vm->cfg->name, v->id, fid);
		vcpu_ret(v, SMCCC_NOT_SUPPORTED);
	}
}
