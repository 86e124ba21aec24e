/* Introspection test guest (test/configs/vmi.toml). As "monitor" (it may
 * introspect "target", a victim guest) it reads the target's pattern from
 * outside while it runs, pauses it, reads its vCPU's registers, checks the
 * bounds, and resumes it; then it write-protects the victim's scribble page
 * (denied, allowed, asked and answered, asked and not answered), traps its
 * register writes and calls, and lets its event ring overflow. As "other"
 * (no rights) it checks that every call on every VM is refused. Each check
 * prints one line; the test reads them. */
#include "bm.h"

#include <tzv/string.h>

static long hvc5(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	register uint64_t x0 __asm__("x0") = fid, x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2, x3 __asm__("x3") = a3, x4 __asm__("x4") = a4;
	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4)::"x5", "x6", "x7", "x8",
			   "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
	return (long)x0;
}

static long vm_index(const char *name)
{
	uint64_t w[2] = {0, 0};
	memcpy(w, name, strlen(name));
	return hvc5(TZV_HC_VMI_TARGET, w[0], w[1], 0, 0);
}

#define AREA 0x40100000UL /* the victim's pattern (guest-victim.c) */
static uint32_t pattern(unsigned i)
{
	return 0x71c70000U ^ (i * 2654435761U);
}

static uint32_t buf[1024] __attribute__((aligned(4096)));
static struct tzv_vmi_regs regs __attribute__((aligned(64)));
static unsigned bad;

static void expect(const char *what, long got, long want)
{
	pr("vmi: %s: %ld (%s)\n", what, got, got == want ? "as expected" : "WRONG");
	bad += got != want;
}

static bool pattern_seen(long t)
{
	if (hvc5(TZV_HC_VMI_READ, (uint64_t)t, AREA, sizeof(buf), (uint64_t)(uintptr_t)buf))
		return false;
	for (unsigned i = 0; i < 1024; i++)
		if (buf[i] != pattern(i))
			return false;
	return true;
}

static void event_checks(long t);

static void as_monitor(long t, long other, long me)
{
	unsigned waited = 0;
	while (!pattern_seen(t) && waited < 30000) {
		bm_sleep_ms(100);
		waited += 100;
	}
	pr("vmi: the target's pattern read while it runs: %s\n",
	   pattern_seen(t) ? "ok" : "NOT SEEN");
	expect("registers of a running vCPU",
	       hvc5(TZV_HC_VMI_REGS, (uint64_t)t, 0, (uint64_t)(uintptr_t)&regs, 0), TZV_VMI_BUSY);
	expect("pause", hvc5(TZV_HC_VMI_PAUSE, (uint64_t)t, 0, 0, 0), 0);
	pr("vmi: target paused\n");
	expect("registers", hvc5(TZV_HC_VMI_REGS, (uint64_t)t, 0, (uint64_t)(uintptr_t)&regs, 0),
	       0);
	bool in_image = regs.pc >= 0x40200000UL && regs.pc < 0x40400000UL;
	pr("vmi: target vcpu0 pc 0x%lx %s, pstate 0x%lx, sctlr 0x%lx, vbar 0x%lx\n",
	   (unsigned long)regs.pc, in_image ? "in its image" : "NOT IN ITS IMAGE",
	   (unsigned long)regs.pstate, (unsigned long)regs.sctlr, (unsigned long)regs.vbar);
	bad += !in_image;
	expect("registers of a vCPU it lacks",
	       hvc5(TZV_HC_VMI_REGS, (uint64_t)t, 1, (uint64_t)(uintptr_t)&regs, 0),
	       SMCCC_INVALID_PARAMETER);
	bm_sleep_ms(2000); /* the target prints nothing meanwhile */
	pr("vmi: resuming target\n");
	expect("resume", hvc5(TZV_HC_VMI_RESUME, (uint64_t)t, 0, 0, 0), 0);
	uint64_t mine = (uint64_t)(uintptr_t)buf;
	expect("read past the target's RAM",
	       hvc5(TZV_HC_VMI_READ, (uint64_t)t, 0x44000000UL - 8, 64, mine),
	       SMCCC_INVALID_PARAMETER);
	expect("read of the GIC", hvc5(TZV_HC_VMI_READ, (uint64_t)t, GICD_BASE, 64, mine),
	       SMCCC_INVALID_PARAMETER);
	expect("read of secure SRAM",
	       hvc5(TZV_HC_VMI_READ, (uint64_t)t, SECURE_SRAM_BASE, 64, mine),
	       SMCCC_INVALID_PARAMETER);
	expect("read of more than 4 KiB", hvc5(TZV_HC_VMI_READ, (uint64_t)t, AREA, 8192, mine),
	       SMCCC_INVALID_PARAMETER);
	expect("read into memory not its own",
	       hvc5(TZV_HC_VMI_READ, (uint64_t)t, AREA, 64, 0x44000000UL), SMCCC_INVALID_PARAMETER);
	expect("pause of a VM without the right", hvc5(TZV_HC_VMI_PAUSE, (uint64_t)other, 0, 0, 0),
	       TZV_VMI_DENIED);
	expect("read of a VM without the right",
	       hvc5(TZV_HC_VMI_READ, (uint64_t)other, AREA, 64, mine), TZV_VMI_DENIED);
	expect("read of itself", hvc5(TZV_HC_VMI_READ, (uint64_t)me, AREA, 64, mine),
	       TZV_VMI_DENIED);
	expect("read of a VM that does not exist", hvc5(TZV_HC_VMI_READ, 7, AREA, 64, mine),
	       TZV_VMI_DENIED);
	event_checks(t);
}

