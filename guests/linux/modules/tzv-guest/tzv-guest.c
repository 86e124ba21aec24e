// SPDX-License-Identifier: GPL-2.0
/*
 * tzv-guest: tells the tzvisor hypervisor when this kernel panics, so that
 * the VM's restart policy (restart or stop) applies at once. Loads only
 * under tzvisor (checked with the vendor-hypervisor CALL_UID).
 *
 * For make bench it also times round trips, read from sysfs:
 *	/sys/kernel/tzv/hvc_null	N null hypercalls: "calls ticks ns_per_call"
 *	/sys/kernel/tzv/tee_null	N null vTEE calls (OP-TEE GET_OS_REVISION)
 * Loaded in a Xen domain instead, it offers hvc_null only, timing Xen's
 * trivial xen_version hypercall, so make bench compares like with like.
 */
#include <linux/arm-smccc.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <asm/arch_timer.h>
#include <xen/xen.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>

#define TZV_HC(fn) \
	ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_32, \
			   ARM_SMCCC_OWNER_VENDOR_HYP, fn)
#define TZV_HC_CALL_UID TZV_HC(0xff01)
#define TZV_HC_GUEST_PANIC TZV_HC(3)
#define TZV_HC_NULL TZV_HC(1)
#define OPTEE_SMC_GET_OS_REVISION \
	ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_32, \
			   ARM_SMCCC_OWNER_TRUSTED_OS, 1)
#define BENCH_CALLS 2000

static struct kobject *tzv_kobj;

static bool under_xen;

/* Xen's arm64 hypercall ABI: number in x16, hvc #0xEA1, result in x0 */
static unsigned long xen_version_call(void)
{
	register unsigned long x0 asm("x0") = 0;	/* XENVER_version */
	register unsigned long x1 asm("x1") = 0;
	register unsigned long x16 asm("x16") = 17;	/* __HYPERVISOR_xen_version */

	asm volatile("hvc #0xEA1"
		     : "+r"(x0), "+r"(x1)
		     : "r"(x16)
		     : "x2", "x3", "x4", "memory");
	return x0;
}

static ssize_t time_calls(char *buf, u32 fid)
{
	struct arm_smccc_res res;
	u64 t0, t1;
	int i;

	t0 = __arch_counter_get_cntvct();
	for (i = 0; i < BENCH_CALLS; i++) {
		if (under_xen)
			xen_version_call();
		else
			arm_smccc_1_1_invoke(fid, &res);
	}
	t1 = __arch_counter_get_cntvct();
	return sysfs_emit(buf, "%d %llu %llu\n", BENCH_CALLS, t1 - t0,
			  div_u64((t1 - t0) * div_u64(NSEC_PER_SEC, arch_timer_get_cntfrq()),
				  BENCH_CALLS));
}

static ssize_t hvc_null_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return time_calls(buf, TZV_HC_NULL);
}

static ssize_t tee_null_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return time_calls(buf, OPTEE_SMC_GET_OS_REVISION);
}

static struct kobj_attribute hvc_null_attr = __ATTR_RO(hvc_null);
static struct kobj_attribute tee_null_attr = __ATTR_RO(tee_null);
static struct attribute *tzv_attrs[] = {
	&hvc_null_attr.attr, &tee_null_attr.attr, NULL
};
static struct attribute *xen_attrs[] = { &hvc_null_attr.attr, NULL };
static const struct attribute_group tzv_group = { .attrs = tzv_attrs };
static const struct attribute_group xen_group = { .attrs = xen_attrs };

static int tzv_guest_panic(struct notifier_block *nb, unsigned long event,
			   void *msg)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_invoke(TZV_HC_GUEST_PANIC, &res);
	return NOTIFY_DONE;
}

static struct notifier_block tzv_guest_panic_nb = {
	.notifier_call = tzv_guest_panic,
	.priority = INT_MAX,	/* before anything that might not return */
};

static int __init tzv_guest_init(void)
{
	struct arm_smccc_res res;

	if (xen_domain()) {
		/* only the benchmark attribute: Xen has its own panic path */
		under_xen = true;
		tzv_kobj = kobject_create_and_add("tzv", kernel_kobj);
		if (!tzv_kobj || sysfs_create_group(tzv_kobj, &xen_group)) {
			kobject_put(tzv_kobj);
			return -ENOMEM;
		}
		return 0;
	}
	arm_smccc_1_1_invoke(TZV_HC_CALL_UID, &res);
	if (res.a0 != 0x4e2c1aa9 || res.a1 != 0x6c4d3b7e ||
	    res.a2 != 0x1f9b2d7a || res.a3 != 0x319f0e5c)
		return -ENODEV;
	tzv_kobj = kobject_create_and_add("tzv", kernel_kobj);
	if (!tzv_kobj || sysfs_create_group(tzv_kobj, &tzv_group)) {
		kobject_put(tzv_kobj);
		return -ENOMEM;
	}
	atomic_notifier_chain_register(&panic_notifier_list,
				       &tzv_guest_panic_nb);
	pr_info("tzv-guest: the hypervisor learns of panics\n");
	return 0;
}

static void __exit tzv_guest_exit(void)
{
	if (!under_xen)
		atomic_notifier_chain_unregister(&panic_notifier_list,
						 &tzv_guest_panic_nb);
	kobject_put(tzv_kobj);
}

module_init(tzv_guest_init);
module_exit(tzv_guest_exit);
MODULE_DESCRIPTION("tzvisor guest services: panic notification");
MODULE_LICENSE("GPL");
