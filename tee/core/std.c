/* Yielding calls: CALL_WITH_ARG and RETURN_FROM_RPC, and the OP-TEE message
 * commands they carry, for the vTEE of the calling client. The message is
 * copied into secure memory before it is looked at; results are written
 * back only into the fields the normal world reads. Every path ends the SMC
 * (stk_exit) or runs a PAL (pal_run), which ends it later. */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/string.h>

#define PAGE OPTEE_MSG_PAGE_SIZE

static void __attribute__((noreturn)) leave(uint64_t a0)
{
	spin_unlock(&stk_lock);
	stk_exit(a0, 0, 0, 0);
}

static unsigned param_type(const struct optee_msg_param *p)
{
	return p->attr & OPTEE_MSG_ATTR_TYPE_MASK;
}

void call_finish(struct vtee *t, struct call *c, uint32_t ret, uint32_t origin)
{
	struct optee_msg_arg *m = ns_map(c->arg_pa);

	m->ret = ret;
	m->ret_origin = origin;
	m->session = c->hdr.session;
	for (unsigned i = 0; i < c->hdr.num_params; i++) {
		unsigned type = param_type(&c->params[i]);
		if (type == 2 || type == 3)
			m->params[i].u.value = c->params[i].u.value;
		else if (type == 6 || type == 7 || type == 0xa || type == 0xb)
			m->params[i].u.rmem.size = c->params[i].u.rmem.size;
	}
	for (unsigned i = 0; i < PAL_NUM_PARAMS; i++)
		if (c->shm[i])
			c->shm[i]->busy--;
	if (c->sess && c->sess->in_use)
		c->sess->busy = false;
	(void)t;
	memset(c, 0, sizeof(*c));
	leave(OPTEE_SMC_RETURN_OK);
}

static struct session *session_find(struct vtee *t, uint32_t id)
{
	for (unsigned i = 0; i < STK_MAX_SESSIONS; i++)
		if (t->sess[i].in_use && t->sess[i].id == id)
			return &t->sess[i];
	return NULL;
}

void session_free(struct vtee *t, struct session *s)
{
	(void)t;
	if (s->arena)
		pal_instance_destroy(s);
	memset(s, 0, sizeof(*s));
}

static struct session *session_alloc(struct vtee *t)
{
	unsigned used = 0;
	struct session *s = NULL;

