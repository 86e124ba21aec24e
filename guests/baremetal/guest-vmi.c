/* Introspection test guest (test/configs/vmi.toml). As "monitor" (it may
 * introspect "target", a victim guest) it reads the target's pattern from
 * outside while it runs, pauses it, reads its vCPU's registers, checks the
 * bounds, and resumes it. As "other" (no rights) it checks that every call
 * on every VM is refused. Each check prints one line; the test reads them. */
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
