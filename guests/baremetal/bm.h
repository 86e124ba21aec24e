/* Runtime for bare-metal test guests (EL1, MMU off, one vCPU). */
#ifndef BM_H
#define BM_H
#include <board.h>
#include <stdbool.h>
#include <stdint.h>
#include <tzv/console.h>
#include <tzv/smccc.h>
#include <tzv/sysreg.h>

struct bm_res {
	uint64_t a0, a1, a2, a3;
};

struct bm_res bm_smc(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
struct bm_res bm_hvc(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
struct bm_res bm_smc6(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

/* Reads/writes that may fault: return false (and the syndrome) if so. */
bool bm_read32(uint64_t addr, uint32_t *val, uint64_t *esr);
bool bm_write32(uint64_t addr, uint32_t val, uint64_t *esr);

/* Runs fn with faults expected; returns the syndrome of the first fault
 * (0 if none), the faulting instruction skipped. */
uint64_t bm_try(void (*fn)(void *arg), void *arg);

void bm_gic_init(void);
/* Sleeps; interrupts other than the timer are passed to this hook. */
extern void (*bm_irq_hook)(unsigned intid);
/* Taken IRQs (with PSTATE.I clear) go here when set. */
extern void (*bm_irq_handler)(void);
void bm_sleep_ms(unsigned ms); /* WFI on the virtual timer */
int bm_getc(void);	       /* -1 if no input waits */
void bm_power_off(void) __attribute__((noreturn));
uint64_t bm_ticks_per_ms(void);

/* Each guest program defines this. */
void bm_main(uint64_t dtb);
/* A program that starts a second vCPU passes bm_secondary as its PSCI
 * CPU_ON entry and the top of a stack as its context; the vCPU then runs
 * bm_secondary_main, which that program defines. */
void bm_secondary(void);
void bm_secondary_main(void);

#endif
