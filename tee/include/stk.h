/* Secure tiny kernel (S-EL1). */
#ifndef STK_H
#define STK_H
#include <board.h>
#include <stdbool.h>
#include <stdint.h>

/* Arguments of an SMC as the monitor hands them over (x0..x7), and the
 * results (a[0..3]) the STK gives back. */
struct smc_args {
	uint64_t a[8];
};

#define STK_STACK_SIZE 8192
#define STK_MAX_VTEES  8

/* One virtual TEE per normal-world client (a VM); the hypervisor creates
 * and destroys them. Sessions, shared memory and secrets will live here. */
struct vtee {
	bool in_use;
	uint32_t client;
};

void stk_mmu_init_tables(void);
void stk_mmu_enable(void);
void stk_fp_poison(void);
void stk_fast_smc(struct smc_args *args);

#endif