	for (unsigned i = 0; i < STK_MAX_SESSIONS; i++) {
		if (t->sess[i].in_use)
			used++;
		else if (!s)
			s = &t->sess[i];
	}
	if (used >= t->max_sessions || !s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->in_use = true;
	t->next_id = (t->next_id + 1U) & 0xffffffU;
	s->id = (t->next_id << 8) | (uint32_t)(s - t->sess + 1);
	return s;
}

struct shm *shm_find(struct vtee *t, uint64_t cookie)
{
	for (unsigned i = 0; i < STK_MAX_SHM; i++)
		if (t->shm[i].in_use && t->shm[i].cookie == cookie)
			return &t->shm[i];
	return NULL;
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
		unsigned type = param_type(mp);
		if (mp->attr & ~(uint64_t)OPTEE_MSG_ATTR_TYPE_MASK)
			return TEEC_ERROR_BAD_PARAMETERS; /* meta, page lists */
		if (type == OPTEE_MSG_ATTR_TYPE_NONE)
			continue;
		if (type >= 1 && type <= 3) {
			p->type = type;
			p->u.value.a = (uint32_t)mp->u.value.a;
			p->u.value.b = (uint32_t)mp->u.value.b;
		} else if (type >= 9 && type <= 0xb) {
			if (mp->u.tmem.buf_ptr)
				return TEEC_ERROR_BAD_PARAMETERS; /* only NULL memrefs */
			p->type = type - 4U;
			p->u.mem.size = mp->u.tmem.size;
		} else if (type >= 5 && type <= 7) {
			struct shm *m = shm_find(t, mp->u.rmem.shm_ref);
			uint64_t offs = mp->u.rmem.offs, size = mp->u.rmem.size;
			if (!m || offs > m->size || size > m->size - offs || !s)
				return TEEC_ERROR_BAD_PARAMETERS;
			uint64_t start = m->offset + offs;
			uint64_t n = ((start & (PAGE - 1)) + size + PAGE - 1) / PAGE;
			if (pal_map_window(s, i, &m->pages[start / PAGE], n, type != 5))
				return TEEC_ERROR_BAD_PARAMETERS;
			m->busy++;
			c->shm[i] = m;
			p->type = type;
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
		unsigned type = param_type(mp);
		if (type == 2 || type == 3) {
			mp->u.value.a = p->u.value.a;
			mp->u.value.b = p->u.value.b;
			mp->u.value.c = 0;
		} else if (type == 6 || type == 7 || type == 0xa || type == 0xb) {
			mp->u.rmem.size = p->u.mem.size;
		}
	}
}

/* Writes into a registered buffer through its page list. */
void shm_write(const struct shm *m, uint64_t offs, const void *src, uint64_t len)
{
	const uint8_t *from = src;
	uint64_t pos = m->offset + offs;

	while (len) {
		uint64_t in = pos & (PAGE - 1), n = PAGE - in;
		if (n > len)
			n = len;
		memcpy((uint8_t *)ns_map(m->pages[pos / PAGE]) + in, from, n);
		from += n;
		pos += n;
		len -= n;
	}
}

static void cmd_open_session(struct vtee *t, struct call *c)
{
	const struct optee_msg_param *p = c->params;
	uint8_t uuid[16];

	if (c->hdr.num_params < 2 || p[0].attr != OPTEE_MSG_ATTR_OPEN_META ||
	    p[1].attr != OPTEE_MSG_ATTR_OPEN_META)
		call_finish(t, c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	memcpy(uuid, &p[0].u.value.a, 8);
	memcpy(uuid + 8, &p[0].u.value.b, 8);
	const struct pta *pta = pta_find(uuid);
	const struct pal_image *pal = pta ? NULL : pal_find(uuid);
	c->hdr.session = 0;
	if (!pta && !pal)
		call_finish(t, c, TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_TEE);
	struct session *s = session_alloc(t);
	if (!s) {
		vtee_log(t, "vTEE %u: session limit (%u) reached\n", t->client, t->max_sessions);
		call_finish(t, c, TEEC_ERROR_OUT_OF_MEMORY, TEEC_ORIGIN_TEE);
	}
	c->first = 2;
	if (pta) {
		s->pta = pta;
		c->hdr.session = s->id;
		call_finish(t, c, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
	}
	s->pal = pal;
	pal_instance_create(t, s);
	struct pal_params *pp = (struct pal_params *)(s->arena + pal->hdr->mem_size);
	uint32_t r = msg_params_to_pal(t, c, pp, s);
	pp->login = (uint32_t)p[1].u.value.c;
	memcpy(pp->client_uuid, &p[1].u.value.a, 8);
	memcpy(pp->client_uuid + 8, &p[1].u.value.b, 8);
	c->sess = s;
	s->busy = true;
	if (r) {
		c->sess = NULL;
		session_free(t, s);
		call_finish(t, c, r, TEEC_ORIGIN_TEE);
	}
	c->open = true;
	pal_run(t, c, PAL_OP_OPEN, 0);
}

/* The session a message names, usable now; otherwise ends the call. */
static struct session *session_for(struct vtee *t, struct call *c)
{
	struct session *s = session_find(t, c->hdr.session);

	if (!s)
		call_finish(t, c, TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_TEE);
	if (s->busy)
		call_finish(t, c, TEEC_ERROR_BUSY, TEEC_ORIGIN_TEE);
	return s;
}

static void cmd_invoke(struct vtee *t, struct call *c)
{
	struct session *s = session_for(t, c);

	if (s->dead)
		call_finish(t, c, TEEC_ERROR_TARGET_DEAD, TEEC_ORIGIN_TEE);
	if (s->pta) {
		uint32_t r = s->pta->invoke(t, c, c->hdr.func);
		call_finish(t, c, r, TEEC_ORIGIN_TRUSTED_APP);
	}
	struct pal_params *pp = (struct pal_params *)(s->arena + s->pal->hdr->mem_size);
	uint32_t r = msg_params_to_pal(t, c, pp, s);
	if (r) {
		pal_unmap_windows(s);
		call_finish(t, c, r, TEEC_ORIGIN_TEE);
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
	call_finish(t, c, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
}

static void cmd_cancel(struct vtee *t, struct call *c)
{
	call_finish(t, c, TEEC_SUCCESS, TEEC_ORIGIN_TEE); /* calls end on their own */
}

static void cmd_register_shm(struct vtee *t, struct call *c)
{
	const struct optee_msg_param *p = &c->params[0];
	struct shm *m = NULL;
	unsigned used = 0;

	if (c->hdr.num_params != 1 || p->attr != OPTEE_MSG_ATTR_REGISTER ||
	    shm_find(t, p->u.tmem.shm_ref))
		call_finish(t, c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	for (unsigned i = 0; i < STK_MAX_SHM; i++) {
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
		call_finish(t, c, TEEC_ERROR_OUT_OF_MEMORY, TEEC_ORIGIN_TEE);
	}
	uint64_t n = (off + size + PAGE - 1) / PAGE;
	if (!size || !ns_range_ok(list, n * sizeof(uint64_t)))
		call_finish(t, c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	const uint64_t *pages = ns_map(list);
	for (uint64_t i = 0; i < n; i++) {
		if ((pages[i] & (PAGE - 1)) || !ns_range_ok(pages[i], PAGE))
			call_finish(t, c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
		m->pages[i] = pages[i];
	}
	m->in_use = true;
	m->cookie = p->u.tmem.shm_ref;
	m->offset = off;
	m->size = size;
	m->npages = n;
	call_finish(t, c, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
}

static void cmd_unregister_shm(struct vtee *t, struct call *c)
{
	const struct optee_msg_param *p = &c->params[0];

	if (c->hdr.num_params != 1 || p->attr != OPTEE_MSG_ATTR_UNREGISTER)
		call_finish(t, c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	struct shm *m = shm_find(t, p->u.rmem.shm_ref);
	if (!m)
		call_finish(t, c, TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_TEE);
	if (m->busy)
		call_finish(t, c, TEEC_ERROR_BUSY, TEEC_ORIGIN_TEE);
	memset(m, 0, sizeof(*m));
	call_finish(t, c, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
}

static void (*const cmd_table[])(struct vtee *t, struct call *c) = {
    [OPTEE_MSG_CMD_OPEN_SESSION] = cmd_open_session,
    [OPTEE_MSG_CMD_INVOKE_COMMAND] = cmd_invoke,
    [OPTEE_MSG_CMD_CLOSE_SESSION] = cmd_close,
    [OPTEE_MSG_CMD_CANCEL] = cmd_cancel,
    [OPTEE_MSG_CMD_REGISTER_SHM] = cmd_register_shm,
    [OPTEE_MSG_CMD_UNREGISTER_SHM] = cmd_unregister_shm,
};

static void call_with_arg(struct vtee *t, uint64_t pa)
{
	struct call *c = NULL;

	if ((pa & (PAGE - 1)) || !ns_range_ok(pa, PAGE))
		leave(OPTEE_SMC_RETURN_EBADADDR);
	for (unsigned i = 0; i < STK_MAX_CALLS && !c; i++)
		if (t->call[i].state == CALL_FREE)
			c = &t->call[i];
	if (!c)
		leave(OPTEE_SMC_RETURN_ETHREAD_LIMIT);
	const struct optee_msg_arg *m = ns_map(pa);
	memset(c, 0, sizeof(*c));
	memcpy(&c->hdr, m, sizeof(c->hdr));
	if (c->hdr.cmd >= sizeof(cmd_table) / sizeof(cmd_table[0])) {
		memset(c, 0, sizeof(*c));
		leave(OPTEE_SMC_RETURN_EBADCMD);
	}
	c->state = CALL_RUNNING;
	c->arg_pa = pa;
	if (c->hdr.num_params > OPTEE_MSG_MAX_PARAMS) {
		c->hdr.num_params = 0;
		call_finish(t, c, TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE);
	}
	memcpy(c->params, m->params, c->hdr.num_params * sizeof(c->params[0]));
	cmd_table[c->hdr.cmd](t, c);
}

void stk_std_smc(struct smc_args *a)
{
	uint32_t fid = (uint32_t)a->a[0];

	spin_lock(&stk_lock);
	struct vtee *t = vtee_of_client((uint32_t)a->a[7] & 0xffffU);
	if (!t)
		leave(OPTEE_SMC_RETURN_ENOTAVAIL);
	if (fid == OPTEE_SMC_CALL_WITH_ARG)
		call_with_arg(t, (a->a[1] << 32) | (a->a[2] & 0xffffffffUL));
	else if (fid == OPTEE_SMC_RETURN_FROM_RPC)
		pal_resume(t, (uint32_t)a->a[3]);
	leave(OPTEE_SMC_RETURN_UNKNOWN_FUNCTION);
}
