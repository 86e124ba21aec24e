/* Physical CPUs as the hypervisor runs on them (hyp/arch/cpu.c), and the
 * calls down to the monitor at EL3 (hyp/arch/firmware.c). */
#ifndef HYP_CPU_H
#define HYP_CPU_H
#include <stdbool.h>
#include <stdint.h>

#define HYP_STACK_SIZE 16384

/* x0..x7 of an SMC to EL3; x0..x3 come back */
struct smc_regs {
	uint64_t x[8];
};

struct vcpu;

uint64_t hyp_stack_top(unsigned pcpu);
void hyp_cpu_init(void);
void hyp_mmu_init(void);
void hyp_mmu_enable(void);
/* A physical CPU is powered exactly while its vCPU is: switching it on
 * asks the monitor to start it in the hypervisor with v as context. */
long pcpu_power_on(struct vcpu *v);

/* firmware.c: PSCI and SiP calls; the vTEE's Trusted-OS calls are built by
 * hyp/core/tee.c on hyp_smc itself. */
void hyp_smc(struct smc_regs *r);
long fw_cpu_on(unsigned pcpu, uint64_t entry, uint64_t context);
void fw_cpu_off(void) __attribute__((noreturn));
void fw_system_off(void) __attribute__((noreturn));
uint64_t fw_verify_vm(unsigned vm);
void fw_trng(uint64_t x[4]);

/* helpers.S */
int hyp_probe_read(uint64_t addr, uint64_t *val);
void hyp_zero(void *p, uint64_t n);
uint64_t hyp_zero_unit(void);
unsigned hyp_smc_gpr_probe(uint32_t fid);
void hyp_fp_fill(uint64_t pattern);
void hyp_fp_clear(void);
unsigned hyp_fp_check(uint64_t pattern);

void hyp_selftest(void);

#endif
