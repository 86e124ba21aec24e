/* Victim of the isolation tests: keeps a known pattern in its RAM and
 * checks it, and reports any interrupt it did not expect (SGIs or SPIs an
 * attacker might try to send it). Its peer runs the same program. */
#include "bm.h"

#include <tzv/optee.h>

/* The OP-TEE probe calls Linux makes, answered by this VM's vTEE. */
static void probe_vtee(void)
{
	struct bm_res uid = bm_smc(OPTEE_SMC_CALLS_UID, 0, 0, 0);
	struct bm_res rev = bm_smc(OPTEE_SMC_CALLS_REVISION, 0, 0, 0);
	struct bm_res os = bm_smc(OPTEE_SMC_GET_OS_REVISION, 0, 0, 0);
	struct bm_res caps = bm_smc(OPTEE_SMC_EXCHANGE_CAPABILITIES, 0, 0, 0);
	bool ok = uid.a0 == 0x384fb3e0 && uid.a1 == 0xe7f811e3 && uid.a2 == 0xaf630002 &&
		  uid.a3 == 0xa5d5c51b && rev.a0 == 2 && rev.a1 == 0 &&
		  caps.a0 == OPTEE_SMC_RETURN_OK && (caps.a1 & OPTEE_SMC_SEC_CAP_DYNAMIC_SHM);
	pr("victim: vTEE %s (OS revision %lu.%lu, caps 0x%lx)\n", ok ? "answers" : "WRONG ANSWERS",
	   (unsigned long)os.a0, (unsigned long)os.a1, (unsigned long)caps.a1);
}

#define AREA	   0x40100000UL
#define AREA_WORDS (1U << 18) /* 1 MiB */

static uint32_t pattern(unsigned i)
{
	return 0x71c70000U ^ (i * 2654435761U);
}

static void unexpected(unsigned intid)
{
	pr("victim: UNEXPECTED interrupt %u\n", intid);
}

void bm_main(uint64_t dtb)
{
	volatile uint32_t *area = (volatile uint32_t *)AREA;

	(void)dtb;
	bm_gic_init();
	/* take every SGI and the doorbell so that a stray one would show */
	mmio_write32(GICR_BASE + 0x10000 + 0x100, 0xffffU | (1U << 27));
	mmio_write32(GICD_BASE + 0x100 + 4, 1U << 8); /* SPI 40 */
	bm_irq_hook = unexpected;
	probe_vtee();
	for (unsigned i = 0; i < AREA_WORDS; i++)
		area[i] = pattern(i);
	pr("victim: pattern written\n");
	for (unsigned long n = 1;; n++) {
		bm_sleep_ms(500);
		unsigned bad = 0;
		for (unsigned i = 0; i < AREA_WORDS; i++)
			bad += area[i] != pattern(i);
		if (bad)
			pr("victim: PATTERN CORRUPTED (%u words)\n", bad);
		else
			pr("victim: pattern intact (check %lu)\n", n);
		if (bm_getc() == 'q')
			bm_power_off();
	}
}
