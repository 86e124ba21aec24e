/* VM construction from the static configuration, and VM/vCPU lifetime. */
#include <hyp.h>
#include <stdarg.h>
#include <tzv/console.h>
#include <tzv/smccc.h>
#include <tzv/string.h>
#include <tzv/sysreg.h>

struct vm vms[MAX_VMS];
unsigned vm_count;

/* Stage-2 table pages for every VM come from one static pool. */
#define S2_POOL_PAGES 64
static uint64_t s2_root[MAX_VMS][PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t s2_pool[MAX_VMS][S2_POOL_PAGES * PT_ENTRIES] __attribute__((aligned(4096)));

#define HCR_VM	   (1UL << 0)
#define HCR_SWIO   (1UL << 1)
#define HCR_FMO	   (1UL << 3)
#define HCR_IMO	   (1UL << 4)
#define HCR_FB	   (1UL << 9)
#define HCR_BSU_IS (1UL << 10)
#define HCR_TSC	   (1UL << 19)
#define HCR_RW	   (1UL << 31)
#define HCR_APK	   (1UL << 40)
#define HCR_API	   (1UL << 41)
#define HCR_GUEST                                                                                  \
	(HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_FB | HCR_BSU_IS | HCR_TSC | HCR_RW |          \
	 HCR_APK | HCR_API)

/* VTCR: T0SZ=25, SL0=1 (start at level 1), WB-WA, inner shareable, 4K,
 * 40-bit physical, RES1 bit 31 */
#define VTCR_VALUE                                                                                 \
	((1UL << 31) | 25UL | (1UL << 6) | (1UL << 8) | (1UL << 10) | (3UL << 12) | (2UL << 16))

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

static void s2_map(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, uint64_t attrs)
{
	int r = pt_map(&vm->s2, ipa, pa, size, attrs);

	if (r)
		panic("%s: stage-2 map of IPA %lx size %lx failed (%d)\n", vm->cfg->name,
		      (unsigned long)ipa, (unsigned long)size, r);
}

static void vm_build_stage2(struct vm *vm)
{
	const struct vm_config *c = vm->cfg;

	pt_init(&vm->s2, s2_root[vm->id], s2_pool[vm->id], S2_POOL_PAGES);
	s2_map(vm, c->ram_ipa, c->ram_pa, c->ram_size, PT_S2_NORMAL_RWX);
	for (unsigned i = 0; i < c->ndevs; i++)
		s2_map(vm, c->dev[i].ipa, c->dev[i].pa, c->dev[i].size, PT_S2_DEVICE_RW);
	for (unsigned i = 0; i < shmem_config_count; i++) {
		const struct shmem_config *s = &shmem_configs[i];
		for (unsigned m = 0; m < s->nmembers; m++)
			if (s->member[m].vm == vm->id)
				s2_map(vm, s->member[m].ipa, s->pa, s->size, PT_S2_NORMAL_RW);
	}
	vm->vttbr = (uint64_t)(uintptr_t)s2_root[vm->id] | ((uint64_t)(vm->id + 1U) << 48);
}

static void load_image(struct vm *vm, const struct vm_image *img)
{
	const struct vm_config *c = vm->cfg;

	if (!img->size)
		return;
	memcpy((void *)(uintptr_t)(c->ram_pa + (img->ipa - c->ram_ipa)),
	       (const void *)(uintptr_t)img->staging, img->size);
}

static void vm_clear(struct vm *vm)
{
	const struct vm_config *c = vm->cfg;

	uint64_t block = hyp_zva_block();
	if (block && !(c->ram_pa % block) && !(c->ram_size % block))
		hyp_zero((void *)(uintptr_t)c->ram_pa, c->ram_size);
	else
		memset((void *)(uintptr_t)c->ram_pa, 0, c->ram_size);
}

/* Fresh RAM and pristine images: what a VM sees on every (re)start. */
static void vm_load(struct vm *vm)
{
	const struct vm_config *c = vm->cfg;

	vm_clear(vm);
	load_image(vm, &c->kernel);
	load_image(vm, &c->initrd);
	load_image(vm, &c->dtb);
	dsb(sy);
}

void vm_create_all(void)
{
	for (unsigned i = 0; i < vm_config_count && i < MAX_VMS; i++) {
		struct vm *vm = &vms[i];
		const struct vm_config *c = &vm_configs[i];

		vm->cfg = c;
		vm->id = i;
		vm_build_stage2(vm);
		for (unsigned v = 0; v < c->ncpus; v++) {
			struct vcpu *vc = &vm->vcpu[v];
			vc->vm = vm;
			vc->id = v;
			vc->pcpu = c->pcpu[v];
			vc->vmpidr = board_cpu_mpidr(v) | (1UL << 31);
			vc->stack_top = hyp_stack_top(vc->pcpu);
		}
		pr("%s: %u vCPU(s), %lu MiB RAM at IPA 0x%lx (PA 0x%lx), %u device(s)\n", c->name,
		   c->ncpus, (unsigned long)(c->ram_size >> 20), (unsigned long)c->ram_ipa,
		   (unsigned long)c->ram_pa, c->ndevs);
		vm_count++;
	}
}

/* The monitor checks the images now in the VM's RAM against the signed
 * manifest and measures them (docs/secure-boot.md). */
static bool vm_verify(struct vm *vm)
{
	static const char *const why[] = {"", "an image differs from the signed manifest",
					  "the manifest has no kernel for it",
					  "an image's security version is below the minimum",
					  "an image lies outside normal-world RAM"};
	struct smc_regs r = {{TZV_SIP_VERIFY_VM, vm->id}};

	hyp_smc(&r);
	if (r.x[0] == TZV_VERIFY_OK)
		return true;
	pr("%s: refused by secure boot: %s\n", vm->cfg->name,
	   r.x[0] < sizeof(why) / sizeof(why[0]) ? why[r.x[0]] : "unknown error");
	return false;
}

/* Prepares the VM's boot vCPU per the Linux arm64 boot protocol (x0 = DTB)
 * and returns it, for the caller to power its CPU on; NULL if secure boot
 * refuses the VM's images (the VM stays off). */
struct vcpu *vm_start(struct vm *vm)
{
	struct vcpu *boot = &vm->vcpu[0];

	vm_load(vm);
	if (!vm_verify(vm)) {
		vm->state = VM_STOPPED;
		vm_clear(vm); /* nothing refused stays behind */
		return NULL;
	}
	vm->log_budget = 64;
	vm->started = read_sysreg(cntpct_el0);
	tee_vm_created(vm);
	for (unsigned i = 0; i < vm->cfg->ncpus; i++)
		memset(&vm->vcpu[i].stats, 0, sizeof(vm->vcpu[i].stats));
	vgic_vm_init(vm);
	vuart_reset(vm);
	shmem_attach(vm);
	for (unsigned i = 0; i < vm->cfg->ncpus; i++) {
		vgic_vcpu_reset(&vm->vcpu[i]);
		vm->vcpu[i].stop_request = false;
	}
	boot->entry = vm->cfg->kernel.ipa;
	boot->context = vm->cfg->dtb.ipa;
	vm->state = VM_RUNNING;
	uint64_t us = read_sysreg(cntpct_el0) / (read_sysreg(cntfrq_el0) / 1000000U);
	pr("%s: starting at %lu.%06lu s (kernel %lu bytes at IPA 0x%lx, DTB at 0x%lx)\n",
	   vm->cfg->name, (unsigned long)(us / 1000000U), (unsigned long)(us % 1000000U),
	   (unsigned long)vm->cfg->kernel.size, (unsigned long)boot->entry,
	   (unsigned long)boot->context);
	boot->state = VCPU_ON_PENDING;
	dsb(sy);
	return boot;
}

/* Loads EL1 and EL2 state for a vCPU that starts at v->entry, runs it. */
void vcpu_run(struct vcpu *v)
{
	memset(v->x, 0, sizeof(v->x));
	v->x[0] = v->context;
	v->pc = v->entry;
	v->spsr = SPSR_EL1H | SPSR_DAIF;
	write_sysreg(vmpidr_el2, v->vmpidr);
	write_sysreg(vttbr_el2, v->vm->vttbr);
	write_sysreg(vtcr_el2, VTCR_VALUE);
	write_sysreg(hcr_el2, HCR_GUEST);
	isb();
	/* MMU and caches off at EL1, as the boot protocol requires, and
	 * nothing of a previous run left in the EL1 and FP registers */
	write_sysreg(sctlr_el1, 0x30D00800UL);
	write_sysreg(vbar_el1, 0);
	write_sysreg(ttbr0_el1, 0);
	write_sysreg(ttbr1_el1, 0);
	write_sysreg(tcr_el1, 0);
	write_sysreg(mair_el1, 0);
	write_sysreg(cpacr_el1, 0);
	write_sysreg(contextidr_el1, 0);
	write_sysreg(tpidr_el0, 0);
	write_sysreg(tpidrro_el0, 0);
	write_sysreg(tpidr_el1, 0);
	write_sysreg(sp_el0, 0);
	write_sysreg(sp_el1, 0);
	write_sysreg(elr_el1, 0);
	write_sysreg(spsr_el1, 0);
	write_sysreg(far_el1, 0);
	write_sysreg(esr_el1, 0);
	write_sysreg(par_el1, 0);
	write_sysreg(mdscr_el1, 0);
	write_sysreg(cntkctl_el1, 0);
	write_sysreg(cntv_ctl_el0, 0);
	write_sysreg(cntv_cval_el0, 0);
	write_sysreg(cntp_ctl_el0, 0);
	hyp_fp_clear();
	isb();
	__asm__ volatile("tlbi vmalls12e1\n dsb ish\n isb" ::: "memory");
	vgic_cpu_load(v);
	v->state = VCPU_ON;
	vgic_flush(v);
	guest_enter(v);
}

struct vcpu *vcpu_by_mpidr(struct vm *vm, uint64_t mpidr)
{
	mpidr &= 0xff00ffffffUL & ~(1UL << 31);
	for (unsigned i = 0; i < vm->cfg->ncpus; i++)
		if ((vm->vcpu[i].vmpidr & 0xff00ffffffUL & ~(1UL << 31)) == mpidr)
			return &vm->vcpu[i];
	return NULL;
}

void vcpu_power_off(struct vcpu *v)
{
	vgic_cpu_load(v); /* leaves no virtual interrupt state behind */
	v->state = VCPU_OFF;
	dsb(sy);
	console_irq_leave(v->pcpu);
	pcpu_power_off();
}

static bool any_vm_running(void)
{
	for (unsigned i = 0; i < vm_count; i++)
		if (vms[i].state == VM_RUNNING)
			return true;
	return false;
}

/* Stops every other vCPU of the VM (they power their CPUs off) and waits
 * until they are off. */
static void vm_stop_others(struct vm *vm, struct vcpu *caller)
{
	for (unsigned i = 0; i < vm->cfg->ncpus; i++) {
		struct vcpu *t = &vm->vcpu[i];
		if (t == caller || t->state == VCPU_OFF)
			continue;
		t->stop_request = true;
		dsb(sy);
		gic_send_sgi(SGI_HYP, t->pcpu);
	}
	for (unsigned i = 0; i < vm->cfg->ncpus; i++)
		while (&vm->vcpu[i] != caller && vm->vcpu[i].state != VCPU_OFF)
			dmb(sy);
}

/* Runs on a CPU that took SGI_HYP: acts on what another CPU asked. */
void vcpu_handle_requests(struct vcpu *v)
{
	if (v->stop_request) {
		v->stop_request = false;
		vcpu_power_off(v);
	}
}

/* The caller's CPU goes off; so does the machine when no VM is left. */
static void __attribute__((noreturn)) vm_gone(struct vcpu *caller)
{
	if (!any_vm_running()) {
		pr("no VM left: system off\n");
		struct smc_regs r = {{PSCI_SYSTEM_OFF}};
		hyp_smc(&r);
		panic("PSCI SYSTEM_OFF returned\n");
	}
	vcpu_power_off(caller);
}

void vm_power_off(struct vm *vm, struct vcpu *caller)
{
	vm->state = VM_STOPPED;
	vm_stop_others(vm, caller);
	tee_vm_destroyed(vm);
	pr("%s: powered off\n", vm->cfg->name);
	vm_gone(caller);
}

/* Restarts the VM from its pristine images in cleared RAM. */
void vm_reset(struct vm *vm, struct vcpu *caller)
{
	pr("%s: reset requested; restarting it from its pristine images\n", vm->cfg->name);
	vm_stop_others(vm, caller);
	caller->state = VCPU_OFF;
	tee_vm_destroyed(vm);
	struct vcpu *boot = vm_start(vm);
	if (!boot)
		vm_gone(caller);
	if (boot == caller || boot->pcpu == this_cpu())
		vcpu_run(boot);
	if (pcpu_power_on(boot) != PSCI_SUCCESS)
		panic("%s: cannot restart its boot CPU %u\n", vm->cfg->name, boot->pcpu);
	pcpu_power_off();
}

/* Exits per VM since its start, by cause (Ctrl-T Ctrl-T s on the console). */
void stats_print(void)
{
	uint64_t now = read_sysreg(cntpct_el0), freq = read_sysreg(cntfrq_el0);

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
