/* The trust-model test's attacker (test/configs/hostile.toml): it commands
 * the test-only hostile hypervisor (lib/include/tzv/test-hostile.h) to
 * misbehave toward the secure world in every way a compromised hypervisor
 * would, and reports whether the secure side refused. The victim (VM 0)
 * has its RAM at PA 0x50000000, a key and a sealed secret in its vTEE and
 * the sealed blob at IPA 0x40300000. */
#include "bm.h"
#include "bmtee.h"

#include <tzv/optee.h>
#include <tzv/string.h>
#include <tzv/test-hostile.h>

#define VICTIM	      0U
#define VICTIM_RAM    0x50000000UL
#define VICTIM_SEALED (VICTIM_RAM + 0x300000UL)
#define BLOB_SIZE     (32U + 76U)

static unsigned blocked, failed;
static struct bm_msg msg __attribute__((aligned(4096)));
static uint64_t list[512] __attribute__((aligned(4096)));
static uint8_t buf[4096] __attribute__((aligned(4096)));
static uint8_t stolen[4096] __attribute__((aligned(4096)));

static void verdict(const char *what, bool ok, uint64_t got)
{
	pr("hostile %s: %s (0x%lx)\n", what, ok ? "refused" : "NOT REFUSED", (unsigned long)got);
	if (ok)
		blocked++;
	else
		failed++;
}

static uint64_t hostile(unsigned mode, uint64_t arg)
{
	return bm_hvc(TZV_HC_HOSTILE, mode, arg, (uint64_t)(uintptr_t)stolen).a0;
}

/* The VM's calls, made while the hypervisor claims they are the victim's. */
static void forged_client(void)
{
	static const uint8_t *const uuids[] = {bm_hello_uuid, bm_keystore_uuid, bm_attest_uuid};
	static const char *const what[] = {"forged client: open the victim's hello",
					   "forged client: open the victim's keystore",
					   "forged client: open the victim's attest (unseal)"};
	uint32_t session = 0;

	hostile(HOSTILE_FORGE_CLIENT, VICTIM);
	uint64_t a0 = bm_smc(OPTEE_SMC_GET_OS_REVISION, 0, 0, 0).a0;
	verdict("forged client: fast call", a0 == OPTEE_SMC_RETURN_ENOTAVAIL, a0);
	for (unsigned i = 0; i < 3; i++) {
		uint32_t r = bm_tee_open(&msg, uuids[i], &session);
		verdict(what[i], r == OPTEE_SMC_RETURN_ENOTAVAIL, r);
	}
	hostile(HOSTILE_OFF, 0);
}

static uint32_t register_buffer(uint64_t cookie)
{
	bm_msg_init(&msg, OPTEE_MSG_CMD_REGISTER_SHM, 1);
	list[0] = (uint64_t)(uintptr_t)buf;
	msg.p[0].attr = OPTEE_MSG_ATTR_REGISTER;
	msg.p[0].u.tmem.buf_ptr = (uint64_t)(uintptr_t)list;
	msg.p[0].u.tmem.size = sizeof(buf);
	msg.p[0].u.tmem.shm_ref = cookie;
	uint64_t a0 = bm_tee_call(&msg);
	return a0 ? (uint32_t)a0 : msg.hdr.ret;
}

