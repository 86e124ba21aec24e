/* RPCs a call makes to its VM's tee-supplicant, as OP-TEE makes them
 * (../shared/reference/optee-ta-loading.md): each one returns to the
 * normal world and comes back as RETURN_FROM_RPC. The argument and the
 * buffers the normal world gives are checked to be its VM's memory (the
 * partition map) before the STK writes or reads them, and what comes back
 * is read once. The loader (loading a PAL) and the REE file system
 * (reefs.c) talk through these. */
#include <stk.h>
#include <tzv/string.h>

#define PAGE	  OPTEE_MSG_PAGE_SIZE
#define NONCONTIG (OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG)

/* func with a1:a2 = a (a cookie), or a1 = a for RPC_ALLOC (a size). */
void rpc_suspend(struct vtee *t, struct call *c, uint32_t func, uint64_t a)
{
	if (func == OPTEE_SMC_RETURN_RPC_ALLOC)
		call_suspend(t, c, CALL_RPC, func, a, 0);
	call_suspend(t, c, CALL_RPC, func, a >> 32, a & 0xffffffffU);
}

/* An RPC_CMD with this argument, written into the normal world's buffer. */
void rpc_command(struct vtee *t, struct call *c, const struct rpc_bufs *b,
		 const struct rpc_arg *arg)
{
	memcpy(ns_map(b->rpc_pa, sizeof(*arg)), arg, sizeof(*arg));
	ns_unmap();
	rpc_suspend(t, c, OPTEE_SMC_RETURN_RPC_CMD, b->rpc_cookie);
}

/* What came back, read once. */
void rpc_answer(const struct rpc_bufs *b, struct rpc_arg *arg)
{
	memcpy(arg, ns_map(b->rpc_pa, sizeof(*arg)), sizeof(*arg));
	ns_unmap();
	if (arg->hdr.num_params > OPTEE_RPC_ARG_PARAMS)
		arg->hdr.ret = TEEC_ERROR_BAD_PARAMETERS;
}

/* SHM_ALLOC of b bytes, or SHM_FREE of cookie b, of an application buffer. */
void rpc_shm_arg(struct rpc_arg *arg, uint32_t cmd, uint64_t b)
{
	memset(arg, 0, sizeof(*arg));
	arg->hdr.cmd = cmd;
	arg->hdr.num_params = 1;
	arg->p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INPUT;
	arg->p[0].u.value.a = OPTEE_RPC_SHM_TYPE_APPL;
	arg->p[0].u.value.b = b;
	arg->p[0].u.value.c = cmd == OPTEE_RPC_CMD_SHM_ALLOC ? 8 : 0;
}

/* RPC_ALLOC's answer (a[1..5]): the argument, if it is a page of the VM's. */
bool rpc_take_arg(struct vtee *t, struct rpc_bufs *b, const uint64_t a[6])
{
	b->rpc_pa = (a[1] << 32) | (a[2] & 0xffffffffU);
	b->rpc_cookie = (a[4] << 32) | (a[5] & 0xffffffffU);
	return b->rpc_pa && !(b->rpc_pa & (PAGE - 1)) &&
	       vtee_holds(t, b->rpc_pa, sizeof(struct rpc_arg), true);
}

/* The buffer SHM_ALLOC gave for size bytes: a page list the hypervisor
 * translated, each page the VM's own. */
bool rpc_take_buffer(struct vtee *t, struct rpc_bufs *b, const struct optee_msg_param *p,
		     uint64_t size)
{
	uint64_t list = p->u.tmem.buf_ptr & ~(PAGE - 1);

	b->shm_cookie = p->u.tmem.shm_ref;
	b->shm_offset = p->u.tmem.buf_ptr & (PAGE - 1);
	b->npages = (unsigned)((b->shm_offset + size + PAGE - 1) / PAGE);
	if (p->attr != NONCONTIG || p->u.tmem.size < size || b->npages > LOAD_MAX_PAGES ||
	    !vtee_holds(t, list, b->npages * sizeof(uint64_t), true))
		return false;
	memcpy(b->pages, ns_map(list, b->npages * sizeof(uint64_t)), b->npages * sizeof(uint64_t));
	ns_unmap();
	for (unsigned i = 0; i < b->npages; i++)
		if ((b->pages[i] & (PAGE - 1)) || !vtee_holds(t, b->pages[i], PAGE, false))
			return false;
	return true;
}

/* len bytes at off of the buffer, page by page, from (write) or to it. */
static void buffer_copy(const struct rpc_bufs *b, uint64_t off, uint8_t *mem, uint64_t len,
			bool write)
{
	for (uint64_t done = 0; done < len;) {
		uint64_t pos = b->shm_offset + off + done, in = pos & (PAGE - 1), n = PAGE - in;
		if (n > len - done)
			n = len - done;
		uint8_t *ns = (uint8_t *)ns_map(b->pages[pos / PAGE], PAGE) + in;
		if (write)
			memcpy(ns, mem + done, n);
		else
			memcpy(mem + done, ns, n);
		ns_unmap();
		done += n;
	}
}

void rpc_buffer_read(const struct rpc_bufs *b, uint64_t off, void *dst, uint64_t len)
{
	buffer_copy(b, off, dst, len, false);
}

void rpc_buffer_write(const struct rpc_bufs *b, uint64_t off, const void *src, uint64_t len)
{
	buffer_copy(b, off, (uint8_t *)(uintptr_t)src, len, true);
}
