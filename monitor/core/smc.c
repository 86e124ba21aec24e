/* SMCs from the normal world, dispatched on the SMCCC owner field. */
#include <mon.h>
#include <tzv/console.h>
#include <tzv/optee.h>
#include <tzv/smccc.h>
#include <tzv/spinlock.h>

typedef void (*owner_handler)(struct mon_cpu *c, uint32_t fid);

static void ret(struct mon_cpu *c, long v)
{
	c->cur->gp.x[0] = (uint64_t)v;
}

static void smc_arch(struct mon_cpu *c, uint32_t fid)
{
	switch (fid) {
	case SMCCC_VERSION:
		ret(c, SMCCC_VERSION_1_1);
		break;
	case SMCCC_ARCH_FEATURES:
		ret(c, (uint32_t)c->cur->gp.x[1] == SMCCC_VERSION ? SMCCC_SUCCESS
								  : SMCCC_NOT_SUPPORTED);
		break;
	default:
		ret(c, SMCCC_NOT_SUPPORTED);
	}
}

static void smc_std(struct mon_cpu *c, uint32_t fid)
{
	if (SMCCC_FUNC(fid) <= 0x1f)
		psci_handle(c, fid);
	else if (TRNG_IS(fid))
		trng_handle(c, fid);
	else
		ret(c, SMCCC_NOT_SUPPORTED);
}

/* What the hypervisor does wrong is refused and said, within a budget: a
 * hostile hypervisor must not be able to flood the console either. */
static bool violation(struct mon_cpu *c, const char *what, uint32_t client)
{
	static unsigned logged;
	static spinlock_t lock;

	spin_lock(&lock);
	if (logged < 64)
		pr("hypervisor violation: %s %u on CPU %u of %s: refused\n", what, client, c->idx,
		   partmap_vm_name(partmap_vm_of_cpu(c->idx)));
	if (++logged == 64)
		pr("hypervisor violation: further ones are not logged\n");
	spin_unlock(&lock);
	return false;
}

/* The caller of a Trusted-OS call is the VM that owns this CPU in the signed
 * partition map, whatever the hypervisor put in w7, which must agree
 * (docs/trust-model.md). As client 0 the hypervisor speaks for itself:
 * fast calls only, and VM_CREATED / VM_DESTROYED only for this CPU's VM. */
static bool caller_ok(struct mon_cpu *c, uint32_t fid)
{
	uint32_t claimed = (uint32_t)c->ns.gp.x[7] & 0xffffU, target = (uint32_t)c->ns.gp.x[1];
	uint32_t own = cpu_client[c->idx];

	if (claimed != TZV_CLIENT_HYP)
		return claimed == own || violation(c, "hypervisor claimed client", claimed);
	if (!(fid & SMCCC_FAST))
		return violation(c, "hypervisor made a yielding call as client", claimed);
	if ((fid == OPTEE_SMC_VM_CREATED || fid == OPTEE_SMC_VM_DESTROYED) &&
	    (own == TZV_CLIENT_HYP || target != own))
		return violation(c, "hypervisor asked for the vTEE life of client", target);
	return true;
}

/* Trusted OS calls go to the STK: fast calls to one entry, yielding calls
 * (which may come back as an RPC and be resumed) to another. */
static void smc_trusted_os(struct mon_cpu *c, uint32_t fid)
{
	uint64_t entry = (fid & SMCCC_FAST) ? stk_entry.fast_smc : stk_entry.std_smc;

	if (!entry) {
		ret(c, SMCCC_NOT_SUPPORTED);
		return;
	}
	if (!caller_ok(c, fid)) {
		ret(c, OPTEE_SMC_RETURN_ENOTAVAIL);
		return;
	}
	world_call_stk(c, entry, fid & SMCCC_FAST);
}

static void smc_unknown(struct mon_cpu *c, uint32_t fid)
{
	(void)fid;
	ret(c, SMCCC_NOT_SUPPORTED);
}

static owner_handler owner_table(unsigned owner)
{
	if (owner == SMCCC_OWNER_ARCH)
		return smc_arch;
	if (owner == SMCCC_OWNER_STD)
		return smc_std;
	if (owner == SMCCC_OWNER_SIP)
		return smc_sip;
	if (owner >= SMCCC_OWNER_TOS_FIRST && owner <= SMCCC_OWNER_TOS_LAST)
		return smc_trusted_os;
	return smc_unknown;
}

void smc_from_ns(struct mon_cpu *c)
{
	uint64_t x0 = c->cur->gp.x[0];
	uint32_t fid = (uint32_t)x0;

	/* SMCCC: bits 63:32 of the function id must be zero for SMC64 too;
	 * the STK's own return ids are never accepted from this side. */
	if ((x0 >> 32) || (fid >= TZV_STK_RET_INIT_DONE && fid <= 0xBEFFFFFFU)) {
		ret(c, SMCCC_NOT_SUPPORTED);
		return;
	}
	owner_table(SMCCC_OWNER(fid))(c, fid);
}