/* Memory that is not this VM's, written into its messages. */
static void foreign_memory(void)
{
	static const struct {
		const char *what;
		uint64_t pa;
	} targets[] = {
	    {"the victim's RAM", VICTIM_RAM},
	    {"the hypervisor's memory", 0x40100000},
	    {"the staging area", 0x41000000},
	    {"secure SRAM", 0x0e000000},
	};
	char what[96];

	for (unsigned i = 0; i < 4; i++) {
		hostile(HOSTILE_FOREIGN_PAGES, targets[i].pa);
		uint32_t r = register_buffer(0xbad0 + i);
		hostile(HOSTILE_OFF, 0);
		snprintf_(what, sizeof(what), "buffer page at %s", targets[i].what);
		verdict(what, r == TEEC_ERROR_BAD_PARAMETERS, r);
	}
	for (unsigned i = 0; i < 4; i++) {
		hostile(HOSTILE_FOREIGN_ARG, targets[i].pa);
		bm_msg_init(&msg, OPTEE_MSG_CMD_CANCEL, 0);
		uint64_t a0 = bm_tee_call(&msg);
		hostile(HOSTILE_OFF, 0);
		snprintf_(what, sizeof(what), "message at %s", targets[i].what);
		verdict(what, a0 == OPTEE_SMC_RETURN_EBADADDR, a0);
	}
	/* the honest path still works for this VM's own memory */
	uint32_t r = register_buffer(0x600d);
	pr("hostile: own buffer %s (0x%x)\n", r == TEEC_SUCCESS ? "registers" : "REFUSED", r);
	failed += r != TEEC_SUCCESS;
}

/* Loading a PAL: the hypervisor answers the STK's RPCs with the victim's
 * memory, as RPC_ALLOC's argument or as SHM_ALLOC's buffer for the file. */
static void foreign_on_shm_alloc(uint32_t func, struct bm_msg *arg, uint64_t *a1, uint64_t *a2)
{
	(void)a1, (void)a2;
	bool shm = func == OPTEE_SMC_RETURN_RPC_CMD && arg->hdr.cmd == OPTEE_RPC_CMD_SHM_ALLOC;

	hostile(shm ? HOSTILE_FOREIGN_PAGES : HOSTILE_OFF, VICTIM_RAM);
}

/* This VM itself: the file's second LOAD_TA gives fewer bytes than its
 * size query said (the file changed meanwhile). */
static void file_shrinks(uint32_t func, struct bm_msg *arg, uint64_t *a1, uint64_t *a2)
{
	(void)a1, (void)a2;
	if (func == OPTEE_SMC_RETURN_RPC_CMD && arg->hdr.cmd == OPTEE_RPC_CMD_LOAD_TA &&
	    arg->p[1].attr == OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT)
		arg->p[1].u.rmem.size -= 4;
}

/* This VM itself: RPC_ALLOC's buffer, or SHM_ALLOC's page list, at an
 * address outside its RAM (the GIC distributor's IPA). */
#define NOT_RAM 0x08000000UL
static void alloc_outside_ram(uint32_t func, struct bm_msg *arg, uint64_t *a1, uint64_t *a2)
{
	(void)arg;
	if (func == OPTEE_SMC_RETURN_RPC_ALLOC)
		*a1 = 0, *a2 = NOT_RAM;
}

static void shm_outside_ram(uint32_t func, struct bm_msg *arg, uint64_t *a1, uint64_t *a2)
{
	(void)a1, (void)a2;
	if (func == OPTEE_SMC_RETURN_RPC_CMD && arg->hdr.cmd == OPTEE_RPC_CMD_SHM_ALLOC)
		arg->p[0].u.tmem.buf_ptr = NOT_RAM;
}

/* Opens uuid (loading it) with hook answering its RPCs; refused with want. */
static void load_with(const char *what, const uint8_t uuid[16],
		      void (*hook)(uint32_t, struct bm_msg *, uint64_t *, uint64_t *),
		      uint32_t want)
{
	uint32_t session = 0;

	bm_rpc_hook = hook;
	uint32_t r = bm_tee_open(&msg, uuid, &session);
	bm_rpc_hook = NULL;
	hostile(HOSTILE_OFF, 0);
	verdict(what, r == want, r);
}

/* A load the VM answers with what is not its own memory: refused, and the
 * load ends as if the normal world had no memory to give. */
static void bad_rpc_answers(void)
{
	load_with("RPC buffer outside this VM's RAM (loading selftest)", bm_selftest_uuid,
		  alloc_outside_ram, TEEC_ERROR_OUT_OF_MEMORY);
	load_with("PAL file buffer outside this VM's RAM (loading selftest)", bm_selftest_uuid,
		  shm_outside_ram, TEEC_ERROR_OUT_OF_MEMORY);
}

