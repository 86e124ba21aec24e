// SPDX-License-Identifier: GPL-2.0
/*
 * tzv-guest: tells the tzvisor hypervisor when this kernel panics, so that
 * the VM's restart policy (restart or stop) applies at once. Loads only
 * under tzvisor (checked with the vendor-hypervisor CALL_UID).
 *
 * For make bench it also times round trips, read from sysfs:
 *	/sys/kernel/tzv/hvc_null	N null hypercalls: "calls ticks ns_per_call"
 *	/sys/kernel/tzv/tee_null	N null vTEE calls (OP-TEE GET_OS_REVISION)
 *	/sys/kernel/tzv/insns		instructions by level (see insns_show)
 * Loaded in a Xen domain instead, it offers hvc_null only, timing Xen's
 * trivial xen_version hypercall, so make bench compares like with like.
 *
 * For the robustness tests, a storm of random calls (test_storm.py):
 *	echo N > /sys/kernel/tzv/storm	N random SMCs and HVCs, then
 *	cat /sys/kernel/tzv/storm	what they were and how they were answered
 *
 * Introspection of another VM (docs/hypercalls.md; tzv-vmi uses it):
 *	echo "target NAME" | "pause T" | "resume T" | "read T IPA LEN" |
 *	     "regs T VCPU" | "watch T IPA LEN POLICY" | "trap T MASK" |
 *	     "answer T SEQ ALLOW" | "events 1|0" > /sys/kernel/tzv/vmi
 *	cat /sys/kernel/tzv/vmi		"ret N", then the bytes (hex, 32 a
 *					line) or the registers (name value)
 *	cat /sys/kernel/tzv/vmi_events	the events since the last read, one
 *					a line, after waiting up to a second
 *					for the doorbell; first "lost N"
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
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/interrupt.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/wait.h>
#include <linux/smp.h>
#include <linux/atomic.h>

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
#define TZV_HC_VMI_TARGET TZV_HC(0x10)
#define TZV_HC_VMI_PAUSE TZV_HC(0x11)
#define TZV_HC_VMI_RESUME TZV_HC(0x12)
#define TZV_HC_VMI_READ TZV_HC(0x13)
#define TZV_HC_VMI_REGS TZV_HC(0x14)
#define TZV_HC_VMI_EVENTS TZV_HC(0x15)
#define TZV_HC_VMI_WATCH TZV_HC(0x16)
#define TZV_HC_VMI_TRAP TZV_HC(0x17)
#define TZV_HC_VMI_ANSWER TZV_HC(0x18)
#define VMI_CHUNK 1024	/* bytes per read: their hex fits a sysfs page */
#define VMI_RING_ORDER 2	/* 16 KiB: 511 events */

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

/*
 * Instructions by level, for make bench: PMU event counters 0-2 count
 * INST_RETIRED (exact under QEMU's -icount, zero without it) at the normal
 * world's EL0, EL1 and EL2; the hypervisor leaves a guest every counter
 * (MDCR_EL2.HPMN). The secure world cannot be counted from here (the
 * monitor keeps MDCR_EL3.SPME clear), so its share of a command is the
 * command's instructions less these three. The counters are 32 bits wide:
 * a reading is good for a command of up to 4 G instructions.
 *	echo 1 > /sys/kernel/tzv/insns	zero and start them on every CPU
 *	cat /sys/kernel/tzv/insns	"el0 el1 el2", summed over the CPUs
 */
#define PMU_INST_RETIRED 0x08
#define PMU_NOT_EL1 (1U << 31)	/* PMEVTYPER.P */
#define PMU_NOT_EL0 (1U << 30)	/* PMEVTYPER.U */
#define PMU_EL2 (1U << 27)	/* PMEVTYPER.NSH */
#define PMCR_E_P 3UL		/* enable, zero the event counters */

static atomic64_t insns_sum[3];

static void insns_start(void *unused)
{
	write_sysreg(PMU_INST_RETIRED | PMU_NOT_EL1, pmevtyper0_el0);
	write_sysreg(PMU_INST_RETIRED | PMU_NOT_EL0, pmevtyper1_el0);
	write_sysreg(PMU_INST_RETIRED | PMU_NOT_EL0 | PMU_NOT_EL1 | PMU_EL2,
		     pmevtyper2_el0);
	write_sysreg(7UL, pmcntenset_el0);
	write_sysreg(read_sysreg(pmcr_el0) | PMCR_E_P, pmcr_el0);
	isb();
}

