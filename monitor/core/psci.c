/* The CPUs' state and the PSCI 1.1 firmware that changes it for the normal
 * world (the hypervisor). */
#include <mon.h>
#include <tzv/console.h>
#include <tzv/cpu.h>
#include <tzv/smccc.h>
#include <tzv/spinlock.h>
#include <tzv/sysreg.h>

struct mon_cpu mon_cpus[BOARD_MAX_CPUS];
extern uint8_t mon_stacks[];

/* Hold mailboxes: outside .bss so the primary never clears them while a
 * secondary is looking; cleared before the monitor resets the machine. */
#define HOLD_GO 0x474fUL
static volatile uint64_t hold_go[BOARD_MAX_CPUS] __attribute__((section(".hold")));
/* set by CPU 0's reset stub once the monitor is in SRAM (entry.S) */
volatile uint32_t mon_boot_copied __attribute__((section(".hold")));
/* each CPU once it runs from SRAM: only then may the flash be programmed */
static volatile uint8_t in_sram[BOARD_MAX_CPUS] __attribute__((section(".hold")));

static unsigned cpus_present = BOARD_MAX_CPUS;
static spinlock_t psci_lock; /* CPU power state changes */

static long x(struct mon_cpu *c, unsigned i)
{
	return (long)c->cur->gp.x[i];
}

static void ret(struct mon_cpu *c, long v)
{
	c->cur->gp.x[0] = (uint64_t)v;
}

/* The EL3 state of CPU idx, set up on this CPU as it comes on. */
struct mon_cpu *mon_cpu_setup(unsigned idx)
{
	struct mon_cpu *c = &mon_cpus[idx];

	c->idx = idx;
	cpu_arch_init(c);
	c->stack_top = (uint64_t)(uintptr_t)(mon_stacks + (idx + 1U) * MON_STACK_BYTES);
	return c;
}

static int target_cpu(uint64_t mpidr)
{
	mpidr = mpidr_affinity(mpidr);
	if (mpidr & ~0xffffUL)
		return -1;
	unsigned idx = board_cpu_index(mpidr);
	if (idx >= cpus_present || board_cpu_mpidr(idx) != mpidr)
		return -1;
	return (int)idx;
}

/* From entry.S, with the reset stub in the flash behind this CPU. */
void psci_cpu_in_sram(unsigned idx)
{
	in_sram[idx] = 1;
	dsb(sy);
}

/* Every CPU present runs from SRAM (at most a second's wait at boot: they
 * all start at reset). */
bool psci_wait_all_in_sram(void)
{
	uint64_t until = counter_ticks() + counter_freq();

	for (unsigned i = 0; i < cpus_present; i++)
		while (!in_sram[i])
			if (counter_ticks() > until)
				return false;
	return true;
}

void psci_mark_booted(unsigned idx, unsigned present)
{
	cpus_present = present;
	for (unsigned i = 0; i < BOARD_MAX_CPUS; i++)
		hold_go[i] = 0;
	mon_cpus[idx].state = CPU_ON;
}

/* This CPU has been switched on: into the STK's CPU_ON entry, which then
 * enters the normal world where CPU_ON asked. */
static void __attribute__((noreturn)) cpu_started(unsigned idx)
{
	struct mon_cpu *c = mon_cpu_setup(idx);
	const uint64_t args[1] = {idx};

	world_enter_stk(c, stk_entry.cpu_on, args, 1);
	el3_exit();
}

void mon_cpu_wait_for_on(unsigned idx)
{
	/* WFI, not WFE: a held CPU must not spin (it would steal the host
	 * CPU under emulation and burn power on hardware). */
	while (hold_go[idx] != HOLD_GO)
		gic_wait_wake();
	/* from here on, the state other CPUs read through their caches */
	mmu_enable();
	hold_go[idx] = 0;
	mon_cpus[idx].state = CPU_ON;
	cpu_started(idx);
}

