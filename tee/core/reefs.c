/* A PAL's files in its VM's own file system (REE FS, docs/storage.md),
 * through the VM's unmodified tee-supplicant and its OPTEE_RPC_CMD_FS
 * (../shared/reference/optee-ta-loading.md): the normal world keeps them
 * and may read, change or roll them back, so the PAL encrypts and
 * authenticates what it writes (pal/lib/reefs.c); here only the transport
 * is. One request is a few RPCs: an argument (RPC_ALLOC), a buffer holding
 * the paths and the data (SHM_ALLOC), the file commands, and both given
 * back, whatever failed on the way; the PAL waits, then gets the result of
 * its system call. Each PAL has its own directory, named by its signer
 * and UUID; names are checked, so that no path leaves it. */
#include <stk.h>
#include <tzv/crypto.h>
#include <tzv/string.h>

#define PATHS 256U /* the buffer: the path, the new path (RENAME), then the data */

static void __attribute__((noreturn))
step(struct vtee *t, struct call *c, enum ree_phase next, uint32_t func, uint64_t a)
{
	c->ree.phase = next;
	rpc_suspend(t, c, func, a);
}

static void __attribute__((noreturn))
command(struct vtee *t, struct call *c, enum ree_phase next, const struct rpc_arg *arg)
{
	c->ree.phase = next;
	rpc_command(t, c, &c->ree.b, arg);
}

static bool name_ok(const char *n)
{
	unsigned i = 0;

	for (; i < PAL_REE_NAME_MAX && n[i]; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		      (n[i] >= '0' && n[i] <= '9') || n[i] == '.' || n[i] == '_' || n[i] == '-'))
			return false;
	return i && i < PAL_REE_NAME_MAX && n[0] != '.';
}

/* "/pal-<16 hex digits of SHA-256(UUID, signer)>/name" and its NUL */
static unsigned path_of(const struct session *s, const char *name, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t id[48], h[32];
	unsigned n = 5;

	memcpy(id, s->pal->hdr->uuid, 16);
	memcpy(id + 16, s->pal->signer, 32);
	sha256(id, sizeof(id), h);
	memcpy(out, "/pal-", 5);
	for (unsigned i = 0; i < 8; i++) {
		out[n++] = hex[h[i] >> 4];
		out[n++] = hex[h[i] & 15U];
	}
	out[n++] = '/';
	for (unsigned i = 0; name[i]; i++)
		out[n++] = name[i];
	out[n++] = 0;
	return n;
}

static void fs_arg(struct rpc_arg *arg, uint32_t mrf, uint64_t b, uint64_t off, unsigned n)
{
	memset(arg, 0, sizeof(*arg));
	arg->hdr.cmd = OPTEE_RPC_CMD_FS;
	arg->hdr.num_params = n;
	arg->p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	arg->p[0].u.value.a = mrf;
	arg->p[0].u.value.b = b;
	arg->p[0].u.value.c = off;
}

static void rmem(const struct ree *e, struct optee_msg_param *p, uint32_t attr, uint64_t offs,
		 uint64_t size)
{
	p->attr = attr;
	p->u.rmem.offs = offs;
	p->u.rmem.size = size;
	p->u.rmem.shm_ref = e->b.shm_cookie;
}

/* The request from the PAL, copied once and checked; TEEC_ERROR_* if it is
 * refused, else the call waits for the normal world. */
uint64_t reefs_start(struct vtee *t, struct call *c, uint64_t va)
{
	struct session *s = c->sess;
	struct ree *e = &c->ree;
	const struct pal_ree_req *r = user_buf(s, va, sizeof(*r), true);

	if (!r || (va & 7U))
		return TEEC_ERROR_BAD_PARAMETERS;
	memset(e, 0, sizeof(*e));
	e->req = *r;
	e->va = va;
	bool data = e->req.op == PAL_REE_PUT || e->req.op == PAL_REE_GET;
	if (e->req.op > PAL_REE_RENAME || !name_ok(e->req.name) ||
	    (e->req.op == PAL_REE_RENAME && !name_ok(e->req.to)) ||
	    (data && (e->req.len > PAL_REE_FILE_MAX ||
		      !user_buf(s, e->req.data, e->req.len, e->req.op == PAL_REE_GET)))) {
		vtee_log(t, "PAL %s of vTEE %u: a bad REE file request\n", s->pal->name, t->client);
		memset(e, 0, sizeof(*e));
		return TEEC_ERROR_BAD_PARAMETERS;
	}
	if (!data)
		e->req.len = 0;
	secure_timer_stop(); /* its slice starts again when it goes on */
	step(t, c, REE_ALLOC, OPTEE_SMC_RETURN_RPC_ALLOC, OPTEE_RPC_ARG_SIZE);
}

