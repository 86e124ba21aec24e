/* The hypervisor's arch layer and VM life as the hyp fuzz targets need
 * them: the physical GIC (hyp/arch/gic.c drives MMIO at fixed addresses)
 * as a fake per-CPU interrupt state that checks its arguments as the
 * hardware's register banks bound them; the calls that never return
 * (hyp/core/vm.c's VM and vCPU power, which switch stacks) as fuzz_exit;
 * a physical CPU's power-on and the SMC to EL3 as answers from the input.
 * And a VM record set up from the input, as vm_start leaves it. */
#include "hyp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpu.h>
#include <tzv/console.h>
#include <tzv/optee.h>

struct fuzz_gic fuzz_gic;

static void check(unsigned intid, unsigned pcpu, const char *what)
{
	/* SGIs/PPIs are banked per CPU, SPIs up to the lines the GIC has */
	if (intid >= GIC_NR_IRQS || pcpu >= FUZZ_CPUS) {
		fprintf(stderr, "fuzz: %s of INTID %u on CPU %u: outside the GIC\n", what, intid,
			pcpu);
		abort();
	}
}

static unsigned bank(unsigned intid, unsigned pcpu)
{
	return intid < 32 ? pcpu : 0;
}

unsigned gic_nr_lines(void)
{
	return fuzz_gic.nr_lines;
}
void gic_set_enable(unsigned intid, unsigned pcpu, bool on)
{
	check(intid, pcpu, "enable");
	fuzz_gic.enabled[bank(intid, pcpu)][intid] = on;
}
void gic_set_route(unsigned intid, unsigned pcpu)
{
	check(intid, pcpu, "route");
	if (intid < 32)
		abort(); /* only SPIs have a route */
}
void gic_set_edge(unsigned intid, unsigned pcpu, bool edge)
{
	check(intid, pcpu, "edge");
	(void)edge;
}
void gic_set_pending(unsigned intid, unsigned pcpu, bool on)
{
	check(intid, pcpu, "pending");
	fuzz_gic.pending[bank(intid, pcpu)][intid] = on;
}
bool gic_pending(unsigned intid, unsigned pcpu)
{
	check(intid, pcpu, "pending read");
	return fuzz_gic.pending[bank(intid, pcpu)][intid];
}
void gic_clear_active(unsigned intid, unsigned pcpu)
{
	check(intid, pcpu, "deactivate");
}
void gic_send_sgi(unsigned sgi, unsigned pcpu)
{
	if (sgi >= 16 || pcpu >= FUZZ_CPUS)
		abort();
	fuzz_gic.sgis++;
}

/* hyp/core/vm.c: these end the vCPU's run on this CPU */
void vm_power_off(struct vm *vm, struct vcpu *caller)
{
	(void)vm;
	(void)caller;
	fuzz_exit("vm_power_off");
}
void vm_reset(struct vm *vm, struct vcpu *caller)
{
	(void)vm;
	(void)caller;
	fuzz_exit("vm_reset");
}
void vcpu_power_off(struct vcpu *v)
{
	v->state = VCPU_OFF;
	fuzz_exit("vcpu_power_off");
}

/* hyp/arch/cpu.c: the monitor's PSCI CPU_ON for the vCPU's CPU */
long fuzz_power_on_result;
long pcpu_power_on(struct vcpu *v)
{
	(void)v;
	return fuzz_power_on_result;
}

/* hyp/arch/helpers.S: the SMC to EL3; the monitor's answer from the input */
struct fuzz_in *fuzz_smc_in;
unsigned fuzz_smcs;
void hyp_smc(struct smc_regs *r)
{
	fuzz_smcs++;
	if (r->x[7] != TZV_CLIENT_OF_VM(0) && r->x[7] != TZV_CLIENT_HYP)
		abort(); /* the hypervisor named a client other than the VM's */
	if (fuzz_smc_in)
		for (unsigned i = 0; i < 4; i++)
			r->x[i] = fuzz_u64(fuzz_smc_in);
}

struct vm_config fuzz_cfg;

/* VM 0 as vm_start leaves it: its devices registered, vCPU 0 on. */
struct vm *fuzz_vm_setup(struct fuzz_in *in)
{
	struct vm *vm = &vms[0];
	uint8_t shape = fuzz_u8(in);

	fuzz_sysreg_reset();
	memset(&fuzz_gic, 0, sizeof(fuzz_gic));
	fuzz_gic.nr_lines = 1U + (shape & 7U) * 2U; /* ITLinesNumber + 1 */
	fuzz_nr_lrs = 1U + ((shape >> 3) & 15U);
	memset(&fuzz_cfg, 0, sizeof(fuzz_cfg));
	fuzz_cfg.name = "vm0";
	fuzz_cfg.console = true;
	fuzz_cfg.ncpus = 1U + (shape >> 7) + (fuzz_u8(in) & 1U) * 2U; /* 1..4 */
	for (unsigned i = 0; i < fuzz_cfg.ncpus; i++)
		fuzz_cfg.pcpu[i] = i;
	/* two passthrough SPIs, as a configuration may give */
	fuzz_cfg.nirqs = 2;
	fuzz_cfg.irq[0] = 40;
	fuzz_cfg.irq[1] = 32U + fuzz_u8(in) % (GIC_NR_IRQS - 32U);
	memset(vm, 0, sizeof(*vm));
	vm->cfg = &fuzz_cfg;
	vm->log_budget = 1000000;
	vm_count = 1;
	for (unsigned i = 0; i < fuzz_cfg.ncpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		v->vm = vm;
		v->id = i;
		v->pcpu = fuzz_cfg.pcpu[i];
		v->vmpidr = i;
		vgic_vcpu_reset(v);
	}
	vm->vcpu[0].state = VCPU_ON;
	mmio_reset(vm);
	vgic_vm_init(vm);
	vuart_reset(vm);
	vm->state = VM_RUNNING;
	return vm;
}

/* hyp/arch/vcpu.c: the EL1 registers a pausing vCPU keeps (introspection) */
void vcpu_arch_save_el1(struct tzv_vmi_regs *r)
{
	memset(r, 0, sizeof(*r));
}

/* hyp/arch/vcpu.c: HCR_EL2.TVM for introspection's register traps */
void vcpu_arch_trap_vm_regs(bool on)
{
	(void)on;
}

/* hyp/arch/stage2.c: a watch's write protection (the fuzzed VM has no
 * target: never reached) */
int stage2_protect(struct vm *vm, uint64_t ipa, uint64_t size, bool writable)
{
	(void)vm;
	(void)ipa;
	(void)size;
	(void)writable;
	abort();
}

/* hyp/arch/stage2.c: only at VM creation (shmem_map), which no target runs */
void stage2_map(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, uint64_t attrs)
{
	(void)vm;
	(void)ipa;
	(void)pa;
	(void)size;
	(void)attrs;
	abort();
}

/* Every hypervisor target: the console is silent unless FUZZ_VERBOSE is set. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (getenv("FUZZ_VERBOSE"))
		console_init(1, "hyp: ");
	return 0;
}
