/* PCIe functions given to VMs (configuration: devices = ["disk0", ...]).
 * At boot the hypervisor checks each one is there, places its BARs in its
 * VM's slice of the MMIO window (the guest keeps them: linux,pci-probe-only)
 * and attaches its stream to the SMMU context of that VM's RAM. The VM gets
 * a host bridge of its own: an emulated ECAM for bus 0 that shows only its
 * functions (others read as absent), with BARs, the ROM BAR and the header's
 * fixed fields shadowed, so the guest can neither move a BAR over another
 * VM's nor reach a function that is not its own. */
#include <board.h>
#include <gic.h>
#include <smmu.h>
#include <tzv/console.h>
#include <tzv/string.h>
#include <vm.h>
#include <vpci.h>

#define CFG_VENDOR  0x00U
#define CFG_COMMAND 0x04U
#define CFG_HEADER  0x0EU
#define CFG_BAR0    0x10U
#define CFG_ROM	    0x30U
#define CMD_GUEST   0x0546U /* memory, bus master, parity, SERR, INTx disable */
#define BAR_IO	    1U
#define BAR_64	    4U
#define NR_BARS	    6U
#define GUEST_ECAM  0x100000UL /* bus 0 */

struct pci_fn {
	struct vm *vm;
	uint8_t devfn;
	uint32_t size[NR_BARS]; /* size mask of each BAR dword, 0: hidden */
	uint32_t flags[NR_BARS];
	uint32_t addr[NR_BARS]; /* where the hypervisor placed it */
	uint32_t shadow[NR_BARS];
};

static struct pci_fn fns[TZV_MAX_VMS * VM_MAX_PCI];
static unsigned nfns;
static const char *refusal[TZV_MAX_VMS];

static volatile void *ecam(uint8_t devfn, unsigned reg)
{
	return (volatile void *)(uintptr_t)(PCIE_ECAM_BASE + ((uint64_t)devfn << 12) + reg);
}

static uint32_t cfg_read(uint8_t devfn, unsigned reg, unsigned size)
{
	if (size == 1)
		return *(volatile uint8_t *)ecam(devfn, reg);
	if (size == 2)
		return *(volatile uint16_t *)ecam(devfn, reg);
	return *(volatile uint32_t *)ecam(devfn, reg);
}

static void cfg_write(uint8_t devfn, unsigned reg, unsigned size, uint32_t v)
{
	if (size == 1)
		*(volatile uint8_t *)ecam(devfn, reg) = (uint8_t)v;
	else if (size == 2)
		*(volatile uint16_t *)ecam(devfn, reg) = (uint16_t)v;
	else
		*(volatile uint32_t *)ecam(devfn, reg) = v;
}

static uint32_t bar_probe(uint8_t devfn, unsigned i)
{
	unsigned reg = CFG_BAR0 + 4U * i;
	uint32_t old = cfg_read(devfn, reg, 4);

	cfg_write(devfn, reg, 4, 0xffffffffU);
	uint32_t mask = cfg_read(devfn, reg, 4);
	cfg_write(devfn, reg, 4, old);
	return mask;
}

/* Sizes the function's memory BARs and places them naturally aligned from
 * *next on; I/O BARs stay hidden (the window has no I/O space for VMs). */
static const char *bars_place(struct pci_fn *f, uint64_t *next, uint64_t end)
{
	for (unsigned i = 0; i < NR_BARS; i++) {
		uint32_t lo = bar_probe(f->devfn, i);
		if (lo & BAR_IO)
			pr("%s: PCI 00:%02x.%u: I/O BAR %u hidden\n", f->vm->cfg->name,
			   f->devfn >> 3, f->devfn & 7U, i);
		if (!lo || (lo & BAR_IO))
			continue;
		bool wide = (lo & 6U) == BAR_64;
		uint32_t hi = wide && i + 1 < NR_BARS ? bar_probe(f->devfn, i + 1) : 0;
		if (wide && hi != 0xffffffffU)
			return "a 64-bit BAR of 4 GiB or more";
		uint64_t size = (uint64_t)(~(lo & ~0xfU)) + 1U;
		uint64_t at = (*next + size - 1U) & ~(size - 1U);
		if (at + size > end)
			return "BARs larger than the VM's PCI window";
		*next = at + size;
		f->size[i] = lo & ~0xfU;
		f->flags[i] = lo & 0xfU;
		f->addr[i] = (uint32_t)at;
		cfg_write(f->devfn, CFG_BAR0 + 4U * i, 4, (uint32_t)at);
		if (wide) {
			i++;
			f->size[i] = 0xffffffffU;
			cfg_write(f->devfn, CFG_BAR0 + 4U * i, 4, 0);
		}
	}
	return NULL;
}