static void foreign_rpc_answers(void)
{
	uint32_t session = 0, r;

	hostile(HOSTILE_FOREIGN_PAGES, VICTIM_RAM);
	load_with("RPC argument in the victim's RAM (loading hello)", bm_hello_uuid, NULL,
		  TEEC_ERROR_BAD_PARAMETERS);
	load_with("PAL file buffer in the victim's RAM (loading keystore)", bm_keystore_uuid,
		  foreign_on_shm_alloc, TEEC_ERROR_BAD_PARAMETERS);
	load_with("PAL file that changes between its size and its load (selftest)",
		  bm_selftest_uuid, file_shrinks, TEEC_ERROR_BAD_PARAMETERS);
	/* the honest load still works */
	r = bm_tee_open(&msg, bm_hello_uuid, &session);
	pr("hostile: own load of hello %s (0x%x)\n", r == TEEC_SUCCESS ? "works" : "FAILED", r);
	failed += r != TEEC_SUCCESS;
}

/* The victim's vTEE life and calls, asked for from this VM's CPU. */
static void foreign_requests(void)
{
	uint64_t a0 = hostile(HOSTILE_REPLAY_TOKEN, VICTIM);
	verdict("replay of the victim's resume token", a0 == OPTEE_SMC_RETURN_ERESUME, a0);
	a0 = hostile(HOSTILE_DESTROY_VM, VICTIM);
	verdict("VM_DESTROYED of the victim from another CPU", a0 == OPTEE_SMC_RETURN_ENOTAVAIL,
		a0);
	a0 = hostile(HOSTILE_CREATE_VM, VICTIM);
	verdict("VM_CREATED of the victim from another CPU", a0 == OPTEE_SMC_RETURN_ENOTAVAIL, a0);
	a0 = hostile(HOSTILE_YIELD_AS_HYP, 0);
	verdict("a yielding call as the hypervisor", a0 == OPTEE_SMC_RETURN_ENOTAVAIL, a0);
}

/* Messages the honest hypervisor refuses, passed to the STK unchecked: the
 * STK's own checks refuse them as the TEE (origin TEE), and say so. The
 * attestation PAL is built in, so OPEN_SESSION needs no load. */
static void unchecked_messages(void)
{
	static const char *const what[] = {
	    "7 parameters the hypervisor did not check",
	    "a temporary memref at the victim's RAM the hypervisor did not check"};

	hostile(HOSTILE_UNCHECKED_MSG, 0);
	for (unsigned i = 0; i < 2; i++) {
		bm_msg_init(&msg, OPTEE_MSG_CMD_OPEN_SESSION, 3);
		msg.p[0].attr = OPTEE_MSG_ATTR_OPEN_META;
		memcpy(&msg.p[0].u.value.a, bm_attest_uuid, 8);
		memcpy(&msg.p[0].u.value.b, bm_attest_uuid + 8, 8);
		msg.p[1].attr = OPTEE_MSG_ATTR_OPEN_META;
		msg.p[2].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
		if (i == 0)
			msg.hdr.num_params = OPTEE_MSG_MAX_PARAMS + 1U;
		else
			msg.p[2].u.tmem.buf_ptr = VICTIM_RAM;
		msg.p[2].u.tmem.size = 64;
		uint64_t a0 = bm_tee_call(&msg);
		verdict(what[i],
			!a0 && msg.hdr.ret == TEEC_ERROR_BAD_PARAMETERS &&
			    msg.hdr.ret_origin == TEEC_ORIGIN_TEE && !msg.hdr.session,
			a0 ? a0 : msg.hdr.ret);
	}
	hostile(HOSTILE_OFF, 0);
}

/* The hypervisor can read the victim's blob (it is outside the VMs' TCB
 * for their normal-world memory), but only the victim's vTEE opens it. */
