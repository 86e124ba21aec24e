/* A minimal OP-TEE client for bare-metal guests (MMU off: an IPA is the
 * address itself). */
#ifndef BMTEE_H
#define BMTEE_H
#include <stdint.h>
#include <tzv/optee.h>

/* One message with room for six parameters; keep it in a page of its own. */
struct bm_msg {
	struct optee_msg_arg hdr;
	struct optee_msg_param p[OPTEE_MSG_MAX_PARAMS];
};

/* UUIDs (pal/include/tzv-pals.h) in OPEN_SESSION's octet order */
extern const uint8_t bm_hello_uuid[16], bm_keystore_uuid[16], bm_attest_uuid[16],
    bm_selftest_uuid[16];

/* Called before each RPC is answered: the RPC's a0, its argument (for
 * RPC_CMD, answered but not yet returned) and a1:a2 of the answer (for
 * RPC_ALLOC, the buffer's address): where a test guest misbehaves. NULL:
 * nothing. */
extern void (*bm_rpc_hook)(uint32_t func, struct bm_msg *arg, uint64_t *a1, uint64_t *a2);

/* Clears m and sets its command and parameter count. */
void bm_msg_init(struct bm_msg *m, uint32_t cmd, uint32_t nparams);
/* CALL_WITH_ARG on m, resuming after every RPC; returns the final a0. */
uint64_t bm_tee_call(struct bm_msg *m);
/* Opens a session to uuid; returns the SMC's a0 if not OK, else the
 * message's ret, with the session in *session. */
uint32_t bm_tee_open(struct bm_msg *m, const uint8_t uuid[16], uint32_t *session);

#endif
