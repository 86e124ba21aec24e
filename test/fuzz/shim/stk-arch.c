/* The secure tiny kernel's arch layer (tee/arch/) as the STK fuzz targets
 * need it, behind the declarations of tee/include/stk.h:
 *  - mmu.c's normal-world window (ns_map, ns_map_call) on a host buffer
 *    that stands for the normal world's RAM, checking what the real window
 *    cannot: that every page the STK maps is the calling VM's by the
 *    partition map, that ns_map stays within its two pages (mmu.c panics
 *    beyond: a VM could halt the secure world) and is never nested, and
 *    that nothing stays mapped when the STK leaves. ns_map hands out an
 *    exact-size copy (written back at ns_unmap), so that ASan sees any
 *    access beyond what was mapped;
 *  - the PAL tables (mmu.c) as checks of their arguments only: on the host
 *    no PAL runs through them;
 *  - the two ways out that never return, stk_exit (entry.S: back to the
 *    monitor) and pal_enter (entry.S: eret to S-EL0), as fuzz_exit, after
 *    checking the STK released its lock;
 *  - timer.c's secure timer (no-ops), counter (fuzz_now) and RNDR (a
 *    deterministic generator); cpu.c's trap syndrome and the monitor call,
 *    answered by the harness. */
#define _GNU_SOURCE /* mmap's MAP_FIXED_NOREPLACE */
#include "stk-arch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <tzv/smccc.h>

uint8_t fuzz_ns[FUZZ_NS_PAGES * 4096U] __attribute__((aligned(4096)));
uint32_t fuzz_stk_client;
bool fuzz_ns_mapped;
uint64_t fuzz_call_slot[FUZZ_CALL_SLOTS];
uint64_t fuzz_stk_ret[4];
struct pal_ctx *fuzz_pal_ctx;
bool fuzz_trap_svc;
uint64_t fuzz_trap_esr, fuzz_trap_far;
struct fuzz_in *fuzz_stk_in;
uint64_t fuzz_rng_state;

static struct {
	uint64_t pa, len;
	uint8_t *copy;
} window;

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

void fuzz_stk_reset(void)
{
	fuzz_stk_client = 0;
	fuzz_ns_mapped = false;
	memset(fuzz_call_slot, 0, sizeof(fuzz_call_slot));
	memset(fuzz_stk_ret, 0, sizeof(fuzz_stk_ret));
	fuzz_pal_ctx = NULL;
	fuzz_trap_svc = false;
	fuzz_trap_esr = fuzz_trap_far = 0;
	fuzz_rng_state = 0x9e3779b97f4a7c15UL;
}

struct measure_area *fuzz_stk_area(void)
{
	static struct measure_area *area;

	if (!area) {
		void *p = mmap((void *)MEASURE_BASE, MEASURE_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != (void *)MEASURE_BASE) {
			fprintf(stderr, "fuzz: cannot map the measurement area at 0x%lx\n",
				(unsigned long)MEASURE_BASE);
			exit(1);
		}
		area = p;
	}
	return area;
}

void *fuzz_ns_ptr(uint64_t pa, uint64_t len)
{
	uint64_t size = sizeof(fuzz_ns);

	if (pa < FUZZ_NS_PA || len > size || pa - FUZZ_NS_PA > size - len)
		return NULL;
	return fuzz_ns + (pa - FUZZ_NS_PA);
}

static bool in(const struct partmap_range *r, uint64_t pa, uint64_t len)
{
	return pa >= r->base && len <= r->size && pa - r->base <= r->size - len;
}

bool fuzz_client_holds(uint32_t client, uint64_t pa, uint64_t len)
{
	const struct partmap *map = &fuzz_stk_area()->map;

	if (client - 1U >= map->nvms || client - 1U >= TZV_MAX_VMS)
		return false;
	const struct partmap_vm *v = &map->vm[client - 1U];
	if (in(&v->ram, pa, len) || in(&v->tee, pa, len))
		return true;
	for (unsigned k = 0; k < v->nshm && k < TZV_MAX_SHMEM; k++)
		if (v->shm[k] < TZV_MAX_SHMEM && in(&map->shm[v->shm[k]], pa, len))
			return true;
	return false;
}

