/* Memory regions shared between VMs (configuration: [[shmem]]): mapped
 * into each member's stage 2, with a doorbell interrupt per member that
 * the others ring (TZV_HC_DOORBELL). */
#include <shmem.h>
#include <tzv/smccc.h>
#include <vm.h>

static const struct shmem_member *membership(const struct shmem_config *s, unsigned vm)
{
	for (unsigned m = 0; m < s->nmembers; m++)
		if (s->member[m].vm == vm)
			return &s->member[m];
	return NULL;
}

/* Into the VM's stage 2, once, when it is created. */
void shmem_map(struct vm *vm)
{
	for (unsigned i = 0; i < shmem_config_count; i++) {
		const struct shmem_config *s = &shmem_configs[i];
		const struct shmem_member *m = membership(s, vm->id);
		if (m)
			stage2_map(vm, m->ipa, s->pa, s->size, PT_S2_NORMAL_RW);
	}
}

/* At each start: the VM's doorbells, edge-triggered virtual SPIs. */
void shmem_attach(struct vm *vm)
{
	for (unsigned i = 0; i < shmem_config_count; i++) {
		const struct shmem_member *m = membership(&shmem_configs[i], vm->id);
		if (m)
			vgic_add_virtual_spi(vm, m->intid, true);
	}
}

/* Raises the region's doorbell in every other member that runs. Only
 * members may ring. */
long shmem_ring(struct vcpu *v, uint64_t region)
{
	if (region >= shmem_config_count || !membership(&shmem_configs[region], v->vm->id)) {
		vm_log(v->vm, "%s vcpu%u: doorbell of region %lu refused: not a member\n",
		       v->vm->cfg->name, v->id, (unsigned long)region);
		return SMCCC_INVALID_PARAMETER;
	}
	const struct shmem_config *s = &shmem_configs[region];
	for (unsigned m = 0; m < s->nmembers; m++) {
		struct vm *peer = &vms[s->member[m].vm];
		if (peer != v->vm && peer->state == VM_RUNNING)
			vgic_inject(vgic_spi_target(peer, s->member[m].intid), s->member[m].intid,
				    false);
	}
	return SMCCC_SUCCESS;
}
