/* SMCs from the normal world, dispatched on the SMCCC owner field. */
#include <mon.h>
#include <tzv/smccc.h>

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
	else
		ret(c, SMCCC_NOT_SUPPORTED);
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
	uint64_t args[8];
	for (unsigned i = 0; i < 8; i++)
		args[i] = c->ns.gp.x[i] & 0xffffffffUL;
	world_enter_stk(c, entry, args, 8);
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