static void stolen_blob(void)
{
	uint32_t session = 0, r;

	hostile(HOSTILE_READ_VM, VICTIM_SEALED);
	r = register_buffer(0xb10b);
	if (!r)
		r = bm_tee_open(&msg, bm_attest_uuid, &session);
	memcpy(buf, stolen, BLOB_SIZE);
	bm_msg_init(&msg, OPTEE_MSG_CMD_INVOKE_COMMAND, 2);
	msg.hdr.session = session;
	msg.hdr.func = 6; /* ATTEST_CMD_UNSEAL */
	msg.p[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	msg.p[0].u.rmem.size = BLOB_SIZE;
	msg.p[0].u.rmem.shm_ref = 0xb10b;
	msg.p[1].attr = OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	msg.p[1].u.rmem.offs = 2048;
	msg.p[1].u.rmem.size = 32;
	msg.p[1].u.rmem.shm_ref = 0xb10b;
	uint64_t a0 = bm_tee_call(&msg);
	bool opened = !a0 && msg.hdr.ret == TEEC_SUCCESS;
	verdict("unseal of the victim's stolen blob in this VM's vTEE", !opened && !r,
		a0 ? a0 : msg.hdr.ret);
}

/* The VM's second vCPU, for the races below: it does what task says. */
enum { TASK_NONE, TASK_REWRITE, TASK_REWRITE_MSG, TASK_REWRITE_LIST, TASK_LONG_CALL };
static volatile unsigned task;
static volatile unsigned spin_state; /* 1: in the long call, 2: it returned */
static volatile uint64_t spin_result;
static struct bm_msg msg1 __attribute__((aligned(4096)));
static uint64_t stack1[2048] __attribute__((aligned(16)));
static uint8_t df_in[4096] __attribute__((aligned(4096)));
static uint8_t df_out[4096] __attribute__((aligned(4096)));

static void rewrite_input(void)
{
	uint64_t x = 0x9e3779b97f4a7c15UL;

	while (task == TASK_REWRITE)
		for (unsigned i = 0; i < sizeof(df_in); i += 8) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			*(volatile uint64_t *)(void *)(df_in + i) = x;
		}
}

/* The message of vcpu0's call: the parameter count (3, or 6 with three
 * that hello does not take: counts past 6 would spend the vTEE's log
 * lines, and the unchecked messages above test them), the input's offset
 * and size and the output's buffer, each good or bad at random. */
static void rewrite_msg(void)
{
	volatile struct bm_msg *m = &msg;
	uint64_t x = 0x2545f4914f6cdd1dUL;

	while (task == TASK_REWRITE_MSG) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		m->hdr.num_params = x >> 63 ? 3U : 6U;
		m->p[0].u.rmem.size = (x >> 62) & 1U ? sizeof(df_in) : ~0UL - 8U;
		m->p[0].u.rmem.offs = (x >> 61) & 1U ? 0 : 4095U;
		m->p[1].u.rmem.shm_ref = (x >> 60) & 1U ? 0xdf2U : 0xc00c1e5U; /* not its own */
	}
}

/* The page list of vcpu0's registration: its own page, or the victim's
 * RAM (outside this VM's), at random. */
static void rewrite_list(void)
{
	volatile uint64_t *entry = &list[0];
	uint64_t x = 0x9e3779b97f4a7c15UL;

	while (task == TASK_REWRITE_LIST) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		*entry = x >> 63 ? (uint64_t)(uintptr_t)df_in : VICTIM_RAM;
	}
}

