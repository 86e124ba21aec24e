/* The VM table: every VM's and vCPU's record, looked up by index or
 * MPIDR, the bounded log each VM may cause, and the exit counters. */
#include <tzv/console.h>
#include <tzv/cpu.h>
#include <vm.h>

struct vm vms[TZV_MAX_VMS];
unsigned vm_count;

void vm_log(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	if (vm->log_budget == 0)
		return;
	if (--vm->log_budget == 0) {
		pr("%s: too many messages; further ones from this VM are dropped\n", vm->cfg->name);
		return;
	}
	va_start(ap, fmt);
	vpr(fmt, ap);
	va_end(ap);
}

struct vcpu *vcpu_by_mpidr(struct vm *vm, uint64_t mpidr)
{
	mpidr = mpidr_affinity(mpidr);
	for (unsigned i = 0; i < vm->cfg->ncpus; i++)
		if (mpidr_affinity(vm->vcpu[i].vmpidr) == mpidr)
			return &vm->vcpu[i];
	return NULL;
}

bool vm_any_running(void)
{
	for (unsigned i = 0; i < vm_count; i++)
		if (vms[i].state == VM_RUNNING)
			return true;
	return false;
}

/* Exits per VM since its start, by cause (Ctrl-T Ctrl-T s on the console). */
void stats_print(void)
{
	uint64_t now = counter_ticks(), freq = counter_freq();

	pr("exits per VM since its start (Ctrl-T Ctrl-T s):\n");
	for (unsigned i = 0; i < vm_count; i++) {
		struct vm *vm = &vms[i];
		uint64_t irq = 0, hcall = 0, abort = 0, sysreg = 0, total = 0;
		for (unsigned c = 0; c < vm->cfg->ncpus; c++) {
			const struct vcpu_stats *s = &vm->vcpu[c].stats;
			irq += s->irq;
			hcall += s->sync[EC_SMC64] + s->sync[EC_HVC64];
			abort += s->sync[EC_DABT_LOW] + s->sync[EC_IABT_LOW];
			sysreg += s->sync[EC_SYSREG];
			for (unsigned e = 0; e <= EC_MAX; e++)
				total += s->sync[e];
		}
		total += irq;
		uint64_t ms = (now - vm->started) / (freq / 1000U);
		pr("  %s (%s): %lu exits in %lu.%03lu s = %lu/s: irq %lu, smc/hvc %lu, mmio/abort "
		   "%lu, sysreg %lu, other %lu\n",
		   vm->cfg->name, vm->state == VM_RUNNING ? "running" : "off", (unsigned long)total,
		   (unsigned long)(ms / 1000U), (unsigned long)(ms % 1000U),
		   (unsigned long)(ms ? total * 1000U / ms : 0), (unsigned long)irq,
		   (unsigned long)hcall, (unsigned long)abort, (unsigned long)sysreg,
		   (unsigned long)(total - irq - hcall - abort - sysreg));
	}
}
