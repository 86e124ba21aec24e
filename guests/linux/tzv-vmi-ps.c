// SPDX-License-Identifier: GPL-2.0
/*
 * tzv-vmi-ps TARGET_INDEX: the processes of another Linux VM running the
 * same Debian kernel, read from outside it through the tzvisor
 * introspection calls (/sys/kernel/tzv/vmi, docs/hypercalls.md), with the
 * target paused meanwhile. The structure offsets come from this kernel's
 * own BTF (/sys/kernel/btf/vmlinux: the same kernel). The walk starts at
 * the task the target's vCPU was running when it paused in its kernel
 * (arm64 Linux keeps `current` in SP_EL0 at EL1), so no symbol address is
 * needed and a KASLR offset does not matter (Debian's kallsyms has no data
 * symbols and its package no real System.map). Virtual addresses are translated
 * through the target's own stage-1 tables (TTBR1_EL1, TCR_EL1.T1SZ, 4 KiB
 * granule), each table entry read from its RAM.
 * tzv-vmi-ps TARGET_INDEX kernel: the IPA ranges of its kernel's text and
 * read-only data (lines "text|rodata START END"), for tzv-vmi guard.
 * tzv-vmi-ps TARGET_INDEX va VA: the IPA of one of its kernel's addresses.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CTL   "/sys/kernel/tzv/vmi"
#define CHUNK 1024

static unsigned long target;

static void die(const char *what)
{
	fprintf(stderr, "tzv-vmi ps: %s\n", what);
	exit(1);
}

/* One command; its answer in ans (NUL-terminated); the hypervisor's result. */
static long call(const char *cmd, char *ans, size_t size)
{
	int fd = open(CTL, O_RDWR);
	if (fd < 0)
		die("no " CTL " (the tzv-guest module is not loaded)");
	if (write(fd, cmd, strlen(cmd)) < 0)
		die("the request was refused by the module");
	close(fd);
	fd = open(CTL, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, ans, size - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		die("no answer from " CTL);
	ans[n] = 0;
	long ret;
	if (sscanf(ans, "ret %ld", &ret) != 1)
		die("a malformed answer");
	return ret;
}

static char answer[8192];

static void resume(void)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "resume %lu", target);
	call(cmd, answer, sizeof(answer));
}

/* len bytes of the target's guest-physical memory at ipa */
static void pread_ipa(uint64_t ipa, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		size_t n = len < CHUNK ? len : CHUNK;
		char cmd[96];
		snprintf(cmd, sizeof(cmd), "read %lu 0x%llx %zu", target, (unsigned long long)ipa,
			 n);
		if (call(cmd, answer, sizeof(answer)) != 0)
			die("a read of the target's RAM was refused");
		/* "ret 0", then lines "0xIPA: xx xx ...", 32 bytes a line */
		size_t got = 0;
		for (char *line = strchr(answer, '\n'); line && got < n;
		     line = strchr(line, '\n')) {
			char *p = strchr(++line, ':');
			if (!p)
				break;
			for (p++; got < n && p[0] == ' ' && p[1] && p[2]; p += 3) {
				char hex[3] = {p[1], p[2], 0};
				out[got++] = (uint8_t)strtoul(hex, NULL, 16);
			}
		}
		if (got != n)
			die("a short read of the target's RAM");
		out += n;
		ipa += n;
		len -= n;
	}
}

static uint64_t ttbr1, tcr;

/* The target's stage 1 for a kernel (TTBR1) address: its IPA. */
static uint64_t translate(uint64_t va)
{
	unsigned bits = 64U - (unsigned)((tcr >> 16) & 0x3f); /* T1SZ */
	int level = 4 - (int)((bits - 12U + 8U) / 9U);
	uint64_t table = ttbr1 & 0x0000fffffffffffeULL;
	for (; level <= 3; level++) {
		unsigned shift = 12U + 9U * (unsigned)(3 - level);
		uint64_t idx = (va >> shift) & 0x1ff, desc;
		pread_ipa(table + idx * 8U, &desc, 8);
		if (!(desc & 1))
			die("a kernel address the target does not map");
		uint64_t addr = desc & 0x0000fffffffff000ULL;
		if (level == 3 || !(desc & 2)) /* page, or block */
			return (addr & ~((1ULL << shift) - 1U)) | (va & ((1ULL << shift) - 1U));
		table = addr;
	}
	die("a malformed table walk");
	return 0;
}

