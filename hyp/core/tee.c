/* Mediation toward the secure world's virtual TEEs. A VM's Trusted-OS calls
 * go to EL3 with the VM's client id in w7, whatever the VM put there; the
 * hypervisor alone creates and destroys a VM's vTEE.
 *
 * A yielding call carries normal-world addresses, so before the secure side
 * sees it the hypervisor copies the message in the VM's argument page (its
 * header and parameters) into a page of its own (the guest can no longer
 * change what the STK reads, as in Xen), checks every address the message
 * holds lies in the VM's RAM and rewrites the one page list Linux sends
 * (REGISTER_SHM) as a flat list of physical pages. When the call ends only
 * the result fields go back to the guest. */
#include <cpu.h>
#include <hostile.h>
#include <tee.h>
#include <tzv/console.h>
#include <tzv/optee.h>
#include <tzv/smccc.h>
#include <tzv/string.h>
#include <vm.h>

#define PAGE	      OPTEE_MSG_PAGE_SIZE
#define LIST_ENTRIES  (PAGE / sizeof(uint64_t))
#define LIST_NEXT     (LIST_ENTRIES - 1U) /* the last entry links to the next list page */
#define MAX_SHM_PAGES LIST_ENTRIES	  /* what one translated list page holds */
_Static_assert(TZV_TEE_MAX_SHM_PAGES <= MAX_SHM_PAGES, "a buffer's pages fit one list page");

/* Per call: the argument copy, the translated page list and the copy of
 * the RPC argument, in the VM's share of HYP_TEE_PAGES, where the partition
 * map tells the STK to expect them. */
static void *call_page(const struct vm *vm, unsigned call, unsigned which)
{
	return (void *)(uintptr_t)(vm->cfg->tee.pages + (3U * call + which) * PAGE);
}

static uint32_t client_id(const struct vm *vm)
{
	return TZV_CLIENT_OF_VM(vm->id);
}

static void set_result(struct vcpu *v, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	v->x[0] = a0;
	v->x[1] = a1;
	v->x[2] = a2;
	v->x[3] = a3;
}

/* The PA behind [ipa, ipa+len) when all of it is the VM's RAM. */
static bool ram_pa(const struct vm *vm, uint64_t ipa, uint64_t len, uint64_t *pa)
{
	const struct vm_config *c = vm->cfg;

	if (ipa < c->ram_ipa || len > c->ram_size || ipa - c->ram_ipa > c->ram_size - len)
		return false;
	*pa = c->ram_pa + (ipa - c->ram_ipa);
	return true;
}

static void fast_call(struct vcpu *v, uint32_t fid)
{
	const uint64_t *x = v->x;
	struct smc_regs r = {{fid, (uint32_t)x[1], (uint32_t)x[2], (uint32_t)x[3], (uint32_t)x[4],
			      (uint32_t)x[5], (uint32_t)x[6],
			      hostile_client(v->vm, client_id(v->vm))}};

	hyp_smc(&r);
	set_result(v, r.x[0], r.x[1], r.x[2], r.x[3]);
}

static struct tee_call *call_alloc(struct vm *vm)
{
	struct tee_call *c = NULL;

	spin_lock(&vm->tee_lock);
	for (unsigned i = 0; i < TZV_TEE_MAX_CALLS && !c; i++) {
		if (vm->tee_call[i].state != TEE_CALL_FREE)
			continue;
		c = &vm->tee_call[i];
		c->state = TEE_CALL_RUNNING;
		c->arg = call_page(vm, i, 0);
		c->pages = call_page(vm, i, 1);
		c->rpc_arg = call_page(vm, i, 2);
		c->rpc = c->rpc_cmd = 0;
		c->guest_rpc = 0;
		c->nparams = 0;
	}
	spin_unlock(&vm->tee_lock);
	return c;
}

static void call_free(struct vm *vm, struct tee_call *c)
{
	spin_lock(&vm->tee_lock);
	c->state = TEE_CALL_FREE;
	spin_unlock(&vm->tee_lock);
}

/* REGISTER_SHM's page list: guest list pages of 511 page addresses plus a
 * link, each address (and each list page) checked against the VM's RAM. */
