#include "bm.h"

#include <board.h>

static volatile bool expect_fault;
static volatile uint64_t fault_esr;

/* An SMCCC call through SMC or HVC: x0..x3 in and out, x4..x17 clobbered */
#define SMCCC_CALL(name, insn)                                                                     \
	struct bm_res name(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)                     \
	{                                                                                          \
		register uint64_t x0 __asm__("x0") = a0, x1 __asm__("x1") = a1;                    \
		register uint64_t x2 __asm__("x2") = a2, x3 __asm__("x3") = a3;                    \
		__asm__ volatile(insn                                                              \
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"x4", "x5", "x6", "x7", \
				   "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16",    \
				   "x17", "memory");                                               \
		return (struct bm_res){x0, x1, x2, x3};                                            \
	}

SMCCC_CALL(bm_smc, "smc #0")
SMCCC_CALL(bm_hvc, "hvc #0")

/* With x4 and x5 too (an OP-TEE RETURN_FROM_RPC after RPC_ALLOC). */
struct bm_res bm_smc6(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t x0 __asm__("x0") = a0, x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2, x3 __asm__("x3") = a3;
	register uint64_t x4 __asm__("x4") = a4, x5 __asm__("x5") = a5;
	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5)::"x6", "x7",
			   "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
			   "memory");
	return (struct bm_res){x0, x1, x2, x3};
}

bool bm_read32(uint64_t addr, uint32_t *val, uint64_t *esr)
{
	fault_esr = 0;
	expect_fault = true;
	*val = *(volatile uint32_t *)addr;
	expect_fault = false;
	if (esr)
		*esr = fault_esr;
	return fault_esr == 0;
}

bool bm_write32(uint64_t addr, uint32_t val, uint64_t *esr)
{
	fault_esr = 0;
	expect_fault = true;
	*(volatile uint32_t *)addr = val;
	expect_fault = false;
	if (esr)
		*esr = fault_esr;
	return fault_esr == 0;
}

/* GICv3 as the VM sees it: distributor on, our redistributor awake, the
 * virtual timer PPI enabled, the CPU interface's Group 1 on. */
uint64_t bm_try(void (*fn)(void *arg), void *arg)
{
	fault_esr = 0;
	expect_fault = true;
	fn(arg);
	expect_fault = false;
	return fault_esr;
}

void (*bm_irq_hook)(unsigned intid);
void (*bm_irq_handler)(void);

void bm_gic_init(void)
{
	mmio_write32(GICD_BASE, 0x12); /* ARE_NS | EnableGrp1A */
	mmio_write32(GICR_BASE + 0x14, 0);
	mmio_write32(GICR_BASE + 0x10000 + 0x80,
		     0xffffffffU); /* Group 1 (a bare GIC resets to 0) */
	mmio_write32(GICR_BASE + 0x10000 + 0x100, 1U << 27);
	write_sysreg(ICC_SRE_EL1, 7);
	isb();
	write_sysreg(ICC_PMR_EL1, 0xff);
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	isb();
}

uint64_t bm_ticks_per_ms(void)
{
	return read_sysreg(cntfrq_el0) / 1000U;
}

void bm_sleep_ms(unsigned ms)
{
	uint64_t end = read_sysreg(cntvct_el0) + ms * bm_ticks_per_ms();

	while (read_sysreg(cntvct_el0) < end) {
		write_sysreg(cntv_cval_el0, end);
		write_sysreg(cntv_ctl_el0, 1); /* enabled, not masked */
		isb();
		wfi(); /* interrupts stay masked: WFI still wakes on the timer */
		write_sysreg(cntv_ctl_el0, 0);
		uint64_t iar;
		while ((iar = read_sysreg(ICC_IAR1_EL1)) < 1020) {
			write_sysreg(ICC_EOIR1_EL1, iar);
			if (iar != 27 && bm_irq_hook)
				bm_irq_hook((unsigned)iar);
		}
	}
}

int bm_getc(void)
{
	if (mmio_read32(UART0_BASE + 0x18) & (1U << 4))
		return -1;
	return (int)(mmio_read32(UART0_BASE) & 0xffU);
}

static void system_off_smc(void *arg)
{
	(void)arg;
	bm_smc(PSCI_SYSTEM_OFF, 0, 0, 0);
}

/* PSCI through SMC (tzvisor), or HVC where there is no EL3 (QEMU's own
 * PSCI when the guest runs natively for make bench). */
void bm_power_off(void)
{
	bm_try(system_off_smc, NULL);
	bm_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		wfi();
}

void cpu_halt(void)
{
	bm_power_off();
}

void bm_exception(uint64_t *regs, unsigned kind);
void bm_exception(uint64_t *regs, unsigned kind)
{
	uint64_t esr = read_sysreg(esr_el1);

	(void)regs;
	if (kind == 1 && bm_irq_handler) {
		bm_irq_handler();
		return;
	}
	if (kind == 0 && expect_fault) {
		fault_esr = esr ? esr : 1;
		write_sysreg(elr_el1, read_sysreg(elr_el1) + 4);
		return;
	}
	pr("bm: unexpected exception %u, ESR 0x%lx ELR 0x%lx FAR 0x%lx\n", kind, (unsigned long)esr,
	   (unsigned long)read_sysreg(elr_el1), (unsigned long)read_sysreg(far_el1));
	bm_power_off();
}

void bm_entry(uint64_t dtb);
void bm_entry(uint64_t dtb)
{
	console_init(UART0_BASE, "");
	bm_main(dtb);
	bm_power_off();
}

/* For the programs that start no second vCPU. */
__attribute__((weak)) void bm_secondary_main(void)
{
	for (;;)
		wfi();
}
