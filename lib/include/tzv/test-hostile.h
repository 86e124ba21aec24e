/* The test-only hostile hypervisor's interface (hyp/test/hostile.c): built
 * into test/configs/hostile.toml's system only (-DTZV_HOSTILE), never into
 * a default or bench system. A test guest commands it to misbehave toward
 * the secure world, which must refuse every one (docs/trust-model.md). */
#ifndef TZV_TEST_HOSTILE_H
#define TZV_TEST_HOSTILE_H

/* x1 = mode, x2 = argument, x3 = an IPA of the caller's (READ_VM); x0 back:
 * the secure world's a0 for the calls made at once, else 0 */
#define TZV_HC_HOSTILE 0x860000F0U

enum hostile_mode {
	HOSTILE_OFF = 0,
	HOSTILE_FORGE_CLIENT,  /* the VM's calls claim VM arg's client id, until OFF */
	HOSTILE_FOREIGN_PAGES, /* REGISTER_SHM's pages all become PA arg, until OFF */
	HOSTILE_FOREIGN_ARG,   /* CALL_WITH_ARG hands PA arg to the STK, until OFF */
	HOSTILE_REPLAY_TOKEN,  /* now: RETURN_FROM_RPC with VM arg's last RPC token */
	HOSTILE_DESTROY_VM,    /* now: VM_DESTROYED of VM arg, from this CPU */
	HOSTILE_CREATE_VM,     /* now: VM_CREATED of VM arg, from this CPU */
	HOSTILE_YIELD_AS_HYP,  /* now: a yielding call as client 0 */
	HOSTILE_READ_VM,       /* now: the page at PA arg into the caller's page at IPA x3 */
	HOSTILE_UNCHECKED_MSG, /* CALL_WITH_ARG skips check_message, until OFF */
	HOSTILE_GUEST_MSG,     /* CALL_WITH_ARG hands the STK the VM's own page, until OFF */
	HOSTILE_SECURE_PPI,    /* now: disable and ungroup PPI 29 on this CPU's GICR */
};

#endif