static void insns_add(void *unused)
{
	atomic64_add(read_sysreg(pmevcntr0_el0), &insns_sum[0]);
	atomic64_add(read_sysreg(pmevcntr1_el0), &insns_sum[1]);
	atomic64_add(read_sysreg(pmevcntr2_el0), &insns_sum[2]);
}

static ssize_t insns_store(struct kobject *k, struct kobj_attribute *a,
			   const char *buf, size_t len)
{
	on_each_cpu(insns_start, NULL, 1);
	return len;
}

static DEFINE_MUTEX(insns_lock);

static ssize_t insns_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	ssize_t n;
	int i;

	mutex_lock(&insns_lock);
	for (i = 0; i < 3; i++)
		atomic64_set(&insns_sum[i], 0);
	on_each_cpu(insns_add, NULL, 1);
	n = sysfs_emit(buf, "%lld %lld %lld\n", atomic64_read(&insns_sum[0]),
		       atomic64_read(&insns_sum[1]), atomic64_read(&insns_sum[2]));
	mutex_unlock(&insns_lock);
	return n;
}

/*
 * The storm: a quarter of the calls have random function ids, a quarter
 * random ids of the owners tzvisor answers (arch, standard, vendor
 * hypervisor, Trusted OS), a quarter are OP-TEE fast and yielding calls
 * with random arguments, a quarter OP-TEE messages with random fields in a
 * page of this VM; all with random x1..x7, by SMC or HVC at random. Calls
 * that would stop or restart this VM on purpose (PSCI's power calls, the
 * panic hypercall) are skipped, and REGISTER_SHM is not sent: a random page
 * list could hand the vTEE this kernel's own memory to write.
 */
#define OPTEE_SMC_RETURN_FROM_RPC 0x32000003
#define OPTEE_SMC_CALL_WITH_ARG 0x32000004
#define OPTEE_IS_RPC(a0) ((a0) >= 0xffff0000UL && (a0) < 0xffffffffUL)

struct storm_msg {		/* struct optee_msg_arg */
	u32 cmd, func, session, cancel_id, pad, ret, ret_origin, num_params;
	struct { u64 attr, a, b, c; } params[6];
};

static struct {
	unsigned long calls, smc, hvc, msgs, skipped;
	unsigned long ok, unsupported, other, rpcs;
} storm;

static bool stops_this_vm(u32 fid)
{
	u32 owner = (fid >> 24) & 0x3f, fn = fid & 0xffff;

	if (owner == ARM_SMCCC_OWNER_STANDARD && fn <= 0x1f)
		return fn != 0 && fn != 4 && fn != 6 && fn != 0xa;
	return owner == ARM_SMCCC_OWNER_VENDOR_HYP && fn == 3;
}

static void storm_call(u32 fid, const u64 *x, struct arm_smccc_res *res)
{
	if (get_random_u32() & 1) {
		storm.smc++;
		arm_smccc_smc(fid, x[1], x[2], x[3], x[4], x[5], x[6], x[7], res);
	} else {
		storm.hvc++;
		arm_smccc_hvc(fid, x[1], x[2], x[3], x[4], x[5], x[6], x[7], res);
	}
}

static u32 storm_pick(u64 *x, struct storm_msg *m, phys_addr_t pa)
{
	static const u8 owners[] = { 0, 4, 6, 50, 62, 63 };
	static const u8 cmds[] = { 0, 1, 2, 3, 5 };
	static const u8 attrs[] = { 0, 1, 2, 3, 5, 6, 7, 9, 10, 11, 0x4a };
	u32 r = get_random_u32(), i;

	get_random_bytes(x, 8 * sizeof(*x));
	switch (r & 3) {
	case 0:
		return (u32)x[0];
	case 1:
		return (r & 0x80000000) | ((r >> 2) & 0x40000000) |
		       (owners[(r >> 8) % sizeof(owners)] << 24) |
		       ((r >> 16) % 2 ? 0xff00 : 0) | ((x[0] >> 8) & 0x3f);
	case 2:
		return (r & 0x100) ? (0xb2000000 | ((r >> 9) & 0x1f)) :
				     (0x32000000 | ((r >> 9) & 7));
	}
	storm.msgs++;
	get_random_bytes(m, sizeof(*m));
	m->cmd = cmds[(r >> 2) % sizeof(cmds)];
	m->num_params = (r >> 8) % 8;
	for (i = 0; i < 6; i++)
		m->params[i].attr = attrs[(x[0] >> (4 * i)) % sizeof(attrs)];
	x[1] = upper_32_bits(pa);
	x[2] = lower_32_bits(pa);
	return OPTEE_SMC_CALL_WITH_ARG;
}

