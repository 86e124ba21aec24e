/* Loading a PAL a VM does not have yet, at OPEN_SESSION, from its normal
 * world through Debian's unmodified tee-supplicant, as OP-TEE does
 * (../shared/reference/optee-ta-loading.md): RPC_ALLOC for an RPC argument,
 * LOAD_TA to learn the file's size, SHM_ALLOC for a buffer, LOAD_TA into
 * it, SHM_FREE, RPC_FREE, one RPC per return to the normal world. Every
 * address the normal world hands over must be its VM's (the partition
 * map); the file is copied into secure memory before anything in it is
 * looked at, and checked (palfile.c) only then. Whatever goes wrong, what
 * was allocated is given back, and nothing stays half-loaded. */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/smccc.h>
#include <tzv/string.h>

#define PAGE	 OPTEE_MSG_PAGE_SIZE
#define FILE_MAX (sizeof(struct pal_file_header) + PAL_MAX_MEM + sizeof(struct pal_file_sig))

static const struct pal_signers *const signers =
    &((const struct measure_area *)MEASURE_BASE)->signers;

/* The next phase, then func with a (rpc.c). */
static void __attribute__((noreturn))
rpc(struct vtee *t, struct call *c, enum load_phase next, uint32_t func, uint64_t a)
{
	c->load.phase = next;
	rpc_suspend(t, c, func, a);
}

/* An RPC_CMD with this argument, then the next phase. */
static void __attribute__((noreturn))
command(struct vtee *t, struct call *c, enum load_phase next, const struct rpc_arg *arg)
{
	c->load.phase = next;
	rpc_command(t, c, &c->load.b, arg);
}

static void load_ta(struct rpc_arg *arg, const struct load *l, bool into_buffer)
{
	memset(arg, 0, sizeof(*arg));
	arg->hdr.cmd = OPTEE_RPC_CMD_LOAD_TA;
	arg->hdr.num_params = 2;
	arg->p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	memcpy(&arg->p[0].u.value.a, l->uuid, 8);
	memcpy(&arg->p[0].u.value.b, l->uuid + 8, 8);
	if (into_buffer) {
		arg->p[1].attr = OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
		arg->p[1].u.rmem.size = l->size;
		arg->p[1].u.rmem.shm_ref = l->b.shm_cookie;
	} else {
		arg->p[1].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT; /* NULL: the size */
	}
}

static void fail(struct vtee *t, struct load *l, uint32_t err, const char *why)
{
	const uint8_t *u = l->uuid;

	if (!l->error)
		vtee_log(t,
			 "vTEE %u: PAL %02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x"
			 "%02x%02x not loaded: %s\n",
			 t->client, u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
			 u[10], u[11], u[12], u[13], u[14], u[15], why);
	l->error = l->error ? l->error : err;
}

/* From the start: an RPC argument to talk through, unless the VM has all
 * the PALs its quota allows. */
void loader_start(struct vtee *t, struct call *c, const uint8_t uuid[16])
{
	memset(&c->load, 0, sizeof(c->load));
	memcpy(c->load.uuid, uuid, 16);
	if (pal_registered(t) >= t->max_pals) {
		fail(t, &c->load, TEEC_ERROR_OUT_OF_MEMORY, "the VM has its quota of PALs");
		memset(&c->load, 0, sizeof(c->load));
		call_finish(c, TEEC_ERROR_OUT_OF_MEMORY, TEEC_ORIGIN_TEE);
	}
	rpc(t, c, LOAD_ALLOC, OPTEE_SMC_RETURN_RPC_ALLOC, OPTEE_RPC_ARG_SIZE);
}

/* The whole file into secure memory, before anything in it is trusted. */
static bool copy_in(struct vtee *t, struct load *l)
{
	l->file_pages = (unsigned)((l->size + PAGE - 1) / PAGE);
	l->file = pages_alloc(t, l->file_pages);
	if (!l->file)
		return false;
	rpc_buffer_read(&l->b, 0, l->file, l->size);
	return true;
}

/* Into the VM's PCR_PALS and event log, so that a verifier sees each PAL
 * the VM loaded, in order; a PAL that cannot be measured does not run. */
