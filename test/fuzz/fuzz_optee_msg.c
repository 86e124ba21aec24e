/* Fuzz target: the STK's OP-TEE interface as the normal world drives it,
 * on four CPUs: the fast calls and VM_CREATED / VM_DESTROYED
 * (tee/core/fast.c stk_fast_smc, vm_created, vm_destroyed), the yielding
 * calls (tee/core/std.c stk_std_smc and its command table: OPEN_SESSION,
 * INVOKE_COMMAND, CLOSE_SESSION, CANCEL, REGISTER_SHM, UNREGISTER_SHM;
 * call.c's call_start, call_finish, call_suspend, msg_params_to_pal and
 * back), the pseudo-PALs (pta.c), the PAL loader's RPCs (loader.c, with
 * palfile.c's checks of the build's signed PAL files, images.c's
 * registrations, attest.c's measurement), PAL runs and what ends them
 * (run.c: system calls through syscall.c, return, panic, fault, preemption
 * and RETURN_FROM_RPC resumption), and the records behind them (vtee.c,
 * instance.c, pages.c).
 *
 * The world around the STK: the partition map at MEASURE_BASE gives VM 0
 * (client 1) CPUs 0-1 and VM 1 (client 2) CPUs 2-3, each a RAM range and a
 * range of vTEE message pages of the fake normal-world RAM
 * (shim/stk-arch.c), and both one shared region; the monitor names the
 * caller from the CPU, so each CPU's calls carry its VM's client id (or 0,
 * the hypervisor's). A PAL "runs" between pal_enter and the trap the
 * harness then delivers on that CPU (stk_el0_trap), as the input says; the
 * harness plays tee-supplicant for the loader's RPCs, honestly (serving
 * the build's signed hello.ta and selftest.ta) or not. The built-in PALs
 * are the build's rng and attest images. `make` first.
 *
 * Input: struct head (each VM's limits), then operations, one byte each and
 * their operands; at the end every PAL still running is preempted and both
 * vTEEs destroyed. After each operation and at the end the target checks
 * what the STK relies on (check(), final_check()). */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tzv/console.h>

#include "shim/stk-arch.h"

#define PAGE	   4096U
#define NVMS	   2U
#define PA(page)   (FUZZ_NS_PA + (uint64_t)(page)*PAGE)
#define VM_OF(cpu) ((cpu) / 2U) /* VM 0: CPUs 0, 1; VM 1: CPUs 2, 3 */

/* the fake normal world's pages: VM 0's RAM and message pages, VM 1's,
 * the shared region, and pages nobody has (the hypervisor's) */
static const struct {
	unsigned ram, nram, tee, ntee;
} layout[NVMS] = {{0, 16, 16, 4}, {20, 16, 36, 4}};
#define SHM_PAGE  40U
#define SHM_PAGES 4U

struct head {
	struct {
		uint8_t sessions, shm, pals, unused;
		uint16_t shm_pages, secure_pages;
	} vm[NVMS];
	uint8_t flags; /* bit 0: VM 1 too; bit 1: VM 1 not verified */
	uint8_t min_svn[2];
};

/* the PALs: built in (the STK's table, images.c), and loadable files */
struct pal_blob {
	uint64_t start, size;
};
struct pal_blob pal_image_table[3];
static struct file {
	uint8_t *data;
	size_t len;
} files[2];
static const struct pal_image *builtin[2];

static const uint8_t uuids[][16] = {
    /* the device enumeration, stats and the PAL manager (pta.c) */
    {0x70, 0x11, 0xa6, 0x88, 0xdd, 0xde, 0x40, 0x53, 0xa5, 0xa9, 0x7b, 0x3c, 0x4d, 0xdf, 0x13,
     0xb8},
    {0xa7, 0xe1, 0xf0, 0xc1, 0x7a, 0x76, 0x4c, 0x30, 0x9a, 0x00, 0x73, 0x74, 0x61, 0x74, 0x73,
     0x00},
    {0xa7, 0xe1, 0xf0, 0xc1, 0x7a, 0x76, 0x4c, 0x30, 0x9a, 0x00, 0x70, 0x61, 0x6c, 0x6d, 0x67,
     0x72},
    {0}, /* rng, attest, hello, selftest: from their headers at start */
    {0},
    {0},
    {0},
};
#define NUUIDS (sizeof(uuids) / sizeof(uuids[0]))
static uint8_t pal_uuids[4][16];

/* ---- the harness's state of one input ---------------------------------- */

static struct fuzz_in *in;
static bool verbose; /* FUZZ_VERBOSE=1: the STK's console, and each call's end */
static struct {
	struct pal_ctx *pal; /* the PAL this CPU runs, NULL when in the normal world */
} cpu[FUZZ_CPUS];
static uint32_t sessions[16]; /* ids the STK gave (OPEN_SESSION results) */
static unsigned nsessions;
/* tee-supplicant's view of each call that asked it something, by token */
static struct rpc {
	uint32_t token, client;
	uint64_t a0;	 /* the RPC */
	uint64_t arg_pa; /* the RPC argument it allocated */
	uint64_t shm_pa; /* the buffer it gave for the file: first page, offset */
	unsigned file;	 /* which file it serves */
} rpcs[8];
static unsigned nrpcs;

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_optee_msg: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

