/* Attack guest: tries to break each isolation rule and reports whether it
 * was blocked. The test system (test/configs/attack.toml) places the
 * victims' RAM at PA 0x50000000 and 0x54000000, their private region (id 0)
 * with doorbell SPI 40 elsewhere, and gives the peer the RTC (SPI 34); the
 * attacker has one vCPU and 64 MiB. */
#include "bm.h"
#include "bmtee.h"
#include <tzv/uart.h>

#include <tzv/optee.h>
#include <tzv/string.h>

static unsigned blocked, failed;

static void verdict(const char *what, bool ok, const char *how)
{
	pr("attack %s: %s (%s)\n", what, ok ? "blocked" : "NOT BLOCKED", how);
	if (ok)
		blocked++;
	else
		failed++;
}

static void try_read(void *a)
{
	(void)*(volatile uint32_t *)a;
}

static void try_write(void *a)
{
	*(volatile uint32_t *)a = 0xbadc0de;
}

/* A VM owns its CPUs' EL1 timers; the hypervisor's and the secure
 * world's timers are not its own. */
static void try_cnthp(void *a)
{
	(void)a;
	(void)read_sysreg(cnthp_ctl_el2);
}

static void try_cntps(void *a)
{
	(void)a;
	(void)read_sysreg(cntps_ctl_el1);
}

static void memory_attacks(void)
{
	static const struct {
		const char *what;
		uint64_t ipa;
	} targets[] = {
	    {"read other VM's RAM (PA 0x50000000)", 0x50000000},
	    {"read past own RAM", 0x44000000},
	    {"read secure SRAM", 0x0e000000},
	    {"read secure flash", 0x00000000},
	    {"read secure UART", 0x09040000},
	    {"read secure GPIO", 0x090b0000},
	    {"read hypervisor staging area", 0x41000000 + 0x4000000},
	    {"read other CPUs' redistributor", 0x080c0000},
	};
	for (unsigned i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		uint64_t esr = bm_try(try_read, (void *)targets[i].ipa);
		verdict(targets[i].what, esr != 0, "abort");
	}
	verdict("write other VM's RAM (PA 0x54000000)",
		bm_try(try_write, (void *)0x54000000UL) != 0, "abort");
	verdict("write secure GPIO (power off)", bm_try(try_write, (void *)0x090b0004UL) != 0,
		"abort");
	verdict("write other CPUs' redistributor", bm_try(try_write, (void *)0x080e0100UL) != 0,
		"abort");
	verdict("hypervisor's timer access", bm_try(try_cnthp, NULL) != 0, "undefined instruction");
	verdict("secure timer access", bm_try(try_cntps, NULL) != 0, "undefined instruction");
}

static void gic_attacks(void)
{
	/* SPI 40 is the victims' doorbell: not this VM's */
	mmio_write32(GICD_BASE + 0x100 + 4, 1U << 8);
	verdict("enable another VM's SPI", !(mmio_read32(GICD_BASE + 0x100 + 4) & (1U << 8)),
		"reads as zero");
	/* SPI 34 is the peer's passthrough RTC: a physical interrupt */
	mmio_write32(GICD_BASE + 0x100 + 4, 1U << 2);
	verdict("enable another VM's device interrupt",
		!(mmio_read32(GICD_BASE + 0x100 + 4) & (1U << 2)), "reads as zero");
	mmio_write64(GICD_BASE + 0x6000 + 8 * 40, 0);
	mmio_write64(GICD_BASE + 0x6000 + 8 * 34, 0);
	verdict("route another VM's SPIs to itself",
		mmio_read64(GICD_BASE + 0x6000 + 8 * 40) == 0 &&
		    mmio_read64(GICD_BASE + 0x6000 + 8 * 34) == 0,
		"reads as zero");
	*(volatile uint8_t *)(GICD_BASE + 0x400 + 40) = 0x10;
	verdict("reprioritise another VM's SPI", *(volatile uint8_t *)(GICD_BASE + 0x400 + 40) == 0,
		"reads as zero");
	mmio_write32(GICD_BASE + 0x200 + 4, 1U << 8); /* set pending */
	mmio_write32(GICD_BASE + 0x200 + 4 * 7, 0xffffffffU);
	verdict("make another VM's SPI pending", true, "ignored; victims report any interrupt");
	/* SGIs to every other CPU, by list, to all-but-self, in another cluster */
	for (uint64_t sgi = 0; sgi < 16; sgi += 5) {
		write_sysreg(ICC_SGI1R_EL1, (sgi << 24) | 0xfffeUL);
		write_sysreg(ICC_SGI1R_EL1, (sgi << 24) | (1UL << 40));
		write_sysreg(ICC_SGI1R_EL1, (sgi << 24) | (1UL << 16) | 0xffffUL); /* Aff1 = 1 */
	}
	isb();
	verdict("send SGIs to CPUs outside the VM", true, "victims report any interrupt");
}