#define SCRIBBLE	    0x40800000UL /* the victim's scribble page (guest-victim.c) */
#define DOORBELL	    255U	 /* tzv-config: the highest SPI the VM has free */
#define KEY_TTBR0	    0x300800UL	 /* ESR_EL2 key of TTBR0_EL1 (op0 3, CRn 2) */
#define OPTEE_CALL_WITH_ARG 0x32000004UL

static uint8_t ring_mem[4096] __attribute__((aligned(4096)));
static struct tzv_vmi_ring *const ring = (struct tzv_vmi_ring *)ring_mem;
static volatile unsigned doorbells;

static void doorbell(unsigned intid)
{
	if (intid == DOORBELL)
		doorbells++;
	else
		pr("vmi: UNEXPECTED interrupt %u\n", intid);
}

#define VOLATILE(x) (*(volatile __typeof__(x) *)&(x))

/* The next event of that kind, waiting at most ms; others are consumed. */
static bool next_event(unsigned kind, unsigned ms, struct tzv_vmi_event *out)
{
	for (unsigned waited = 0; waited <= ms; waited += 5) {
		while (VOLATILE(ring->tail) != VOLATILE(ring->head)) {
			dmb(ish);
			*out = ring->ev[ring->tail % ring->size];
			VOLATILE(ring->tail) = ring->tail + 1;
			if (out->kind == kind)
				return true;
		}
		bm_sleep_ms(5);
	}
	pr("vmi: NO EVENT of kind %u in %u ms\n", kind, ms);
	bad++;
	return false;
}

static long watch(long t, uint64_t ipa, uint64_t len, uint64_t policy)
{
	return hvc5(TZV_HC_VMI_WATCH, (uint64_t)t, ipa, len, policy);
}

/* The policy changes with the target paused, as the hypervisor requires. */
static void rewatch(long t, const char *what, uint64_t policy)
{
	expect("pause", hvc5(TZV_HC_VMI_PAUSE, (uint64_t)t, 0, 0, 0), 0);
	expect(what, watch(t, SCRIBBLE, 4096, policy), 0);
	expect("resume", hvc5(TZV_HC_VMI_RESUME, (uint64_t)t, 0, 0, 0), 0);
}

static void write_event(const char *what, bool allowed)
{
	struct tzv_vmi_event e;

	if (!next_event(TZV_VMI_EV_WRITE, 3000, &e))
		return;
	bool ok = e.addr == SCRIBBLE && e.vcpu == 0 && !!(e.verdict & TZV_VMI_V_ALLOWED) == allowed;
	pr("vmi: %s: write event seq %u at IPA 0x%lx by vcpu%u, PC 0x%lx, verdict %u (%s)\n", what,
	   e.seq, (unsigned long)e.addr, e.vcpu, (unsigned long)e.pc, e.verdict,
	   ok ? "as expected" : "WRONG");
	bad += !ok;
}