static uint8_t *slurp(const char *name, size_t *len)
{
	/* page-aligned, as images.S places the built-in PALs */
	uint8_t *buf = aligned_alloc(PAGE, 512U * 1024U);
	*len = fuzz_build_file(name, buf, 512U * 1024U);
	if (!*len) {
		fprintf(stderr, "fuzz_optee_msg: %s/%s missing (make first)\n", TZV_BUILD_DIR,
			name);
		exit(1);
	}
	return buf;
}

/* ---- the world the monitor leaves the STK -------------------------------- */

static void measure_log_add(struct measure_log *log, uint32_t pcr, uint8_t seed)
{
	uint8_t *p = log->data + log->len;
	uint32_t type = EV_POST_CODE, count = 1, size = 4;
	uint16_t alg = TPM_ALG_SHA256;

	memcpy(p, &pcr, 4);
	memcpy(p + 4, &type, 4);
	memcpy(p + 8, &count, 4);
	memcpy(p + 12, &alg, 2);
	memset(p + 14, seed, 32);
	memcpy(p + 46, &size, 4);
	memcpy(p + 50, "evnt", 4);
	log->len += 54;
	log->count++;
}

static void install_map(const struct head *h)
{
	struct measure_area *a = fuzz_stk_area();
	struct partmap *m = &a->map;

	memset(m, 0, sizeof(*m));
	memcpy(m->magic, PARTMAP_MAGIC, sizeof(PARTMAP_MAGIC));
	m->version = PARTMAP_VERSION;
	m->nvms = NVMS;
	m->nshm = 1;
	m->size = sizeof(*m);
	m->shm[0].base = PA(SHM_PAGE);
	m->shm[0].size = SHM_PAGES * PAGE;
	for (unsigned i = 0; i < NVMS; i++) {
		struct partmap_vm *v = &m->vm[i];
		snprintf(v->name, sizeof(v->name), "vm%u", i);
		v->ncpus = 2;
		v->mpidr[0] = 2U * i;
		v->mpidr[1] = 2U * i + 1U;
		v->ram.base = PA(layout[i].ram);
		v->ram.size = layout[i].nram * PAGE;
		v->tee.base = PA(layout[i].tee);
		v->tee.size = layout[i].ntee * PAGE;
		v->nshm = 1;
		v->shm[0] = 0;
		/* what tzv-config and the monitor allow: at most the STK's slots,
		 * quotas within the pool */
		v->tee_sessions = h->vm[i].sessions % (TZV_TEE_MAX_SESSIONS + 1U);
		v->tee_shm = h->vm[i].shm % (TZV_TEE_MAX_SHM + 1U);
		v->tee_shm_pages = h->vm[i].shm_pages % (TZV_TEE_MAX_SHM_PAGES + 1U);
		v->tee_pals = h->vm[i].pals % (TZV_TEE_MAX_PALS + 1U);
		v->tee_secure_pages = (uint16_t)(h->vm[i].secure_pages % 257U);
		v->store_first =
		    2U * i; /* trusted storage: one sector a bank, as tzv-config gives */
		v->store_sectors = 1;
		v->store_budget = 120U * 1024U;
		v->store_id[0] = (uint8_t)(i + 1U);
		a->vm[i].verified = !(i == 1 && (h->flags & 2U));
	}
	/* the minimum security version of each loadable file's PAL */
	a->pal_minima.count = 2;
	for (unsigned f = 0; f < 2; f++) {
		const struct pal_file_header *fh = (const void *)files[f].data;
		memcpy(a->pal_minima.e[f].uuid, fh->uuid, 16);
		memcpy(a->pal_minima.e[f].signer, fh->signer, 32);
		a->pal_minima.e[f].min = h->min_svn[f] % 4U;
	}
}

/* pages.c's allocations (linked with -Wl,--wrap=pages_alloc): the pages
 * below pool_hi are the ones this input was handed, which final_check
 * finds free and wiped at the end (the rest of the pool was, after the
 * inputs before). */
static uint8_t *pool_base;
static unsigned pool_hi;
void *__real_pages_alloc(struct vtee *t, unsigned n);
void *__wrap_pages_alloc(struct vtee *t, unsigned n);
void *__wrap_pages_alloc(struct vtee *t, unsigned n)
{
	uint8_t *p = __real_pages_alloc(t, n);
	unsigned end = p ? (unsigned)((p - pool_base) / PAGE) + n : 0;

	pool_hi = end > pool_hi ? end : pool_hi;
	return p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct vtee probe = {.secure_pages = 1};

	(void)argc;
	(void)argv;
	pool_base = __real_pages_alloc(&probe, 1);
	pages_free(&probe, pool_base, 1);
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		console_init(1, "[S-EL1 stk] ");
	struct measure_area *a = fuzz_stk_area();
	size_t n;
	FILE *f = fopen(TZV_BUILD_DIR "/gen/signers.bin", "rb");
	if (!f || fread(&a->signers, 1, sizeof(a->signers), f) != sizeof(a->signers)) {
		fprintf(stderr, "fuzz_optee_msg: build/gen/signers.bin missing (make first)\n");
		exit(1);
	}
	fclose(f);
	a->magic = MEASURE_MAGIC;
	measure_log_add(&a->platform, 0, 1);
	measure_log_add(&a->platform, 3, 2);
	for (unsigned i = 0; i < NVMS; i++) {
		snprintf(a->vm[i].name, sizeof(a->vm[i].name), "vm%u", i);
		a->vm[i].starts = 1;
		measure_log_add(&a->vm[i].log, 8, (uint8_t)(3 + i));
	}
	pal_image_table[0].start = (uint64_t)(uintptr_t)slurp("pal/rng.bin", &n);
	pal_image_table[0].size = n;
	pal_image_table[1].start = (uint64_t)(uintptr_t)slurp("pal/attest.bin", &n);
	pal_image_table[1].size = n;
	files[0].data = slurp("pal/hello.ta", &files[0].len);
	files[1].data = slurp("pal/selftest.ta", &files[1].len);
	pal_registry_init();
	for (unsigned i = 0; i < 2; i++) {
		const struct pal_header *h = (const void *)(uintptr_t)pal_image_table[i].start;
		memcpy(pal_uuids[i], h->uuid, 16);
		builtin[i] = pal_find(NULL, h->uuid);
		if (!builtin[i])
			fail("the built-in PAL %u was refused\n", i);
		memcpy(pal_uuids[2 + i],
		       ((const struct pal_file_header *)(void *)files[i].data)->uuid, 16);
	}
	return 0;
}