static ssize_t storm_store(struct kobject *k, struct kobj_attribute *a,
			   const char *buf, size_t len)
{
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	struct storm_msg *m;
	unsigned long n, i;
	int err = kstrtoul(buf, 0, &n);

	if (err || !page) {
		if (page)
			__free_page(page);
		return err ? err : -ENOMEM;
	}
	m = page_address(page);
	memset(&storm, 0, sizeof(storm));
	for (i = 0; i < n; i++) {
		struct arm_smccc_res res;
		u64 x[8];
		u32 fid = storm_pick(x, m, page_to_phys(page)), rounds = 0;

		if (stops_this_vm(fid)) {
			storm.skipped++;
			continue;
		}
		storm.calls++;
		storm_call(fid, x, &res);
		/* an RPC is answered as if nothing could be given, so the call ends */
		while (OPTEE_IS_RPC(res.a0) && rounds++ < 16) {
			u64 y[8] = { 0, 0, 0, res.a3 };

			storm.rpcs++;
			storm_call(OPTEE_SMC_RETURN_FROM_RPC, y, &res);
		}
		if (res.a0 == 0)
			storm.ok++;
		else if (res.a0 == ~0UL || (u32)res.a0 == 0xffffffff)
			storm.unsupported++;
		else
			storm.other++;
		if (!(i % 1024))
			cond_resched();
	}
	__free_page(page);
	return len;
}

static ssize_t storm_show(struct kobject *k, struct kobj_attribute *a,
			  char *buf)
{
	return sysfs_emit(buf,
			  "storm: %lu calls (%lu SMC, %lu HVC, %lu OP-TEE messages), %lu skipped; answers: %lu success, %lu not supported, %lu other errors; %lu RPCs answered\n",
			  storm.calls, storm.smc, storm.hvc, storm.msgs,
			  storm.skipped, storm.ok, storm.unsupported,
			  storm.other, storm.rpcs);
}

/*
 * Introspection: the hypervisor writes into a page of this kernel (its
 * guest-physical address), whose contents the last command's answer shows.
 */
static DEFINE_MUTEX(vmi_lock);
static char vmi_answer[PAGE_SIZE];
static u64 *vmi_page;

static const char *const vmi_reg_names[] = {
	"pc", "pstate", "sctlr", "ttbr0", "ttbr1", "tcr", "mair", "vbar",
	"esr", "far", "sp_el1", "elr", "spsr", "sp_el0",
};

static long vmi_hvc(u32 fid, u64 a1, u64 a2, u64 a3, u64 a4)
{
	struct arm_smccc_res res;

	arm_smccc_hvc(fid, a1, a2, a3, a4, 0, 0, 0, &res);
	return (long)res.a0;
}

static size_t vmi_hex(size_t n, u64 ipa, unsigned long len)
{
	const u8 *b = (const u8 *)vmi_page;
	unsigned long i;

	for (i = 0; i < len; i++) {
		if (!(i % 32))
			n += scnprintf(vmi_answer + n, sizeof(vmi_answer) - n,
				       "%s0x%llx:", i ? "\n" : "", ipa + i);
		n += scnprintf(vmi_answer + n, sizeof(vmi_answer) - n, " %02x",
			       b[i]);
	}
	return n + scnprintf(vmi_answer + n, sizeof(vmi_answer) - n, "\n");
}

static size_t vmi_regs_text(size_t n)
{
	unsigned int i;

	for (i = 0; i < 31; i++)
		n += scnprintf(vmi_answer + n, sizeof(vmi_answer) - n,
			       "x%u 0x%llx\n", i, vmi_page[i]);
	for (i = 0; i < ARRAY_SIZE(vmi_reg_names); i++)
		n += scnprintf(vmi_answer + n, sizeof(vmi_answer) - n,
			       "%s 0x%llx\n", vmi_reg_names[i], vmi_page[31 + i]);
	return n;
}

