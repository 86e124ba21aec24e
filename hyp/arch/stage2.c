/* A VM's stage-2 translation tables (guest-physical to physical), from one
 * static pool per VM, and the VTTBR that names them with the VM's VMID. */
#include <tzv/console.h>
#include <vm.h>

#define S2_POOL_PAGES 64
static uint64_t s2_root[TZV_MAX_VMS][PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t s2_pool[TZV_MAX_VMS][S2_POOL_PAGES * PT_ENTRIES] __attribute__((aligned(4096)));

void stage2_init(struct vm *vm)
{
	pt_init(&vm->s2, s2_root[vm->id], s2_pool[vm->id], S2_POOL_PAGES);
	vm->vttbr = (uint64_t)(uintptr_t)s2_root[vm->id] | ((uint64_t)(vm->id + 1U) << 48);
}

/* The configuration was checked on the host: a failure is a build bug. */
void stage2_map(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, uint64_t attrs)
{
	int r = pt_map(&vm->s2, ipa, pa, size, attrs);

	if (r)
		panic("%s: stage-2 map of IPA %lx size %lx failed (%d)\n", vm->cfg->name,
		      (unsigned long)ipa, (unsigned long)size, r);
}

/* Makes [ipa, ipa+size) of the VM read-only or writable again, and drops
 * what every CPU's TLBs hold of its stage 2 (TLBI acts on the VMID in
 * VTTBR_EL2: the VM's, for the moment). Making a range read-only may
 * split blocks: the caller makes sure none of the VM's vCPUs runs. */
int stage2_protect(struct vm *vm, uint64_t ipa, uint64_t size, bool writable)
{
	int r = pt_protect(&vm->s2, ipa, size, PT_S2_AP_RW, writable ? PT_S2_AP_RW : PT_S2_AP_R);
	uint64_t mine = read_sysreg(vttbr_el2);

	dsb(ishst);
	write_sysreg(vttbr_el2, vm->vttbr);
	isb();
	__asm__ volatile("tlbi vmalls12e1is\n dsb ish" ::: "memory");
	write_sysreg(vttbr_el2, mine);
	isb();
	return r;
}
