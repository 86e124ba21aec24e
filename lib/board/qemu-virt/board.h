/* QEMU virt board facts shared by every level (addresses from the machine's
 * own device tree, -M virt,secure=on,virtualization=on,gic-version=3).
 * tools/tzv-config reads this file too: the #define values below and the
 * "tzv-config: passthrough" lines, which list the devices a configuration
 * may give to one VM (name, MMIO base, size, SPI, device-tree compatible). */
#ifndef TZV_BOARD_H
#define TZV_BOARD_H

#define BOARD_NAME     "qemu-virt"
#define BOARD_MAX_CPUS 4

#define SECURE_FLASH_BASE 0x00000000UL
#define SECURE_FLASH_SIZE 0x04000000UL

#define GICD_BASE   0x08000000UL
#define GICD_SIZE   0x00010000UL
#define GICR_BASE   0x080A0000UL
#define GICR_STRIDE 0x00020000UL /* RD frame + SGI frame per CPU */

#define UART0_BASE 0x09000000UL /* non-secure PL011, the console */
/* the range of devices the monitor reaches (GIC, UART, secure GPIO) */
#define BOARD_DEVICES_BASE 0x08000000UL
#define BOARD_DEVICES_SIZE 0x02000000UL
#define UART0_INTID	   33U /* SPI 1 */
/* tzv-config: passthrough rtc 0x09010000 0x1000 2 arm,pl031 arm,primecell */
/* tzv-config: passthrough gpio 0x09030000 0x1000 7 arm,pl061 arm,primecell */
#define SECURE_GPIO_BASE 0x090B0000UL /* PL061: pin 0 power off, pin 1 reset */

/* PCIe (GPEX) with -M highmem=off,iommu=smmuv3 (tools/run-qemu): the low
 * ECAM (buses 0-15), the 32-bit MMIO window the hypervisor hands out a slice
 * of to each VM with devices, its INTx lines (SPIs 3-6, swizzled by slot),
 * and the SMMUv3 in front of the root complex with its event and global-error
 * interrupts (edge). */
#define PCIE_ECAM_BASE	  0x3F000000UL
#define PCIE_ECAM_SIZE	  0x01000000UL
#define PCIE_MMIO_BASE	  0x10000000UL
#define PCIE_MMIO_SIZE	  0x2EFF0000UL
#define PCIE_MMIO_SLICE	  0x02000000UL /* each VM's share: VM i at BASE + i * SLICE */
#define PCIE_INTA_INTID	  35U
#define SMMU_BASE	  0x09050000UL
#define SMMU_SIZE	  0x00020000UL
#define SMMU_EVTQ_INTID	  106U
#define SMMU_GERROR_INTID 109U
/* tzv-config: pci disk0 2 virtio-blk-pci */
/* tzv-config: pci net0 3 virtio-net-pci */
/* tzv-config: pci net1 4 virtio-net-pci */
/* tzv-config: pci disk1 5 virtio-blk-pci */

#define SECURE_SRAM_BASE 0x0E000000UL
#define SECURE_SRAM_SIZE 0x01000000UL

#define RAM_BASE 0x40000000UL
#define RAM_SIZE 0x80000000UL /* -m 2048 */

/* Secure SRAM split: monitor data and stacks, then the secure tiny kernel. */
#define MON_SRAM_BASE SECURE_SRAM_BASE
#define MON_SRAM_SIZE 0x00100000UL
#define STK_BASE      (SECURE_SRAM_BASE + MON_SRAM_SIZE)
#define STK_SIZE      (SECURE_SRAM_SIZE - MON_SRAM_SIZE)

/* Secure flash layout: monitor at 0, the STK image behind a small header. */
#define FLASH_STK_IMAGE	    0x00101000UL
#define FLASH_MANIFEST	    0x00F00000UL /* the signed manifest (docs/secure-boot.md) */
#define FLASH_MANIFEST_MAX  0x00010000UL
#define FLASH_DEVICE_SECRET 0x00F10000UL /* 32 bytes, read only by the monitor */
#define FLASH_PARTMAP	    0x00F20000UL /* the partition map (a signed component) */
#define FLASH_SIGNERS	    0x00F30000UL /* the authorized PAL signers (a signed component) */
#define FLASH_STORE	    0x01000000UL /* trusted storage: each VM's sectors (storage.md) */
#define FLASH_STORE_SIZE    0x02FC0000UL /* up to the anti-rollback sector */
#define FLASH_NV_COUNTER    0x03FC0000UL /* the last 256 KiB sector: anti-rollback minimum */
#define FLASH_SECTOR	    0x00040000UL

/* The monitor's measurement records, in its part of secure SRAM; the STK
 * maps them read-only. */
#define MEASURE_BASE (MON_SRAM_BASE + 0x000C0000UL)
#define MEASURE_SIZE 0x00040000UL

/* Non-secure RAM: QEMU's DTB at the base (ignored), then the hypervisor,
 * then the staging area holding pristine VM images, then VM partitions. */
/* The console's line state all levels share (lib/src/console.c): the last
 * page of the 1 MiB QEMU keeps its own device tree in, which nobody reads. */
#define CONSOLE_SHARED_BASE 0x400FF000UL
#define HYP_BASE	    0x40100000UL
#define HYP_SIZE	    0x00F00000UL
/* The last MiB of the hypervisor's region: the pages that carry each VM's
 * vTEE messages (the partition map names each VM's share). */
#define HYP_TEE_PAGES 0x40F00000UL
#define STAGING_BASE  0x41000000UL
#define STAGING_SIZE  0x0F000000UL
#define VM_POOL_BASE  0x50000000UL

/* Timer PPIs (INTIDs) */
#define PPI_VTIMER 27U

static inline unsigned board_cpu_index(unsigned long mpidr)
{
	/* virt (GICv3) puts 16 CPUs per cluster in Aff0, clusters in Aff1 */
	return (unsigned)(mpidr & 0xffUL) + 16U * (unsigned)((mpidr >> 8) & 0xffUL);
}

static inline unsigned long board_cpu_mpidr(unsigned idx)
{
	return (unsigned long)((idx % 16U) | ((idx / 16U) << 8));
}

/* ICC_SGI0R/1R_EL1 value sending SGI sgi to the CPU of index idx */
static inline unsigned long board_sgi_target(unsigned sgi, unsigned idx)
{
	unsigned long mpidr = board_cpu_mpidr(idx);

	return ((unsigned long)sgi << 24) | (((mpidr >> 8) & 0xffUL) << 16) |
	       (1UL << (mpidr & 0xfUL));
}

#endif