static void kread(uint64_t va, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		size_t n = 4096U - (va & 4095U);
		if (n > len)
			n = len;
		pread_ipa(translate(va), out, n);
		out += n;
		va += n;
		len -= n;
	}
}

/* ---- BTF: the offsets of task_struct's members, from this kernel ---- */

struct btf_header {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
};

static uint8_t *btf;
static const char *strs;
static uint32_t *types[1U << 20];
static unsigned ntypes;

static size_t extra(uint32_t info)
{
	unsigned kind = (info >> 24) & 0x1f, vlen = info & 0xffff;
	switch (kind) {
	case 1:	 /* INT */
	case 14: /* VAR */
	case 17: /* DECL_TAG */
		return 4;
	case 3: /* ARRAY */
		return 12;
	case 4:	 /* STRUCT */
	case 5:	 /* UNION */
	case 15: /* DATASEC */
	case 19: /* ENUM64 */
		return 12U * vlen;
	case 6:	 /* ENUM */
	case 13: /* FUNC_PROTO */
		return 8U * vlen;
	default:
		return 0;
	}
}

static void btf_load(void)
{
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "rb");
	if (!f)
		die("no /sys/kernel/btf/vmlinux");
	size_t cap = 1U << 23, len = 0, n;
	btf = malloc(cap);
	while (btf && (n = fread(btf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap)
			btf = realloc(btf, cap *= 2);
	}
	fclose(f);
	struct btf_header *h = (struct btf_header *)btf;
	if (!btf || len < sizeof(*h) || h->magic != 0xeb9f)
		die("this kernel's BTF is not BTF");
	uint8_t *t = btf + h->hdr_len + h->type_off, *end = t + h->type_len;
	strs = (const char *)btf + h->hdr_len + h->str_off;
	ntypes = 1; /* type 0 is void */
	while (t < end && ntypes < sizeof(types) / sizeof(types[0])) {
		types[ntypes++] = (uint32_t *)t;
		t += 12 + extra(((uint32_t *)t)[1]);
	}
}

/* The byte offset of member name in struct/union id (looking into its
 * anonymous members), or -1. */
static long member(unsigned id, const char *name)
{
	uint32_t *t = types[id];
	unsigned kind = (t[1] >> 24) & 0x1f, vlen = t[1] & 0xffff, flag = t[1] >> 31;
	if (kind != 4 && kind != 5)
		return -1;
	for (unsigned i = 0; i < vlen; i++) {
		uint32_t *m = t + 3 + 3 * i;
		uint32_t bits = flag ? (m[2] & 0xffffff) : m[2];
		if (m[0] && !strcmp(strs + m[0], name))
			return bits / 8;
		if (!m[0]) {
			unsigned sub = m[1];
			while (sub && sub < ntypes && ((types[sub][1] >> 24) & 0x1f) >= 8 &&
			       ((types[sub][1] >> 24) & 0x1f) <= 11)
				sub = types[sub][2]; /* typedef, volatile, const, restrict */
			long o = sub && sub < ntypes ? member(sub, name) : -1;
			if (o >= 0)
				return bits / 8 + o;
		}
	}
	return -1;
}

static unsigned struct_id(const char *name)
{
	for (unsigned i = 1; i < ntypes; i++)
		if (((types[i][1] >> 24) & 0x1f) == 4 && !strcmp(strs + types[i][0], name))
			return i;
	die("no struct task_struct in this kernel's BTF");
	return 0;
}

static uint64_t reg(const char *name)
{
	char key[16];
	snprintf(key, sizeof(key), "\n%s 0x", name);
	const char *p = strstr(answer, key);
	if (!p)
		die("a register missing from the answer");
	return strtoull(p + strlen(key), NULL, 16);
}

/* The address of one of this kernel's symbols (root sees them), or 0. */
static uint64_t ksym(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[256], sym[128], type;
	unsigned long long addr;
	uint64_t found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %127s", &addr, &type, sym) == 3 && !strcmp(sym, name))
			found = addr;
	if (f)
		fclose(f);
	return found;
}

static void print_range(const char *what, uint64_t start, uint64_t end)
{
	if (end > start)
		printf("%s 0x%llx 0x%llx\n", what, (unsigned long long)start,
		       (unsigned long long)end);
}