static void psci_attacks(void)
{
	for (uint64_t mpidr = 1; mpidr < 4; mpidr++) {
		long r = (long)bm_smc(PSCI_CPU_ON_64, mpidr, 0x40000000, 0).a0;
		verdict("PSCI CPU_ON of a CPU outside the VM", r == PSCI_INVALID_PARAMETERS,
			"INVALID_PARAMETERS");
		r = (long)bm_smc(PSCI_AFFINITY_INFO_64, mpidr, 0, 0).a0;
		verdict("PSCI AFFINITY_INFO of a CPU outside the VM", r == PSCI_INVALID_PARAMETERS,
			"INVALID_PARAMETERS");
	}
	long r = (long)bm_smc(PSCI_CPU_ON_64, 0x80000000UL, 0x40000000, 0).a0;
	verdict("PSCI CPU_ON of itself (bit 31 set)", r == PSCI_ALREADY_ON, "ALREADY_ON");
	r = (long)bm_smc(PSCI_CPU_ON_64, 0, 0x0e000000, 0).a0;
	verdict("PSCI CPU_ON with an entry point outside the VM", r == PSCI_INVALID_ADDRESS,
		"INVALID_ADDRESS");
}

static struct bm_res smc7(uint64_t fid, uint64_t a1, uint64_t a7)
{
	register uint64_t x0 __asm__("x0") = fid, x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = 0, x3 __asm__("x3") = 0, x7 __asm__("x7") = a7;

	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x7)
			 :
			 : "x4", "x5", "x6", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
			   "x16", "x17", "memory");
	return (struct bm_res){x0, x1, x2, x3};
}

static void tee_attacks(void)
{
	/* client 1 is the victim's vTEE; 0 would be the hypervisor's own id */
	long r = (long)smc7(OPTEE_SMC_VM_DESTROYED, 1, 0).a0;
	verdict("destroy another VM's vTEE with a forged client id 0",
		r == OPTEE_SMC_RETURN_ENOTAVAIL, "ENOTAVAIL: w7 is the hypervisor's to set");
	r = (long)smc7(OPTEE_SMC_VM_CREATED, 9, 0).a0;
	verdict("create a vTEE", r == OPTEE_SMC_RETURN_ENOTAVAIL, "ENOTAVAIL");
	r = (long)smc7(OPTEE_SMC_CALLS_UID, 0, 1).a0;
	verdict("call as another VM's client id", r == 0x384fb3e0, "answered as itself");
	r = (long)bm_smc(OPTEE_SMC_CALL_WITH_ARG, 0, 0x50000000, 0).a0;
	verdict("vTEE argument page in another VM's RAM", r == OPTEE_SMC_RETURN_EBADADDR,
		"EBADADDR");
	r = (long)smc7(OPTEE_SMC_EXCHANGE_CAPABILITIES, 0xff, 0).a0;
	verdict("unknown normal-world capabilities", r == OPTEE_SMC_RETURN_ENOTAVAIL, "ENOTAVAIL");
}

static struct bm_msg msg __attribute__((aligned(4096)));
static uint64_t list[512] __attribute__((aligned(4096)));

