/* SMC Calling Convention and PSCI function ids and return codes. */
#ifndef TZV_SMCCC_H
#define TZV_SMCCC_H
#include <stdint.h>

#define SMCCC_FAST	 (1U << 31)
#define SMCCC_64	 (1U << 30)
#define SMCCC_OWNER(fid) (((fid) >> 24) & 0x3fU)
#define SMCCC_FUNC(fid)	 ((fid)&0xffffU)

/* Dispatch tables are arrays of structs with a uint32_t fid and a handler
 * fn, as every level's SMC, PSCI and hypercall tables are.
 * SMCCC_DISPATCH calls the handler of function id with the arguments that
 * follow, then returns from the calling function; without an entry for id
 * it does nothing, and the caller goes on to its not-found answer. (The
 * call sits in the loop so that the compiler resolves each handler at its
 * comparison.) SMCCC_FIND gives the entry, or NULL. */
#define SMCCC_DISPATCH(table, id, ...)                                                             \
	for (unsigned i_ = 0; i_ < sizeof(table) / sizeof((table)[0]); i_++)                       \
		if ((table)[i_].fid == (id)) {                                                     \
			(table)[i_].fn(__VA_ARGS__);                                               \
			return;                                                                    \
		}
#define SMCCC_FIND(table, id)                                                                      \
	({                                                                                         \
		__typeof__(&(table)[0]) e_ = NULL;                                                 \
		for (unsigned i_ = 0; !e_ && i_ < sizeof(table) / sizeof((table)[0]); i_++)        \
			if ((table)[i_].fid == (id))                                               \
				e_ = &(table)[i_];                                                 \
		e_;                                                                                \
	})

#define SMCCC_OWNER_ARCH       0U
#define SMCCC_OWNER_SIP	       2U
#define SMCCC_OWNER_STD	       4U
#define SMCCC_OWNER_VENDOR_HYP 6U
#define SMCCC_OWNER_TOS_FIRST  50U
#define SMCCC_OWNER_TOS_LAST   63U

#define SMCCC_VERSION	    0x80000000U
#define SMCCC_ARCH_FEATURES 0x80000001U
#define SMCCC_VERSION_1_1   0x10001U

#define SMCCC_SUCCESS		0L
#define SMCCC_NOT_SUPPORTED	(-1L)
#define SMCCC_NOT_REQUIRED	(-2L)
#define SMCCC_INVALID_PARAMETER (-3L)

/* PSCI 1.1 */
#define PSCI_VERSION	       0x84000000U
#define PSCI_CPU_SUSPEND_32    0x84000001U
#define PSCI_CPU_OFF	       0x84000002U
#define PSCI_CPU_ON_32	       0x84000003U
#define PSCI_AFFINITY_INFO_32  0x84000004U
#define PSCI_MIGRATE_INFO_TYPE 0x84000006U
#define PSCI_SYSTEM_OFF	       0x84000008U
#define PSCI_SYSTEM_RESET      0x84000009U
#define PSCI_FEATURES	       0x8400000AU
#define PSCI_CPU_SUSPEND_64    0xC4000001U
#define PSCI_CPU_ON_64	       0xC4000003U
#define PSCI_AFFINITY_INFO_64  0xC4000004U

#define PSCI_VERSION_1_1 0x10001U

#define PSCI_SUCCESS		0L
#define PSCI_NOT_SUPPORTED	(-1L)
#define PSCI_INVALID_PARAMETERS (-2L)
#define PSCI_DENIED		(-3L)
#define PSCI_ALREADY_ON		(-4L)
#define PSCI_ON_PENDING		(-5L)
#define PSCI_INTERNAL_FAILURE	(-6L)
#define PSCI_NOT_PRESENT	(-7L)
#define PSCI_DISABLED		(-8L)
#define PSCI_INVALID_ADDRESS	(-9L)

#define PSCI_AFF_ON	    0L
#define PSCI_AFF_OFF	    1L
#define PSCI_AFF_ON_PENDING 2L

#define PSCI_MIGRATE_TOS_NOT_PRESENT 2L

/* SMCCC TRNG 1.0 (Arm DEN0098), answered by the monitor */
#define TRNG_VERSION	 0x84000050U
#define TRNG_FEATURES	 0x84000051U
#define TRNG_GET_UUID	 0x84000052U
#define TRNG_RND32	 0x84000053U
#define TRNG_RND64	 0xC4000053U
#define TRNG_VERSION_1_0 0x10000L
#define TRNG_IS(fid)	 (SMCCC_FUNC(fid) >= 0x50U && SMCCC_FUNC(fid) <= 0x53U)

#define TRNG_NOT_SUPPORTED	(-1L)
#define TRNG_INVALID_PARAMETERS (-2L)
#define TRNG_NO_ENTROPY		(-3L)

/* tzvisor hypercalls: SMCCC fast SMC32 calls, vendor-specific hypervisor
 * owner, through HVC or SMC (docs/hypercalls.md) */