/* ---- what the STK relies on between calls --------------------------------- */

FUZZ_UNTRACED static bool pal_valid(const struct vtee *t, const struct pal_image *p)
{
	if (p == builtin[0] || p == builtin[1])
		return true;
	for (unsigned i = 0; i < TZV_TEE_MAX_PALS; i++)
		if (p == &t->reg[i])
			return p->hdr != NULL;
	return false;
}

/* The session whose saved registers ctx is, of client's vTEE. */
FUZZ_UNTRACED static struct session *session_of_ctx(struct vtee *t, struct pal_ctx *ctx)
{
	for (unsigned i = 0; t && i < TZV_TEE_MAX_SESSIONS; i++)
		if (&t->sess[i].ctx == ctx)
			return &t->sess[i];
	return NULL;
}

FUZZ_UNTRACED static void check_vtee(struct vtee *t, uint32_t client)
{
	unsigned nsess = 0, nshm = 0, pages = 0;

	if (t->client != client || t->index >= TZV_MAX_VMS ||
	    t->part != &fuzz_stk_area()->map.vm[client - 1U])
		fail("vTEE of client %u: wrong identity\n", client);
	if (t->max_sessions > t->part->tee_sessions && t->part->tee_sessions)
		fail("vTEE %u: more sessions than the map allows\n", client);
	if (t->max_sessions > TZV_TEE_MAX_SESSIONS || t->max_shm > TZV_TEE_MAX_SHM ||
	    t->max_shm_pages > TZV_TEE_MAX_SHM_PAGES || t->max_pals > TZV_TEE_MAX_PALS ||
	    t->log_budget > STK_LOG_BUDGET || t->secure_used > t->secure_pages)
		fail("vTEE %u: limits beyond the STK's\n", client);
	for (unsigned i = 0; i < TZV_TEE_MAX_SESSIONS; i++) {
		struct session *s = &t->sess[i];
		if (!s->in_use)
			continue;
		nsess++;
		if ((s->id & 0xffU) != i + 1U)
			fail("vTEE %u: session %u has id 0x%x\n", client, i, s->id);
		if (!s->pta == !s->pal)
			fail("vTEE %u: session 0x%x is neither a PAL's nor a pseudo-PAL's\n",
			     client, s->id);
		if (s->pal && !pal_valid(t, s->pal))
			fail("vTEE %u: session 0x%x names a PAL that is gone\n", client, s->id);
		if (s->pal && !s->dead &&
		    (!s->arena || s->pages != s->pal->hdr->mem_size / PAGE + 1U + PAL_TABLE_PAGES))
			fail("vTEE %u: session 0x%x has no instance\n", client, s->id);
		if ((s->dead || s->pta) && s->arena)
			fail("vTEE %u: session 0x%x keeps an instance it cannot have\n", client,
			     s->id);
		pages += s->arena ? s->pages : 0;
		bool called = false;
		for (unsigned k = 0; k < TZV_TEE_MAX_CALLS; k++)
			called |= t->call[k].state != CALL_FREE && t->call[k].sess == s;
		if (s->busy != called)
			fail("vTEE %u: session 0x%x busy %d, with a call %d\n", client, s->id,
			     s->busy, called);
	}
	for (unsigned i = 0; i < TZV_TEE_MAX_SHM; i++) {
		const struct shm *m = &t->shm[i];
		unsigned users = 0;
		for (unsigned k = 0; k < TZV_TEE_MAX_CALLS; k++)
			for (unsigned w = 0; w < PAL_NUM_PARAMS; w++)
				users += t->call[k].state != CALL_FREE && t->call[k].shm[w] == m;
		if (m->busy != users)
			fail("vTEE %u: buffer %u busy %u with %u calls mapping it\n", client, i,
			     m->busy, users);
		if (!m->in_use)
			continue;
		nshm++;
		if (!m->size || m->npages > t->max_shm_pages ||
		    m->npages != (m->offset + m->size + PAGE - 1U) / PAGE)
			fail("vTEE %u: buffer 0x%lx of %lu bytes, %lu pages\n", client,
			     (unsigned long)m->cookie, (unsigned long)m->size,
			     (unsigned long)m->npages);
		for (uint64_t p = 0; p < m->npages; p++)
			if (!fuzz_client_holds(client, m->pages[p], PAGE))
				fail("vTEE %u: buffer 0x%lx holds a page not the VM's\n", client,
				     (unsigned long)m->cookie);
	}
	if (nsess > t->max_sessions || nshm > t->max_shm || pal_registered(t) > t->max_pals)
		fail("vTEE %u: %u sessions, %u buffers, %u PALs: beyond its limits\n", client,
		     nsess, nshm, pal_registered(t));
	for (unsigned i = 0; i < TZV_TEE_MAX_PALS; i++)
		if (t->reg[i].hdr) {
			if (!t->reg[i].mem || !t->reg[i].npages)
				fail("vTEE %u: PAL %u registered without its file\n", client, i);
			pages += t->reg[i].npages;
		}
	for (unsigned k = 0; k < TZV_TEE_MAX_CALLS; k++) {
		const struct call *c = &t->call[k];
		bool on_cpu = false;
		for (unsigned p = 0; p < FUZZ_CPUS; p++)
			on_cpu |= VM_OF(p) == client - 1U && cpu[p].pal && c->sess &&
				  cpu[p].pal == &c->sess->ctx;
		if (c->state > CALL_RPC || (c->state == CALL_RUNNING) != on_cpu)
			fail("vTEE %u: call %u is %d, its PAL %s on a CPU\n", client, k, c->state,
			     on_cpu ? "running" : "not");
		if (c->state == CALL_FREE) {
			if (c->sess || c->load.file)
				fail("vTEE %u: free call %u holds something\n", client, k);
			continue;
		}
		if (c->slot != t->index * TZV_TEE_MAX_CALLS + k ||
		    fuzz_call_slot[c->slot] != c->arg_pa)
			fail("vTEE %u: call %u's message is not mapped\n", client, k);
		if (c->sess && !c->sess->in_use)
			fail("vTEE %u: call %u runs a session that is gone\n", client, k);
		pages += c->load.file ? c->load.file_pages : 0;
	}
	if (pages != t->secure_used)
		fail("vTEE %u: %u secure pages used, %u held\n", client, t->secure_used, pages);
}

