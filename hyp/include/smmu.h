/* The SMMUv3 in front of the PCIe root complex (hyp/arch/smmu.c): the
 * hypervisor alone programs it. Every stream aborts until it is given to a
 * VM; a stream given to a VM translates through tables equal to that VM's
 * RAM (IOVA = guest-physical address), and nothing else. QEMU 7.2 has
 * stage 1 only, so these are stage-1 tables the guest never sees
 * (docs/devices.md). */
#ifndef HYP_SMMU_H
#define HYP_SMMU_H
#include <stdbool.h>
#include <stdint.h>

/* A translation the SMMU refused, from its event queue. */
struct smmu_fault {
	unsigned sid;	/* stream = PCI requester id */
	unsigned event; /* SMMU event id (F_TRANSLATION 0x10, ...) */
	bool write;
	uint64_t addr; /* the address the device used */
};

/* false: no SMMU answers at SMMU_BASE (QEMU without iommu=smmuv3). */
bool smmu_init(void);
/* The DMA view of context ctx (one per VM): [iova, iova+size) -> pa. */
bool smmu_map(unsigned ctx, uint64_t iova, uint64_t pa, uint64_t size);
/* Stream sid translates through context ctx from now on. */
bool smmu_attach(unsigned sid, unsigned ctx);
bool smmu_next_fault(struct smmu_fault *f);
bool smmu_lost_faults(void);
const char *smmu_event_name(unsigned event);

#endif