/*
 * The event ring (struct tzv_vmi_ring, lib/include/tzv/smccc.h): the
 * hypervisor writes records and head, rings the doorbell; we read and
 * advance tail.
 */
struct vmi_event {
	u32 seq;
	u8 kind, target, vcpu, verdict;
	u64 pc, addr, value;
};

struct vmi_ring {
	u32 head, tail, lost, size;
	u64 reserved[2];
	struct vmi_event ev[];
};

static struct vmi_ring *vmi_ring;
static DEFINE_MUTEX(vmi_ring_lock);	/* not vmi_lock: answers go on meanwhile */
static DECLARE_WAIT_QUEUE_HEAD(vmi_wait);
static int vmi_irq;

static irqreturn_t vmi_doorbell(int irq, void *dev)
{
	wake_up_interruptible(&vmi_wait);
	return IRQ_HANDLED;
}

static long vmi_ring_set(bool on)
{
	long ret;

	if (!on || vmi_ring) {
		ret = vmi_hvc(TZV_HC_VMI_EVENTS, 0, 0, 0, 0);
		free_pages((unsigned long)vmi_ring, VMI_RING_ORDER);
		vmi_ring = NULL;
		if (!on)
			return ret;
	}
	vmi_ring = (struct vmi_ring *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
						       VMI_RING_ORDER);
	if (!vmi_ring)
		return -ENOMEM;
	ret = vmi_hvc(TZV_HC_VMI_EVENTS, virt_to_phys(vmi_ring),
		      PAGE_SIZE << VMI_RING_ORDER, 0, 0);
	if (ret) {
		free_pages((unsigned long)vmi_ring, VMI_RING_ORDER);
		vmi_ring = NULL;
	}
	return ret;
}

static long vmi_events_on(bool on)
{
	long ret;

	mutex_lock(&vmi_ring_lock);
	ret = vmi_ring_set(on);
	mutex_unlock(&vmi_ring_lock);
	return ret;
}

static const char *const vmi_kinds[] = {
	"?", "write", "sysreg", "smc", "hvc", "timeout",
};

static ssize_t vmi_events_show(struct kobject *k, struct kobj_attribute *a,
			       char *buf)
{
	struct vmi_ring *r;
	ssize_t n;

	mutex_lock(&vmi_ring_lock);
	r = vmi_ring;
	if (!r) {
		mutex_unlock(&vmi_ring_lock);
		return -ENODEV;
	}
	wait_event_interruptible_timeout(vmi_wait,
		READ_ONCE(r->head) != r->tail, HZ);
	n = sysfs_emit(buf, "lost %u\n", READ_ONCE(r->lost));
	while (READ_ONCE(r->head) != r->tail && n < PAGE_SIZE - 128) {
		struct vmi_event e;

		smp_rmb();
		e = r->ev[r->tail % r->size];
		n += sysfs_emit_at(buf, n,
			"%u %s vm%u vcpu%u verdict %u pc 0x%llx addr 0x%llx value 0x%llx\n",
			e.seq, vmi_kinds[e.kind < ARRAY_SIZE(vmi_kinds) ? e.kind : 0],
			e.target, e.vcpu, e.verdict, e.pc, e.addr, e.value);
		WRITE_ONCE(r->tail, r->tail + 1);
	}
	mutex_unlock(&vmi_ring_lock);
	return n;
}

