// SPDX-License-Identifier: GPL-2.0
/*
 * tzv-guest: tells the tzvisor hypervisor when this kernel panics, so that
 * the VM's restart policy (restart or stop) applies at once. Loads only
 * under tzvisor (checked with the vendor-hypervisor CALL_UID).
 */
#include <linux/arm-smccc.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>

#define TZV_HC(fn) \
	ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_32, \
			   ARM_SMCCC_OWNER_VENDOR_HYP, fn)
#define TZV_HC_CALL_UID TZV_HC(0xff01)
#define TZV_HC_GUEST_PANIC TZV_HC(3)

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

	arm_smccc_1_1_invoke(TZV_HC_CALL_UID, &res);
	if (res.a0 != 0x4e2c1aa9 || res.a1 != 0x6c4d3b7e ||
	    res.a2 != 0x1f9b2d7a || res.a3 != 0x319f0e5c)
		return -ENODEV;
	atomic_notifier_chain_register(&panic_notifier_list,
				       &tzv_guest_panic_nb);
	pr_info("tzv-guest: the hypervisor learns of panics\n");
	return 0;
}

static void __exit tzv_guest_exit(void)
{
	atomic_notifier_chain_unregister(&panic_notifier_list,
					 &tzv_guest_panic_nb);
}

module_init(tzv_guest_init);
module_exit(tzv_guest_exit);
MODULE_DESCRIPTION("tzvisor guest services: panic notification");
MODULE_LICENSE("GPL");
