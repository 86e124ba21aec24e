// SPDX-License-Identifier: GPL-2.0
/*
 * tzv-test-scribble (test only: test_vmi.py loads it by hand; the guest's
 * init does not): writes to this kernel's own text, as a rootkit would,
 * so that a monitor VM guarding it (tzv-vmi guard) can be seen to stop it.
 *	echo 1 > /proc/tzv-scribble
 * stores a word of _printk's code over itself (the same value: an allowed
 * write changes nothing) through a writable alias of its page, the way
 * the kernel patches its text. Under a guard that denies, the store takes
 * a permission fault and the writing process dies in an oops, holding no
 * lock, and the kernel goes on.
 */
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/proc_fs.h>
#include <linux/vmalloc.h>

static struct proc_dir_entry *entry;

static ssize_t scribble_write(struct file *f, const char __user *buf,
			      size_t len, loff_t *off)
{
	unsigned long va = (unsigned long)_printk;
	phys_addr_t pa = __pa_symbol(_printk);
	struct page *page = phys_to_page(pa);
	u32 *alias = vmap(&page, 1, VM_MAP, PAGE_KERNEL);

	if (!alias)
		return -ENOMEM;
	pr_info("tzv-test-scribble: writing kernel text at 0x%lx (IPA 0x%llx)\n",
		va, (unsigned long long)pa);
	alias += offset_in_page(va) / 4;
	WRITE_ONCE(*alias, READ_ONCE(*alias));
	vunmap((void *)((unsigned long)alias & PAGE_MASK));
	pr_info("tzv-test-scribble: kernel text written\n");
	return len;
}

static const struct proc_ops scribble_ops = {
	.proc_write = scribble_write,
};

static int __init scribble_init(void)
{
	entry = proc_create("tzv-scribble", 0200, NULL, &scribble_ops);
	return entry ? 0 : -ENOMEM;
}

static void __exit scribble_exit(void)
{
	proc_remove(entry);
}

module_init(scribble_init);
module_exit(scribble_exit);
MODULE_DESCRIPTION("tzvisor test: writes to the kernel's own text");
MODULE_LICENSE("GPL");