static void psci_version(struct mon_cpu *c)
{
	ret(c, PSCI_VERSION_1_1);
}

static void psci_cpu_on(struct mon_cpu *c)
{
	int t = target_cpu((uint64_t)x(c, 1));

	if (t < 0) {
		ret(c, PSCI_INVALID_PARAMETERS);
		return;
	}
	struct mon_cpu *tc = &mon_cpus[t];
	long r = PSCI_SUCCESS;
	spin_lock(&psci_lock);
	if (tc->state == CPU_ON) {
		r = PSCI_ALREADY_ON;
	} else if (tc->state == CPU_ON_PENDING) {
		r = PSCI_ON_PENDING;
	} else {
		tc->ns_entry = (uint64_t)x(c, 2);
		tc->ns_context = (uint64_t)x(c, 3);
		tc->state = CPU_ON_PENDING;
		dsb(sy);
		hold_go[t] = HOLD_GO;
	}
	spin_unlock(&psci_lock);
	if (r == PSCI_SUCCESS)
		gic_send_wake((unsigned)t);
	ret(c, r);
}

static void psci_cpu_off(struct mon_cpu *c)
{
	c->state = CPU_OFF;
	dsb(sy);
	mon_cpu_wait_for_on(c->idx);
}

static void psci_affinity_info(struct mon_cpu *c)
{
	int t = target_cpu((uint64_t)x(c, 1));

	if (t < 0 || x(c, 2) != 0) {
		ret(c, PSCI_INVALID_PARAMETERS);
		return;
	}
	static const long map[] = {[CPU_OFF] = PSCI_AFF_OFF,
				   [CPU_ON_PENDING] = PSCI_AFF_ON_PENDING,
				   [CPU_ON] = PSCI_AFF_ON};
	ret(c, map[mon_cpus[t].state]);
}

static void psci_migrate_info_type(struct mon_cpu *c)
{
	ret(c, PSCI_MIGRATE_TOS_NOT_PRESENT);
}

static void psci_system_off(struct mon_cpu *c)
{
	(void)c;
	pr("PSCI SYSTEM_OFF: powering off\n");
	platform_power_off();
}

static void psci_system_reset(struct mon_cpu *c)
{
	(void)c;
	pr("PSCI SYSTEM_RESET: resetting\n");
	for (unsigned i = 0; i < BOARD_MAX_CPUS; i++)
		hold_go[i] = 0;
	mon_boot_copied = 0; /* the other CPUs wait for the next copy */
	for (unsigned i = 0; i < BOARD_MAX_CPUS; i++)
		in_sram[i] = 0;
	dsb(sy);
	platform_reset();
}

static void psci_features(struct mon_cpu *c);

struct psci_fn {
	uint32_t fid;
	void (*fn)(struct mon_cpu *c);
};

static const struct psci_fn psci_table[] = {
    {PSCI_VERSION, psci_version},
    {PSCI_CPU_ON_32, psci_cpu_on},
    {PSCI_CPU_ON_64, psci_cpu_on},
    {PSCI_CPU_OFF, psci_cpu_off},
    {PSCI_AFFINITY_INFO_32, psci_affinity_info},
    {PSCI_AFFINITY_INFO_64, psci_affinity_info},
    {PSCI_MIGRATE_INFO_TYPE, psci_migrate_info_type},
    {PSCI_SYSTEM_OFF, psci_system_off},
    {PSCI_SYSTEM_RESET, psci_system_reset},
    {PSCI_FEATURES, psci_features},
};

static void psci_features(struct mon_cpu *c)
{
	uint32_t q = (uint32_t)x(c, 1);

	ret(c, q == SMCCC_VERSION || SMCCC_FIND(psci_table, q) ? PSCI_SUCCESS : PSCI_NOT_SUPPORTED);
}

void psci_handle(struct mon_cpu *c, uint32_t fid)
{
	SMCCC_DISPATCH(psci_table, fid, c);
	ret(c, PSCI_NOT_SUPPORTED);
}
