/* Yielding calls: CALL_WITH_ARG and RETURN_FROM_RPC, and the OP-TEE message
 * commands they carry, for the vTEE of the calling client, dispatched
 * through a table. Every path ends the SMC (call_finish, stk_leave) or runs
 * a PAL (pal_run), which ends it later. */
#include <stk.h>
#include <tzv/string.h>

#define PAGE OPTEE_MSG_PAGE_SIZE

/* A pseudo-PAL, a PAL the vTEE has, or one its VM's tee-supplicant loads. */
static void cmd_open_session(struct vtee *t, struct call *c)
{
	const struct optee_msg_param *p = c->params;
	uint8_t uuid[16];

	if (c->hdr.num_params < 2 || p[0].attr != OPTEE_MSG_ATTR_OPEN_META ||
	    p[1].attr != OPTEE_MSG_ATTR_OPEN_META)
		call_finish(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	memcpy(uuid, &p[0].u.value.a, 8);
	memcpy(uuid + 8, &p[0].u.value.b, 8);
	const struct pta *pta = pta_find(uuid);
	struct pal_image *pal = pta ? NULL : loader_registered(t, c, pal_find(t, uuid));
	c->hdr.session = 0;
	if (!pta && !pal)
		loader_start(t, c, uuid);
	session_open(t, c, pta, pal);
}

/* The session a message names, usable now; otherwise ends the call. */
static struct session *session_for(struct vtee *t, struct call *c)
{
	struct session *s = session_find(t, c->hdr.session);

	if (!s)
		call_finish(c, TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_TEE);
	if (s->busy)
		call_finish(c, TEEC_ERROR_BUSY, TEEC_ORIGIN_TEE);
	return s;
}

static void cmd_invoke(struct vtee *t, struct call *c)
{
	struct session *s = session_for(t, c);

	if (s->dead)
		call_finish(c, TEEC_ERROR_TARGET_DEAD, TEEC_ORIGIN_TEE);
	if (s->pta) {
		uint32_t r = s->pta->invoke(t, c, c->hdr.func);
		call_finish(c, r, TEEC_ORIGIN_TRUSTED_APP);
	}
	uint32_t r = msg_params_to_pal(t, c, pal_params_of(s), s);
	if (r) {
		pal_unmap_windows(s);
		call_finish(c, r, TEEC_ORIGIN_TEE);
	}
	c->sess = s;
	s->busy = true;
	pal_run(t, c, PAL_OP_INVOKE, c->hdr.func);
}

/* Closing frees the instance without entering it: a PAL cannot stall or
 * refuse its own end. */
static void cmd_close(struct vtee *t, struct call *c)
{
	session_free(t, session_for(t, c));
	call_finish(c, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
}

static void cmd_cancel(struct vtee *t, struct call *c)
{
	(void)t;
	call_finish(c, TEEC_SUCCESS, TEEC_ORIGIN_TEE); /* calls end on their own */
}

static void cmd_register_shm(struct vtee *t, struct call *c)
{
	const struct optee_msg_param *p = &c->params[0];
	struct shm *m = NULL;
	unsigned used = 0;

	if (c->hdr.num_params != 1 || p->attr != OPTEE_MSG_ATTR_REGISTER ||
	    shm_find(t, p->u.tmem.shm_ref))
		call_finish(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	for (unsigned i = 0; i < TZV_TEE_MAX_SHM; i++) {
		if (t->shm[i].in_use)
			used++;
		else if (!m)
			m = &t->shm[i];
	}
	uint64_t off = p->u.tmem.buf_ptr & (PAGE - 1), list = p->u.tmem.buf_ptr & ~(PAGE - 1);
	uint64_t size = p->u.tmem.size;
	if (used >= t->max_shm || !m || size > (uint64_t)t->max_shm_pages * PAGE ||
	    (off + size + PAGE - 1) / PAGE > t->max_shm_pages) {
		vtee_log(t, "vTEE %u: shared buffer refused (%u registered, %lu bytes)\n",
			 t->client, used, (unsigned long)size);
		call_finish(c, TEEC_ERROR_OUT_OF_MEMORY, TEEC_ORIGIN_TEE);
	}
	uint64_t n = (off + size + PAGE - 1) / PAGE;
	if (!size || !vtee_holds(t, list, n * sizeof(uint64_t), true))
		call_finish(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	const uint64_t *pages = ns_map(list, n * sizeof(uint64_t));
	memcpy(m->pages, pages, n * sizeof(uint64_t)); /* read once */
	ns_unmap();
	for (uint64_t i = 0; i < n; i++)
		if ((m->pages[i] & (PAGE - 1)) || !vtee_holds(t, m->pages[i], PAGE, false)) {
			memset(m, 0, sizeof(*m));
			call_finish(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		}
	m->in_use = true;
	m->cookie = p->u.tmem.shm_ref;
	m->offset = off;
	m->size = size;
	m->npages = n;
	call_finish(c, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
}

static void cmd_unregister_shm(struct vtee *t, struct call *c)
{
	const struct optee_msg_param *p = &c->params[0];

	if (c->hdr.num_params != 1 || p->attr != OPTEE_MSG_ATTR_UNREGISTER)
		call_finish(c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	struct shm *m = shm_find(t, p->u.rmem.shm_ref);
	if (!m)
		call_finish(c, TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_TEE);
	if (m->busy)
		call_finish(c, TEEC_ERROR_BUSY, TEEC_ORIGIN_TEE);
	memset(m, 0, sizeof(*m));
	call_finish(c, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
}

static void (*const cmd_table[])(struct vtee *t, struct call *c) = {
    [OPTEE_MSG_CMD_OPEN_SESSION] = cmd_open_session,
    [OPTEE_MSG_CMD_INVOKE_COMMAND] = cmd_invoke,
    [OPTEE_MSG_CMD_CLOSE_SESSION] = cmd_close,
    [OPTEE_MSG_CMD_CANCEL] = cmd_cancel,
    [OPTEE_MSG_CMD_REGISTER_SHM] = cmd_register_shm,
    [OPTEE_MSG_CMD_UNREGISTER_SHM] = cmd_unregister_shm,
};

void stk_std_smc(struct smc_args *a)
{
	uint32_t fid = (uint32_t)a->a[0];

	struct vtee *t = vtee_slot((uint32_t)a->a[7] & 0xffffU);
	if (!t)
		stk_exit(OPTEE_SMC_RETURN_ENOTAVAIL, 0, 0, 0);
	vtee_lock(t);
	if (!t->in_use)
		stk_leave(OPTEE_SMC_RETURN_ENOTAVAIL);
	if (fid == OPTEE_SMC_CALL_WITH_ARG) {
		struct call *c = call_start(t, (a->a[1] << 32) | (a->a[2] & 0xffffffffUL),
					    sizeof(cmd_table) / sizeof(cmd_table[0]));
		cmd_table[c->hdr.cmd](t, c);
	}
	if (fid == OPTEE_SMC_RETURN_FROM_RPC) {
		struct call *c = call_of_token(t, (uint32_t)a->a[3]);
		if (!c) {
			vtee_log(t, "vTEE %u: resume of 0x%x, which is not waiting\n", t->client,
				 (uint32_t)a->a[3]);
			stk_leave(OPTEE_SMC_RETURN_ERESUME);
		}
		if (c->state == CALL_PREEMPTED)
			pal_resume(t, c);
		if (c->ree.phase)
			pal_syscall_done(t, c, reefs_resume(t, c, a->a));
		loader_resume(t, c, a->a);
	}
	stk_leave(OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
}