static void long_call(void)
{
	uint32_t session = 0;
	uint64_t r = bm_tee_open(&msg1, bm_selftest_uuid, &session);

	bm_msg_init(&msg1, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	msg1.hdr.session = session;
	msg1.hdr.func = 0; /* SELFTEST_CMD_SPIN */
	msg1.p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	msg1.p[0].u.value.a = 2000; /* ms */
	spin_state = 1;
	r |= bm_tee_call(&msg1) | msg1.hdr.ret;
	spin_result = r;
	spin_state = 2;
}

void bm_secondary_main(void)
{
	for (;;) {
		if (task == TASK_REWRITE)
			rewrite_input();
		else if (task == TASK_REWRITE_MSG)
			rewrite_msg();
		else if (task == TASK_REWRITE_LIST)
			rewrite_list();
		else if (task == TASK_LONG_CALL)
			long_call(), task = TASK_NONE;
	}
}

static bool start_vcpu1(void)
{
	static bool on;

	if (!on)
		on = (long)bm_hvc(PSCI_CPU_ON_64, 1, (uint64_t)(uintptr_t)bm_secondary,
				  (uint64_t)(uintptr_t)(stack1 + 2048))
			 .a0 == PSCI_SUCCESS;
	return on;
}

static uint32_t register_page(void *page, uint64_t cookie)
{
	bm_msg_init(&msg, OPTEE_MSG_CMD_REGISTER_SHM, 1);
	list[0] = (uint64_t)(uintptr_t)page;
	msg.p[0].attr = OPTEE_MSG_ATTR_REGISTER;
	msg.p[0].u.tmem.buf_ptr = (uint64_t)(uintptr_t)list;
	msg.p[0].u.tmem.size = 4096;
	msg.p[0].u.tmem.shm_ref = cookie;
	uint64_t a0 = bm_tee_call(&msg);
	return a0 ? (uint32_t)a0 : msg.hdr.ret;
}

static void xor_msg(uint32_t session)
{
	bm_msg_init(&msg, OPTEE_MSG_CMD_INVOKE_COMMAND, 3);
	msg.hdr.session = session;
	msg.hdr.func = 1; /* HELLO_CMD_XOR */
	msg.p[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	msg.p[0].u.rmem.size = sizeof(df_in);
	msg.p[0].u.rmem.shm_ref = 0xdf1;
	msg.p[1].attr = OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	msg.p[1].u.rmem.size = sizeof(df_out);
	msg.p[1].u.rmem.shm_ref = 0xdf2;
	msg.p[2].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
}

/* hello's answer matches what it wrote into df_out */
static bool xor_consistent(void)
{
	uint32_t sum = 0;

	for (unsigned i = 0; i < sizeof(df_out); i++)
		sum += df_out[i] ^ 0x5aU;
	return sum == (uint32_t)msg.p[2].u.value.a;
}

/* Double fetch of the message page: the hypervisor hands the STK the VM's
 * own page (no copy) while vcpu1 rewrites the message's fields. The STK
 * reads the page once into secure memory, so each call either runs with
 * one consistent set of fields or is refused. At least 200 calls, and on
 * until both have happened (whether vcpu1 writes inside a call's window
 * depends on how the host runs the two vCPUs), but at most 5000. */
static void message_double_fetch(uint32_t session)
{
	unsigned answered = 0, refused = 0, bad = 0, round;

	hostile(HOSTILE_GUEST_MSG, 0);
	task = TASK_REWRITE_MSG;
	for (round = 0; round < 5000 && (round < 200 || !answered || !refused); round++) {
		xor_msg(session);
		uint64_t a0 = bm_tee_call(&msg);
		uint32_t ret = msg.hdr.ret;
		if (a0 || (ret != TEEC_SUCCESS && ret != TEEC_ERROR_BAD_PARAMETERS))
			bad++;
		else if (ret == TEEC_ERROR_BAD_PARAMETERS)
			refused++;
		else if (msg.p[2].u.value.b == sizeof(df_in) && xor_consistent())
			answered++;
		else
			bad++;
	}
	task = TASK_NONE;
	hostile(HOSTILE_OFF, 0);
	pr("hostile: %u XOR calls over a message being rewritten: %u answered, %u refused, %u "
	   "inconsistent\n",
	   round, answered, refused, bad);
	verdict("double fetch of the message page the VM rewrites during the call",
		!bad && answered && refused, bad);
}

/* Double fetch of a page list: vcpu1 rewrites the registration's one entry
 * between this VM's page and the victim's RAM. Each registration takes
 * one value or the other: registered, the buffer must be this VM's page
 * (hello XORs its known bytes), or refused. */
static void list_double_fetch(uint32_t session)
{
	unsigned answered = 0, refused = 0, bad = 0;

	memset(df_in, 0x3c, sizeof(df_in));
	list[0] = (uint64_t)(uintptr_t)df_in; /* (it named df_out before) */
	task = TASK_REWRITE_LIST;
	for (unsigned round = 0; round < 100; round++) {
		uint64_t cookie = 0x1500U + round;
		bm_msg_init(&msg, OPTEE_MSG_CMD_REGISTER_SHM, 1);
		msg.p[0].attr = OPTEE_MSG_ATTR_REGISTER;
		msg.p[0].u.tmem.buf_ptr = (uint64_t)(uintptr_t)list;
		msg.p[0].u.tmem.size = 4096;
		msg.p[0].u.tmem.shm_ref = cookie;
		uint64_t a0 = bm_tee_call(&msg);
		if (!a0 && msg.hdr.ret == TEEC_ERROR_BAD_PARAMETERS) {
			refused++;
			continue;
		}
		if (a0 || msg.hdr.ret) {
			pr("hostile: registration %u: 0x%lx 0x%x\n", round, (unsigned long)a0,
			   msg.hdr.ret);
			bad++;
			continue;
		}
		xor_msg(session);
		msg.p[0].u.rmem.shm_ref = cookie;
		a0 = bm_tee_call(&msg);
		bool mine = !a0 && !msg.hdr.ret && msg.p[2].u.value.a == 0x3cU * sizeof(df_in);
		for (unsigned i = 0; mine && i < sizeof(df_out); i++)
			mine = df_out[i] == (0x3cU ^ 0x5aU);
		if (!mine)
			pr("hostile: registration %u: XOR 0x%lx 0x%x sum 0x%lx\n", round,
			   (unsigned long)a0, msg.hdr.ret, (unsigned long)msg.p[2].u.value.a);
		answered += mine;
		bad += !mine;
		bm_msg_init(&msg, OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
		msg.p[0].attr = OPTEE_MSG_ATTR_UNREGISTER;
		msg.p[0].u.rmem.shm_ref = cookie;
		bad += bm_tee_call(&msg) || msg.hdr.ret;
	}
	task = TASK_NONE;
	pr("hostile: 100 registrations of a page list being rewritten: %u of its own page, %u "
	   "refused, %u other\n",
	   answered, refused, bad);
	verdict("double fetch of a page list the VM rewrites during the registration",
		!bad && answered && refused, bad);
}

/* Double fetch: vcpu1 keeps rewriting a registered buffer while hello XORs
 * it into another; the sum hello returns must match the output it wrote,
 * in every round: each shared byte is read once, whatever the VM does. */
static void double_fetch(void)
{
	uint32_t session = 0;
	unsigned bad = 0, rounds = 0;
	bool ok = start_vcpu1() && !register_page(df_in, 0xdf1) && !register_page(df_out, 0xdf2) &&
		  !bm_tee_open(&msg, bm_hello_uuid, &session);

	task = TASK_REWRITE;
	for (; ok && rounds < 40; rounds++) {
		xor_msg(session);
		if (bm_tee_call(&msg) || msg.hdr.ret) {
			bad++;
			continue;
		}
		bad += !xor_consistent();
	}
	task = TASK_NONE;
	pr("hostile: %u XOR rounds over a buffer being rewritten, %u inconsistent\n", rounds, bad);
	verdict("double fetch of a buffer the VM rewrites during the call", ok && !bad, bad);
	if (ok) {
		message_double_fetch(session);
		list_double_fetch(session);
	}
	bm_msg_init(&msg, OPTEE_MSG_CMD_CLOSE_SESSION, 0);
	msg.hdr.session = session;
	bm_tee_call(&msg);
}

/* The STK's time slices come from the secure timer's PPI 29, in Secure
 * Group 1: EL2 disabling, ungrouping or deprioritizing it on this CPU must
 * change nothing, so a long PAL call still gives the normal world back at
 * each slice (RPC_FOREIGN_INTR). */
static unsigned foreign_rpcs;

static void count_foreign(uint32_t func, struct bm_msg *arg, uint64_t *a1, uint64_t *a2)
{
	(void)arg, (void)a1, (void)a2;
	foreign_rpcs += func == OPTEE_SMC_RETURN_RPC_FOREIGN_INTR;
}

static unsigned spin_slices(uint32_t session, unsigned ms)
{
	bm_msg_init(&msg, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	msg.hdr.session = session;
	msg.hdr.func = 0; /* SELFTEST_CMD_SPIN */
	msg.p[0].attr = OPTEE_MSG_ATTR_TYPE_VALUE_INOUT;
	msg.p[0].u.value.a = ms;
	foreign_rpcs = 0;
	bm_rpc_hook = count_foreign;
	uint64_t r = bm_tee_call(&msg) | msg.hdr.ret;
	bm_rpc_hook = NULL;
	return r ? 0 : foreign_rpcs;
}

static void secure_timer(void)
{
	uint32_t session = 0;

	if (bm_tee_open(&msg, bm_selftest_uuid, &session)) {
		verdict("EL2 taking the secure timer's PPI 29 (selftest)", false, 0);
		return;
	}
	unsigned before = spin_slices(session, 200);
	hostile(HOSTILE_SECURE_PPI, 0);
	unsigned after = spin_slices(session, 200);
	pr("hostile: a 200-ms PAL call gave the normal world back %u times before EL2's writes to "
	   "PPI 29, %u after\n",
	   before, after);
	verdict("EL2 taking the secure timer's PPI 29", before >= 5 && after >= before / 2, after);
	bm_msg_init(&msg, OPTEE_MSG_CMD_CLOSE_SESSION, 0);
	msg.hdr.session = session;
	bm_tee_call(&msg);
}

/* vcpu1 runs a long PAL call while this one, through the hostile
 * hypervisor, destroys the VM's own vTEE: the STK must refuse while the
 * call runs (or, had it caught the call between two slices, end it
 * cleanly), and go on serving every VM. Last: the vTEE may be gone after. */
#define ATTACKER 1U

static void destroy_while_running(void)
{
	if (!start_vcpu1()) {
		verdict("VM_DESTROYED of its own vTEE while its PAL runs (CPU_ON)", false, 0);
		return;
	}
	task = TASK_LONG_CALL;
	while (spin_state != 1)
		;
	bm_sleep_ms(300);
	uint64_t a0 = hostile(HOSTILE_DESTROY_VM, ATTACKER);
	while (spin_state != 2)
		;
	pr("hostile: the long call on vcpu1 ended with 0x%lx\n", (unsigned long)spin_result);
	verdict("VM_DESTROYED of its own vTEE while its PAL runs on its other CPU",
		a0 == OPTEE_SMC_RETURN_EBUSY || (a0 == OPTEE_SMC_RETURN_OK && spin_result), a0);
}

void bm_main(uint64_t dtb)
{
	(void)dtb;
	bm_gic_init();
	pr("hostile attacker up\n");
	bm_sleep_ms(3000); /* the victim has set up its secrets */
	forged_client();
	foreign_memory();
	foreign_rpc_answers();
	bad_rpc_answers();
	foreign_requests();
	unchecked_messages();
	secure_timer();
	stolen_blob();
	double_fetch();
	destroy_while_running();
	pr("hostile: done, %u refused, %u not refused\n", blocked, failed);
	for (;;) {
		bm_sleep_ms(1000);
		if (bm_getc() == 'q')
			bm_power_off();
	}
}
