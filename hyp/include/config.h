/* Static VM configuration: generated on the host by tools/tzv-config from
 * a configs/ TOML file, so the hypervisor parses nothing at run time. */
#ifndef HYP_CONFIG_H
#define HYP_CONFIG_H
#include <board.h>
#include <stdbool.h>
#include <stdint.h>
#include <tzv/limits.h>

#define VM_MAX_CPUS BOARD_MAX_CPUS
#define VM_MAX_DEVS 8
#define VM_MAX_IRQS 16
#define VM_MAX_PCI  4 /* one per INTx line of the board */

struct vm_image {
	uint64_t staging; /* physical address of the pristine copy */
	uint64_t size;
	uint64_t ipa; /* where the guest finds it */
};

struct vm_dev {
	uint64_t ipa, pa, size;
};

/* A PCIe function on bus 0 given to the VM: its DMA translates through the
 * VM's RAM only (hyp/core/vpci.c). */
struct vm_pci {
	const char *name;
	uint8_t devfn;
};

/* What one VM may hold in its vTEE at once (enforced by the hypervisor and
 * the STK): sessions, registered shared buffers, pages per buffer; and
 * where the hypervisor's copies of its messages live (HYP_TEE_PAGES). */
struct vm_tee_limits {
	unsigned sessions, shm, shm_pages;
	uint64_t pages;
};

enum panic_policy { ON_PANIC_STOP = 0, ON_PANIC_RESTART };

struct vm_config {
	const char *name;
	enum panic_policy on_panic;
	bool console; /* has a virtual PL011 */
	unsigned ncpus;
	struct vm_tee_limits tee;
	unsigned pcpu[VM_MAX_CPUS]; /* vCPU i runs on physical CPU pcpu[i] */
	uint64_t ram_ipa, ram_pa, ram_size;
	struct vm_image kernel, initrd, dtb;
	unsigned ndevs;
	struct vm_dev dev[VM_MAX_DEVS]; /* passthrough MMIO windows */
	unsigned nirqs;
	uint16_t irq[VM_MAX_IRQS]; /* SPIs (INTIDs) of those devices and of its PCI INTx */
	unsigned npci;
	struct vm_pci pci[VM_MAX_PCI];
	uint64_t pci_mmio, pci_mmio_size; /* its BARs' window, IPA = PA */
	uint32_t introspects;		  /* bit i: it may introspect VM i (vmi.c) */
	unsigned vmi_intid;		  /* doorbell SPI of its event ring (0: none) */
};

extern const struct vm_config vm_configs[];
extern const unsigned vm_config_count;

/* A shared-memory region between VMs, each member ringing the others
 * through the region's doorbell interrupt. */
struct shmem_member {
	unsigned vm;	/* index into vm_configs */
	uint64_t ipa;	/* where that VM sees the region */
	unsigned intid; /* the doorbell SPI in that VM */
};

struct shmem_config {
	const char *name;
	uint64_t pa, size;
	unsigned nmembers;
	struct shmem_member member[TZV_SHMEM_MAX_MEMBERS];
};

extern const struct shmem_config shmem_configs[];
extern const unsigned shmem_config_count;

#endif