/* Whether the function the configuration names is there and usable, its
 * BARs placed and its DMA confined; a reason if not. */
static const char *fn_setup(struct vm *vm, const struct vm_pci *p, uint64_t *next)
{
	const struct vm_config *c = vm->cfg;

	if (nfns == sizeof(fns) / sizeof(fns[0]))
		return "too many PCI functions";
	struct pci_fn *f = &fns[nfns];
	memset(f, 0, sizeof(*f));
	f->vm = vm;
	f->devfn = p->devfn;
	if ((cfg_read(p->devfn, CFG_VENDOR, 2) & 0xffffU) == 0xffffU)
		return "a PCI device this machine lacks (is it on QEMU's command line?)";
	if ((cfg_read(p->devfn, CFG_HEADER, 1) & 0x7fU) != 0)
		return "a PCI function that is not an endpoint";
	cfg_write(p->devfn, CFG_COMMAND, 2, 0);
	const char *why = bars_place(f, next, c->pci_mmio + c->pci_mmio_size);
	if (why)
		return why;
	if (!smmu_attach(p->devfn, vm->id))
		return "its DMA could not be confined";
	nfns++;
	pr("%s: PCI 00:%02x.%u (%s), DMA confined to its RAM\n", c->name, p->devfn >> 3,
	   p->devfn & 7U, p->name);
	return NULL;
}

static const char *vm_setup(struct vm *vm, bool have_smmu)
{
	const struct vm_config *c = vm->cfg;
	uint64_t next = c->pci_mmio;

	if (!have_smmu)
		return "its PCI devices need the SMMU (QEMU -M iommu=smmuv3), which this machine "
		       "lacks";
	if (!smmu_map(vm->id, c->ram_ipa, c->ram_pa, c->ram_size))
		return "its DMA tables could not be built";
	for (unsigned i = 0; i < c->npci; i++) {
		const char *why = fn_setup(vm, &c->pci[i], &next);
		if (why)
			return why;
	}
	return NULL;
}

/* At boot, before any VM runs: until the SMMU is on, DMA is not translated. */
void vpci_init(void)
{
	bool have_smmu = smmu_init();
	bool any = false;

	for (unsigned i = 0; i < vm_count; i++) {
		if (!vms[i].cfg->npci)
			continue;
		refusal[i] = vm_setup(&vms[i], have_smmu);
		if (!any && !refusal[i]) {
			any = true;
			unsigned cpu = vms[i].vcpu[0].pcpu;
			gic_set_edge(SMMU_EVTQ_INTID, cpu, true);
			gic_set_edge(SMMU_GERROR_INTID, cpu, true);
			gic_set_route(SMMU_EVTQ_INTID, cpu);
			gic_set_route(SMMU_GERROR_INTID, cpu);
			gic_set_enable(SMMU_EVTQ_INTID, cpu, true);
			gic_set_enable(SMMU_GERROR_INTID, cpu, true);
		}
	}
	pr("SMMU: %s\n", have_smmu ? "on, every stream not given to a VM aborts" : "absent");
}

const char *vpci_refusal(const struct vm *vm)
{
	return refusal[vm->id];
}

static struct pci_fn *fn_of(const struct vm *vm, uint8_t devfn)
{
	for (unsigned i = 0; i < nfns; i++)
		if (fns[i].vm == vm && fns[i].devfn == devfn)
			return &fns[i];
	return NULL;
}

static uint32_t bar_read(const struct pci_fn *f, unsigned i)
{
	if (!f->size[i])
		return 0;
	return (f->shadow[i] & f->size[i]) | f->flags[i];
}