static bool measure_pal(struct vtee *t, const struct pal_image *pal)
{
	struct pal_event e;

	memset(&e, 0, sizeof(e));
	memcpy(e.magic, PAL_EVENT_MAGIC, sizeof(PAL_EVENT_MAGIC));
	memcpy(e.uuid, pal->hdr->uuid, 16);
	memcpy(e.name, pal->hdr->name, sizeof(e.name));
	e.version = pal->version;
	e.svn = pal->svn;
	memcpy(e.signer, pal->signer, sizeof(e.signer));
	return vtee_extend(t, PCR_PALS, pal->measurement, &e, sizeof(e)) == 0;
}

static const struct pal_minima *const minima =
    &((const struct measure_area *)MEASURE_BASE)->pal_minima;

/* The minimum security version the secure flash keeps for a PAL (signer
 * and UUID); 0 if none. */
static uint32_t minimum_of(const uint8_t uuid[16], const uint8_t signer[32])
{
	uint32_t min = 0;

	for (uint32_t i = 0; i < minima->count && i < PAL_MINIMA_MAX; i++)
		if (!memcmp(minima->e[i].uuid, uuid, 16) &&
		    !memcmp(minima->e[i].signer, signer, 32))
			min = minima->e[i].min;
	return min;
}

/* Why the PAL may not load, or NULL: not below its minimum; a newer one
 * raises it, through the monitor, before it runs, so that no older one
 * loads again on this platform. Under the minima's lock: the check and the
 * raise are one step for all vTEEs. */
static const char *raise_minimum(const struct pal_file_header *h, uint32_t *err)
{
	uint32_t min = minimum_of(h->uuid, h->signer);

	*err = TEEC_ERROR_SECURITY;
	if (h->svn < min)
		return "a security version below its minimum";
	if (h->svn == min)
		return NULL;
	struct stk_pal_svn req = {.svn = h->svn};
	memcpy(req.uuid, h->uuid, 16);
	memcpy(req.signer, h->signer, 32);
	uint64_t r = stk_monitor_call(TZV_STK_SVC_PAL_SVN, (uint64_t)(uintptr_t)&req);
	*err = TEEC_ERROR_STORAGE_NO_SPACE;
	if (r == TZV_PAL_SVN_OK)
		return NULL;
	return r == TZV_PAL_SVN_FULL ? "no room for its minimum in the secure flash"
				     : "its minimum could not be stored";
}

static void check_rollback(struct vtee *t, struct load *l)
{
	uint32_t err;

	spin_lock(&stk_minima_lock);
	const char *why = raise_minimum((const void *)l->file, &err);
	spin_unlock(&stk_minima_lock);
	if (why)
		fail(t, l, err, why);
}

/* A PAL this vTEE registered before its minimum rose above it (a newer one
 * loaded since, in any VM). It runs no new session: unused, it goes, and
 * true; in use, false. */
static bool drop_stale(struct vtee *t, struct pal_image *pal)
{
	if (!pal->mem)
		return true;
	spin_lock(&stk_minima_lock);
	uint32_t min = minimum_of(pal->hdr->uuid, pal->signer);
	spin_unlock(&stk_minima_lock);
	if (pal->svn >= min)
		return true;
	vtee_log(t, "vTEE %u: PAL %s registered at security version %u, now below its minimum%s\n",
		 t->client, pal->name, pal->svn, pal_sessions(t, pal) ? "; in use" : ": unloaded");
	if (pal_sessions(t, pal))
		return false;
	pal_unregister(t, pal);
	return true;
}

/* The PAL an OPEN_SESSION finds registered, if it may still run; NULL
 * when it is to be loaded (again). */
struct pal_image *loader_registered(struct vtee *t, struct call *c, struct pal_image *pal)
{
	if (pal && !drop_stale(t, pal))
		call_finish(c, TEEC_ERROR_SECURITY, TEEC_ORIGIN_TEE);
	return pal && pal->hdr ? pal : NULL;
}