static ssize_t vmi_store(struct kobject *k, struct kobj_attribute *a,
			 const char *buf, size_t len)
{
	char cmd[16], name[17] = { 0 };
	unsigned long t = 0;
	long x = 0, y = 0, z = 0;
	u64 words[2] = { 0, 0 };
	long ret;
	size_t n;
	int args = sscanf(buf, "%15s %lu %li %li %li", cmd, &t, &x, &y, &z);

	if (args < 1)
		return -EINVAL;
	mutex_lock(&vmi_lock);
	if (!strcmp(cmd, "target") && sscanf(buf, "target %16s", name) == 1) {
		memcpy(words, name, strlen(name));
		ret = vmi_hvc(TZV_HC_VMI_TARGET, words[0], words[1], 0, 0);
	} else if (!strcmp(cmd, "pause") && args == 2) {
		ret = vmi_hvc(TZV_HC_VMI_PAUSE, t, 0, 0, 0);
	} else if (!strcmp(cmd, "resume") && args == 2) {
		ret = vmi_hvc(TZV_HC_VMI_RESUME, t, 0, 0, 0);
	} else if (!strcmp(cmd, "read") && args == 4 && y > 0 && y <= VMI_CHUNK) {
		ret = vmi_hvc(TZV_HC_VMI_READ, t, (u64)x, (u64)y, virt_to_phys(vmi_page));
	} else if (!strcmp(cmd, "regs") && args == 3) {
		ret = vmi_hvc(TZV_HC_VMI_REGS, t, (u64)x, virt_to_phys(vmi_page), 0);
	} else if (!strcmp(cmd, "watch") && args == 5) {
		ret = vmi_hvc(TZV_HC_VMI_WATCH, t, (u64)x, (u64)y, (u64)z);
	} else if (!strcmp(cmd, "trap") && args == 3) {
		ret = vmi_hvc(TZV_HC_VMI_TRAP, t, (u64)x, 0, 0);
	} else if (!strcmp(cmd, "answer") && args == 4) {
		ret = vmi_hvc(TZV_HC_VMI_ANSWER, t, (u64)x, (u64)y, 0);
	} else if (!strcmp(cmd, "events") && args == 2) {
		ret = vmi_events_on(t != 0);
	} else {
		mutex_unlock(&vmi_lock);
		return -EINVAL;
	}
	n = scnprintf(vmi_answer, sizeof(vmi_answer), "ret %ld\n", ret);
	if (!ret && !strcmp(cmd, "read"))
		n = vmi_hex(n, (u64)x, (unsigned long)y);
	else if (!ret && !strcmp(cmd, "regs"))
		n = vmi_regs_text(n);
	mutex_unlock(&vmi_lock);
	return len;
}

static ssize_t vmi_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	ssize_t n;

	mutex_lock(&vmi_lock);
	n = sysfs_emit(buf, "%s", vmi_answer);
	mutex_unlock(&vmi_lock);
	return n;
}

static struct kobj_attribute hvc_null_attr = __ATTR_RO(hvc_null);
static struct kobj_attribute vmi_attr = __ATTR_RW(vmi);
static struct kobj_attribute vmi_events_attr = __ATTR_RO(vmi_events);
static struct kobj_attribute storm_attr = __ATTR_RW(storm);
static struct kobj_attribute tee_null_attr = __ATTR_RO(tee_null);
static struct kobj_attribute insns_attr = __ATTR_RW(insns);
static struct attribute *tzv_attrs[] = {
	&hvc_null_attr.attr, &tee_null_attr.attr, &storm_attr.attr, &insns_attr.attr,
	&vmi_attr.attr, &vmi_events_attr.attr, NULL
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

/* A monitor VM has the doorbell of its event ring in its device tree. */
static void vmi_doorbell_init(void)
{
	struct device_node *np =
		of_find_compatible_node(NULL, NULL, "tzvisor,vmi-events");

	if (!np)
		return;
	vmi_irq = irq_of_parse_and_map(np, 0);
	of_node_put(np);
	if (vmi_irq > 0 &&
	    request_irq(vmi_irq, vmi_doorbell, 0, "tzv-vmi-events", NULL))
		vmi_irq = 0;
}

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
	vmi_page = (u64 *)get_zeroed_page(GFP_KERNEL);
	tzv_kobj = kobject_create_and_add("tzv", kernel_kobj);
	if (!vmi_page || !tzv_kobj || sysfs_create_group(tzv_kobj, &tzv_group)) {
		kobject_put(tzv_kobj);
		free_page((unsigned long)vmi_page);
		return -ENOMEM;
	}
	atomic_notifier_chain_register(&panic_notifier_list,
				       &tzv_guest_panic_nb);
	vmi_doorbell_init();
	pr_info("tzv-guest: the hypervisor learns of panics\n");
	return 0;
}

static void __exit tzv_guest_exit(void)
{
	if (!under_xen)
		atomic_notifier_chain_unregister(&panic_notifier_list,
						 &tzv_guest_panic_nb);
	kobject_put(tzv_kobj);
	if (vmi_ring)
		vmi_events_on(false);
	if (vmi_irq > 0)
		free_irq(vmi_irq, NULL);
	free_page((unsigned long)vmi_page);
}

module_init(tzv_guest_init);
module_exit(tzv_guest_exit);
MODULE_DESCRIPTION("tzvisor guest services: panic notification");
MODULE_LICENSE("GPL");