/* The message's own result: a0 OK and ret/origin as expected. */
static bool msg_result(uint64_t a0, uint32_t ret, uint32_t origin)
{
	return a0 == OPTEE_SMC_RETURN_OK && msg.hdr.ret == ret && msg.hdr.ret_origin == origin;
}

static void register_list(uint64_t list_ipa, uint64_t page)
{
	bm_msg_init(&msg, OPTEE_MSG_CMD_REGISTER_SHM, 1);
	list[0] = page;
	msg.p[0].attr = OPTEE_MSG_ATTR_REGISTER;
	msg.p[0].u.tmem.buf_ptr = list_ipa;
	msg.p[0].u.tmem.size = 4096;
	msg.p[0].u.tmem.shm_ref = 0x5eed;
}

/* Memrefs into its own registered page whose offset and size do not fit
 * (their sum wrapping past 2^64, one byte past the end, an offset past the
 * end) are refused; an output memref larger than what the PAL writes keeps
 * the caller's own bytes past the answer, so no secure memory shows there. */
#define OWN_COOKIE 0x0ff1ceUL
static uint8_t own[4096] __attribute__((aligned(4096)));

static void xor_msg(uint32_t session, uint64_t in_offs, uint64_t in_size, uint64_t out_offs,
		    uint64_t out_size)
{
	bm_msg_init(&msg, OPTEE_MSG_CMD_INVOKE_COMMAND, 3);
	msg.hdr.session = session;
	msg.hdr.func = 1; /* HELLO_CMD_XOR */
	msg.p[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	msg.p[0].u.rmem.offs = in_offs;
	msg.p[0].u.rmem.size = in_size;
	msg.p[0].u.rmem.shm_ref = OWN_COOKIE;
	msg.p[1].attr = OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	msg.p[1].u.rmem.offs = out_offs;
	msg.p[1].u.rmem.size = out_size;
	msg.p[1].u.rmem.shm_ref = OWN_COOKIE;
	msg.p[2].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
}

static uint64_t xor_call(uint32_t session, uint64_t in_offs, uint64_t in_size, uint64_t out_offs,
			 uint64_t out_size)
{
	xor_msg(session, in_offs, in_size, out_offs, out_size);
	return bm_tee_call(&msg);
}

/* A buffer of 2 bytes registered across a page boundary (offset 4095 of its
 * first page, the shape of OP-TEE-2018-0005): the PAL reads both bytes,
 * from the last byte of one page and the first of the next. */
#define TWO_COOKIE 0x2b0a7dUL
static uint8_t two[8192] __attribute__((aligned(4096)));
static uint64_t two_list[512] __attribute__((aligned(4096)));

static void unaligned_last_page(uint32_t session)
{
	bm_msg_init(&msg, OPTEE_MSG_CMD_REGISTER_SHM, 1);
	two_list[0] = (uint64_t)(uintptr_t)two;
	two_list[1] = (uint64_t)(uintptr_t)two + 4096U;
	msg.p[0].attr = OPTEE_MSG_ATTR_REGISTER;
	msg.p[0].u.tmem.buf_ptr = (uint64_t)(uintptr_t)two_list | 4095U;
	msg.p[0].u.tmem.size = 2;
	msg.p[0].u.tmem.shm_ref = TWO_COOKIE;
	bool registered = bm_tee_call(&msg) == 0 && msg.hdr.ret == 0;
	memset(two, 0, sizeof(two));
	two[4095] = 0x11;
	two[4096] = 0x22;
	memset(own, 0xa5, sizeof(own));
	xor_msg(session, 0, 2, 0, 16);
	msg.p[0].u.rmem.shm_ref = TWO_COOKIE;
	uint64_t a0 = bm_tee_call(&msg);
	bool right = own[0] == (0x11 ^ 0x5a) && own[1] == (0x22 ^ 0x5a);
	for (unsigned i = 2; i < sizeof(own); i++)
		right &= own[i] == 0xa5;
	verdict("2 bytes of a buffer across a page boundary",
		registered && a0 == 0 && msg.hdr.ret == 0 && msg.p[2].u.value.a == 0x33 &&
		    msg.p[1].u.rmem.size == 2 && right,
		"the two bytes, from both pages, and nothing else");
	bm_msg_init(&msg, OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
	msg.p[0].attr = OPTEE_MSG_ATTR_UNREGISTER;
	msg.p[0].u.rmem.shm_ref = TWO_COOKIE;
	bm_tee_call(&msg);
}

static void memref_bounds_attacks(uint32_t session)
{
	static const struct {
		const char *what;
		uint64_t in_offs, in_size, out_offs, out_size;
	} bad[] = {
	    {"memref whose offset + size wraps past 2^64", ~0UL - 15U, 32, 0, 64},
	    {"memref one byte past its buffer", 0, 4097, 0, 4096},
	    {"memref offset past its buffer", 8192, 16, 0, 64},
	    {"output memref whose offset + size wraps", 0, 16, ~0UL - 7U, 16},
	};

	register_list((uint64_t)(uintptr_t)list, (uint64_t)(uintptr_t)own);
	msg.p[0].u.tmem.shm_ref = OWN_COOKIE;
	bool registered = bm_tee_call(&msg) == 0 && msg.hdr.ret == 0;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t a0 = xor_call(session, bad[i].in_offs, bad[i].in_size, bad[i].out_offs,
				       bad[i].out_size);
		verdict(bad[i].what,
			registered && a0 == 0 && msg.hdr.ret == TEEC_ERROR_BAD_PARAMETERS,
			"BAD_PARAMETERS");
	}
	xor_msg(session, 0, 16, 0, 64);
	msg.p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT; /* NULL, yet 64 bytes long */
	msg.p[0].u.tmem.buf_ptr = 0;
	msg.p[0].u.tmem.size = 64;
	msg.p[0].u.tmem.shm_ref = 0;
	uint64_t a0 = bm_tee_call(&msg);
	verdict("NULL memref of 64 bytes", a0 == 0 && msg.hdr.ret == TEEC_ERROR_BAD_PARAMETERS,
		"BAD_PARAMETERS");
	memset(own, 0xa5, sizeof(own));
	a0 = xor_call(session, 0, 16, 2048, 2048);
	bool kept = true;
	for (unsigned i = 2048; i < sizeof(own); i++)
		kept &= own[i] == (i < 2064 ? (0xa5 ^ 0x5a) : 0xa5);
	verdict("secure bytes in an output memref past the answer",
		registered && a0 == 0 && msg.hdr.ret == 0 && msg.p[1].u.rmem.size == 16 && kept,
		"the caller's own bytes kept");
	unaligned_last_page(session);
	bm_msg_init(&msg, OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
	msg.p[0].attr = OPTEE_MSG_ATTR_UNREGISTER;
	msg.p[0].u.rmem.shm_ref = OWN_COOKIE;
	bm_tee_call(&msg);
}

/* The victims each hold a hello session (their vTEE's first: 0x101) and a
 * buffer registered as cookie 0xc00c1e5 (guest-victim.c). */
static void vtee_message_attacks(void)
{
	uint64_t me = (uint64_t)(uintptr_t)&msg;

	long r = (long)bm_smc(OPTEE_SMC_CALL_WITH_ARG, 0, me + 8, 0).a0;
	verdict("vTEE argument not page aligned", r == OPTEE_SMC_RETURN_EBADADDR, "EBADADDR");
	r = (long)bm_smc(OPTEE_SMC_CALL_WITH_ARG, 0, 0x0e100000, 0).a0;
	verdict("vTEE argument in secure SRAM", r == OPTEE_SMC_RETURN_EBADADDR, "EBADADDR");

	register_list((uint64_t)(uintptr_t)list, 0x50000000);
	verdict("register a buffer in another VM's RAM",
		msg_result(bm_tee_call(&msg), TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS),
		"BAD_PARAMETERS");
	register_list((uint64_t)(uintptr_t)list, 0x0e100000);
	verdict("register a buffer in secure SRAM",
		msg_result(bm_tee_call(&msg), TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS),
		"BAD_PARAMETERS");
	register_list(0x54000000, 0x54000000);
	verdict("page list in another VM's RAM",
		msg_result(bm_tee_call(&msg), TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS),
		"BAD_PARAMETERS");

	bm_msg_init(&msg, OPTEE_MSG_CMD_INVOKE_COMMAND, 0);
	msg.hdr.session = 0x101;
	verdict("invoke another VM's session id",
		msg_result(bm_tee_call(&msg), TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_TEE),
		"ITEM_NOT_FOUND");
	bm_msg_init(&msg, OPTEE_MSG_CMD_CLOSE_SESSION, 0);
	msg.hdr.session = 0x101;
	verdict("close another VM's session id",
		msg_result(bm_tee_call(&msg), TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_TEE),
		"ITEM_NOT_FOUND");
	bm_msg_init(&msg, OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
	msg.p[0].attr = OPTEE_MSG_ATTR_UNREGISTER;
	msg.p[0].u.rmem.shm_ref = 0xc00c1e5;
	verdict("unregister another VM's buffer",
		msg_result(bm_tee_call(&msg), TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_TEE),
		"ITEM_NOT_FOUND");

	uint32_t session = 0, ret = bm_tee_open(&msg, bm_hello_uuid, &session);
	bm_msg_init(&msg, OPTEE_MSG_CMD_INVOKE_COMMAND, 3);
	msg.hdr.session = session;
	msg.hdr.func = 1;
	msg.p[0].attr = OPTEE_MSG_ATTR_TYPE_RMEM_INPUT;
	msg.p[0].u.rmem.size = 16;
	msg.p[0].u.rmem.shm_ref = 0xc00c1e5;
	msg.p[1].attr = OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT;
	msg.p[1].u.rmem.size = 16;
	msg.p[1].u.rmem.shm_ref = 0xc00c1e5;
	msg.p[2].attr = OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;
	verdict("use another VM's buffer cookie",
		ret == 0 &&
		    msg_result(bm_tee_call(&msg), TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_TEE),
		"BAD_PARAMETERS");
	bm_msg_init(&msg, OPTEE_MSG_CMD_INVOKE_COMMAND, 1);
	msg.hdr.session = session;
	msg.p[0].attr = OPTEE_MSG_ATTR_TYPE_TMEM_INPUT;
	msg.p[0].u.tmem.buf_ptr = 0x50000000;
	msg.p[0].u.tmem.size = 64;
	verdict("temporary memref into another VM's RAM",
		msg_result(bm_tee_call(&msg), TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS),
		"BAD_PARAMETERS");
	bm_msg_init(&msg, OPTEE_MSG_CMD_INVOKE_COMMAND, 7);
	msg.hdr.session = session;
	verdict("7 parameters",
		msg_result(bm_tee_call(&msg), TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS),
		"BAD_PARAMETERS");
	bm_msg_init(&msg, OPTEE_MSG_CMD_INVOKE_COMMAND, 0xffffffffU);
	verdict("2^32-1 parameters",
		msg_result(bm_tee_call(&msg), TEEC_ERROR_BAD_PARAMETERS, TEEC_ORIGIN_COMMS),
		"BAD_PARAMETERS");
	bm_msg_init(&msg, 99, 0);
	verdict("unknown message command", bm_tee_call(&msg) == OPTEE_SMC_RETURN_EBADCMD,
		"EBADCMD");
	r = (long)bm_smc(OPTEE_SMC_RETURN_FROM_RPC, 0, 0, 0).a0;
	verdict("RETURN_FROM_RPC with no call pending", r == OPTEE_SMC_RETURN_ERESUME, "ERESUME");
	r = (long)bm_smc(OPTEE_SMC_RETURN_FROM_RPC, 0, 0, 0x7a000001).a0;
	verdict("RETURN_FROM_RPC with another vTEE's token", r == OPTEE_SMC_RETURN_ERESUME,
		"ERESUME");
	memref_bounds_attacks(session);
	bm_msg_init(&msg, OPTEE_MSG_CMD_CLOSE_SESSION, 0);
	msg.hdr.session = session;
	bm_tee_call(&msg);
}

/* A storm of yielding calls: sessions never closed, buffers never
 * unregistered, garbage messages. Every one gets a defined answer, the
 * vTEE's limits hold, and then it is all given back. */
static void vtee_storm(void)
{
	unsigned odd = 0, sessions = 0, buffers = 0;
	uint32_t held[600];
	uint64_t cookies[600];
	uint64_t x = 0x2545f4914f6cdd1dUL;

	for (unsigned i = 0; i < 600; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t a0;
		if (i % 3 == 0) {
			a0 = bm_tee_open(&msg, bm_hello_uuid, &held[sessions]);
			sessions += a0 == 0;
			odd += a0 && a0 != TEEC_ERROR_OUT_OF_MEMORY;
		} else if (i % 3 == 1) {
			register_list((uint64_t)(uintptr_t)list, (uint64_t)(uintptr_t)list + 4096);
			msg.p[0].u.tmem.shm_ref = i;
			a0 = bm_tee_call(&msg);
			if (a0 == 0 && msg.hdr.ret == 0)
				cookies[buffers++] = i;
			odd += a0 || (msg.hdr.ret && msg.hdr.ret != TEEC_ERROR_OUT_OF_MEMORY);
		} else {
			for (unsigned k = 0; k < sizeof(msg) / 8; k++)
				((uint64_t *)(void *)&msg)[k] = x * (k + 1);
			msg.hdr.cmd = (uint32_t)x % 8U;
			a0 = bm_tee_call(&msg);
			odd += a0 != OPTEE_SMC_RETURN_OK && a0 != OPTEE_SMC_RETURN_EBADCMD;
		}
	}
	verdict("600-call storm of yielding calls", odd == 0 && sessions == 8 && buffers == 16,
		"every call answered, at most 8 sessions and 16 buffers");
	unsigned freed = 0;
	for (unsigned i = 0; i < sessions; i++) {
		bm_msg_init(&msg, OPTEE_MSG_CMD_CLOSE_SESSION, 0);
		msg.hdr.session = held[i];
		freed += bm_tee_call(&msg) == 0 && msg.hdr.ret == 0;
	}
	for (unsigned i = 0; i < buffers; i++) {
		bm_msg_init(&msg, OPTEE_MSG_CMD_UNREGISTER_SHM, 1);
		msg.p[0].attr = OPTEE_MSG_ATTR_UNREGISTER;
		msg.p[0].u.rmem.shm_ref = cookies[i];
		freed += bm_tee_call(&msg) == 0 && msg.hdr.ret == 0;
	}
	pr("attack: storm held %u sessions and %u buffers, gave back %u\n", sessions, buffers,
	   freed);
}

static void call_attacks(void)
{
	long r = (long)bm_hvc(TZV_HC_DOORBELL, 0, 0, 0).a0;
	verdict("ring a region it is not a member of", r == SMCCC_INVALID_PARAMETER,
		"INVALID_PARAMETER");
	r = (long)bm_hvc(TZV_HC_DOORBELL, 0xffffffffUL, 0, 0).a0;
	verdict("ring a region that does not exist", r == SMCCC_INVALID_PARAMETER,
		"INVALID_PARAMETER");
	r = (long)bm_hvc(0x86000099U, 1, 2, 3).a0;
	verdict("unknown hypercall", r == SMCCC_NOT_SUPPORTED, "NOT_SUPPORTED");
	r = (long)bm_smc(TZV_STK_RET_FAST_DONE, 1, 2, 3).a0;
	verdict("call the monitor's STK-only return id", r == SMCCC_NOT_SUPPORTED, "NOT_SUPPORTED");

	/* random calls from every owner but the two that could legitimately
	 * stop this VM (PSCI, SMCCC arch), with random arguments */
	uint64_t x = 0x9e3779b97f4a7c15UL;
	unsigned odd = 0;
	for (unsigned i = 0; i < 300; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t fid = x & 0xffffffffUL;
		unsigned owner = (unsigned)(fid >> 24) & 0x3fU;
		if (owner == SMCCC_OWNER_ARCH || owner == SMCCC_OWNER_STD)
			fid ^= 0x20000000UL; /* move it to another owner */
		if (i % 10 == 0)
			fid |= x & 0xffffffff00000000UL; /* bits 63:32 set */
		struct bm_res res =
		    (i & 1) ? bm_smc(fid, x, ~x, x >> 3) : bm_hvc(fid, x, ~x, x >> 3);
		long v = (long)res.a0;
		uint32_t v32 = (uint32_t)res.a0;
		bool tos = owner >= SMCCC_OWNER_TOS_FIRST && !(fid >> 32);
		if (tos && (v32 == OPTEE_SMC_RETURN_UNKNOWN_FUNCTION ||
			    v32 == OPTEE_SMC_RETURN_ENOTAVAIL || v32 <= OPTEE_SMC_RETURN_ENOMEM))
			continue;
		if (v != SMCCC_NOT_SUPPORTED && v != SMCCC_INVALID_PARAMETER && v != 0 &&
		    (fid & 0xffffffffUL) != TZV_HC_CALL_UID &&
		    (fid & 0xffffffffUL) != TZV_HC_REVISION)
			odd++;
	}
	verdict("300 random SMCs and HVCs", odd == 0, "every one answered with an error code");
}

/* Lines that try to pass for the monitor's, the hypervisor's or a victim's,
 * to erase others' lines, retitle the terminal or make it answer a query
 * into the focused VM's input: the console must show each behind this
 * VM's name, as text. */
static void console_forgery(void)
{
	static const char *const forged[] = {
	    "\r[EL3 mon] forged by the attacker\n",
	    "\b\b\b\b\b\b\b\b\b\b\b\b[EL2 hyp] forged by the attacker\n",
	    "x\b\b\b\b\b\b\b\b\b\b\b\b[victim] forged by the attacker\n",
	    "\x1b[2K\x1b[1A\x1b[2K\r[peer] forged by the attacker\n",
	    "\x1b]0;forged title\x07\x1b[6n\x1b"
	    "c\a\a\x1bP+q544e\x1b\\\x9b"
	    "31m forged tail\n",
	};

	pr("attack: forging console lines\n");
	for (unsigned i = 0; i < sizeof(forged) / sizeof(forged[0]); i++)
		for (const char *c = forged[i]; *c; c++) /* raw, past lib's console */
			uart_tx(UART0_BASE, *c);
	pr("attack: forgery over\n");
}

void bm_main(uint64_t dtb)
{
	(void)dtb;
	bm_gic_init();
	pr("attacker up\n");
	bm_sleep_ms(1500); /* let the victims write their patterns */
	memory_attacks();
	gic_attacks();
	psci_attacks();
	call_attacks();
	tee_attacks();
	vtee_message_attacks();
	vtee_storm();
	bm_sleep_ms(200);
	pr("attack: done, %u blocked, %u not blocked\n", blocked, failed);
	/* flood the console for eight seconds, well past its allowance (64 KiB,
	 * then 32 KiB/s) even on a loaded host: only this VM may lose output */
	pr("attack: flood start\n");
	uint64_t start = read_sysreg(cntvct_el0), end = start + 8000U * bm_ticks_per_ms();
	unsigned long n = 0;
	for (; read_sysreg(cntvct_el0) < end; n++)
		pr("flood %lu "
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
		   n);
	/* (how fast it could write: a host too loaded to let it pass the
	 * allowance's rate loses nothing, as it should) */
	uint64_t ms = (read_sysreg(cntvct_el0) - start) / bm_ticks_per_ms();
	bm_sleep_ms(2100); /* let its output allowance grow back */
	pr("attack: flood over: %lu lines in %lu ms\n", n, (unsigned long)ms);
	console_forgery();
	for (;;) {
		bm_sleep_ms(500);
		if (bm_getc() == 'q')
			bm_power_off();
	}
}
