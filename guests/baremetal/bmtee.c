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

uint64_t bm_tee_call(struct bm_msg *m)
{
	uint64_t pa = (uint64_t)(uintptr_t)m;
	struct bm_res r = bm_smc(OPTEE_SMC_CALL_WITH_ARG, pa >> 32, pa & 0xffffffffUL, 0);

	while (OPTEE_SMC_RETURN_IS_RPC((uint32_t)r.a0))
		r = bm_smc(OPTEE_SMC_RETURN_FROM_RPC, r.a1, r.a2, r.a3);
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
