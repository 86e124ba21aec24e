/* A minimal OP-TEE client for bare-metal guests. */
#include "bmtee.h"

#include "bm.h"

#include <tzv/string.h>

const uint8_t bm_hello_uuid[16] = {0xa7, 0xe1, 0xf0, 0xc1, 0x7a, 0x76, 0x4c, 0x30,
				   0x9a, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00};
const uint8_t bm_keystore_uuid[16] = {0xa7, 0xe1, 0xf0, 0xc1, 0x7a, 0x76, 0x4c, 0x30,
				      0x9a, 0x00, 0x6b, 0x65, 0x79, 0x73, 0x74, 0x6f};
const uint8_t bm_attest_uuid[16] = {0xa7, 0xe1, 0xf0, 0xc1, 0x7a, 0x76, 0x4c, 0x30,
				    0x9a, 0x00, 0x61, 0x74, 0x74, 0x65, 0x73, 0x74};
const uint8_t bm_selftest_uuid[16] = {0xa7, 0xe1, 0xf0, 0xc1, 0x7a, 0x76, 0x4c, 0x30,
				      0x9a, 0x00, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00};

void bm_msg_init(struct bm_msg *m, uint32_t cmd, uint32_t nparams)
{
	memset(m, 0, sizeof(*m));
	m->hdr.cmd = cmd;
	m->hdr.num_params = nparams;
}

/* The normal world's part of the vTEE's RPCs, for guests without
 * tee-supplicant: the RPC argument in a page of the guest's, LOAD_TA from
 * the signed PAL files linked into the guest (bm_tas, the build's), and
 * SHM_ALLOC from one static buffer (MMU off: addresses are physical). */
struct bm_ta {
	uint64_t start, size;
};
extern const struct bm_ta bm_tas[];

#define COOKIE_RPC 0x52504331UL
#define COOKIE_SHM 0x53484d31UL
static struct bm_msg rpc_arg __attribute__((aligned(4096)));
static uint8_t shm[16 * 4096] __attribute__((aligned(4096)));
static uint64_t shm_list[512] __attribute__((aligned(4096)));

static const struct bm_ta *find_ta(const struct optee_msg_param *p)
{
	for (const struct bm_ta *t = bm_tas; t->size; t++)
		if (!memcmp((const void *)(uintptr_t)(t->start + 16), &p->u.value.a, 8) &&
		    !memcmp((const void *)(uintptr_t)(t->start + 24), &p->u.value.b, 8))
			return t;
	return NULL;
}

static uint32_t load_ta(struct optee_msg_param *p)
{
	const struct bm_ta *t = find_ta(&p[0]);

	if (!t)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	if (p[1].attr == OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT) { /* the size query */
		p[1].u.tmem.size = t->size;
		return TEEC_SUCCESS;
	}
	if (p[1].u.rmem.shm_ref != COOKIE_SHM || p[1].u.rmem.offs > sizeof(shm) ||
	    p[1].u.rmem.size > sizeof(shm) - p[1].u.rmem.offs || p[1].u.rmem.size < t->size)
		return TEEC_ERROR_SHORT_BUFFER;
	memcpy(shm + p[1].u.rmem.offs, (const void *)(uintptr_t)t->start, t->size);
	p[1].u.rmem.size = t->size;
	return TEEC_SUCCESS;
}

static uint32_t shm_alloc(struct optee_msg_param *p)
{
	uint64_t size = p[0].u.value.b;

	if (size > sizeof(shm))
		return TEEC_ERROR_OUT_OF_MEMORY;
	for (unsigned i = 0; i * 4096UL < size; i++)
		shm_list[i] = (uint64_t)(uintptr_t)(shm + i * 4096UL);
	p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
	p[0].u.tmem.buf_ptr = (uint64_t)(uintptr_t)shm_list;
	p[0].u.tmem.size = size;
	p[0].u.tmem.shm_ref = COOKIE_SHM;
	return TEEC_SUCCESS;
}

static void rpc_cmd(void)
{
	struct bm_msg *m = &rpc_arg;

	if (m->hdr.cmd == OPTEE_RPC_CMD_LOAD_TA)
		m->hdr.ret = load_ta(m->p);
	else if (m->hdr.cmd == OPTEE_RPC_CMD_SHM_ALLOC)
		m->hdr.ret = shm_alloc(m->p);
	else if (m->hdr.cmd == OPTEE_RPC_CMD_SHM_FREE)
		m->hdr.ret = TEEC_SUCCESS;
	else
		m->hdr.ret = TEEC_ERROR_NOT_SUPPORTED;
}

void (*bm_rpc_hook)(uint32_t func, struct bm_msg *arg, uint64_t *a1, uint64_t *a2);

uint64_t bm_tee_call(struct bm_msg *m)
{
	uint64_t pa = (uint64_t)(uintptr_t)m, arg = (uint64_t)(uintptr_t)&rpc_arg;
	struct bm_res r = bm_smc(OPTEE_SMC_CALL_WITH_ARG, pa >> 32, pa & 0xffffffffUL, 0);

	while (OPTEE_SMC_RETURN_IS_RPC((uint32_t)r.a0)) {
		uint64_t a1 = r.a1, a2 = r.a2, a5 = 0;
		if (r.a0 == OPTEE_SMC_RETURN_RPC_ALLOC) {
			a1 = arg >> 32;
			a2 = arg & 0xffffffffUL;
			a5 = COOKIE_RPC;
		} else if (r.a0 == OPTEE_SMC_RETURN_RPC_CMD) {
			rpc_cmd();
		}
		if (bm_rpc_hook)
			bm_rpc_hook((uint32_t)r.a0, &rpc_arg, &a1, &a2);
		r = bm_smc6(OPTEE_SMC_RETURN_FROM_RPC, a1, a2, r.a3, 0, a5);
	}
	return r.a0;
}

uint32_t bm_tee_open(struct bm_msg *m, const uint8_t uuid[16], uint32_t *session)
{
	bm_msg_init(m, OPTEE_MSG_CMD_OPEN_SESSION, 2);
	m->p[0].attr = OPTEE_MSG_ATTR_OPEN_META;
	memcpy(&m->p[0].u.value.a, uuid, 8);
	memcpy(&m->p[0].u.value.b, uuid + 8, 8);
	m->p[1].attr = OPTEE_MSG_ATTR_OPEN_META;
	uint64_t a0 = bm_tee_call(m);
	if (a0)
		return (uint32_t)a0;
	*session = m->hdr.session;
	return m->hdr.ret;
}
