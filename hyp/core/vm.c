/* The VMs' life: built from the static configuration, started from their
 * pristine images once secure boot has checked them, stopped, restarted.
 * Each start resets every device model of the VM and its vTEE. */
#include <console.h>
#include <cpu.h>
#include <shmem.h>
#include <tzv/console.h>
#include <tzv/cpu.h>
#include <tzv/smccc.h>
#include <tzv/string.h>
#include <vm.h>
#include <vpci.h>

static void vm_build_stage2(struct vm *vm)
{
	const struct vm_config *c = vm->cfg;

	stage2_init(vm);
	stage2_map(vm, c->ram_ipa, c->ram_pa, c->ram_size, PT_S2_NORMAL_RWX);
	for (unsigned i = 0; i < c->ndevs; i++)
		stage2_map(vm, c->dev[i].ipa, c->dev[i].pa, c->dev[i].size, PT_S2_DEVICE_RW);
	if (c->npci) /* its BARs' window, where only its functions decode */
		stage2_map(vm, c->pci_mmio, c->pci_mmio, c->pci_mmio_size, PT_S2_DEVICE_RW);
	shmem_map(vm);
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

	uint64_t block = hyp_zero_unit();
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
	for (unsigned i = 0; i < vm_config_count && i < TZV_MAX_VMS; i++) {
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
		   (unsigned long)c->ram_pa, c->ndevs + c->npci);
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
	uint64_t r = fw_verify_vm(vm->id);

	if (r == TZV_VERIFY_OK)
		return true;
	pr("%s: refused by secure boot: %s\n", vm->cfg->name,
	   r < sizeof(why) / sizeof(why[0]) ? why[r] : "unknown error");
	return false;
}

/* Every device model of the VM as at power-on; each registers its MMIO. */
static void vm_reset_devices(struct vm *vm)
{
	mmio_reset(vm);
	vgic_vm_init(vm);
	vuart_reset(vm);
	shmem_attach(vm);
	if (vm->cfg->vmi_intid) /* its introspection events' doorbell */
		vgic_add_virtual_spi(vm, vm->cfg->vmi_intid, true);
	vpci_reset(vm);
	for (unsigned i = 0; i < vm->cfg->ncpus; i++) {
		vgic_vcpu_reset(&vm->vcpu[i]);
		vm->vcpu[i].stop_request = false;
		vm->vcpu[i].pause_request = false; /* a pause ends with the VM's run */
	}
}

/* Prepares the VM's boot vCPU per the Linux arm64 boot protocol (x0 = DTB)
 * and returns it, for the caller to power its CPU on; NULL if secure boot
 * refuses the VM's images (the VM stays off). */
struct vcpu *vm_start(struct vm *vm)
{
	struct vcpu *boot = &vm->vcpu[0];

	const char *no = vpci_refusal(vm);
	if (no) {
		pr("%s: not started: %s\n", vm->cfg->name, no);
		vm->state = VM_STOPPED;
		return NULL;
	}
	vpci_quiesce(vm); /* no DMA of the last run lands in what is verified now */
	vm_load(vm);
	if (!vm_verify(vm)) {
		vm->state = VM_STOPPED;
		vm_clear(vm); /* nothing refused stays behind */
		return NULL;
	}
	vm->stopping = false;
	vm->log_budget = 64;
	vm->started = counter_ticks();
	vm->tee_pending = true;
	for (unsigned i = 0; i < vm->cfg->ncpus; i++)
		memset(&vm->vcpu[i].stats, 0, sizeof(vm->vcpu[i].stats));
	vm_reset_devices(vm);
	boot->entry = vm->cfg->kernel.ipa;
	boot->context = vm->cfg->dtb.ipa;
	vm->state = VM_RUNNING;
	uint64_t us = counter_ticks() / (counter_freq() / 1000000U);
	pr("%s: starting at %lu.%06lu s (kernel %lu bytes at IPA 0x%lx, DTB at 0x%lx)\n",
	   vm->cfg->name, (unsigned long)(us / 1000000U), (unsigned long)(us % 1000000U),
	   (unsigned long)vm->cfg->kernel.size, (unsigned long)boot->entry,
	   (unsigned long)boot->context);
	boot->state = VCPU_ON_PENDING;
	dsb(sy);
	return boot;
}

/* Runs a vCPU from v->entry with fresh registers on this CPU; a VM's boot
 * vCPU first makes the VM's vTEE, from the VM's own CPU as the monitor
 * requires. */
void vcpu_run(struct vcpu *v)
{
	if (v->vm->tee_pending && v == &v->vm->vcpu[0]) {
		v->vm->tee_pending = false;
		tee_vm_created(v->vm);
	}
	vcpu_arch_reset(v);
	vgic_cpu_load(v);
	v->state = VCPU_ON;
	dsb(sy);
	/* a stop asked for while this CPU came up: its SGI was cleared then */
	vcpu_handle_requests(v);
	vgic_flush(v);
	guest_enter(v);
}

void vcpu_power_off(struct vcpu *v)
{
	vgic_cpu_load(v); /* leaves no virtual interrupt state behind */
	v->state = VCPU_OFF;
	dsb(sy);
	console_irq_leave(v->pcpu);
	fw_cpu_off();
}

/* Stops every other vCPU of the VM (they power their CPUs off) and waits
 * until they are off. Only one vCPU does so: any other that asks at the
 * same time (SYSTEM_OFF, SYSTEM_RESET, a panic, on several CPUs at once)
 * just goes off, which is what the first one waits for; and no CPU_ON
 * starts a vCPU meanwhile (vpsci.c). */
static void vm_stop_others(struct vm *vm, struct vcpu *caller)
{
	spin_lock(&vm->lock);
	bool first = !vm->stopping;
	vm->stopping = true;
	spin_unlock(&vm->lock);
	if (!first)
		vcpu_power_off(caller);
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
	vmi_pause_point(v);
	if (v->stop_request) {
		v->stop_request = false;
		vcpu_power_off(v);
	}
}

/* The caller's CPU goes off; so does the machine when no VM is left. */
static void __attribute__((noreturn)) vm_gone(struct vcpu *caller)
{
	if (!vm_any_running()) {
		pr("no VM left: system off\n");
		fw_system_off();
	}
	console_vm_off(caller->vm);
	vcpu_power_off(caller);
}

void vm_power_off(struct vm *vm, struct vcpu *caller)
{
	vm_stop_others(vm, caller);
	vm->state = VM_STOPPED;
	vpci_quiesce(vm);
	vmi_release(vm);
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
	vmi_release(vm);
	tee_vm_destroyed(vm);
	struct vcpu *boot = vm_start(vm);
	if (!boot)
		vm_gone(caller);
	if (boot == caller || boot->pcpu == cpu_index())
		vcpu_run(boot);
	if (pcpu_power_on(boot) != PSCI_SUCCESS)
		panic("%s: cannot restart its boot CPU %u\n", vm->cfg->name, boot->pcpu);
	fw_cpu_off();
}
