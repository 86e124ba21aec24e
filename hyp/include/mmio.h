/* Emulated MMIO: each device model registers the guest-physical ranges it
 * answers for in its VM's table when the VM starts (hyp/core/mmio.c). */
#ifndef HYP_MMIO_H
#define HYP_MMIO_H
#include <stdbool.h>
#include <stdint.h>

#define VM_MAX_MMIO 4

struct vcpu;
struct vm;

/* An access of size bytes at offset off of the range; false: no register
 * there (the guest gets an abort). */
typedef bool (*mmio_handler)(struct vcpu *v, uint64_t off, unsigned size, bool write,
			     uint64_t *val);

struct mmio_region {
	uint64_t base, size;
	mmio_handler fn;
};

void mmio_reset(struct vm *vm);
void mmio_register(struct vm *vm, uint64_t base, uint64_t size, mmio_handler fn);
bool mmio_emulate(struct vcpu *v, uint64_t ipa, unsigned size, bool write, uint64_t *val);

#endif