/* Where the target's kernel keeps its text [_stext, _etext) and read-only
 * data [_etext, __init_begin), as IPAs, page-aligned: its image lies where
 * its VBAR_EL1 (this kernel's `vectors`: the same kernel) says, translated
 * through its own tables, so a KASLR offset does not matter; the image is
 * contiguous in its RAM. The read-only data hold swapper_pg_dir, which
 * the kernel writes (through a fixmap alias) when it maps new kernel
 * address space: that page, TTBR1_EL1's, is left out. */
static void kernel_ranges(void)
{
	uint64_t stext = ksym("_stext"), vectors = ksym("vectors");
	uint64_t etext = ksym("_etext"), init = ksym("__init_begin");

	if (!stext || !vectors || !etext || init <= etext)
		die("no _stext, vectors, _etext, __init_begin in /proc/kallsyms (not root?)");
	uint64_t ipa = translate(reg("vbar") - (vectors - stext)) & ~4095ULL;
	uint64_t ro = (ipa + etext - stext + 4095U) & ~4095ULL, end = ipa + (init - stext);
	uint64_t pgd = ttbr1 & 0x0000fffffffff000ULL;

	print_range("text", ipa, ro);
	if (pgd >= ro && pgd < end) {
		print_range("rodata", ro, pgd);
		print_range("rodata", pgd + 4096U, end);
	} else {
		print_range("rodata", ro, end);
	}
}

int main(int argc, char **argv)
{
	char cmd[64];
	if ((argc == 3 && !strcmp(argv[2], "kernel")) || (argc == 4 && !strcmp(argv[2], "va"))) {
		target = strtoul(argv[1], NULL, 0);
		snprintf(cmd, sizeof(cmd), "pause %lu", target);
		if (call(cmd, answer, sizeof(answer)) != 0)
			die("the target could not be paused (no right over it?)");
		atexit(resume);
		snprintf(cmd, sizeof(cmd), "regs %lu 0", target);
		if (call(cmd, answer, sizeof(answer)) != 0)
			die("the target's registers could not be read");
		ttbr1 = reg("ttbr1");
		tcr = reg("tcr");
		if (argc == 3) {
			kernel_ranges();
			return 0;
		}
		uint64_t va = strtoull(argv[3], NULL, 0);
		if (va >> 48 != 0xffff)
			die("not a kernel (TTBR1) address");
		printf("0x%llx\n", (unsigned long long)translate(va));
		return 0;
	}
	if (argc != 2)
		die("usage: tzv-vmi-ps TARGET_INDEX [kernel | va VA]");
	target = strtoul(argv[1], NULL, 0);
	btf_load();
	unsigned ts = struct_id("task_struct");
	long tasks = member(ts, "tasks"), pid = member(ts, "pid"), comm = member(ts, "comm");
	if (tasks < 0 || pid < 0 || comm < 0)
		die("task_struct lacks tasks, pid or comm");
	/* paused in its kernel (EL1, SP_EL0 a kernel address): retried, as a
	 * vCPU may be in user space at that moment */
	uint64_t task = 0, next = 0;
	for (unsigned tries = 0; tries < 200 && !task; tries++) {
		snprintf(cmd, sizeof(cmd), "pause %lu", target);
		if (call(cmd, answer, sizeof(answer)) != 0)
			die("the target could not be paused (no right over it?)");
		snprintf(cmd, sizeof(cmd), "regs %lu 0", target);
		if (call(cmd, answer, sizeof(answer)) != 0)
			die("the target's registers could not be read");
		uint64_t sp0 = reg("sp_el0");
		if ((reg("pstate") & 0xc) == 4 && sp0 >> 48 == 0xffff) {
			task = sp0;
			ttbr1 = reg("ttbr1");
			tcr = reg("tcr");
			break;
		}
		resume();
		usleep(10000);
	}
	if (!task)
		die("the target never paused in its kernel");
	atexit(resume);
	printf("  PID COMM\n");
	/* from the next one: a secondary CPU's idle task is not on the list,
	 * but its links point into it */
	kread(task + (uint64_t)tasks, &next, 8);
	task = next - (uint64_t)tasks;
	uint64_t first = task;
	for (unsigned n = 0; n < 100000; n++) {
		int32_t p;
		char name[17] = {0};
		kread(task + (uint64_t)pid, &p, 4);
		kread(task + (uint64_t)comm, name, 16);
		printf("%5d %s\n", p, name);
		kread(task + (uint64_t)tasks, &next, 8);
		task = next - (uint64_t)tasks;
		if (task == first)
			return 0;
	}
	die("the task list does not end");
	return 1;
}