FUZZ_UNTRACED static void check(void)
{
	struct vtee *t[NVMS];

	if (stk_locks_held())
		fail("an STK lock is held between calls\n");
	if (fuzz_ns_mapped)
		fail("the normal-world window is mapped between calls\n");
	for (unsigned i = 0; i < NVMS; i++) {
		t[i] = vtee_of_client(i + 1U);
		if (t[i])
			check_vtee(t[i], i + 1U);
	}
	for (unsigned s = 0; s < FUZZ_CALL_SLOTS; s++) {
		if (!fuzz_call_slot[s])
			continue;
		bool owned = false;
		for (unsigned i = 0; i < NVMS; i++)
			owned |= t[i] && s / TZV_TEE_MAX_CALLS == t[i]->index &&
				 t[i]->call[s % TZV_TEE_MAX_CALLS].state != CALL_FREE;
		if (!owned)
			fail("call slot %u still maps 0x%lx\n", s,
			     (unsigned long)fuzz_call_slot[s]);
	}
	for (unsigned p = 0; p < FUZZ_CPUS; p++)
		if (cpu[p].pal && !session_of_ctx(t[VM_OF(p)], cpu[p].pal))
			fail("CPU %u runs a PAL of no session of its VM\n", p);
}

/* After both vTEEs went: nothing of them is left, all of the pool is free
 * and wiped (one run of it for a vTEE that has all of it). */
/* (and unchecked by ASan: it reads the whole pool a word at a time) */
FUZZ_UNTRACED __attribute__((no_sanitize("address"))) static void final_check(void)
{
	static struct vtee probe;
	check();
	for (unsigned i = 0; i < NVMS; i++)
		if (vtee_of_client(i + 1U))
			fail("the vTEE of client %u outlived VM_DESTROYED\n", i + 1U);
	for (unsigned s = 0; s < FUZZ_CALL_SLOTS; s++)
		if (fuzz_call_slot[s])
			fail("call slot %u still maps 0x%lx\n", s,
			     (unsigned long)fuzz_call_slot[s]);
	if (!pool_hi)
		return;
	probe.secure_first = 0;
	probe.secure_pages = pool_hi;
	probe.secure_used = 0;
	uint8_t *p = __real_pages_alloc(&probe, pool_hi);
	if (p != pool_base)
		fail("secure pages are left taken after the vTEEs went\n");
	/* (a loop, not memcmp: libFuzzer would trace each page's comparison) */
	for (size_t k = 0; k < pool_hi * PAGE / 8U; k++)
		if (((const uint64_t *)(const void *)p)[k])
			fail("secure page %zu was not wiped\n", k * 8U / PAGE);
	pages_free(&probe, p, pool_hi);
}

/* ---- input decoding ---------------------------------------------------- */

/* A normal-world address a VM might pass: a page of the fake RAM (or just
 * beyond it), page-aligned unless asked, or anything. */
static uint64_t ns_addr(bool offset)
{
	uint8_t how = fuzz_u8(in);

	if (how >= 0xf8U)
		return fuzz_u64(in);
	uint64_t pa = PA(how % 64U);
	if (offset)
		pa += fuzz_u16(in) & (PAGE - 1U);
	return pa;
}

static uint64_t size_of(uint8_t how)
{
	switch (how % 4U) {
	case 0:
		return fuzz_u8(in);
	case 1:
		return fuzz_u16(in);
	case 2:
		return (uint64_t)(fuzz_u8(in) % 24U) * PAGE + (fuzz_u16(in) & (PAGE - 1U));
	default:
		return fuzz_u64(in);
	}
}

