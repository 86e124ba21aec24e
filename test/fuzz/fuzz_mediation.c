/* Fuzz target: the OP-TEE mediation (hyp/core/tee.c) alone: fuzz_hypcall.c
 * with only the Trusted-OS function ids, so that every step goes through
 * tee_forward (fast calls, CALL_WITH_ARG and its checks of the argument
 * page, RETURN_FROM_RPC and the RPC copies), EL3's answers from the input. */
#define FUZZ_MEDIATION 1
#include "fuzz_hypcall.c"
