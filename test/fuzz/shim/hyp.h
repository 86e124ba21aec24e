/* The hypervisor fuzz targets' shims (shim/hyp.c). */
#ifndef FUZZ_HYP_H
#define FUZZ_HYP_H
#include "fuzz.h"

#include <vm.h>

/* the physical GIC's state the vGIC changes */
struct fuzz_gic {
	unsigned nr_lines;
	bool enabled[FUZZ_CPUS][GIC_NR_IRQS];
	bool pending[FUZZ_CPUS][GIC_NR_IRQS];
	unsigned sgis;
};
extern struct fuzz_gic fuzz_gic;
extern struct vm_config fuzz_cfg;
extern long fuzz_power_on_result;
extern struct fuzz_in *fuzz_smc_in; /* where hyp_smc takes EL3's answers */
extern unsigned fuzz_smcs;

struct vm *fuzz_vm_setup(struct fuzz_in *in);

#endif