static uint64_t cookie(void)
{
	uint8_t c = fuzz_u8(in);
	return c < 0xf0U ? 0x1000U + c % 8U : fuzz_u64(in);
}

static const uint64_t attrs[] = {
    OPTEE_MSG_ATTR_TYPE_NONE,	      OPTEE_MSG_ATTR_TYPE_VALUE_INPUT,
    OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT, OPTEE_MSG_ATTR_TYPE_VALUE_INOUT,
    OPTEE_MSG_ATTR_TYPE_RMEM_INPUT,   OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT,
    OPTEE_MSG_ATTR_TYPE_RMEM_INOUT,   OPTEE_MSG_ATTR_TYPE_TMEM_INPUT,
    OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT,  OPTEE_MSG_ATTR_TYPE_TMEM_INOUT,
    OPTEE_MSG_ATTR_OPEN_META,	      OPTEE_MSG_ATTR_REGISTER,
};

/* A page list for a buffer of size bytes at offset off, of the pages from
 * first on, at list (only what fits the fake RAM is written). */
static void write_page_list(uint64_t list, uint64_t off, uint64_t size, unsigned first)
{
	uint64_t n = (off + size + PAGE - 1U) / PAGE;
	uint64_t *l = fuzz_ns_ptr(list & ~(uint64_t)(PAGE - 1U), PAGE);

	for (uint64_t i = 0; l && i < n && i < PAGE / 8U; i++)
		l[i] = PA((first + i) % 64U);
}

static void decode_param(struct optee_msg_param *p, unsigned i)
{
	uint8_t a = fuzz_u8(in);

	memset(p, 0, sizeof(*p));
	p->attr = a < 0xf0U ? attrs[a % (sizeof(attrs) / sizeof(attrs[0]))] : fuzz_u64(in);
	if (p->attr == OPTEE_MSG_ATTR_OPEN_META) { /* p0: the UUID; p1: the client's, login */
		uint8_t u = fuzz_u8(in);
		uint8_t uuid[16];
		if (u < 0xf0U && u % NUUIDS >= 3)
			memcpy(uuid, pal_uuids[u % NUUIDS - 3], 16);
		else if (u < 0xf0U)
			memcpy(uuid, uuids[u % NUUIDS], 16);
		else
			fuzz_bytes(in, uuid, 16);
		memcpy(&p->u.value.a, uuid, 8);
		memcpy(&p->u.value.b, uuid + 8, 8);
		p->u.value.c = i ? fuzz_u8(in) : 0;
		return;
	}
	unsigned type = OPTEE_PARAM_TYPE(p);
	if (OPTEE_TYPE_IS_VALUE(type) || type == OPTEE_MSG_ATTR_TYPE_NONE) {
		uint8_t how = fuzz_u8(in);
		p->u.value.a = how & 1U ? fuzz_u64(in) : how >> 4;
		p->u.value.b = how & 2U ? fuzz_u64(in) : 0;
		p->u.value.c = how & 4U ? fuzz_u64(in) : 0;
	} else if (OPTEE_TYPE_IS_RMEM(type)) {
		uint8_t how = fuzz_u8(in);
		p->u.rmem.offs = how & 1U ? size_of(how >> 1) : 0;
		p->u.rmem.size = size_of(how >> 3);
		p->u.rmem.shm_ref = cookie();
	} else { /* TMEM, REGISTER's too: a page list (or NULL) and a size */
		uint8_t how = fuzz_u8(in);
		p->u.tmem.size = size_of(how);
		p->u.tmem.shm_ref = cookie();
		if (how & 4U) {
			p->u.tmem.buf_ptr = ns_addr(how & 8U);
			if (how & 16U)
				write_page_list(p->u.tmem.buf_ptr, p->u.tmem.buf_ptr & (PAGE - 1U),
						p->u.tmem.size, fuzz_u8(in));
		}
	}
}

/* ---- calls ---------------------------------------------------------------- */

static uint32_t client_of_cpu(unsigned p)
{
	return VM_OF(p) + 1U;
}

static struct rpc *rpc_of(uint32_t token, uint32_t client)
{
	for (unsigned i = 0; i < nrpcs; i++)
		if (rpcs[i].token == token && rpcs[i].client == client)
			return &rpcs[i];
	struct rpc *r =
	    nrpcs == sizeof(rpcs) / sizeof(rpcs[0]) ? &rpcs[token % nrpcs] : &rpcs[nrpcs++];
	memset(r, 0, sizeof(*r));
	r->token = token;
	r->client = client;
	return r;
}

static void trace(unsigned p, const char *what, uint64_t x)
{
	if (verbose)
		fprintf(stderr, "fuzz_optee_msg: CPU %u: %s 0x%lx: %s 0x%lx 0x%lx 0x%lx 0x%lx\n", p,
			what, (unsigned long)x, fuzz_exit_why ? fuzz_exit_why : "returned",
			(unsigned long)fuzz_stk_ret[0], (unsigned long)fuzz_stk_ret[1],
			(unsigned long)fuzz_stk_ret[2], (unsigned long)fuzz_stk_ret[3]);
}

/* A call whose message is at msg_pa ended: a session it opened is one
 * the input may name from now on. */
static void ended(uint64_t msg_pa)
{
	const struct optee_msg_arg *m = fuzz_ns_ptr(msg_pa, PAGE);

	if (fuzz_stk_ret[0] == OPTEE_SMC_RETURN_OK && m && m->cmd == OPTEE_MSG_CMD_OPEN_SESSION &&
	    !m->ret)
		sessions[nsessions++ % 16U] = m->session;
}

