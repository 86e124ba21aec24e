/* The partition map (lib/include/tzv/partition.h), checked once at boot
 * after secure boot matched its digest, and the VM that owns each physical
 * CPU by it: the monitor names the caller of every Trusted-OS call from
 * the CPU that made it (docs/trust-model.md). */
#include <mon.h>
#include <tzv/console.h>
#include <tzv/optee.h>
#include <tzv/string.h>

static const struct partmap *map;
static int cpu_vm[BOARD_MAX_CPUS];   /* VM index + 1, or 0 */
uint32_t cpu_client[BOARD_MAX_CPUS]; /* the client id of the CPU's VM, or 0 */

static bool range_in(const struct partmap_range *r, uint64_t lo, uint64_t hi)
{
	return r->size && !(r->base & 0xfffU) && !(r->size & 0xfffU) && r->base >= lo &&
	       r->size <= hi - lo && r->base - lo <= hi - lo - r->size;
}

static bool overlap(const struct partmap_range *a, const struct partmap_range *b)
{
	return a->base < b->base + b->size && b->base < a->base + a->size;
}

/* Its trusted-storage banks within the region, big enough for its budget,
 * apart from every earlier VM's. */
static bool store_ok(const struct partmap *m, unsigned i)
{
	const struct partmap_vm *v = &m->vm[i];
	uint64_t first = v->store_first, n = v->store_sectors;

	if (!v->store_budget)
		return true;
	if (!n || n * FLASH_SECTOR < 2ULL * v->store_budget + PARTMAP_STORE_SLACK ||
	    (first + 2 * n) * FLASH_SECTOR > FLASH_STORE_SIZE)
		return false;
	for (unsigned o = 0; o < i; o++) {
		const struct partmap_vm *w = &m->vm[o];
		if (w->store_budget && first < w->store_first + 2ULL * w->store_sectors &&
		    w->store_first < first + 2 * n)
			return false;
	}
	return true;
}

/* What is wrong with VM i; on the way, which CPUs it owns. */
static const char *vm_error(const struct partmap *m, unsigned i, unsigned cpus)
{
	const struct partmap_vm *v = &m->vm[i];

	if (!v->name[0] || v->name[sizeof(v->name) - 1])
		return "a VM without a name";
	if (!v->ncpus || v->ncpus > BOARD_MAX_CPUS || v->nshm > TZV_MAX_SHMEM)
		return "a VM with no CPU or too many";
	for (unsigned c = 0; c < v->ncpus; c++) {
		unsigned idx = board_cpu_index(v->mpidr[c]);
		if (idx >= cpus || board_cpu_mpidr(idx) != v->mpidr[c])
			return "a CPU the board does not have";
		if (cpu_vm[idx])
			return "a CPU named twice";
		cpu_vm[idx] = (int)i + 1;
	}
	if (!range_in(&v->ram, VM_POOL_BASE, RAM_BASE + RAM_SIZE) ||
	    !range_in(&v->tee, HYP_TEE_PAGES, HYP_BASE + HYP_SIZE))
		return "memory outside the VM area or the vTEE message pages";
	for (unsigned o = 0; o < i; o++)
		if (overlap(&v->ram, &m->vm[o].ram) || overlap(&v->tee, &m->vm[o].tee))
			return "two VMs' memory overlapping";
	for (unsigned k = 0; k < m->nshm; k++)
		if (overlap(&v->ram, &m->shm[k]))
			return "a VM's RAM overlapping a shared region";
	for (unsigned k = 0; k < v->nshm; k++)
		if (v->shm[k] >= m->nshm)
			return "a shared region that does not exist";
	if (!v->tee_sessions || v->tee_sessions > TZV_TEE_MAX_SESSIONS || !v->tee_shm ||
	    v->tee_shm > TZV_TEE_MAX_SHM || !v->tee_shm_pages ||
	    v->tee_shm_pages > TZV_TEE_MAX_SHM_PAGES || !v->tee_pals ||
	    v->tee_pals > TZV_TEE_MAX_PALS || !v->tee_secure_pages)
		return "vTEE limits beyond what the STK holds";
	if (!store_ok(m, i))
		return "trusted storage outside its region, too small or overlapping";
	return NULL;
}

static const char *map_error(const struct partmap *m, unsigned cpus)
{
	if (memcmp(m->magic, PARTMAP_MAGIC, sizeof(PARTMAP_MAGIC)) ||
	    m->version != PARTMAP_VERSION || m->size != sizeof(*m))
		return "not a partition map of this version";
	if (!m->nvms || m->nvms > TZV_MAX_VMS || m->nshm > TZV_MAX_SHMEM)
		return "too many VMs or shared regions";
	for (unsigned k = 0; k < m->nshm; k++)
		if (!range_in(&m->shm[k], VM_POOL_BASE, RAM_BASE + RAM_SIZE))
			return "a shared region outside the VM area";
	unsigned secure = 0;
	for (unsigned i = 0; i < m->nvms; i++) {
		const char *err = vm_error(m, i, cpus);
		if (err)
			return err;
		secure += m->vm[i].tee_secure_pages;
	}
	/* a quota the pool cannot honour would let one VM take another's */
	if (secure > TZV_TEE_POOL_PAGES)
		return "vTEE secure memory quotas beyond the STK's pool";
	return NULL;
}

/* The map, already in secure SRAM and matched against the manifest: its
 * consistency, or the boot stops. */
void partmap_install(const struct partmap *m, unsigned cpus)
{
	const char *err = map_error(m, cpus);

	if (err)
		panic("secure boot: the partition map is refused: %s\n", err);
	map = m;
	for (unsigned i = 0; i < BOARD_MAX_CPUS; i++)
		cpu_client[i] = cpu_vm[i] ? TZV_CLIENT_OF_VM((uint32_t)cpu_vm[i] - 1U) : 0;
	for (unsigned i = 0; i < m->nvms; i++)
		pr("partition %s: %u CPU(s), RAM 0x%lx..0x%lx\n", m->vm[i].name, m->vm[i].ncpus,
		   (unsigned long)m->vm[i].ram.base,
		   (unsigned long)(m->vm[i].ram.base + m->vm[i].ram.size));
}

const char *partmap_vm_name(int vm)
{
	return vm < 0 ? "no VM" : map->vm[vm].name;
}

/* The VM that owns CPU idx, or -1. */
int partmap_vm_of_cpu(unsigned idx)
{
	return idx < BOARD_MAX_CPUS ? cpu_vm[idx] - 1 : -1;
}
