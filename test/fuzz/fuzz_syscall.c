/* Fuzz target: a PAL's system calls (tee/core/syscall.c syscall_dispatch:
 * sys_log, sys_random, sys_time, sys_store_put, sys_store_get and
 * object_find; tee/core/attest.c sys_derive, derive, sys_pcr_read,
 * sys_pcr_extend, vtee_extend, sys_eventlog, sys_identity, sys_statement;
 * the pointer checks of tee/core/instance.c user_buf) with registers
 * x0..x8 from the input, on one vTEE with two sessions whose PAL arenas
 * (mem_size and the parameter page) are exact host buffers between
 * poisoned guard buffers.
 *
 * What is checked: no call reads or writes outside the calling session's
 * arena (ASan: the guards and, during the call, the other session's arena
 * are poisoned; the guards' contents are compared at the end), none writes
 * the PAL's code pages, and the storage calls behave as docs/pal-abi.md
 * says against a model of the objects (private to a PAL identity, at most
 * STK_MAX_OBJECTS, a pointer check of its own from the ABI's words).
 *
 * Input: struct head (the PAL's layout, the two sessions' identities),
 * then calls: a byte (session, number), then x0..x3. */
#include <sanitizer/asan_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tzv/console.h>

#include "shim/stk-arch.h"

#define PAGE  4096U
#define GUARD 4096U

struct head {
	uint8_t text, data, stack, heap; /* pages of each */
	uint8_t flags;			 /* the PAL header's flags */
	uint8_t ident[2];		 /* each session's PAL: UUID, signer */
	uint8_t client;
};

/* the platform's attestation PAL, whose key MACs statements (images.c) */
struct pal_blob {
	uint64_t start, size;
};
static struct pal_header attest_hdr __attribute__((aligned(4096))) = {
    .magic = PAL_MAGIC,
    .uuid = {0xa7, 0xe1, 0xf0, 0xc1, 1},
    .name = "attest",
    .flags = PAL_FLAG_ATTEST,
    .text_size = PAGE,
    .image_size = PAGE,
    .mem_size = 3U * PAGE,
    .stack_size = PAGE,
};
struct pal_blob pal_image_table[2];

static struct vtee vt;
static struct partmap_vm part; /* its VM's entry: trusted storage, as tzv-config gives it */
static struct pal_header hdr[2];
static struct pal_image img[2];
static uint8_t *buf[2];	    /* guard, arena, guard */
static uint64_t arena_size; /* mem_size and the parameter page */
static uint8_t text_copy[4U * PAGE];

/* what the storage holds, by the ABI */
static struct {
	bool in_use;
	uint8_t uuid[16], signer[32];
	uint32_t id, len;
	uint8_t data[PAL_STORE_MAX];
} model[STK_MAX_OBJECTS];

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_syscall: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (getenv("FUZZ_VERBOSE"))
		console_init(1, "[S-EL1 stk] ");
	struct measure_area *a = fuzz_stk_area();
	a->magic = MEASURE_MAGIC;
	/* a few bytes in each of the monitor's logs, which SYS_EVENTLOG copies */
	a->platform.len = 54;
	memset(a->platform.data, 1, 54);
	for (unsigned i = 0; i < TZV_MAX_VMS; i++) {
		a->vm[i].log.len = 54U * (i + 1U);
		memset(a->vm[i].log.data, 2 + (int)i, a->vm[i].log.len);
		snprintf(a->vm[i].name, sizeof(a->vm[i].name), "vm%u", i);
	}
	pal_image_table[0].start = (uint64_t)(uintptr_t)&attest_hdr;
	pal_image_table[0].size = PAGE;
	pal_registry_init();
	if (!pal_attest())
		fail("the attestation PAL was refused\n");
	const uint64_t secret[4] = {1, 2, 3, 4};
	attest_init(secret);
	return 0;
}

static uint8_t *arena(unsigned k)
{
	return buf[k] + GUARD;
}

/* A session of a PAL laid out as the head says (always a sound header, as
 * pal_header_error lets through), with identity ident. */
