/* Victim of the isolation and trust-model tests: keeps a known pattern in
 * its RAM, a hello session and a registered buffer, a keystore key and a
 * sealed secret in its vTEE, and checks them all; reports any interrupt it
 * did not expect (SGIs or SPIs an attacker might try to send it). Its peer
 * runs the same program. */
#include "bm.h"
#include "bmtee.h"

#include <tzv/optee.h>
#include <tzv/string.h>

/* The OP-TEE probe calls Linux makes, answered by this VM's vTEE. */
static void probe_vtee(void)
{
	struct bm_res uid = bm_smc(OPTEE_SMC_CALLS_UID, 0, 0, 0);
	struct bm_res rev = bm_smc(OPTEE_SMC_CALLS_REVISION, 0, 0, 0);
	struct bm_res os = bm_smc(OPTEE_SMC_GET_OS_REVISION, 0, 0, 0);
	struct bm_res caps = bm_smc(OPTEE_SMC_EXCHANGE_CAPABILITIES, 0, 0, 0);
	bool ok = uid.a0 == 0x384fb3e0 && uid.a1 == 0xe7f811e3 && uid.a2 == 0xaf630002 &&
		  uid.a3 == 0xa5d5c51b && rev.a0 == 2 && rev.a1 == 0 &&
		  caps.a0 == OPTEE_SMC_RETURN_OK && (caps.a1 & OPTEE_SMC_SEC_CAP_DYNAMIC_SHM);
	pr("victim: vTEE %s (OS revision %lu.%lu, caps 0x%lx)\n", ok ? "answers" : "WRONG ANSWERS",
	   (unsigned long)os.a0, (unsigned long)os.a1, (unsigned long)caps.a1);
}

/* A hello session and a registered buffer, used on every check: an
 * attacker must not be able to reach, use or disturb either. */
#define COOKIE 0xc00c1e5UL
static struct bm_msg msg __attribute__((aligned(4096)));
static uint64_t shm_list[512] __attribute__((aligned(4096)));
static uint8_t shm_data[4096] __attribute__((aligned(4096)));
static uint32_t session;

static void vtee_setup(void)
{
	uint32_t r = bm_tee_open(&msg, bm_hello_uuid, &session);

	bm_msg_init(&msg, OPTEE_MSG_CMD_REGISTER_SHM, 1);
	shm_list[0] = (uint64_t)(uintptr_t)shm_data;
	msg.p[0].attr = OPTEE_MSG_ATTR_REGISTER;
	msg.p[0].u.tmem.buf_ptr = (uint64_t)(uintptr_t)shm_list;
	msg.p[0].u.tmem.size = sizeof(shm_data);
	msg.p[0].u.tmem.shm_ref = COOKIE;
	uint64_t a0 = bm_tee_call(&msg);
	pr("victim: vTEE session 0x%x (0x%x), buffer registered (0x%lx 0x%x)\n", session, r,
	   (unsigned long)a0, msg.hdr.ret);
}