/* The guest's view of one access to its function f. */
static void fn_access(struct pci_fn *f, unsigned reg, unsigned size, bool write, uint64_t *val)
{
	unsigned dword = reg & ~3U, shift = 8U * (reg & 3U);
	uint32_t mask = size == 4 ? 0xffffffffU : ((1U << (8U * size)) - 1U);

	if (dword >= CFG_BAR0 && dword < CFG_BAR0 + 4U * NR_BARS) {
		unsigned i = (dword - CFG_BAR0) / 4U;
		if (write && size == 4)
			f->shadow[i] = (uint32_t)*val;
		else if (!write)
			*val = (bar_read(f, i) >> shift) & mask;
	} else if (dword == CFG_ROM || dword == 0x0CU) {
		/* no ROM; cache line, latency, header type and BIST are fixed */
		if (!write)
			*val = dword == CFG_ROM ? 0 : (cfg_read(f->devfn, reg, size) & mask);
	} else if (write && dword == CFG_COMMAND) {
		/* the command bits the guest may set, merged into those it did
		 * not write; status bits are write-one-to-clear */
		uint32_t m = mask << shift;
		uint32_t v =
		    (cfg_read(f->devfn, CFG_COMMAND, 2) & ~m) | (((uint32_t)*val << shift) & m);
		if (m & 0xffffU)
			cfg_write(f->devfn, CFG_COMMAND, 2, v & CMD_GUEST);
		if (m >> 16)
			cfg_write(f->devfn, CFG_COMMAND + 2U, 2, v >> 16);
	} else if (write) {
		cfg_write(f->devfn, reg, size, (uint32_t)*val);
	} else {
		*val = cfg_read(f->devfn, reg, size) & mask;
	}
}

static bool ecam_mmio(struct vcpu *v, uint64_t off, unsigned size, bool write, uint64_t *val)
{
	if (size > 4 || (off & (size - 1U)))
		return false;
	struct pci_fn *f = fn_of(v->vm, (uint8_t)(off >> 12));
	if (f)
		fn_access(f, (unsigned)(off & 0xfffU), size, write, val);
	else if (!write)
		*val = size == 4 ? 0xffffffffU : ((1U << (8U * size)) - 1U);
	return true;
}

/* Before the VM's RAM is loaded and after it stops: its functions neither
 * decode nor master, so no DMA of an earlier run reaches the fresh RAM. */
void vpci_quiesce(struct vm *vm)
{
	for (unsigned i = 0; i < nfns; i++)
		if (fns[i].vm == vm)
			cfg_write(fns[i].devfn, CFG_COMMAND, 2, 0);
}

/* At each start of the VM: its BARs read as placed, and its host bridge
 * answers. */
void vpci_reset(struct vm *vm)
{
	if (!vm->cfg->npci || refusal[vm->id])
		return;
	for (unsigned i = 0; i < nfns; i++)
		if (fns[i].vm == vm)
			memcpy(fns[i].shadow, fns[i].addr, sizeof(fns[i].shadow));
	mmio_register(vm, PCIE_ECAM_BASE, GUEST_ECAM, ecam_mmio);
}

static struct vm *owner(unsigned sid)
{
	for (unsigned i = 0; i < nfns; i++)
		if (fns[i].devfn == sid)
			return fns[i].vm;
	return NULL;
}

static bool same_transfer(const struct smmu_fault *a, const struct smmu_fault *b, uint64_t last)
{
	return a->sid == b->sid && a->event == b->event && a->write == b->write &&
	       b->addr - last <= 64U;
}

static void report(const struct smmu_fault *f, unsigned more, uint64_t last)
{
	struct vm *vm = owner(f->sid);
	const char *dir = f->write ? "write" : "read", *why = smmu_event_name(f->event);

	if (!vm) {
		pr("DMA fault from unassigned stream 0x%x at 0x%lx (%s, %s)\n", f->sid,
		   (unsigned long)f->addr, dir, why);
		return;
	}
	if (more)
		vm_log(vm, "%s: DMA fault from 00:%02x.%u at 0x%lx (%s, %s), %u more up to 0x%lx\n",
		       vm->cfg->name, (f->sid >> 3) & 0x1fU, f->sid & 7U, (unsigned long)f->addr,
		       dir, why, more, (unsigned long)last);
	else
		vm_log(vm, "%s: DMA fault from 00:%02x.%u at 0x%lx (%s, %s)\n", vm->cfg->name,
		       (f->sid >> 3) & 0x1fU, f->sid & 7U, (unsigned long)f->addr, dir, why);
}

/* The SMMU's interrupt: every refused transfer is named with its VM, one
 * line for the faults of one transfer (a device that is refused a buffer
 * faults on each word of it). */
void vpci_fault_irq(void)
{
	struct smmu_fault first, f;
	unsigned more = 0;
	uint64_t last = 0;
	bool have = false;

	while (smmu_next_fault(&f)) {
		if (have && same_transfer(&first, &f, last)) {
			more++;
			last = f.addr;
			continue;
		}
		if (have)
			report(&first, more, last);
		first = f;
		last = f.addr;
		more = 0;
		have = true;
	}
	if (have)
		report(&first, more, last);
	if (smmu_lost_faults())
		pr("SMMU: event queue overflowed: some DMA faults were not recorded\n");
}