static uint32_t translate_pages(struct vcpu *v, struct tee_call *c, struct optee_msg_param *p)
{
	struct vm *vm = v->vm;
	uint64_t off = p->u.tmem.buf_ptr & (PAGE - 1), list = p->u.tmem.buf_ptr & ~(PAGE - 1);
	uint64_t size = p->u.tmem.size, limit = vm->cfg->tee.shm_pages;
	const volatile uint64_t *entries = NULL;

	if (limit > MAX_SHM_PAGES)
		limit = MAX_SHM_PAGES;
	if (size == 0 || size > limit * PAGE || (off + size + PAGE - 1) / PAGE > limit) {
		vm_log(vm, "%s: vTEE buffer of %lu bytes refused (at most %lu pages)\n",
		       vm->cfg->name, (unsigned long)size, (unsigned long)limit);
		return size ? TEEC_ERROR_OUT_OF_MEMORY : TEEC_ERROR_BAD_PARAMETERS;
	}
	uint64_t n = (off + size + PAGE - 1) / PAGE;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t pa, k = i % LIST_NEXT;
		if (k == 0) {
			if (i)
				list = entries[LIST_NEXT];
			if ((list & (PAGE - 1)) || !ram_pa(vm, list, PAGE, &pa)) {
				vm_log(vm, "%s: vTEE page list at 0x%lx is not in its RAM\n",
				       vm->cfg->name, (unsigned long)list);
				return TEEC_ERROR_BAD_PARAMETERS;
			}
			entries = (const volatile uint64_t *)(uintptr_t)pa;
		}
		uint64_t page = entries[k]; /* read once: the guest may change it */
		if ((page & (PAGE - 1)) || !ram_pa(vm, page, PAGE, &pa)) {
			vm_log(vm, "%s: vTEE buffer page 0x%lx is not in its RAM\n", vm->cfg->name,
			       (unsigned long)page);
			return TEEC_ERROR_BAD_PARAMETERS;
		}
		c->pages[i] = hostile_page(vm, pa);
	}
	p->u.tmem.buf_ptr = (uint64_t)(uintptr_t)c->pages | off;
	return TEEC_SUCCESS;
}

/* Checks the message in the hypervisor's copy; returns a GP error to give
 * the guest without bothering the secure world, or TEEC_SUCCESS. */