static void setup(const struct head *h)
{
	uint32_t text = (1U + h->text % 4U) * PAGE, image = text + (h->data % 4U) * PAGE;
	uint32_t stack = (1U + h->stack % 4U) * PAGE;
	uint32_t mem = image + PAGE + stack + (h->heap % 32U) * PAGE;

	if (mem > PAL_MAX_MEM)
		mem = PAL_MAX_MEM;
	memset(&vt, 0, sizeof(vt));
	vt.in_use = true;
	vt.client = 1U + h->client % TZV_MAX_VMS;
	vt.index = vt.client - 1U;
	snprintf(vt.vm_name, sizeof(vt.vm_name), "vm%u", vt.index);
	memset(&part, 0, sizeof(part));
	part.store_first = 2U * vt.index;
	part.store_sectors = 1;
	part.store_budget = h->flags & 0x80U ? 0 : 120U * 1024U; /* sometimes none */
	part.store_id[0] = (uint8_t)vt.client;
	vt.part = &part;
	arena_size = mem + PAGE;
	for (unsigned k = 0; k < 2; k++) {
		struct pal_header *ph = &hdr[k];
		memset(ph, 0, sizeof(*ph));
		memcpy(ph->magic, PAL_MAGIC, sizeof(PAL_MAGIC));
		ph->uuid[0] = 0x11;
		ph->uuid[15] = h->ident[k] & 1U; /* two PALs, */
		snprintf(ph->name, sizeof(ph->name), "fuzz%u", k);
		ph->flags = h->flags & (PAL_FLAG_DEVICE | PAL_FLAG_ATTEST);
		ph->text_size = text;
		ph->image_size = image;
		ph->mem_size = mem;
		ph->stack_size = stack;
		if (pal_header_error(ph, image))
			fail("unsound PAL header: %s\n", pal_header_error(ph, image));
		struct pal_image *p = &img[k];
		memset(p, 0, sizeof(*p));
		p->hdr = ph;
		p->size = image;
		memcpy(p->name, ph->name, sizeof(ph->name));
		/* signed by nobody (built in) or one of two providers */
		if ((h->ident[k] >> 1) % 3U)
			memset(p->signer, (h->ident[k] >> 1) % 3U, 32);
		memset(p->measurement, h->ident[k], 32);
		buf[k] = malloc(GUARD + arena_size + GUARD);
		memset(buf[k], 0xa5, GUARD + arena_size + GUARD);
		memset(arena(k), 0x3c + (int)k, arena_size);
		memcpy(arena(k), ph, sizeof(*ph));
		__asan_poison_memory_region(buf[k], GUARD);
		__asan_poison_memory_region(arena(k) + arena_size, GUARD);
		struct session *s = &vt.sess[k];
		s->in_use = true;
		s->id = (1U << 8) | (k + 1U);
		s->pal = p;
		s->arena = arena(k);
		s->pages = (unsigned)(arena_size / PAGE);
	}
	memset(model, 0, sizeof(model));
}

static void teardown(void)
{
	static const uint8_t pattern[GUARD] = {[0 ... GUARD - 1] = 0xa5};

	for (unsigned k = 0; k < 2; k++) {
		__asan_unpoison_memory_region(buf[k], GUARD + arena_size + GUARD);
		if (memcmp(buf[k], pattern, GUARD) || memcmp(arena(k) + arena_size, pattern, GUARD))
			fail("a guard beside session %u's arena was written\n", k);
		free(buf[k]);
		buf[k] = NULL;
	}
}

/* ---- the ABI's own words: what a pointer may cover ---------------------- */

static bool covers(const struct session *s, uint64_t va, uint64_t len, bool write)
{
	const struct pal_header *h = s->pal->hdr;
	uint64_t lo = PAL_VA_BASE + (write ? h->text_size : 0), hi = PAL_VA_BASE + arena_size;

	return va >= lo && va <= hi && len <= hi - va;
}

static uint8_t *host(const struct session *s, uint64_t va)
{
	return s->arena + (va - PAL_VA_BASE);
}

static bool same_pal(unsigned i, const struct session *s)
{
	return !memcmp(model[i].uuid, s->pal->hdr->uuid, 16) &&
	       !memcmp(model[i].signer, s->pal->signer, 32);
}

static int model_find(const struct session *s, uint32_t id)
{
	for (unsigned i = 0; i < STK_MAX_OBJECTS; i++)
		if (model[i].in_use && model[i].id == id && same_pal(i, s))
			return (int)i;
	return -1;
}

/* STORE_PUT's result by the ABI; the model takes the object. */
static uint64_t put_expected(const struct session *s, const uint64_t *x)
{
	if (x[2] > PAL_STORE_MAX || !covers(s, x[1], x[2], false))
		return TEEC_ERROR_BAD_PARAMETERS;
	int i = model_find(s, (uint32_t)x[0]);
	for (unsigned k = 0; k < STK_MAX_OBJECTS && i < 0; k++)
		if (!model[k].in_use)
			i = (int)k;
	if (i < 0)
		return TEEC_ERROR_STORAGE_NO_SPACE;
	model[i].in_use = true;
	memcpy(model[i].uuid, s->pal->hdr->uuid, 16);
	memcpy(model[i].signer, s->pal->signer, 32);
	model[i].id = (uint32_t)x[0];
	model[i].len = (uint32_t)x[2];
	memcpy(model[i].data, host(s, x[1]), x[2]);
	return 0;
}

