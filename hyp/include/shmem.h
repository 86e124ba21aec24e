/* Memory regions shared between VMs, and their doorbells (hyp/core/shmem.c). */
#ifndef HYP_SHMEM_H
#define HYP_SHMEM_H
#include <stdint.h>

struct vcpu;
struct vm;
void shmem_map(struct vm *vm);
void shmem_attach(struct vm *vm);
long shmem_ring(struct vcpu *v, uint64_t region);

#endif
