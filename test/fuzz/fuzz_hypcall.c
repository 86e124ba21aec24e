/* Fuzz target: every SMC/HVC a guest makes (hyp/core/smccc.c guest_smccc),
 * with what it dispatches to: guest PSCI and the SMCCC arch calls
 * (hyp/core/vpsci.c), tzvisor's hypercalls (hyp/core/hypercall.c, with
 * hyp/core/shmem.c's doorbells), the TRNG and the OP-TEE mediation
 * (hyp/core/tee.c: argument-page checks, REGISTER_SHM and SHM_ALLOC page
 * lists, RPC argument copies, copy back), on a VM whose RAM is a host
 * buffer the input fills and changes between calls. EL3's answers
 * (hyp_smc) come from the input; the calls that do not return
 * (SYSTEM_OFF/RESET, CPU_OFF, guest panic) end the step by longjmp
 * (shim/hyp.c). fuzz_mediation.c is this target with the OP-TEE calls
 * only.
 *
 * Input: the VM's shape (shim/hyp.c fuzz_vm_setup), its vTEE page limit,
 * up to 64 KiB of guest RAM contents, then operations. */
#include <stdlib.h>
#include <string.h>

#include <tzv/console.h>
#include <tzv/optee.h>
#include <tzv/smccc.h>

#include "shim/hyp.h"

#define GUEST_IPA 0x40000000UL
#define GUEST_RAM (64UL * 1024U)

static uint8_t guest_ram[GUEST_RAM] __attribute__((aligned(4096)));
/* the VM's share of HYP_TEE_PAGES: three pages per call in flight */
static uint8_t tee_pages[3U * TZV_TEE_MAX_CALLS * 4096U] __attribute__((aligned(4096)));

/* one shared region, of VM 0 and VM 1 (which is off) */
const struct shmem_config shmem_configs[] = {
    {"shm0", 0x60000000UL, 0x1000, 2, {{0, 0x60000000UL, 50}, {1, 0x60000000UL, 50}}}};
const unsigned shmem_config_count = 1;

static const uint32_t fids[] = {
    OPTEE_SMC_CALL_WITH_ARG,
    OPTEE_SMC_RETURN_FROM_RPC,
    OPTEE_SMC_CALLS_UID,
    OPTEE_SMC_EXCHANGE_CAPABILITIES,
    OPTEE_SMC_GET_THREAD_COUNT,
    OPTEE_SMC_VM_CREATED, /* the guest may not: the hypervisor alone does */
    0x32000005U,	  /* CALL_WITH_RPC_ARG */
#ifndef FUZZ_MEDIATION
    PSCI_VERSION,
    PSCI_CPU_ON_64,
    PSCI_CPU_ON_32,
    PSCI_AFFINITY_INFO_64,
    PSCI_AFFINITY_INFO_32,
    PSCI_FEATURES,
    PSCI_MIGRATE_INFO_TYPE,
    PSCI_CPU_OFF,
    PSCI_SYSTEM_OFF,
    PSCI_SYSTEM_RESET,
    PSCI_CPU_SUSPEND_64,
    SMCCC_VERSION,
    SMCCC_ARCH_FEATURES,
    TRNG_VERSION,
    TRNG_RND64,
    TZV_HC_CALL_UID,
    TZV_HC_VMI_TARGET,
    TZV_HC_VMI_PAUSE,
    TZV_HC_VMI_RESUME,
    TZV_HC_VMI_READ,
    TZV_HC_VMI_REGS,
    TZV_HC_VMI_EVENTS,
    TZV_HC_VMI_WATCH,
    TZV_HC_VMI_TRAP,
    TZV_HC_VMI_ANSWER,
    TZV_HC_REVISION,
    TZV_HC_NULL,
    TZV_HC_DOORBELL,
    TZV_HC_GUEST_PANIC,
    0x87000000U, /* an owner nobody answers for */
#endif
};

/* What the hypervisor relies on between calls: no call is left running
 * (each ended, or waits for the guest's RETURN_FROM_RPC). */
FUZZ_UNTRACED static void check(const struct vm *vm)
{
	for (unsigned i = 0; i < TZV_TEE_MAX_CALLS; i++)
		if (vm->tee_call[i].state == TEE_CALL_RUNNING)
			abort();
	if (vm->tee_lock.locked || vm->lock.locked)
		abort();
}

/* An address the guest might pass: often inside its RAM, page-aligned. */
static uint64_t guest_addr(struct fuzz_in *in)
{
	uint8_t how = fuzz_u8(in);

	if (how < 0xc0U)
		return GUEST_IPA + (uint64_t)(how % (GUEST_RAM / 4096U)) * 4096U;
	return fuzz_u64(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct vm *vm;

	FUZZ_TRY(vm = fuzz_vm_setup(&in));
	fuzz_cfg.ram_ipa = GUEST_IPA;
	fuzz_cfg.ram_pa = (uint64_t)(uintptr_t)guest_ram;
	fuzz_cfg.ram_size = GUEST_RAM;
	fuzz_cfg.tee.pages = (uint64_t)(uintptr_t)tee_pages;
	fuzz_cfg.tee.shm_pages = 1U + fuzz_u16(&in) % TZV_TEE_MAX_SHM_PAGES;
	fuzz_cfg.on_panic = fuzz_u8(&in) & 1U ? ON_PANIC_RESTART : ON_PANIC_STOP;
	memset(guest_ram, 0, sizeof(guest_ram));
	memset(tee_pages, 0, sizeof(tee_pages));
	fuzz_bytes(&in, guest_ram, fuzz_u16(&in));
	fuzz_smc_in = &in;
	fuzz_power_on_result = 0;

	while (in.n) {
		uint8_t op = fuzz_u8(&in);
		struct vcpu *v = &vm->vcpu[(op >> 5) % vm->cfg->ncpus];
		fuzz_pcpu = v->pcpu;
		switch (op % 4U) {
		case 0:
		case 1: { /* a call: a known function id, or any */
			uint8_t f = fuzz_u8(&in);
			v->x[0] =
			    f < 0xf0U ? fids[f % (sizeof(fids) / sizeof(fids[0]))] : fuzz_u64(&in);
			if (op & 1U) { /* an argument page as x1:x2 */
				uint64_t a = guest_addr(&in);
				v->x[1] = a >> 32;
				v->x[2] = a & 0xffffffffUL;
			} else {
				v->x[1] = fuzz_u64(&in);
				v->x[2] = fuzz_u64(&in);
			}
			for (unsigned i = 3; i < 8; i++)
				v->x[i] = fuzz_u8(&in) & 1U ? fuzz_u64(&in) : 0;
			fuzz_power_on_result = (long)(int8_t)fuzz_u8(&in) % 2;
			FUZZ_TRY(guest_smccc(v));
			break;
		}
		case 2: { /* the guest (another of its CPUs) changes its RAM */
			uint16_t off = fuzz_u16(&in);
			uint8_t n = fuzz_u8(&in);
			if ((size_t)off + n <= sizeof(guest_ram))
				fuzz_bytes(&in, guest_ram + off, n);
			else if (n >= 8 && off < sizeof(guest_ram) - 8) /* a page address */
				*(uint64_t *)(void *)(guest_ram + (off & ~7U)) = guest_addr(&in);
			break;
		}
		case 3: /* the hypervisor's own: the vTEE made or gone */
			if (op & 0x80U)
				FUZZ_TRY(tee_vm_destroyed(vm));
			else
				FUZZ_TRY(tee_vm_created(vm));
			break;
		}
		check(vm);
	}
	fuzz_smc_in = NULL;
	return 0;
}
