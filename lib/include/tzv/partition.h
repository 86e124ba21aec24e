/* The partition map (docs/trust-model.md): which physical CPUs and memory
 * each VM has, as the signed configuration says. tools/tzv-config writes
 * it, the manifest signs it, the monitor checks it at boot and keeps it in
 * secure SRAM; the monitor names the calling VM from it and the STK lets a
 * VM's vTEE touch only that VM's memory. */
#ifndef TZV_PARTITION_H
#define TZV_PARTITION_H
#include <board.h>
#include <stdint.h>
#include <tzv/limits.h>

#define PARTMAP_MAGIC	"TZVPMAP"
#define PARTMAP_VERSION 3U

struct partmap_range {
	uint64_t base, size;
};

struct partmap_vm {
	char name[16];
	uint32_t ncpus;
	uint32_t nshm;
	uint64_t mpidr[BOARD_MAX_CPUS]; /* the physical CPUs its vCPUs run on */
	struct partmap_range ram;	/* its RAM */
	/* the hypervisor's pages that carry this VM's vTEE messages (the
	 * copies it checked): messages and page lists may lie there, data
	 * never does */
	struct partmap_range tee;
	uint32_t shm[TZV_MAX_SHMEM]; /* indexes of the shared regions it is a member of */
	uint32_t tee_sessions, tee_shm, tee_shm_pages;
	uint16_t tee_pals;	   /* PALs its vTEE may register */
	uint16_t tee_secure_pages; /* its quota of TZV_TEE_POOL_PAGES */
	/* its trusted storage (docs/storage.md): two banks of store_sectors
	 * flash sectors from sector store_first of FLASH_STORE, at most
	 * store_budget bytes of records, none if 0; store_id is drawn when
	 * the VM first appears in the configuration and is new if it leaves
	 * and comes back, so that no VM reads what an earlier one kept */
	uint32_t store_first, store_sectors, store_budget;
	/* the VMs (bit i: VM i) whose RAM and vCPU registers this one may read
	 * through the hypervisor (introspects = [...]): nothing the secure side
	 * acts on, but measured with the map, so a verifier sees it */
	uint32_t introspects;
	uint8_t store_id[16];
};

/* A VM's storage bank holds twice its budget and this much more (docs/storage.md) */
#define PARTMAP_STORE_SLACK 4096U

struct partmap {
	char magic[8];
	uint32_t version;
	uint32_t nvms;
	uint32_t nshm;
	uint32_t size; /* sizeof(struct partmap) */
	struct partmap_vm vm[TZV_MAX_VMS];
	struct partmap_range shm[TZV_MAX_SHMEM];
};

_Static_assert(sizeof(struct partmap_vm) == 56 + 8 * BOARD_MAX_CPUS + 4 * TZV_MAX_SHMEM + 48,
	       "partition map VM entry layout");
_Static_assert(sizeof(struct partmap) ==
		   24 + TZV_MAX_VMS * sizeof(struct partmap_vm) + 16 * TZV_MAX_SHMEM,
	       "partition map layout");

#endif