/* One SMC on CPU p into the STK; what it ended with goes into the harness's
 * records (a PAL now running there, an RPC waiting, a new session). */
static void smc(unsigned p, struct smc_args *a, bool fast, uint64_t msg_pa)
{
	uint32_t client = (uint32_t)a->a[7];

	fuzz_pcpu = p;
	fuzz_stk_client = client;
	fuzz_exit_why = NULL;
	if (fast) {
		uint64_t fid = a->a[0];
		FUZZ_TRY(stk_fast_smc(a));
		if (verbose)
			fprintf(stderr, "fuzz_optee_msg: CPU %u: fast call 0x%lx: 0x%lx\n", p,
				(unsigned long)fid, (unsigned long)a->a[0]);
		if (fuzz_exit_why)
			fail("a fast call ended in %s\n", fuzz_exit_why);
		return;
	}
	fuzz_pal_ctx = NULL;
	FUZZ_TRY(stk_std_smc(a));
	if (verbose && fuzz_ns_ptr(msg_pa, PAGE))
		fprintf(stderr, "fuzz_optee_msg: message ret 0x%x session 0x%x\n",
			((const struct optee_msg_arg *)fuzz_ns_ptr(msg_pa, PAGE))->ret,
			((const struct optee_msg_arg *)fuzz_ns_ptr(msg_pa, PAGE))->session);
	trace(p, "yielding call", a->a[0]);
	if (!fuzz_exit_why)
		fail("stk_std_smc returned\n");
	if (!strcmp(fuzz_exit_why, "pal_enter")) {
		cpu[p].pal = fuzz_pal_ctx;
		return;
	}
	if (strcmp(fuzz_exit_why, "stk_exit"))
		fail("a yielding call ended in %s\n", fuzz_exit_why);
	cpu[p].pal = NULL;
	uint64_t r = fuzz_stk_ret[0];
	if (OPTEE_SMC_RETURN_IS_RPC(r)) {
		struct rpc *q = rpc_of((uint32_t)fuzz_stk_ret[3], client);
		q->a0 = r;
		return;
	}
	ended(msg_pa);
}

static void std_call(unsigned p, uint64_t pa, uint32_t fid, uint64_t a3)
{
	struct smc_args a = {{fid, pa >> 32, pa & 0xffffffffUL, a3, 0, 0, 0, client_of_cpu(p)}};
	smc(p, &a, false, pa);
}

static void op_fast(unsigned p)
{
	static const uint32_t fids[] = {
	    OPTEE_SMC_CALLS_UID,
	    OPTEE_SMC_CALLS_REVISION,
	    OPTEE_SMC_GET_OS_UUID,
	    OPTEE_SMC_GET_OS_REVISION,
	    OPTEE_SMC_EXCHANGE_CAPABILITIES,
	    OPTEE_SMC_DISABLE_SHM_CACHE,
	    OPTEE_SMC_ENABLE_SHM_CACHE,
	    OPTEE_SMC_GET_THREAD_COUNT,
	    OPTEE_SMC_VM_CREATED,
	    OPTEE_SMC_VM_DESTROYED,
	};
	uint8_t f = fuzz_u8(in);
	struct smc_args a = {{0}};

	a.a[0] = f < 0xf0U ? fids[f % (sizeof(fids) / sizeof(fids[0]))] : fuzz_u32(in);
	a.a[1] = f & 0x40U ? fuzz_u64(in) : (f >> 7);
	a.a[7] = f & 0x20U ? TZV_CLIENT_HYP : client_of_cpu(p);
	smc(p, &a, true, 0);
}

/* The hypervisor makes or ends a VM's vTEE (from any CPU). */
static void op_vm(unsigned p, bool create)
{
	uint8_t c = fuzz_u8(in);
	struct smc_args a = {{create ? OPTEE_SMC_VM_CREATED : OPTEE_SMC_VM_DESTROYED,
			      c < 0xf0U ? 1U + c % 3U : fuzz_u32(in), 0, 0, 0, 0, 0,
			      TZV_CLIENT_HYP}};
	smc(p, &a, true, 0);
}

static void op_call(unsigned p)
{
	uint64_t pa = ns_addr(false);
	struct optee_msg_arg *m = fuzz_ns_ptr(pa & ~(uint64_t)(PAGE - 1U), PAGE);
	uint8_t c = fuzz_u8(in), s = fuzz_u8(in), n = fuzz_u8(in);

	if (m) {
		memset(m, 0, sizeof(*m) + 7U * sizeof(m->params[0]));
		m->cmd = c < 0xf0U ? c % 6U : fuzz_u32(in);
		m->func = fuzz_u8(in);
		m->session = s < 0xe0U
				 ? (nsessions ? sessions[s % (nsessions < 16 ? nsessions : 16)] : 0)
				 : fuzz_u32(in);
		m->ret = 0xdeadbeef;
		m->num_params = n < 0xf8U ? n % 8U : fuzz_u32(in);
		for (unsigned i = 0; i < m->num_params && i < 7U; i++)
			decode_param(&m->params[i], i);
	}
	std_call(p, pa, OPTEE_SMC_CALL_WITH_ARG, 0);
}

/* tee-supplicant's honest answer to the RPC q waits on: the RPC argument's
 * page, the file's size, a buffer for it, the file in the buffer. */