/* The first file command: paths (and data) into the buffer. */
static void __attribute__((noreturn)) first(struct vtee *t, struct call *c)
{
	struct ree *e = &c->ree;
	struct rpc_arg arg;
	char path[PATHS / 2];
	unsigned n = path_of(c->sess, e->req.name, path);

	rpc_buffer_write(&e->b, 0, path, n);
	if (e->req.op == PAL_REE_PUT)
		rpc_buffer_write(&e->b, PATHS, user_buf(c->sess, e->req.data, e->req.len, false),
				 e->req.len);
	if (e->req.op == PAL_REE_RENAME) {
		unsigned m = path_of(c->sess, e->req.to, path);
		rpc_buffer_write(&e->b, PATHS / 2, path, m);
		fs_arg(&arg, OPTEE_MRF_RENAME, 1, 0, 3); /* replacing the target */
		rmem(e, &arg.p[2], OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, PATHS / 2, m);
	} else {
		static const uint32_t mrf[] = {[PAL_REE_PUT] = OPTEE_MRF_CREATE,
					       [PAL_REE_GET] = OPTEE_MRF_OPEN,
					       [PAL_REE_REMOVE] = OPTEE_MRF_REMOVE};
		fs_arg(&arg, mrf[e->req.op], 0, 0, e->req.op == PAL_REE_REMOVE ? 2 : 3);
		arg.p[2].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT; /* the file descriptor */
	}
	rmem(e, &arg.p[1], OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, 0, n);
	command(t, c, REE_OPENED, &arg);
}

static void __attribute__((noreturn)) shm_free(struct vtee *t, struct call *c)
{
	struct rpc_arg arg;

	rpc_shm_arg(&arg, OPTEE_RPC_CMD_SHM_FREE, c->ree.b.shm_cookie);
	command(t, c, REE_SHM_FREE, &arg);
}

static void fail(struct ree *e, uint32_t err)
{
	e->error = e->error ? e->error : err;
}

/* The normal world answered the RPC of phase c->ree.phase: the next RPC,
 * or the request's result (the call then goes on in the PAL). */
uint64_t reefs_resume(struct vtee *t, struct call *c, const uint64_t a[6])
{
	struct ree *e = &c->ree;
	struct rpc_arg arg;

	c->state = CALL_RUNNING;
	switch (e->phase) {
	case REE_IDLE:
		break;
	case REE_ALLOC:
		if (!((a[1] << 32) | (a[2] & 0xffffffffU))) {
			fail(e, TEEC_ERROR_OUT_OF_MEMORY);
			break;
		}
		if (!rpc_take_arg(t, &e->b, a)) {
			fail(e, TEEC_ERROR_BAD_PARAMETERS);
			step(t, c, REE_FREE, OPTEE_SMC_RETURN_RPC_FREE, e->b.rpc_cookie);
		}
		rpc_shm_arg(&arg, OPTEE_RPC_CMD_SHM_ALLOC, PATHS + e->req.len);
		command(t, c, REE_SHM, &arg);
	case REE_SHM:
		rpc_answer(&e->b, &arg);
		if (arg.hdr.ret) {
			fail(e, TEEC_ERROR_OUT_OF_MEMORY);
			step(t, c, REE_FREE, OPTEE_SMC_RETURN_RPC_FREE, e->b.rpc_cookie);
		}
		if (!rpc_take_buffer(t, &e->b, &arg.p[0], PATHS + e->req.len)) {
			fail(e, TEEC_ERROR_BAD_PARAMETERS);
			shm_free(t, c);
		}
		first(t, c);
	case REE_OPENED:
		rpc_answer(&e->b, &arg);
		if (arg.hdr.ret || e->req.op >= PAL_REE_REMOVE) {
			fail(e, arg.hdr.ret);
			shm_free(t, c);
		}
		e->fd = arg.p[2].u.value.a;
		fs_arg(&arg, e->req.op == PAL_REE_PUT ? OPTEE_MRF_WRITE : OPTEE_MRF_READ, e->fd, 0,
		       2);
		rmem(e, &arg.p[1],
		     e->req.op == PAL_REE_PUT ? OPTEE_MSG_ATTR_TYPE_RMEM_INPUT
					      : OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT,
		     PATHS, e->req.len);
		command(t, c, REE_MOVED, &arg);
	case REE_MOVED:
		rpc_answer(&e->b, &arg);
		if (arg.hdr.ret) {
			fail(e, arg.hdr.ret);
		} else if (e->req.op == PAL_REE_GET) {
			uint64_t got = arg.p[1].u.rmem.size;
			if (got > e->req.len) {
				fail(e, TEEC_ERROR_SHORT_BUFFER); /* the file is bigger */
			} else {
				rpc_buffer_read(&e->b, PATHS,
						user_buf(c->sess, e->req.data, got, true), got);
				e->req.len = (uint32_t)got;
			}
		}
		fs_arg(&arg, OPTEE_MRF_CLOSE, e->fd, 0, 1);
		command(t, c, REE_CLOSED, &arg);
	case REE_CLOSED:
		shm_free(t, c);
	case REE_SHM_FREE:
		step(t, c, REE_FREE, OPTEE_SMC_RETURN_RPC_FREE, e->b.rpc_cookie);
	case REE_FREE:
		break;
	}
	uint32_t err = e->phase == REE_IDLE ? TEEC_ERROR_BAD_STATE : e->error;
	if (!err && e->req.op == PAL_REE_GET) /* how much it read, into its request */
		((struct pal_ree_req *)user_buf(c->sess, e->va, sizeof(e->req), true))->len =
		    e->req.len;
	memset(e, 0, sizeof(*e));
	return err;
}
