/* Secure tiny kernel (S-EL1). */
#ifndef STK_H
#define STK_H
#include <board.h>
#include <stdint.h>

/* Arguments of an SMC as the monitor hands them over (x0..x7), and the
 * results (a[0..3]) the STK gives back. */
struct smc_args {
	uint64_t a[8];
};

#define STK_STACK_SIZE 8192

void stk_mmu_init_tables(void);
void stk_mmu_enable(void);
void stk_fp_poison(void);
void stk_fast_smc(struct smc_args *args);

#define OPTEE_SMC_RETURN_UNKNOWN_FUNCTION 0xFFFFFFFFUL

#endif