static uint64_t get_expected(const struct session *s, const uint64_t *x, int *obj)
{
	*obj = -1;
	if (!covers(s, x[1], x[2], true) || !covers(s, x[3], 8, true) || (x[3] & 7U))
		return TEEC_ERROR_BAD_PARAMETERS;
	*obj = model_find(s, (uint32_t)x[0]);
	if (*obj < 0)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	return x[2] < model[*obj].len ? TEEC_ERROR_SHORT_BUFFER : 0;
}

/* ---- input ---------------------------------------------------------------- */

static uint64_t reg(struct fuzz_in *in)
{
	static const uint64_t sizes[] = {0,   1,   7,	8,   16,  32,	64,   65,  208,
					 256, 257, 511, 512, 513, 4095, 4096, 4097};
	uint8_t how = fuzz_u8(in);

	if (how < 0x60U) /* inside the arena, or just beyond it */
		return PAL_VA_BASE + fuzz_u32(in) % (arena_size + 0x400U);
	if (how < 0x80U) /* just below its end */
		return PAL_VA_BASE + arena_size - fuzz_u16(in) % 0x400U;
	if (how < 0xb0U)
		return how & 0x1fU;
	if (how < 0xe0U)
		return sizes[how % (sizeof(sizes) / sizeof(sizes[0]))];
	return fuzz_u64(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct head h;

	fuzz_bytes(&in, &h, sizeof(h));
	fuzz_sysreg_reset();
	fuzz_stk_reset();
	setup(&h);
	while (in.n) {
		uint8_t op = fuzz_u8(&in);
		unsigned k = op & 1U, other = 1U - k;
		struct session *s = &vt.sess[k];
		uint64_t nr = (op >> 1) < 0x70U ? (op >> 1) % 14U : fuzz_u64(&in);
		uint64_t *x = s->ctx.x;
		for (unsigned i = 0; i < 4; i++)
			x[i] = reg(&in);
		x[8] = nr;
		fuzz_now += 12345;

		uint64_t want = 0;
		int obj = -1;
		if (nr == PAL_SYS_STORE_PUT)
			want = put_expected(s, x);
		else if (nr == PAL_SYS_STORE_GET)
			want = get_expected(s, x, &obj);
		memcpy(text_copy, arena(k), hdr[k].text_size);
		__asan_poison_memory_region(arena(other), arena_size);
		uint64_t r = syscall_dispatch(&vt, s, nr);
		__asan_unpoison_memory_region(arena(other), arena_size);

		if (memcmp(text_copy, arena(k), hdr[k].text_size))
			fail("system call %lu wrote the PAL's code\n", (unsigned long)nr);
		if (vt.runtime.len > MEASURE_LOG_MAX || vt.log_budget > STK_LOG_BUDGET)
			fail("the vTEE's log or budget is beyond its size\n");
		if ((nr == PAL_SYS_STORE_PUT || nr == PAL_SYS_STORE_GET) && r != want)
			fail("system call %lu: 0x%lx, the ABI says 0x%lx\n", (unsigned long)nr,
			     (unsigned long)r, (unsigned long)want);
		if (nr == PAL_SYS_STORE_GET && obj >= 0) {
			uint32_t len = model[obj].len;
			bool overlap = x[3] < x[1] + len && x[1] < x[3] + 8U;
			if (!overlap && *(uint64_t *)(void *)host(s, x[3]) != len)
				fail("STORE_GET gave length %lu, stored %u\n",
				     (unsigned long)*(uint64_t *)(void *)host(s, x[3]), len);
			if (!r && memcmp(host(s, x[1]), model[obj].data, len))
				fail("STORE_GET gave other bytes than were stored\n");
		}
		if (nr == PAL_SYS_TIME || nr == PAL_SYS_RETURN || nr == PAL_SYS_PANIC || nr > 12)
			continue;
		if (r && (r >> 32 || (r & 0xffff0000U) != 0xffff0000U))
			fail("system call %lu: result 0x%lx\n", (unsigned long)nr,
			     (unsigned long)r);
	}
	teardown();
	return 0;
}
