/* Mediation toward each VM's vTEE in the secure world (hyp/core/tee.c). */
#ifndef HYP_TEE_H
#define HYP_TEE_H
#include <stdint.h>

/* Yielding vTEE calls of one VM in flight (running in the secure world, or
 * returned to the guest by an RPC and waiting to be resumed). */
enum tee_call_state { TEE_CALL_FREE = 0, TEE_CALL_RUNNING, TEE_CALL_SUSPENDED };
struct tee_call {
	enum tee_call_state state;
	uint32_t thread;    /* the STK's resume token while suspended */
	uint64_t guest_arg; /* PA of the guest's argument page */
	uint32_t nparams;
	uint64_t attr[6]; /* the parameter types as checked */
	void *arg;	  /* the hypervisor's copy, the only one the STK reads */
	uint64_t *pages;  /* a translated page list (REGISTER_SHM, RPC SHM_ALLOC) */
	/* an RPC the STK made of the guest, and the RPC argument it works in:
	 * the guest's (guest_rpc) and the hypervisor's copy the STK uses */
	uint32_t rpc, rpc_cmd;
	uint64_t guest_rpc;
	void *rpc_arg;
};

struct vcpu;
struct vm;
void tee_forward(struct vcpu *v, uint32_t fid);
void tee_vm_created(struct vm *vm);
void tee_vm_destroyed(struct vm *vm);

#endif