static void supplicant(struct rpc *q, struct smc_args *a)
{
	if (q->a0 == OPTEE_SMC_RETURN_RPC_ALLOC) {
		q->arg_pa = ns_addr(false);
		a->a[1] = q->arg_pa >> 32;
		a->a[2] = q->arg_pa & 0xffffffffUL;
		a->a[4] = 0;
		a->a[5] = 0x2000U + fuzz_u8(in);
		return;
	}
	if (q->a0 != OPTEE_SMC_RETURN_RPC_CMD)
		return;
	struct optee_msg_arg *arg = fuzz_ns_ptr(q->arg_pa, OPTEE_RPC_ARG_SIZE);
	if (!arg)
		return;
	struct optee_msg_param *pr0 = &arg->params[0], *pr1 = &arg->params[1];
	uint8_t how = fuzz_u8(in);
	arg->ret = how >= 0xf0U ? TEEC_ERROR_ITEM_NOT_FOUND : 0;
	if (arg->cmd == OPTEE_RPC_CMD_LOAD_TA) {
		uint8_t uuid[16];
		memcpy(uuid, &pr0->u.value.a, 8);
		memcpy(uuid + 8, &pr0->u.value.b, 8);
		q->file = !memcmp(uuid, pal_uuids[3], 16);
		const struct file *f = &files[q->file];
		if (memcmp(uuid, pal_uuids[2 + q->file], 16))
			arg->ret = TEEC_ERROR_ITEM_NOT_FOUND;
		if (pr1->attr == OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT) {
			pr1->u.tmem.size = how & 0x40U ? size_of(how) : f->len;
			return;
		}
		/* into the buffer it gave, at its offset, page by page */
		uint64_t off = q->shm_pa & (PAGE - 1U), first = q->shm_pa & ~(uint64_t)(PAGE - 1U);
		for (size_t done = 0; done < f->len;) {
			size_t at = off + done, n = PAGE - at % PAGE;
			uint8_t *to = fuzz_ns_ptr(first + (at / PAGE) * PAGE, PAGE);
			n = n < f->len - done ? n : f->len - done;
			if (to)
				memcpy(to + at % PAGE, f->data + done, n);
			done += n;
		}
		if (how & 0x20U) { /* a changed byte: the signature no longer holds */
			uint8_t *b = fuzz_ns_ptr(first + ((off + how) / PAGE) * PAGE, PAGE);
			if (b)
				b[(off + how) % PAGE] ^= 0x80U;
		}
		pr1->u.rmem.size = how & 0x40U ? size_of(how) : f->len;
	} else if (arg->cmd == OPTEE_RPC_CMD_SHM_ALLOC) {
		uint64_t size = pr0->u.value.b, list = ns_addr(false);
		unsigned first = fuzz_u8(in);
		uint64_t off = how & 8U ? fuzz_u16(in) & (PAGE - 1U) : 0;
		q->shm_pa = PA(first % 64U) + off;
		write_page_list(list, off, size, first);
		pr0->attr = OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT | OPTEE_MSG_ATTR_NONCONTIG;
		pr0->u.tmem.buf_ptr = list + off;
		pr0->u.tmem.size = size;
		pr0->u.tmem.shm_ref = 0x3000U + first;
	}
}

static void op_resume(unsigned p)
{
	uint8_t t = fuzz_u8(in), how = fuzz_u8(in);
	struct smc_args a = {{OPTEE_SMC_RETURN_FROM_RPC, 0, 0, 0, 0, 0, 0, client_of_cpu(p)}};
	struct rpc *q = NULL;

	if (t < 0xf0U && nrpcs) {
		q = &rpcs[t % nrpcs];
		a.a[3] = q->token;
	} else {
		a.a[3] = 0x7a000000U | (t & 0x3U) << 8 | ((t >> 2) & 7U);
	}
	if (how < 0xc0U && q) {
		supplicant(q, &a);
	} else {
		a.a[1] = how & 1U ? fuzz_u64(in) : 0;
		a.a[2] = how & 2U ? fuzz_u64(in) : 0;
		a.a[4] = how & 4U ? fuzz_u64(in) : 0;
		a.a[5] = how & 8U ? fuzz_u64(in) : 0;
	}
	smc(p, &a, false, 0);
}

/* ---- a PAL running on a CPU ------------------------------------------------ */

enum { TRAP_SYNC, TRAP_IRQ, TRAP_FIQ, TRAP_SERROR };
void stk_el0_trap(unsigned kind); /* run.c, from entry.S */

static uint64_t pal_reg(void)
{
	uint8_t how = fuzz_u8(in);

	if (how < 0x80U) /* inside its memory, mostly */
		return PAL_VA_BASE + (uint64_t)how * 0x800U + (fuzz_u8(in) & 0xf8U);
	if (how < 0xe0U)
		return how & 0x1fU;
	return fuzz_u64(in);
}

