/* PCIe functions given to VMs, their host bridges and DMA faults
 * (hyp/core/vpci.c). */
#ifndef HYP_VPCI_H
#define HYP_VPCI_H

struct vm;

void vpci_init(void);
/* Why the VM may not start (a device missing, no SMMU...), or NULL. */
const char *vpci_refusal(const struct vm *vm);
void vpci_quiesce(struct vm *vm);
void vpci_reset(struct vm *vm);
void vpci_fault_irq(void);

#endif
