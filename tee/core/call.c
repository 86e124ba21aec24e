/* A yielding call's life in its vTEE: the message copied into secure
 * memory before it is looked at, its parameters turned into a PAL's and
 * back, and its end, which writes results only into the fields the normal
 * world reads and ends the SMC. */
#include <stk.h>
#include <tzv/string.h>

#define PAGE OPTEE_MSG_PAGE_SIZE

/* A call's resume token: the a3 of the RPC that suspends it (vTEE, slot). */
uint32_t call_token(const struct vtee *t, const struct call *c)
{
	return 0x7a000000U | ((uint32_t)t->index << 8) | (uint32_t)(c - t->call + 1);
}

/* The call of this vTEE that waits on token, or NULL. */
struct call *call_of_token(struct vtee *t, uint32_t token)
{
	unsigned i = (token & 0xffU) - 1U;

	if (i >= TZV_TEE_MAX_CALLS || call_token(t, &t->call[i]) != token ||
	    (t->call[i].state != CALL_PREEMPTED && t->call[i].state != CALL_RPC))
		return NULL;
	return &t->call[i];
}

/* Back to the normal world in the middle of the call: an RPC it answers
 * with RETURN_FROM_RPC and the token. */
void call_suspend(struct vtee *t, struct call *c, enum call_state why, uint32_t func, uint64_t a1,
		  uint64_t a2)
{
	c->state = why;
	uint32_t token = call_token(t, c);
	vtee_unlock_held();
	stk_exit(func, a1, a2, token);
}

/* Every path of a yielding call ends here or in a PAL (which ends later). */
void stk_leave(uint64_t a0)
{
	vtee_unlock_held();
	stk_exit(a0, 0, 0, 0);
}

/* A call slot made free: all but the RPC states, which each start clears
 * itself (loader_start, reefs_start), so that a call that needs neither
 * does not clear them twice; no RPC phase stays set. */
static void call_clear(struct call *c)
{
	memset(c, 0, offsetof(struct call, load));
	c->load.phase = 0;
	c->ree.phase = REE_IDLE;
}

/* A call slot holding the message at pa, whose command is below ncmds;
 * ends the SMC with an error instead when there is none. */
struct call *call_start(struct vtee *t, uint64_t pa, uint32_t ncmds)
{
	struct call *c = NULL;