static uint32_t check_message(struct vcpu *v, struct tee_call *c)
{
	struct optee_msg_arg *a = c->arg;

	if (a->num_params > OPTEE_MSG_MAX_PARAMS) {
		vm_log(v->vm, "%s: vTEE message with %u parameters refused\n", v->vm->cfg->name,
		       a->num_params);
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	c->nparams = a->num_params;
	for (unsigned i = 0; i < c->nparams; i++) {
		struct optee_msg_param *p = &a->params[i];
		c->attr[i] = p->attr;
		if (!OPTEE_TYPE_IS_TMEM(OPTEE_PARAM_TYPE(p)))
			continue; /* values and registered memory carry no address */
		if (a->cmd == OPTEE_MSG_CMD_REGISTER_SHM && i == 0 &&
		    p->attr == OPTEE_MSG_ATTR_REGISTER) {
			uint32_t r = translate_pages(v, c, p);
			if (r)
				return r;
		} else if (p->u.tmem.buf_ptr) {
			/* only NULL memrefs travel as TMEM: Linux registers buffers */
			vm_log(v->vm, "%s: vTEE temporary memref at 0x%lx refused\n",
			       v->vm->cfg->name, (unsigned long)p->u.tmem.buf_ptr);
			return TEEC_ERROR_BAD_PARAMETERS;
		}
	}
	return TEEC_SUCCESS;
}

/* Results back into the guest's page: ret, origin, session, output values
 * and sizes, by the parameter types the hypervisor checked. */
static void copy_back(struct tee_call *c)
{
	const struct optee_msg_arg *s = c->arg;
	struct optee_msg_arg *g = (struct optee_msg_arg *)(uintptr_t)c->guest_arg;

	g->ret = s->ret;
	g->ret_origin = s->ret_origin;
	g->session = s->session;
	for (unsigned i = 0; i < c->nparams; i++)
		optee_param_result(&g->params[i], &s->params[i],
				   (unsigned)(c->attr[i] & OPTEE_MSG_ATTR_TYPE_MASK));
}

static void fail_message(struct tee_call *c, uint32_t ret)
{
	struct optee_msg_arg *g = (struct optee_msg_arg *)(uintptr_t)c->guest_arg;

	g->ret = ret;
	g->ret_origin = TEEC_ORIGIN_COMMS;
}

/* An RPC the STK asks of the guest, on its way out: RPC_CMD's argument
 * goes from the hypervisor's copy, which the STK wrote, to the guest's. */
static void rpc_out(struct tee_call *c, uint32_t func)
{
	c->rpc = func;
	if (func == OPTEE_SMC_RETURN_RPC_CMD && c->guest_rpc) {
		memcpy((void *)(uintptr_t)c->guest_rpc, c->rpc_arg, OPTEE_RPC_ARG_SIZE);
		c->rpc_cmd = ((const struct optee_msg_arg *)c->rpc_arg)->cmd;
	}
}

/* The guest's answer, on its way in (a[1..5] of its RETURN_FROM_RPC):
 * RPC_ALLOC's buffer, checked, is replaced by the hypervisor's copy (the
 * STK never sees the guest's); RPC_CMD's result is copied back, and
 * SHM_ALLOC's page list translated into physical pages of the VM. */
static void rpc_in(struct vcpu *v, struct tee_call *c, uint64_t a[6])
{
	struct vm *vm = v->vm;
	uint64_t ipa = (a[1] << 32) | (a[2] & 0xffffffffUL), pa;

	if (c->rpc == OPTEE_SMC_RETURN_RPC_ALLOC && ipa) {
		if ((ipa & (PAGE - 1)) || !ram_pa(vm, ipa, PAGE, &pa)) {
			vm_log(vm, "%s: vTEE RPC buffer at 0x%lx is not a page of its RAM\n",
			       vm->cfg->name, (unsigned long)ipa);
			a[1] = a[2] = 0; /* as if the allocation failed */
			return;
		}
		c->guest_rpc = pa;
		uint64_t copy = hostile_page(vm, (uint64_t)(uintptr_t)c->rpc_arg);
		a[1] = copy >> 32;
		a[2] = copy & 0xffffffffUL;
	} else if (c->rpc == OPTEE_SMC_RETURN_RPC_CMD && c->guest_rpc) {
		struct optee_msg_arg *m = c->rpc_arg;
		memcpy(m, (const void *)(uintptr_t)c->guest_rpc, OPTEE_RPC_ARG_SIZE);
		m->cmd = c->rpc_cmd;
		m->num_params = m->num_params > OPTEE_RPC_ARG_PARAMS ? 0 : m->num_params;
		if (c->rpc_cmd == OPTEE_RPC_CMD_SHM_ALLOC && !m->ret) {
			struct optee_msg_param *p = &m->params[0];
			if (p->attr != (OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG))
				m->ret = TEEC_ERROR_NOT_SUPPORTED; /* Linux hands a page list */
			else
				m->ret = translate_pages(v, c, p);
		}
	} else if (c->rpc == OPTEE_SMC_RETURN_RPC_FREE) {
		c->guest_rpc = 0;
	}
}

/* One step of a yielding call in the secure world: it ends, or comes back
 * as an RPC the guest answers with RETURN_FROM_RPC. */
static void secure_step(struct vcpu *v, struct tee_call *c, uint32_t fid, const uint64_t a[6])
{
	struct smc_regs r = {
	    {fid, a[1], a[2], a[3], a[4], a[5], 0, hostile_client(v->vm, client_id(v->vm))}};

	hyp_smc(&r);
	if (OPTEE_SMC_RETURN_IS_RPC((uint32_t)r.x[0])) {
		rpc_out(c, (uint32_t)r.x[0]);
		c->thread = (uint32_t)r.x[3];
		hostile_saw_token(v->vm, c->thread);
		spin_lock(&v->vm->tee_lock);
		c->state = TEE_CALL_SUSPENDED;
		spin_unlock(&v->vm->tee_lock);
		set_result(v, r.x[0], r.x[1], r.x[2], r.x[3]);
		return;
	}
	if (r.x[0] == OPTEE_SMC_RETURN_OK && !hostile_guest_msg(v->vm))
		copy_back(c);
	call_free(v->vm, c);
	set_result(v, r.x[0], 0, 0, 0);
}

/* The message's header, then as many parameters as the copied header says
 * (none if more than a message may carry, which check_message refuses):
 * each byte read once, and nothing of the page the secure side does not read. */
static void copy_message(struct optee_msg_arg *a, uint64_t pa)
{
	const struct optee_msg_arg *g = (const struct optee_msg_arg *)(uintptr_t)pa;

	memcpy(a, g, sizeof(*a));
	uint32_t n = a->num_params <= OPTEE_MSG_MAX_PARAMS ? a->num_params : 0;
	memcpy(a->params, g->params, n * sizeof(a->params[0]));
}

static void call_with_arg(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t ipa = ((v->x[1] & 0xffffffffUL) << 32) | (v->x[2] & 0xffffffffUL), pa;

	if ((ipa & (PAGE - 1)) || !ram_pa(vm, ipa, PAGE, &pa)) {
		vm_log(vm, "%s vcpu%u: vTEE argument at 0x%lx is not a page of its RAM\n",
		       vm->cfg->name, v->id, (unsigned long)ipa);
		set_result(v, OPTEE_SMC_RETURN_EBADADDR, 0, 0, 0);
		return;
	}
	struct tee_call *c = call_alloc(vm);
	if (!c) {
		set_result(v, OPTEE_SMC_RETURN_ETHREAD_LIMIT, 0, 0, 0);
		return;
	}
	c->guest_arg = pa;
	copy_message(c->arg, pa);
	uint32_t cmd = ((struct optee_msg_arg *)c->arg)->cmd;
	if (cmd > OPTEE_MSG_CMD_UNREGISTER_SHM) {
		call_free(vm, c);
		set_result(v, OPTEE_SMC_RETURN_EBADCMD, 0, 0, 0);
		return;
	}
	uint32_t err = hostile_unchecked(vm) ? TEEC_SUCCESS : check_message(v, c);
	if (err) {
		fail_message(c, err);
		call_free(vm, c);
		set_result(v, OPTEE_SMC_RETURN_OK, 0, 0, 0);
		return;
	}
	uint64_t arg = hostile_guest_msg(vm) ? pa : hostile_arg(vm, (uint64_t)(uintptr_t)c->arg);
	const uint64_t a[6] = {0, arg >> 32, arg & 0xffffffffUL};
	secure_step(v, c, OPTEE_SMC_CALL_WITH_ARG, a);
}

static void return_from_rpc(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint32_t thread = (uint32_t)v->x[3];
	struct tee_call *c = NULL;

	spin_lock(&vm->tee_lock);
	for (unsigned i = 0; i < TZV_TEE_MAX_CALLS && !c; i++) {
		if (vm->tee_call[i].state == TEE_CALL_SUSPENDED &&
		    vm->tee_call[i].thread == thread) {
			c = &vm->tee_call[i];
			c->state = TEE_CALL_RUNNING;
		}
	}
	spin_unlock(&vm->tee_lock);
	if (!c) {
		vm_log(vm, "%s vcpu%u: vTEE resume of 0x%x, which is not waiting\n", vm->cfg->name,
		       v->id, thread);
		set_result(v, OPTEE_SMC_RETURN_ERESUME, 0, 0, 0);
		return;
	}
	uint64_t a[6] = {0,	 v->x[1] & 0xffffffffUL, v->x[2] & 0xffffffffUL,
			 thread, v->x[4] & 0xffffffffUL, v->x[5] & 0xffffffffUL};
	rpc_in(v, c, a);
	secure_step(v, c, OPTEE_SMC_RETURN_FROM_RPC, a);
}

void tee_forward(struct vcpu *v, uint32_t fid)
{
	if (fid & SMCCC_FAST)
		fast_call(v, fid);
	else if (fid == OPTEE_SMC_CALL_WITH_ARG)
		call_with_arg(v);
	else if (fid == OPTEE_SMC_RETURN_FROM_RPC)
		return_from_rpc(v);
	else /* CALL_WITH_RPC_ARG / REGD_ARG need capabilities never offered */
		set_result(v, OPTEE_SMC_RETURN_UNKNOWN_FUNCTION, 0, 0, 0);
}

/* Issued on one of the VM's own CPUs: the monitor accepts it from no other.
 * The vTEE's limits come from the signed partition map. */
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

/* All of the VM's vCPUs are stopped: no call of it is in the secure world. */
void tee_vm_destroyed(struct vm *vm)
{
	memset(vm->tee_call, 0, sizeof(vm->tee_call));
	vm_lifecycle_call(OPTEE_SMC_VM_DESTROYED, vm);
}