#define TZV_HC_CALL_UID	   0x8600FF01U
#define TZV_HC_REVISION	   0x8600FF03U
#define TZV_HC_NULL	   0x86000001U
#define TZV_HC_DOORBELL	   0x86000002U
#define TZV_HC_GUEST_PANIC 0x86000003U
/* introspection (docs/hypercalls.md): x1 = the target VM's index */
#define TZV_HC_VMI_TARGET 0x86000010U /* x1, x2: a VM's name (16 bytes) -> its index */
#define TZV_HC_VMI_PAUSE  0x86000011U
#define TZV_HC_VMI_RESUME 0x86000012U
#define TZV_HC_VMI_READ	  0x86000013U /* x2 target IPA, x3 length, x4 caller's IPA */
#define TZV_HC_VMI_REGS	  0x86000014U /* x2 vCPU, x3 caller's IPA of a struct tzv_vmi_regs */
#define TZV_HC_VMI_EVENTS 0x86000015U /* x1 caller's IPA of its event ring, x2 its size */
#define TZV_HC_VMI_WATCH  0x86000016U /* x2 IPA, x3 length, x4 policy: writes to those pages */
#define TZV_HC_VMI_TRAP	  0x86000017U /* x2 TZV_VMI_TRAP_* : which other events */
#define TZV_HC_VMI_ANSWER 0x86000018U /* x2 event seq, x3 1 allow / 0 deny */
#define TZV_VMI_DENIED	  (-4L)	      /* no right over that VM (or it is the caller) */
#define TZV_VMI_BUSY	  (-5L)	      /* not paused, did not pause in time, watched by another */
#define TZV_VMI_FULL	  (-6L)	      /* no watch slot or stage-2 table page left */
#define TZV_VMI_READ_MAX  4096U
/* VMI_WATCH policy: 0 lifts the watch; DENY or ALLOW is the verdict, ASK
 * first waits up to TZV_VMI_ASK_MS for the monitor's VMI_ANSWER. */
#define TZV_VMI_WP_DENY	    1U
#define TZV_VMI_WP_ALLOW    2U
#define TZV_VMI_WP_ASK	    4U
#define TZV_VMI_ASK_MS	    100U
#define TZV_VMI_MAX_WATCHES 16U
#define TZV_VMI_TRAP_SYSREG 1U /* writes to SCTLR, TTBR0/1, TCR, MAIR... (HCR_EL2.TVM) */
#define TZV_VMI_TRAP_SMC    2U
#define TZV_VMI_TRAP_HVC    4U
/* One event. verdict of a write: bit 0 allowed, bit 1 the monitor was
 * asked, bit 2 it could not be allowed (no syndrome to emulate it by) */
enum tzv_vmi_kind {
	TZV_VMI_EV_WRITE = 1, /* addr = IPA, value = VA */
	TZV_VMI_EV_SYSREG,    /* addr = the ESR_EL2 key of the register, value = written */
	TZV_VMI_EV_SMC,	      /* addr = x0, value = x1 */
	TZV_VMI_EV_HVC,
	TZV_VMI_EV_TIMEOUT, /* addr = seq of the event not answered in time */
};
#define TZV_VMI_V_ALLOWED     1U
#define TZV_VMI_V_ASKED	      2U
#define TZV_VMI_V_NO_SYNDROME 4U
struct tzv_vmi_event {
	uint32_t seq; /* every event counts, kept or lost */
	uint8_t kind, target, vcpu, verdict;
	uint64_t pc, addr, value;
};
/* The ring, in the monitor VM's RAM: the hypervisor writes records and
 * head, the monitor advances tail; a full ring drops records and counts
 * them in lost. */
struct tzv_vmi_ring {
	uint32_t head, tail, lost, size;
	uint64_t reserved[2];
	struct tzv_vmi_event ev[];
};
/* what VMI_REGS writes: a paused vCPU's registers as it left EL1 */
struct tzv_vmi_regs {
	uint64_t x[31], pc, pstate;
	uint64_t sctlr, ttbr0, ttbr1, tcr, mair, vbar, esr, far, sp_el1, elr, spsr;
	uint64_t sp_el0; /* Linux at EL1 keeps its current task there */
};
#define TZV_HC_REV_MAJOR 1U
#define TZV_HC_REV_MINOR 0U

/* The hypervisor asks the monitor to verify and measure a VM's images in
 * the VM's RAM before it starts the VM (SiP owner, fast, SMC64):
 * x1 = VM index; x0 = 0, or an error below. */
#define TZV_SIP_VERIFY_VM    0xC2000001U
#define TZV_VERIFY_OK	     0
#define TZV_VERIFY_MISMATCH  1 /* a component's size or hash differs */
#define TZV_VERIFY_NO_IMAGES 2 /* the manifest has no kernel for that VM */
#define TZV_VERIFY_ROLLBACK  3 /* a security version below the stored minimum */
#define TZV_VERIFY_BAD_PLACE 4 /* a component outside normal-world RAM */

/* Calls from the secure tiny kernel back to the monitor (owner 62, which
 * the normal world can never reach because they are only accepted from the
 * secure state). */
#define TZV_STK_RET_INIT_DONE	0xBE000000U
#define TZV_STK_RET_FAST_DONE	0xBE000001U
#define TZV_STK_RET_CPU_ON_DONE 0xBE000002U
/* and services the monitor does for the STK, which then goes on:
 * PAL_SVN x1 = a struct stk_pal_svn in the STK's memory; x0 back: */
#define TZV_STK_SVC_PAL_SVN 0xBE000010U
#define TZV_PAL_SVN_OK	    0U /* stored in the secure flash */
#define TZV_PAL_SVN_FULL    1U /* no room for another PAL's minimum */
#define TZV_PAL_SVN_FLASH   2U /* the flash could not be written */
/* FLASH x1 = a struct stk_flash_req in the STK's memory: read, program or
 * erase in the trusted-storage region; x0 back 0 or one of: */
#define TZV_STK_SVC_FLASH 0xBE000011U
#define TZV_FLASH_BAD	  1U /* outside the region, unaligned, or a buffer outside the STK */
#define TZV_FLASH_FAILED  2U /* the flash reported an error */

/* tzvisor STK revision, answered to GET_OS_REVISION */
#define TZV_OS_REV_MAJOR 0U
#define TZV_OS_REV_MINOR 1U

#endif