static void trap(unsigned p, unsigned kind)
{
	struct vtee *t = vtee_of_client(client_of_cpu(p));
	struct session *s = session_of_ctx(t, cpu[p].pal);
	uint64_t msg_pa = 0;

	for (unsigned i = 0; s && i < TZV_TEE_MAX_CALLS; i++)
		if (t->call[i].state == CALL_RUNNING && t->call[i].sess == s)
			msg_pa = t->call[i].arg_pa;
	fuzz_pcpu = p;
	fuzz_stk_client = client_of_cpu(p);
	fuzz_pal_ctx = NULL;
	fuzz_exit_why = NULL;
	FUZZ_TRY(stk_el0_trap(kind));
	trace(p, "PAL trap", kind);
	if (!fuzz_exit_why)
		fail("stk_el0_trap returned\n");
	if (!strcmp(fuzz_exit_why, "pal_enter")) {
		cpu[p].pal = fuzz_pal_ctx;
		return;
	}
	if (strcmp(fuzz_exit_why, "stk_exit"))
		fail("a PAL's trap ended in %s\n", fuzz_exit_why);
	cpu[p].pal = NULL;
	if (OPTEE_SMC_RETURN_IS_RPC(fuzz_stk_ret[0]))
		rpc_of((uint32_t)fuzz_stk_ret[3], client_of_cpu(p))->a0 = fuzz_stk_ret[0];
	else
		ended(msg_pa);
}

static void op_pal(unsigned p)
{
	struct pal_ctx *ctx = cpu[p].pal;
	struct session *s = session_of_ctx(vtee_of_client(client_of_cpu(p)), ctx);
	uint8_t k = fuzz_u8(in);

	fuzz_trap_svc = false;
	switch (k % 8U) {
	case 0:
	case 1:
	case 2: /* SYS_RETURN, having written results into its parameter page */
		if (k & 0x80U && s && s->arena) {
			struct pal_params *pp = pal_params_of(s);
			for (unsigned i = 0; i < PAL_NUM_PARAMS; i++) {
				uint8_t w = fuzz_u8(in);
				if (w & 1U)
					pp->p[i].u.value.a = fuzz_u32(in);
				if (w & 2U)
					pp->p[i].u.mem.size = size_of(w >> 2);
				if (w & 4U)
					pp->p[i].type = fuzz_u32(in);
			}
		}
		ctx->x[8] = PAL_SYS_RETURN;
		ctx->x[0] = k & 0x40U ? fuzz_u32(in) : 0;
		fuzz_trap_svc = true;
		trap(p, TRAP_SYNC);
		break;
	case 3:
	case 4: { /* another system call */
		uint8_t nr = fuzz_u8(in);
		ctx->x[8] = nr < 0xf0U ? nr % 14U : fuzz_u64(in);
		for (unsigned i = 0; i < 4; i++)
			ctx->x[i] = pal_reg();
		fuzz_trap_svc = true;
		trap(p, TRAP_SYNC);
		break;
	}
	case 5: /* a fault */
		fuzz_trap_esr = fuzz_u32(in);
		fuzz_trap_far = fuzz_u64(in);
		trap(p, TRAP_SYNC);
		break;
	case 6: /* its slice ends, or a normal-world interrupt */
		trap(p, k & 0x80U ? TRAP_IRQ : TRAP_FIQ);
		break;
	default:
		trap(p, TRAP_SERROR);
		break;
	}
}

/* ---- one input -------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in input = {data, size};
	struct head h;

	in = &input;
	fuzz_stk_in = in;
	fuzz_sysreg_reset();
	fuzz_stk_reset();
	memset(cpu, 0, sizeof(cpu));
	memset(rpcs, 0, sizeof(rpcs));
	nrpcs = nsessions = 0;
	pool_hi = 0;
	memset(fuzz_ns, 0, sizeof(fuzz_ns));
	fuzz_bytes(in, &h, sizeof(h));
	install_map(&h);
	/* the hypervisor starts the VMs */
	for (unsigned i = 0; i < (h.flags & 1U ? 2U : 1U); i++) {
		struct smc_args a = {{OPTEE_SMC_VM_CREATED, i + 1U, 0, 0, 0, 0, 0, 0}};
		smc(2U * i, &a, true, 0);
	}
	check();
	while (in->n) {
		uint8_t op = fuzz_u8(in);
		unsigned p = op >> 6;
		fuzz_now += 1000;
		if (cpu[p].pal) { /* the CPU is in its PAL: only that can happen there */
			op_pal(p);
		} else {
			switch (op % 9U) {
			case 0:
				op_fast(p);
				break;
			case 1:
			case 2:
			case 3:
				op_call(p);
				break;
			case 4:
			case 5:
				op_resume(p);
				break;
			case 6: { /* the guest writes its memory (another of its CPUs) */
				uint16_t off = fuzz_u16(in) % sizeof(fuzz_ns);
				uint8_t n = fuzz_u8(in);
				fuzz_bytes(in, fuzz_ns + off,
					   n < sizeof(fuzz_ns) - off ? n : sizeof(fuzz_ns) - off);
				break;
			}
			case 7:
				op_vm(p, op & 0x20U);
				break;
			default: { /* a PAL on another CPU traps */
				for (unsigned q = 0; q < FUZZ_CPUS; q++)
					if (cpu[q].pal) {
						op_pal(q);
						break;
					}
				break;
			}
			}
		}
		check();
	}
	/* the VMs stop: their PALs are interrupted, then their vTEEs go */
	fuzz_stk_in = NULL;
	for (unsigned p = 0; p < FUZZ_CPUS; p++)
		if (cpu[p].pal)
			trap(p, TRAP_FIQ);
	check();
	for (unsigned i = 0; i < NVMS; i++) {
		struct smc_args a = {{OPTEE_SMC_VM_DESTROYED, i + 1U, 0, 0, 0, 0, 0, 0}};
		smc(0, &a, true, 0);
	}
	final_check();
	in = NULL;
	return 0;
}
