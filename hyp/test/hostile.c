/* The hostile hypervisor of the trust-model tests: on a test guest's
 * command it forges client ids, hands the STK other VMs' or its own memory,
 * replays another VM's resume token, asks for other VMs' vTEE life from the
 * wrong CPU, and reads a VM's memory (which it may: it is outside the vTEEs'
 * TCB, not outside the VMs'). Linked into test/configs/hostile.toml only. */
#include <cpu.h>
#include <hostile.h>
#include <tzv/console.h>
#include <tzv/optee.h>
#include <tzv/string.h>
#include <tzv/sysreg.h>
#include <tzv/test-hostile.h>
#include <vm.h>

static struct {
	unsigned mode;
	uint64_t arg;
} per_vm[TZV_MAX_VMS];
static uint32_t last_token[TZV_MAX_VMS];

static bool active(const struct vm *vm, unsigned mode)
{
	return per_vm[vm->id].mode == mode;
}

uint32_t hostile_client(const struct vm *vm, uint32_t honest)
{
	return active(vm, HOSTILE_FORGE_CLIENT) ? TZV_CLIENT_OF_VM((uint32_t)per_vm[vm->id].arg)
						: honest;
}

uint64_t hostile_page(const struct vm *vm, uint64_t honest)
{
	return active(vm, HOSTILE_FOREIGN_PAGES) ? per_vm[vm->id].arg : honest;
}

uint64_t hostile_arg(const struct vm *vm, uint64_t honest)
{
	return active(vm, HOSTILE_FOREIGN_ARG) ? per_vm[vm->id].arg : honest;
}

bool hostile_unchecked(const struct vm *vm)
{
	return active(vm, HOSTILE_UNCHECKED_MSG);
}

bool hostile_guest_msg(const struct vm *vm)
{
	return active(vm, HOSTILE_GUEST_MSG);
}

void hostile_saw_token(const struct vm *vm, uint32_t token)
{
	last_token[vm->id] = token;
}

static uint64_t smc(uint32_t fid, uint64_t a1, uint64_t a3, uint32_t client)
{
	struct smc_regs r = {{fid, a1, 0, a3, 0, 0, 0, client}};

	hyp_smc(&r);
	return r.x[0];
}

/* What EL2 would write to take the secure timer's PPI (the STK's slices)
 * from the secure world: non-secure writes to a Secure Group 1
 * interrupt's bits are ignored (GICv3, GICD_CTLR.DS == 0). */
static void secure_ppi(unsigned pcpu)
{
	uintptr_t sgi = GICR_BASE + GICR_STRIDE * pcpu + 0x10000U;
	const uint32_t bit = 1U << 29;

	mmio_write32(sgi + 0x0180U, bit);	  /* GICR_ICENABLER0 */
	mmio_write32(sgi + 0x0280U, bit);	  /* GICR_ICPENDR0 */
	mmio_write32(sgi + 0x0080U, 0xffffffffU); /* GICR_IGROUPR0: all non-secure */
	mmio_write32(sgi + 0x0D00U, 0);		  /* GICR_IGRPMODR0 */
	mmio_write8(sgi + 0x0400U + 29U, 0xff);	  /* GICR_IPRIORITYR: lowest */
	pr("hostile: PPI 29 disabled, ungrouped and deprioritized on CPU %u\n", pcpu);
}

void hc_hostile(struct vcpu *v)
{
	unsigned mode = (unsigned)v->x[1];
	uint64_t arg = v->x[2], ipa = v->x[3];
	const struct vm_config *c = v->vm->cfg;
	uint32_t own = TZV_CLIENT_OF_VM(v->vm->id);

	pr("hostile: %s vcpu%u asks for mode %u (0x%lx)\n", c->name, v->id, mode,
	   (unsigned long)arg);
	v->x[0] = 0;
	switch (mode) {
	case HOSTILE_REPLAY_TOKEN:
		pr("hostile: resuming token 0x%x of vm %u\n", last_token[arg % TZV_MAX_VMS],
		   (unsigned)arg);
		v->x[0] = smc(OPTEE_SMC_RETURN_FROM_RPC, 0, last_token[arg % TZV_MAX_VMS], own);
		break;
	case HOSTILE_DESTROY_VM:
		v->x[0] = smc(OPTEE_SMC_VM_DESTROYED, TZV_CLIENT_OF_VM(arg), 0, TZV_CLIENT_HYP);
		break;
	case HOSTILE_CREATE_VM:
		v->x[0] = smc(OPTEE_SMC_VM_CREATED, TZV_CLIENT_OF_VM(arg), 0, TZV_CLIENT_HYP);
		break;
	case HOSTILE_YIELD_AS_HYP:
		v->x[0] = smc(OPTEE_SMC_CALL_WITH_ARG, 0, 0, TZV_CLIENT_HYP);
		break;
	case HOSTILE_SECURE_PPI:
		secure_ppi(v->pcpu);
		break;
	case HOSTILE_READ_VM:
		if (ipa >= c->ram_ipa && ipa - c->ram_ipa <= c->ram_size - 4096U)
			memcpy((void *)(uintptr_t)(c->ram_pa + ipa - c->ram_ipa),
			       (const void *)(uintptr_t)arg, 4096U);
		break;
	default:
		per_vm[v->vm->id].mode = mode;
		per_vm[v->vm->id].arg = arg;
	}
}