static void __attribute__((noreturn)) finish(struct vtee *t, struct call *c)
{
	struct load *l = &c->load;
	uint8_t measurement[32];

	if (!l->error) {
		const char *why = pal_file_check(l->file, l->size, l->uuid, signers, measurement);
		if (why)
			fail(t, l, TEEC_ERROR_SECURITY, why);
		else
			check_rollback(t, l);
	}
	/* (another call may have registered one meanwhile, maybe an older one) */
	struct pal_image *pal = l->error ? NULL : pal_find(t, l->uuid);
	if (pal && !drop_stale(t, pal))
		fail(t, l, TEEC_ERROR_SECURITY, "an older registration of it is in use");
	pal = pal && pal->hdr && !l->error ? pal : NULL;
	if (!l->error && !pal) {
		pal = pal_register(t, l->file, l->file_pages, measurement);
		if (!pal) {
			fail(t, l, TEEC_ERROR_OUT_OF_MEMORY, "the VM has its quota of PALs");
		} else {
			l->file = NULL; /* the registration holds it now */
			if (measure_pal(t, pal)) {
				vtee_log(t, "vTEE %u: PAL %s loaded, version %u\n", t->client,
					 pal->name, pal->version);
			} else {
				pal_unregister(t, pal);
				pal = NULL;
				fail(t, l, TEEC_ERROR_STORAGE_NO_SPACE, "the event log is full");
			}
		}
	}
	pages_free(t, l->file, l->file_pages);
	uint32_t err = l->error;
	memset(l, 0, sizeof(*l));
	if (err)
		call_finish(c, err, TEEC_ORIGIN_TEE);
	session_open(t, c, NULL, pal);
}

/* The normal world answered the RPC of phase c->load.phase. */
void loader_resume(struct vtee *t, struct call *c, const uint64_t a[6])
{
	struct load *l = &c->load;
	struct rpc_arg arg;

	c->state = CALL_RUNNING;
	switch (l->phase) {
	case LOAD_ALLOC:
		if (!((a[1] << 32) | (a[2] & 0xffffffffU)))
			call_finish(c, TEEC_ERROR_OUT_OF_MEMORY, TEEC_ORIGIN_TEE);
		if (!rpc_take_arg(t, &l->b, a)) {
			fail(t, l, TEEC_ERROR_BAD_PARAMETERS, "its RPC argument is not its memory");
			rpc(t, c, LOAD_FREE, OPTEE_SMC_RETURN_RPC_FREE, l->b.rpc_cookie);
		}
		load_ta(&arg, l, false);
		command(t, c, LOAD_SIZE, &arg);
	case LOAD_SIZE:
		rpc_answer(&l->b, &arg);
		l->size = arg.p[1].u.tmem.size;
		if (arg.hdr.ret)
			fail(t, l, arg.hdr.ret, "tee-supplicant did not find or give its file");
		else if (!l->size || l->size > FILE_MAX)
			fail(t, l, TEEC_ERROR_OUT_OF_MEMORY, "its file is empty or too big");
		if (l->error)
			rpc(t, c, LOAD_FREE, OPTEE_SMC_RETURN_RPC_FREE, l->b.rpc_cookie);
		rpc_shm_arg(&arg, OPTEE_RPC_CMD_SHM_ALLOC, l->size);
		command(t, c, LOAD_SHM, &arg);
	case LOAD_SHM:
		rpc_answer(&l->b, &arg);
		if (arg.hdr.ret) {
			fail(t, l, TEEC_ERROR_OUT_OF_MEMORY, "no buffer for its file");
			rpc(t, c, LOAD_FREE, OPTEE_SMC_RETURN_RPC_FREE, l->b.rpc_cookie);
		}
		if (!rpc_take_buffer(t, &l->b, &arg.p[0], l->size)) {
			fail(t, l, TEEC_ERROR_BAD_PARAMETERS,
			     "the buffer for its file is not its memory");
			rpc_shm_arg(&arg, OPTEE_RPC_CMD_SHM_FREE, l->b.shm_cookie);
			command(t, c, LOAD_SHM_FREE, &arg);
		}
		load_ta(&arg, l, true);
		command(t, c, LOAD_READ, &arg);
	case LOAD_READ:
		rpc_answer(&l->b, &arg);
		if (arg.hdr.ret || arg.p[1].u.rmem.size != l->size)
			fail(t, l, arg.hdr.ret ? arg.hdr.ret : TEEC_ERROR_BAD_PARAMETERS,
			     "its file could not be read, or changed meanwhile");
		else if (!copy_in(t, l))
			fail(t, l, TEEC_ERROR_OUT_OF_MEMORY,
			     "the VM's secure memory quota is used up");
		rpc_shm_arg(&arg, OPTEE_RPC_CMD_SHM_FREE, l->b.shm_cookie);
		command(t, c, LOAD_SHM_FREE, &arg);
	case LOAD_SHM_FREE:
		rpc(t, c, LOAD_FREE, OPTEE_SMC_RETURN_RPC_FREE, l->b.rpc_cookie);
	case LOAD_FREE:
		finish(t, c);
	}
	call_finish(c, TEEC_ERROR_GENERIC, TEEC_ORIGIN_TEE);
}
