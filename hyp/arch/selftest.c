/* Boot-time checks of the boundaries the hypervisor relies on: the world
 * switch preserves normal-world state, and secure SRAM is out of reach. */
#include <board.h>
#include <cpu.h>
#include <tzv/console.h>
#include <tzv/optee.h>
#include <tzv/sysreg.h>

/* EL1 registers the secure side must leave as the normal world had them,
 * with a marker value each. */
#define EL1_MARKS(X)                                                                               \
	X(tpidr_el1, 0x7e57000000000001UL)                                                         \
	X(tpidr_el0, 0x7e57000000000002UL)                                                         \
	X(tpidrro_el0, 0x7e57000000000003UL)                                                       \
	X(contextidr_el1, 0x1234UL)                                                                \
	X(vbar_el1, 0x7e57800UL)                                                                   \
	X(ttbr0_el1, 0x7e57000UL)                                                                  \
	X(mair_el1, 0x0123456789abcdefUL)                                                          \
	X(sp_el1, 0x7e57ff0UL)                                                                     \
	X(elr_el1, 0x7e57f00UL)                                                                    \
	X(far_el1, 0x7e57faUL)                                                                     \
	X(sctlr_el1, 0x30D00800UL)

static void mark_el1(void)
{
#define MARK(reg, val) write_sysreg(reg, (val));
	EL1_MARKS(MARK)
#undef MARK
	isb();
}

static unsigned check_el1(void)
{
	unsigned bad = 0;
#define CHECK(reg, val)                                                                            \
	if (read_sysreg(reg) != (uint64_t)(val)) {                                                 \
		pr("world switch: " #reg " changed: %lx\n", (unsigned long)read_sysreg(reg));      \
		bad++;                                                                             \
	}
	EL1_MARKS(CHECK)
#undef CHECK
	return bad;
}

static void test_world_switch(void)
{
	struct smc_regs r = {{OPTEE_SMC_GET_OS_REVISION}};
	const uint64_t fp_marker = 0xf00d000000000000UL;
	unsigned bad;

	hyp_smc(&r);
	pr("world switch: GET_OS_REVISION via the monitor and the STK -> %lu.%lu\n",
	   (unsigned long)r.x[0], (unsigned long)r.x[1]);
	mark_el1();
	hyp_fp_fill(fp_marker);
	bad = hyp_smc_gpr_probe(OPTEE_SMC_CALLS_UID);
	bad += hyp_fp_check(fp_marker);
	bad += check_el1();
	struct smc_regs u = {{OPTEE_SMC_CALLS_UID}};
	hyp_smc(&u);
	if (u.x[0] != 0x384fb3e0UL || u.x[3] != 0xa5d5c51bUL)
		bad++;
	if (bad)
		pr("world switch: normal-world state NOT preserved (%u differences)\n", bad);
	else
		pr("world switch: round trip ok, EL1 system registers, GPRs and FP/SIMD "
		   "preserved\n");
}

static void test_secure_sram(void)
{
	uint64_t v;

	if (hyp_probe_read(SECURE_SRAM_BASE, &v) == 0)
		pr("secure SRAM: normal-world read at 0x%lx returned %lx: ISOLATION BROKEN\n",
		   (unsigned long)SECURE_SRAM_BASE, (unsigned long)v);
	else
		pr("secure SRAM: normal-world read at 0x%lx faulted (ESR 0x%lx): ok\n",
		   (unsigned long)SECURE_SRAM_BASE, (unsigned long)v);
}

void hyp_selftest(void)
{
	test_world_switch();
	test_secure_sram();
}