	if ((pa & (PAGE - 1)) || !vtee_holds(t, pa, PAGE, true))
		stk_leave(OPTEE_SMC_RETURN_EBADADDR);
	for (unsigned i = 0; i < TZV_TEE_MAX_CALLS && !c; i++)
		if (t->call[i].state == CALL_FREE)
			c = &t->call[i];
	if (!c)
		stk_leave(OPTEE_SMC_RETURN_ETHREAD_LIMIT);
	/* read once, into secure memory: only the copy is looked at */
	call_clear(c);
	c->slot = t->index * TZV_TEE_MAX_CALLS + (unsigned)(c - t->call);
	struct optee_msg_arg *m = ns_map_call(c->slot, pa);
	memcpy(&c->hdr, m, sizeof(c->hdr));
	if (c->hdr.cmd >= ncmds) {
		ns_unmap_call(c->slot);
		call_clear(c);
		stk_leave(OPTEE_SMC_RETURN_EBADCMD);
	}
	c->msg = m;
	c->state = CALL_RUNNING;
	c->arg_pa = pa;
	if (c->hdr.num_params > OPTEE_MSG_MAX_PARAMS) {
		/* (the hypervisor refuses such a message before it gets here) */
		vtee_log(t, "vTEE %u: hypervisor violation: a message of %u parameters: refused\n",
			 t->client, c->hdr.num_params);
		c->hdr.num_params = 0;
		call_finish(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	}
	memcpy(c->params, m->params, c->hdr.num_params * sizeof(c->params[0]));
	return c;
}

void call_finish(struct call *c, uint32_t ret, uint32_t origin)
{
	struct optee_msg_arg *m = c->msg;

	m->ret = ret;
	m->ret_origin = origin;
	m->session = c->hdr.session;
	for (unsigned i = 0; i < c->hdr.num_params; i++)
		optee_param_result(&m->params[i], &c->params[i], OPTEE_PARAM_TYPE(&c->params[i]));
	for (unsigned i = 0; i < PAL_NUM_PARAMS; i++)
		if (c->shm[i])
			c->shm[i]->busy--;
	if (c->sess && c->sess->in_use)
		c->sess->busy = false;
	ns_unmap_call(c->slot);
	call_clear(c);
	stk_leave(OPTEE_SMC_RETURN_OK);
}

/* Message parameters c->params[first..] to the PAL's four, mapping
 * registered memory into the session's windows. */
uint32_t msg_params_to_pal(struct vtee *t, struct call *c, struct pal_params *pp, struct session *s)
{
	memset(pp->p, 0, sizeof(pp->p));
	if (c->hdr.num_params - c->first > PAL_NUM_PARAMS)
		return TEEC_ERROR_BAD_PARAMETERS;
	for (unsigned i = 0; c->first + i < c->hdr.num_params; i++) {
		struct optee_msg_param *mp = &c->params[c->first + i];
		struct pal_param *p = &pp->p[i];
		unsigned type = OPTEE_PARAM_TYPE(mp);
		if (mp->attr & ~(uint64_t)OPTEE_MSG_ATTR_TYPE_MASK)
			return TEEC_ERROR_BAD_PARAMETERS; /* meta, page lists */
		if (type == OPTEE_MSG_ATTR_TYPE_NONE)
			continue;
		if (OPTEE_TYPE_IS_VALUE(type)) {
			p->type = type; /* GlobalPlatform's value types have the same numbers */
			p->u.value.a = (uint32_t)mp->u.value.a;
			p->u.value.b = (uint32_t)mp->u.value.b;
		} else if (OPTEE_TYPE_IS_TMEM(type)) {
			if (mp->u.tmem.buf_ptr) { /* only NULL memrefs (the hypervisor checks) */
				vtee_log(t,
					 "vTEE %u: hypervisor violation: a temporary memref at "
					 "0x%lx: refused\n",
					 t->client, (unsigned long)mp->u.tmem.buf_ptr);
				return TEEC_ERROR_BAD_PARAMETERS;
			}
			p->type = PAL_PARAM_MEMREF_INPUT + (type - OPTEE_MSG_ATTR_TYPE_TMEM_INPUT);
			p->u.mem.size = mp->u.tmem.size;
		} else if (OPTEE_TYPE_IS_RMEM(type)) {
			struct shm *m = shm_find(t, mp->u.rmem.shm_ref);
			uint64_t offs = mp->u.rmem.offs, size = mp->u.rmem.size;
			if (!m || offs > m->size || size > m->size - offs || !s)
				return TEEC_ERROR_BAD_PARAMETERS;
			uint64_t start = m->offset + offs;
			uint64_t n = ((start & (PAGE - 1)) + size + PAGE - 1) / PAGE;
			if (pal_map_window(s, i, &m->pages[start / PAGE], n,
					   type != OPTEE_MSG_ATTR_TYPE_RMEM_INPUT))
				return TEEC_ERROR_BAD_PARAMETERS;
			m->busy++;
			c->shm[i] = m;
			p->type = type; /* and so have the memory references */
			p->u.mem.buf = PAL_VA_MEMREF(i) + (start & (PAGE - 1));
			p->u.mem.size = size;
		} else {
			return TEEC_ERROR_BAD_PARAMETERS;
		}
	}
	return TEEC_SUCCESS;
}

void msg_params_from_pal(struct call *c, const struct pal_params *pp)
{
	for (unsigned i = 0; c->first + i < c->hdr.num_params && i < PAL_NUM_PARAMS; i++) {
		struct optee_msg_param *mp = &c->params[c->first + i];
		const struct pal_param *p = &pp->p[i];
		unsigned type = OPTEE_PARAM_TYPE(mp);
		if (!OPTEE_TYPE_IS_OUTPUT(type))
			continue;
		if (OPTEE_TYPE_IS_VALUE(type)) {
			mp->u.value.a = p->u.value.a;
			mp->u.value.b = p->u.value.b;
			mp->u.value.c = 0;
		} else {
			mp->u.rmem.size = p->u.mem.size;
		}
	}
}