/* hello XOR from the buffer's first 16 bytes into its second half */
static void vtee_check(unsigned long n)
{
	uint32_t sum = 0;

	for (unsigned i = 0; i < 16; i++) {
		shm_data[i] = (uint8_t)(n + i);
		sum += shm_data[i];
	}
	bm_msg_init(&msg, OPTEE_MSG_CMD_INVOKE_COMMAND, 3);
	msg.hdr.session = session;
	msg.hdr.func = 1; /* HELLO_CMD_XOR */
	msg.p[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	msg.p[0].u.rmem.size = 16;
	msg.p[0].u.rmem.shm_ref = COOKIE;
	msg.p[1].attr = OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	msg.p[1].u.rmem.offs = 2048;
	msg.p[1].u.rmem.size = 16;
	msg.p[1].u.rmem.shm_ref = COOKIE;
	msg.p[2].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	uint64_t a0 = bm_tee_call(&msg);
	bool ok = a0 == 0 && msg.hdr.ret == 0 && msg.p[2].u.value.a == sum;
	for (unsigned i = 0; i < 16; i++)
		ok = ok && shm_data[2048 + i] == (uint8_t)(shm_data[i] ^ 0x5a);
	if (ok)
		pr("victim: vTEE session ok (check %lu)\n", n);
	else
		pr("victim: vTEE session FAILED (0x%lx 0x%x)\n", (unsigned long)a0, msg.hdr.ret);
}

/* An INVOKE_COMMAND built parameter by parameter; memory references point
 * into the registered buffer. */
static void call_begin(uint32_t sess, uint32_t func, uint32_t nparams)
{
	bm_msg_init(&msg, OPTEE_MSG_CMD_INVOKE_COMMAND, nparams);
	msg.hdr.session = sess;
	msg.hdr.func = func;
}

static void param_value(unsigned i, uint64_t attr, uint64_t a)
{
	msg.p[i].attr = attr;
	msg.p[i].u.value.a = a;
}

static void param_mem(unsigned i, uint64_t attr, uint64_t offs, uint64_t size)
{
	msg.p[i].attr = attr;
	msg.p[i].u.rmem.offs = offs;
	msg.p[i].u.rmem.size = size;
	msg.p[i].u.rmem.shm_ref = COOKIE;
}

static uint32_t call_end(void)
{
	uint64_t a0 = bm_tee_call(&msg);

	return a0 ? (uint32_t)a0 : msg.hdr.ret;
}

/* A key, a secret sealed to this VM, and one long call the STK preempts
 * (its resume tokens pass through the hypervisor). The sealed blob is
 * also kept at SEALED_AT, where a hostile hypervisor can read it. */
#define SEALED_AT   0x40300000UL
#define PUB_OFFS    1024U
#define SECRET_OFFS 3072U
#define BLOB_OFFS   3200U
#define OPEN_OFFS   3400U
#define BLOB_SIZE   (32U + 76U)
static const char secret[32] = "the victim's sealed secret";
static uint8_t pub[65];
static uint32_t key_session, seal_session;

static uint32_t get_public(void)
{
	call_begin(key_session, 1 /* KEYSTORE_CMD_GET_PUBLIC */, 2);
	param_value(0, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 0);
	param_mem(1, OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT, PUB_OFFS, 65);
	return call_end();
}

static bool key_and_secret_intact(void)
{
	memset(shm_data + PUB_OFFS, 0, 65);
	memset(shm_data + OPEN_OFFS, 0, 32);
	if (get_public() || memcmp(shm_data + PUB_OFFS, pub, 65))
		return false;
	call_begin(seal_session, 6 /* ATTEST_CMD_UNSEAL */, 2);
	param_mem(0, OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, BLOB_OFFS, BLOB_SIZE);
	param_mem(1, OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT, OPEN_OFFS, 32);
	return !call_end() && !memcmp(shm_data + OPEN_OFFS, secret, 32);
}

static void secrets_setup(void)
{
	uint32_t spin = 0, r = bm_tee_open(&msg, bm_keystore_uuid, &key_session);

	call_begin(key_session, 0 /* KEYSTORE_CMD_GENERATE */, 1);
	param_value(0, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 0);
	r |= call_end();
	r |= get_public();
	memcpy(pub, shm_data + PUB_OFFS, 65);
	r |= bm_tee_open(&msg, bm_attest_uuid, &seal_session);
	memcpy(shm_data + SECRET_OFFS, secret, 32);
	call_begin(seal_session, 5 /* ATTEST_CMD_SEAL */, 3);
	param_value(0, OPTEE_MSG_ATTR_TYPE_VALUE_INPUT, 0); /* bound to the VM, no PCRs */
	param_mem(1, OPTEE_MSG_ATTR_TYPE_RMEM_INPUT, SECRET_OFFS, 32);
	param_mem(2, OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT, BLOB_OFFS, BLOB_SIZE);
	r |= call_end();
	memcpy((void *)SEALED_AT, shm_data + BLOB_OFFS, BLOB_SIZE);
	r |= bm_tee_open(&msg, bm_selftest_uuid, &spin);
	call_begin(spin, 0 /* SELFTEST_CMD_SPIN */, 1);
	param_value(0, OPTEE_MSG_ATTR_TYPE_VALUE_INOUT, 30); /* ms: preempted each slice */
	r |= call_end();
	pr("victim: key %02x%02x%02x%02x..., secret sealed, long call done (0x%x)\n", pub[1],
	   pub[2], pub[3], pub[4], r);
}

#define AREA	   0x40100000UL
#define AREA_WORDS (1U << 18) /* 1 MiB */

static uint32_t pattern(unsigned i)
{
	return 0x71c70000U ^ (i * 2654435761U);
}

/* What test_vmi's monitor watches: a store to a page it write-protects,
 * a write of TTBR0_EL1 (the MMU is off: only the monitor's traps see it)
 * and a null hypercall. */
#define SCRIBBLE 0x40800000UL

static void scribble(unsigned long n)
{
	uint64_t esr = 0;
	bool stored = bm_write32(SCRIBBLE, (uint32_t)n, &esr);

	write_sysreg(ttbr0_el1, n);
	bm_hvc(TZV_HC_NULL, 0, 0, 0);
	if (!stored)
		pr("victim: scribble %lu refused (ESR 0x%lx)\n", n, (unsigned long)esr);
	else if (*(volatile uint32_t *)SCRIBBLE == (uint32_t)n)
		pr("victim: scribble %lu written\n", n);
	else
		pr("victim: scribble %lu LOST\n", n);
}

static void unexpected(unsigned intid)
{
	pr("victim: UNEXPECTED interrupt %u\n", intid);
}

void bm_main(uint64_t dtb)
{
	volatile uint32_t *area = (volatile uint32_t *)AREA;

	(void)dtb;
	bm_gic_init();
	/* take every SGI and the doorbell so that a stray one would show */
	mmio_write32(GICR_BASE + 0x10000 + 0x100, 0xffffU | (1U << 27));
	mmio_write32(GICD_BASE + 0x100 + 4, 1U << 8); /* SPI 40 */
	bm_irq_hook = unexpected;
	probe_vtee();
	vtee_setup();
	secrets_setup();
	for (unsigned i = 0; i < AREA_WORDS; i++)
		area[i] = pattern(i);
	pr("victim: pattern written\n");
	for (unsigned long n = 1;; n++) {
		bm_sleep_ms(500);
		unsigned bad = 0;
		for (unsigned i = 0; i < AREA_WORDS; i++)
			bad += area[i] != pattern(i);
		if (bad)
			pr("victim: PATTERN CORRUPTED (%u words)\n", bad);
		else
			pr("victim: pattern intact (check %lu)\n", n);
		vtee_check(n);
		scribble(n);
		pr("victim: key and sealed secret %s (check %lu)\n",
		   key_and_secret_intact() ? "intact" : "CHANGED", n);
		if (bm_getc() == 'q')
			bm_power_off();
	}
}