/* ---- mmu.c: the normal-world window ------------------------------------ */

void *ns_map(uint64_t pa, uint64_t len)
{
	uint64_t n = ((pa & 4095U) + len + 4095U) / 4096U;

	if (!len || n > 2) /* NS_CPU_PAGES */
		fail("ns_map(0x%lx, %lu): mmu.c panics on it\n", (unsigned long)pa,
		     (unsigned long)len);
	if (fuzz_ns_mapped)
		fail("ns_map(0x%lx) while the window still maps 0x%lx\n", (unsigned long)pa,
		     (unsigned long)window.pa);
	if (!fuzz_client_holds(fuzz_stk_client, pa, len))
		fail("ns_map(0x%lx, %lu) for client %u: not its memory\n", (unsigned long)pa,
		     (unsigned long)len, fuzz_stk_client);
	uint8_t *src = fuzz_ns_ptr(pa, len);
	if (!src)
		fail("ns_map(0x%lx): outside the fake RAM\n", (unsigned long)pa);
	window.pa = pa;
	window.len = len;
	window.copy = malloc(len);
	memcpy(window.copy, src, len);
	fuzz_ns_mapped = true;
	return window.copy;
}

void ns_unmap(void)
{
	if (!fuzz_ns_mapped)
		return;
	memcpy(fuzz_ns_ptr(window.pa, window.len), window.copy, window.len);
	free(window.copy);
	memset(&window, 0, sizeof(window));
	fuzz_ns_mapped = false;
}

/* The message page stays mapped while the call lasts, and the guest may
 * change it meanwhile: the STK gets the fake RAM itself. */
void *ns_map_call(unsigned slot, uint64_t pa)
{
	if (slot >= FUZZ_CALL_SLOTS) /* mmu.c takes it modulo: another call's page */
		fail("ns_map_call: slot %u\n", slot);
	if (fuzz_call_slot[slot])
		fail("ns_map_call: slot %u maps 0x%lx already\n", slot,
		     (unsigned long)fuzz_call_slot[slot]);
	if ((pa & 4095U) || !fuzz_client_holds(fuzz_stk_client, pa, 4096))
		fail("ns_map_call(0x%lx) for client %u: not a page of its memory\n",
		     (unsigned long)pa, fuzz_stk_client);
	fuzz_call_slot[slot] = pa;
	return fuzz_ns_ptr(pa, 4096);
}

void ns_unmap_call(unsigned slot)
{
	if (slot >= FUZZ_CALL_SLOTS)
		fail("ns_unmap_call: slot %u\n", slot);
	fuzz_call_slot[slot] = 0;
}

/* ---- mmu.c: a PAL instance's tables -------------------------------------- */

static void session_ok(const struct session *s, const char *what)
{
	if (!s->in_use || !s->arena || !s->tables || !s->pal || s->dead)
		fail("%s on a session with no instance\n", what);
}

void pal_tables_init(struct session *s)
{
	session_ok(s, "pal_tables_init");
	/* as the real one, it writes all of its pages (not zeros: the wipe at
	 * the instance's end is checked) */
	memset(s->tables, 0x5a, PAL_TABLE_PAGES * 4096U);
}

int pal_map_window(struct session *s, unsigned w, const uint64_t *pages, uint64_t n, bool write)
{
	(void)write;
	session_ok(s, "pal_map_window");
	if (w >= PAL_NUM_PARAMS || n > 512) /* as mmu.c refuses */
		return -1;
	for (uint64_t i = 0; i < n; i++)
		if ((pages[i] & 4095U) || !fuzz_client_holds(fuzz_stk_client, pages[i], 4096))
			fail("memref window %u: page 0x%lx is not client %u's\n", w,
			     (unsigned long)pages[i], fuzz_stk_client);
	s->mapped[w] = (unsigned)n;
	return 0;
}

void pal_unmap_windows(struct session *s)
{
	session_ok(s, "pal_unmap_windows");
	memset(s->mapped, 0, sizeof(s->mapped));
}

void pal_tables_switch(const struct session *s)
{
	session_ok(s, "pal_tables_switch");
}