static void watch_checks(long t)
{
	struct tzv_vmi_event e;

	expect("watch of a running target", watch(t, SCRIBBLE, 4096, TZV_VMI_WP_DENY),
	       TZV_VMI_BUSY);
	expect("pause", hvc5(TZV_HC_VMI_PAUSE, (uint64_t)t, 0, 0, 0), 0);
	expect("watch outside the target's RAM", watch(t, 0x44000000UL, 4096, TZV_VMI_WP_DENY),
	       SMCCC_INVALID_PARAMETER);
	expect("watch with both verdicts", watch(t, SCRIBBLE, 4096, 3), SMCCC_INVALID_PARAMETER);
	expect("watch of a part of a page", watch(t, SCRIBBLE + 8, 4096, TZV_VMI_WP_DENY),
	       SMCCC_INVALID_PARAMETER);
	expect("watch, deny", watch(t, SCRIBBLE, 4096, TZV_VMI_WP_DENY), 0);
	expect("watch overlapping another", watch(t, SCRIBBLE - 4096, 8192, TZV_VMI_WP_DENY),
	       SMCCC_INVALID_PARAMETER);
	unsigned more = 0;
	while (more < 32 && !watch(t, SCRIBBLE + (more + 1) * 8192, 4096, TZV_VMI_WP_DENY))
		more++;
	expect("watch past the last slot", watch(t, SCRIBBLE + (more + 1) * 8192, 4096, 1),
	       TZV_VMI_FULL);
	pr("vmi: %u watches at once\n", more + 1);
	for (unsigned i = 1; i <= more; i++)
		bad += watch(t, SCRIBBLE + i * 8192, 4096, 0) != 0;
	expect("lifting a watch that is not there", watch(t, SCRIBBLE + 8192, 4096, 0),
	       SMCCC_INVALID_PARAMETER);
	expect("resume", hvc5(TZV_HC_VMI_RESUME, (uint64_t)t, 0, 0, 0), 0);
	write_event("denied", false);
	rewatch(t, "watch, allow", TZV_VMI_WP_ALLOW);
	write_event("allowed", true);
	rewatch(t, "watch, ask then deny", TZV_VMI_WP_ASK | TZV_VMI_WP_DENY);
	/* (an answer later than the target's 100 ms finds nobody waiting: a
	 * slow host can make this CPU that late; then the next write) */
	long r = -1;
	for (unsigned tries = 0; r && tries < 5 && next_event(TZV_VMI_EV_WRITE, 3000, &e); tries++)
		r = hvc5(TZV_HC_VMI_ANSWER, (uint64_t)t, e.seq, 1, 0);
	expect("answer allow to an asked write", r, 0);
	pr("vmi: answered event seq %u\n", e.seq);
	if (next_event(TZV_VMI_EV_TIMEOUT, 3000, &e))
		pr("vmi: unanswered event seq %lu: the target went on after %u ms, verdict %u\n",
		   (unsigned long)e.addr, TZV_VMI_ASK_MS, e.verdict);
	expect("answer to an event nobody waits on",
	       hvc5(TZV_HC_VMI_ANSWER, (uint64_t)t, 0xfffffff, 1, 0), SMCCC_INVALID_PARAMETER);
	rewatch(t, "lifting the watch", 0);
}

