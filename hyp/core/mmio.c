/* Emulated MMIO: the ranges each device model of a VM registered at the
 * VM's start, and the dispatch of a trapped access to the one that holds
 * the address. */
#include <tzv/console.h>
#include <vm.h>

void mmio_reset(struct vm *vm)
{
	vm->nmmio = 0;
}

void mmio_register(struct vm *vm, uint64_t base, uint64_t size, mmio_handler fn)
{
	if (vm->nmmio == VM_MAX_MMIO)
		panic("%s: more than %u emulated MMIO ranges\n", vm->cfg->name, VM_MAX_MMIO);
	vm->mmio[vm->nmmio++] = (struct mmio_region){base, size, fn};
}

/* false when no device of the VM answers at ipa (the caller injects an
 * abort, as for an access outside the VM). */
bool mmio_emulate(struct vcpu *v, uint64_t ipa, unsigned size, bool write, uint64_t *val)
{
	struct vm *vm = v->vm;

	for (unsigned i = 0; i < vm->nmmio; i++) {
		const struct mmio_region *r = &vm->mmio[i];
		if (ipa - r->base < r->size)
			return r->fn(v, ipa - r->base, size, write, val);
	}
	return false;
}