void pal_tables_wipe(struct session *s)
{
	if (!s->tables)
		fail("pal_tables_wipe with no tables\n");
	memset(s->tables, 0, PAL_TABLE_PAGES * 4096U);
}

/* ---- entry.S: the ways out --------------------------------------------- */

static void leaving(const char *how)
{
	if (stk_locks_held())
		fail("%s with an STK lock held\n", how);
	if (fuzz_ns_mapped)
		fail("%s with the normal-world window still mapped\n", how);
}

void stk_exit(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	leaving("stk_exit");
	fuzz_stk_ret[0] = a0;
	fuzz_stk_ret[1] = a1;
	fuzz_stk_ret[2] = a2;
	fuzz_stk_ret[3] = a3;
	fuzz_exit("stk_exit");
}

void pal_enter(struct pal_ctx *ctx)
{
	leaving("pal_enter");
	fuzz_pal_ctx = ctx;
	fuzz_exit("pal_enter");
}

/* ---- cpu.c, timer.c ---------------------------------------------------- */

bool el0_trap_is_syscall(void)
{
	return fuzz_trap_svc;
}

void el0_trap_syndrome(uint64_t *esr, uint64_t *far)
{
	*esr = fuzz_trap_esr;
	*far = fuzz_trap_far;
}

void secure_timer_arm(uint32_t us)
{
	(void)us;
}

void secure_timer_stop(void)
{
}

void secure_timer_ack(void)
{
}

uint64_t stk_time_us(void)
{
	return fuzz_now / 62U; /* a 62.5 MHz counter, roughly */
}

bool stk_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		fuzz_rng_state ^= fuzz_rng_state << 13;
		fuzz_rng_state ^= fuzz_rng_state >> 7;
		fuzz_rng_state ^= fuzz_rng_state << 17;
		p[i] = (uint8_t)fuzz_rng_state;
	}
	return true;
}

/* TZV_STK_SVC_FLASH as the monitor does it (monitor/core/nv.c), on a host
 * copy of the storage region that programs as flash does (bits only go
 * from 1 to 0); a request the monitor would refuse is an STK bug. */
static uint8_t *store_flash;

static uint64_t flash_service(const struct stk_flash_req *r)
{
	if (!store_flash) {
		store_flash = malloc(FLASH_STORE_SIZE);
		if (!store_flash)
			fail("no memory for the flash\n");
		memset(store_flash, 0, FLASH_STORE_SIZE);
	}
	uint64_t end = (uint64_t)r->offset + (r->op == STK_FLASH_ERASE ? FLASH_SECTOR : r->len);
	if (r->op > STK_FLASH_ERASE || (r->offset & 3U) || end > FLASH_STORE_SIZE ||
	    (r->op == STK_FLASH_ERASE ? r->offset % FLASH_SECTOR : (r->len & 3U) || !r->buf))
		fail("flash request the monitor refuses: op %u offset 0x%x len %u\n", r->op,
		     r->offset, r->len);
	uint8_t *f = store_flash + r->offset, *b = (uint8_t *)(uintptr_t)r->buf;
	if (r->op == STK_FLASH_READ)
		memcpy(b, f, r->len);
	else if (r->op == STK_FLASH_ERASE)
		memset(f, 0xff, FLASH_SECTOR);
	else
		for (uint32_t i = 0; i < r->len; i++)
			f[i] &= b[i];
	return 0;
}

/* The monitor's services, with a request in the STK's memory: a PAL's
 * minimum (the answer comes from the input), and the storage flash. */
uint64_t stk_monitor_call(uint32_t fid, uint64_t a1)
{
	struct stk_pal_svn req;

	if (fid == TZV_STK_SVC_FLASH && a1)
		return flash_service((const struct stk_flash_req *)(uintptr_t)a1);
	if (fid != TZV_STK_SVC_PAL_SVN || !a1)
		fail("stk_monitor_call(0x%x, 0x%lx)\n", fid, (unsigned long)a1);
	memcpy(&req, (const void *)(uintptr_t)a1, sizeof(req)); /* (ASan checks it is there) */
	uint8_t v = fuzz_stk_in ? fuzz_u8(fuzz_stk_in) : 0;
	return v < 0xc0U ? TZV_PAL_SVN_OK : v % 3U;
}