static void trap_checks(long t)
{
	uint64_t r = (uint64_t)(uintptr_t)ring_mem;
	struct tzv_vmi_event e;

	expect("traps of an unknown kind", hvc5(TZV_HC_VMI_TRAP, (uint64_t)t, 8, 0, 0),
	       SMCCC_INVALID_PARAMETER);
	expect("traps", hvc5(TZV_HC_VMI_TRAP, (uint64_t)t, 7, 0, 0), 0);
	if (next_event(TZV_VMI_EV_SYSREG, 3000, &e))
		pr("vmi: sysreg event: key 0x%lx value %lu (%s)\n", (unsigned long)e.addr,
		   (unsigned long)e.value, e.addr == KEY_TTBR0 ? "TTBR0_EL1" : "WRONG");
	if (next_event(TZV_VMI_EV_HVC, 3000, &e))
		pr("vmi: hvc event: x0 0x%lx (%s)\n", (unsigned long)e.addr,
		   e.addr == TZV_HC_NULL ? "NULL" : "WRONG");
	if (next_event(TZV_VMI_EV_SMC, 3000, &e))
		pr("vmi: smc event: x0 0x%lx\n", (unsigned long)e.addr);
	/* a ring of four events, not drained for two seconds */
	expect("a ring of four", hvc5(TZV_HC_VMI_EVENTS, r, 32 + 4 * 32, 0, 0), 0);
	bm_sleep_ms(2000);
	unsigned kept = ring->head - ring->tail, lost = VOLATILE(ring->lost);
	pr("vmi: a full ring: %u kept, %u lost, %u doorbells (%s)\n", kept, lost, doorbells,
	   kept == 4 && lost > 0 && doorbells > 0 ? "as expected" : "WRONG");
	bad += !(kept == 4 && lost > 0 && doorbells > 0);
	expect("traps off", hvc5(TZV_HC_VMI_TRAP, (uint64_t)t, 0, 0, 0), 0);
	expect("no ring", hvc5(TZV_HC_VMI_EVENTS, 0, 0, 0, 0), 0);
}

static void event_checks(long t)
{
	uint64_t r = (uint64_t)(uintptr_t)ring_mem;

	bm_irq_hook = doorbell;
	mmio_write32(GICD_BASE + 0x100 + 4 * (DOORBELL / 32), 1U << (DOORBELL % 32));
	expect("an event ring outside its RAM",
	       hvc5(TZV_HC_VMI_EVENTS, 0x44000000UL - 64, 4096, 0, 0), SMCCC_INVALID_PARAMETER);
	expect("an event ring too small", hvc5(TZV_HC_VMI_EVENTS, r, 40, 0, 0),
	       SMCCC_INVALID_PARAMETER);
	expect("event ring", hvc5(TZV_HC_VMI_EVENTS, r, sizeof(ring_mem), 0, 0), 0);
	pr("vmi: the ring holds %u events\n", ring->size);
	watch_checks(t);
	trap_checks(t);
}

/* Without rights: every call on every VM, itself included, is refused. */
static void as_other(void)
{
	uint64_t mine = (uint64_t)(uintptr_t)buf;
	for (uint64_t t = 0; t < 3; t++) {
		bad += hvc5(TZV_HC_VMI_PAUSE, t, 0, 0, 0) != TZV_VMI_DENIED;
		bad += hvc5(TZV_HC_VMI_RESUME, t, 0, 0, 0) != TZV_VMI_DENIED;
		bad += hvc5(TZV_HC_VMI_READ, t, AREA, 64, mine) != TZV_VMI_DENIED;
		bad += hvc5(TZV_HC_VMI_REGS, t, 0, (uint64_t)(uintptr_t)&regs, 0) != TZV_VMI_DENIED;
		bad += watch((long)t, AREA, 4096, TZV_VMI_WP_DENY) != TZV_VMI_DENIED;
		bad += hvc5(TZV_HC_VMI_TRAP, t, 7, 0, 0) != TZV_VMI_DENIED;
		bad += hvc5(TZV_HC_VMI_ANSWER, t, 0, 1, 0) != TZV_VMI_DENIED;
	}
	pr("vmi: no rights: every call on every VM %s\n", bad ? "NOT REFUSED" : "refused");
}

void bm_main(uint64_t dtb)
{
	(void)dtb;
	bm_gic_init();
	long t = vm_index("target"), other = vm_index("other"), me = vm_index("monitor");
	expect("index of a VM that does not exist", vm_index("nosuch"), SMCCC_INVALID_PARAMETER);
	if (hvc5(TZV_HC_VMI_RESUME, (uint64_t)t, 0, 0, 0) == 0)
		as_monitor(t, other, me);
	else
		as_other();
	pr("vmi: done, %u unexpected result(s)\n", bad);
	for (;;)
		bm_sleep_ms(1000);
}
