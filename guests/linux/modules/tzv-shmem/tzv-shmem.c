// SPDX-License-Identifier: GPL-2.0
/*
 * tzv-shmem: a tzvisor shared-memory region and its doorbell.
 *
 * The hypervisor describes each region a VM shares with others by a node
 *
 *	shmem@70000000 {
 *		compatible = "tzvisor,shmem";
 *		reg = <0x0 0x70000000 0x0 0x100000>;
 *		interrupts = <0 40 1>;
 *		tzvisor,region-id = <0>;
 *	};
 *
 * The interrupt is the region's doorbell, raised when a peer rings it with
 * the DOORBELL hypercall. sysfs attributes on the platform device:
 *	doorbells	(r) doorbells received so far
 *	ring		(w) ring the peers' doorbell; the write fails
 *			    with the hypercall's error
 *	region_id	(r) the region's id
 */
#include <linux/arm-smccc.h>
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>

/* SMCCC fast call, SMC32, vendor-specific hypervisor service, function 2 */
#define TZV_HC_DOORBELL \
	ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_32, \
			   ARM_SMCCC_OWNER_VENDOR_HYP, 2)

struct tzv_shmem {
	u32 region_id;
	void *base;		/* the region, mapped write-back */
	atomic_long_t doorbells;
};

static irqreturn_t tzv_shmem_irq(int irq, void *data)
{
	struct tzv_shmem *shm = data;

	atomic_long_inc(&shm->doorbells);
	return IRQ_HANDLED;
}

static ssize_t doorbells_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct tzv_shmem *shm = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%ld\n", atomic_long_read(&shm->doorbells));
}
static DEVICE_ATTR_RO(doorbells);

static ssize_t region_id_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct tzv_shmem *shm = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", shm->region_id);
}
static DEVICE_ATTR_RO(region_id);

static ssize_t ring_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct tzv_shmem *shm = dev_get_drvdata(dev);
	struct arm_smccc_res res;

	arm_smccc_1_1_invoke(TZV_HC_DOORBELL, shm->region_id, &res);
	/* an SMC32 call returns its status in w0 */
	switch ((s32)res.a0) {
	case SMCCC_RET_SUCCESS:
		return count;
	case SMCCC_RET_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case SMCCC_RET_INVALID_PARAMETER:
		return -EINVAL;
	default:
		return -EIO;
	}
}
static DEVICE_ATTR_WO(ring);

static struct attribute *tzv_shmem_attrs[] = {
	&dev_attr_doorbells.attr,
	&dev_attr_ring.attr,
	&dev_attr_region_id.attr,
	NULL
};
ATTRIBUTE_GROUPS(tzv_shmem);

static int tzv_shmem_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct tzv_shmem *shm;
	struct resource *res;
	const char *name;
	int irq, ret;

	shm = devm_kzalloc(dev, sizeof(*shm), GFP_KERNEL);
	if (!shm)
		return -ENOMEM;
	platform_set_drvdata(pdev, shm);

	ret = of_property_read_u32(dev->of_node, "tzvisor,region-id",
				   &shm->region_id);
	if (ret)
		return dev_err_probe(dev, ret, "no tzvisor,region-id\n");

	res = platform_get_resource(pdev, IORESOURCE_MEM, 0);
	if (!res)
		return dev_err_probe(dev, -EINVAL, "no reg\n");
	shm->base = devm_memremap(dev, res->start, resource_size(res),
				  MEMREMAP_WB);
	if (IS_ERR(shm->base))
		return dev_err_probe(dev, PTR_ERR(shm->base),
				     "cannot map %pR\n", res);

	irq = platform_get_irq(pdev, 0);
	if (irq < 0)
		return irq;
	name = devm_kasprintf(dev, GFP_KERNEL, "tzv-shmem%u", shm->region_id);
	if (!name)
		return -ENOMEM;
	ret = devm_request_irq(dev, irq, tzv_shmem_irq, 0, name, shm);
	if (ret)
		return dev_err_probe(dev, ret, "cannot request irq %d\n", irq);

	dev_info(dev, "region %u: %pa, size %#llx, doorbell irq %d\n",
		 shm->region_id, &res->start, (u64)resource_size(res), irq);
	return 0;
}

static const struct of_device_id tzv_shmem_of_match[] = {
	{ .compatible = "tzvisor,shmem" },
	{ }
};
MODULE_DEVICE_TABLE(of, tzv_shmem_of_match);

static struct platform_driver tzv_shmem_driver = {
	.probe = tzv_shmem_probe,
	.driver = {
		.name = "tzv-shmem",
		.of_match_table = tzv_shmem_of_match,
		.dev_groups = tzv_shmem_groups,
	},
};
module_platform_driver(tzv_shmem_driver);

MODULE_DESCRIPTION("tzvisor shared-memory region and doorbell");
MODULE_LICENSE("GPL");
