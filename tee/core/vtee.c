/* The vTEEs, one per normal-world client (a VM), and the records each
 * holds: sessions and registered buffers, in fixed slots. Each vTEE has
 * its own lock, so that calls of different VMs never wait for each other:
 * nothing a call touches belongs to another vTEE (secure memory comes from
 * each vTEE's own range, the platform's PALs are read-only after boot),
 * but for the PAL minima in the secure flash, which stk_minima_lock
 * guards, and the console, which has its own. A CPU holds at most one
 * vTEE lock, from its entry into the STK to its exit. */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/cpu.h>
#include <tzv/string.h>

#define PAGE OPTEE_MSG_PAGE_SIZE

static struct vtee vtees[TZV_MAX_VMS];
/* apart from the vTEEs, which vtee_alloc and vtee_free clear whole, and
 * each on its own cache line */
static struct {
	spinlock_t l;
} __attribute__((aligned(64))) locks[TZV_MAX_VMS];
static struct vtee *held[BOARD_MAX_CPUS]; /* the vTEE whose lock a CPU holds */
spinlock_t stk_minima_lock;
/* the partition map, as the monitor checked it at boot */
static const struct partmap *const map = &((const struct measure_area *)MEASURE_BASE)->map;

/* Client c's vTEE is slot c - 1: one look, no search; NULL for a client
 * that can have none. */
struct vtee *vtee_slot(uint32_t client)
{
	return client - 1U < TZV_MAX_VMS ? &vtees[client - 1U] : NULL;
}

/* The slot, if it is in use: without its lock, only a test of existence
 * (in_use changes only under the lock, at VM_CREATED and VM_DESTROYED). */
struct vtee *vtee_of_client(uint32_t client)
{
	struct vtee *t = vtee_slot(client);

	return t && __atomic_load_n(&t->in_use, __ATOMIC_RELAXED) ? t : NULL;
}

static struct vtee **held_here(void)
{
	return &held[cpu_index() % BOARD_MAX_CPUS];
}

void vtee_lock(struct vtee *t)
{
	struct vtee **h = held_here();

	if (*h)
		panic("STK: vTEE %u's lock taken while holding vTEE %u's\n",
		      (unsigned)(t - vtees) + 1U, (unsigned)(*h - vtees) + 1U);
	spin_lock(&locks[t - vtees].l);
	*h = t;
}

/* Every exit from the STK releases the one lock its entry took. */
void vtee_unlock_held(void)
{
	struct vtee **h = held_here();

	if (!*h)
		panic("STK: leaving without a vTEE lock\n");
	spin_unlock(&locks[*h - vtees].l);
	*h = NULL;
}

bool stk_locks_held(void)
{
	for (unsigned i = 0; i < TZV_MAX_VMS; i++)
		if (locks[i].l.locked)
			return true;
	return stk_minima_lock.locked;
}

/* The zeroed vTEE for client, a VM of the partition map, not yet in use
 * (the caller marks it so once it is set up); NULL when it is in use or
 * the map has no such VM. */
struct vtee *vtee_alloc(uint32_t client)
{
	if (client - 1U >= map->nvms || client - 1U >= TZV_MAX_VMS)
		return NULL;
	struct vtee *t = &vtees[client - 1U];
	if (t->in_use)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->client = client;
	t->index = client - 1U;
	t->part = &map->vm[client - 1U];
	/* its quota of secure memory: the map's VMs' ranges, in order */
	for (unsigned k = 0; k < client - 1U; k++)
		t->secure_first += map->vm[k].tee_secure_pages;
	t->secure_pages = t->part->tee_secure_pages;
	return t;
}

static bool range_holds(const struct partmap_range *r, uint64_t pa, uint64_t len)
{
	return pa >= r->base && len <= r->size && pa - r->base <= r->size - len;
}

/* Whether [pa, pa + len) is the VM's own memory by the partition map: its
 * RAM or a shared region it is a member of; for a message or page list
 * also the hypervisor's pages for its calls. Anything else is a hypervisor
 * violation: it checked and translated the addresses. */
bool vtee_holds(struct vtee *t, uint64_t pa, uint64_t len, bool message)
{
	const struct partmap_vm *p = t->part;

	if (range_holds(&p->ram, pa, len) || (message && range_holds(&p->tee, pa, len)))
		return true;
	for (unsigned k = 0; k < p->nshm; k++)
		if (range_holds(&map->shm[p->shm[k]], pa, len))
			return true;
	vtee_log(t, "vTEE %u: hypervisor violation: 0x%lx..0x%lx is not %s's memory: refused\n",
		 t->client, (unsigned long)pa, (unsigned long)(pa + len), p->name);
	return false;
}

/* Every session, PAL instance, buffer, secret and call goes with it. */
void vtee_free(struct vtee *t)
{
	for (unsigned i = 0; i < TZV_TEE_MAX_SESSIONS; i++)
		if (t->sess[i].in_use)
			session_free(t, &t->sess[i]);
	for (unsigned i = 0; i < TZV_TEE_MAX_CALLS; i++)
		if (t->call[i].state != CALL_FREE) {
			ns_unmap_call(t->call[i].slot);
			pages_free(t, t->call[i].load.file, t->call[i].load.file_pages);
		}
	for (unsigned i = 0; i < TZV_TEE_MAX_PALS; i++)
		if (t->reg[i].hdr)
			pal_unregister(t, &t->reg[i]);
	if (t->secure_used) /* a bug; the range is wiped whole below */
		pr("STK: vTEE %u leaked %u pages of secure memory\n", t->client, t->secure_used);
	pages_release_all(t);
	memset(t, 0, sizeof(*t));
}

/* What a VM makes the STK print is bounded: its vTEE's messages stop after
 * a budget, which a new vTEE (the VM's restart) renews. */
void vtee_log(struct vtee *t, const char *fmt, ...)
{
	va_list ap;

	if (t->log_budget >= STK_LOG_BUDGET)
		return;
	if (++t->log_budget == STK_LOG_BUDGET) {
		pr("vTEE %u: too many messages; further ones are dropped\n", t->client);
		return;
	}
	va_start(ap, fmt);
	vpr(fmt, ap);
	va_end(ap);
}

/* The id names its slot (session_alloc): one look, not a search. */
struct session *session_find(struct vtee *t, uint32_t id)
{
	unsigned slot = (id & 0xffU) - 1U;
	struct session *s = slot < TZV_TEE_MAX_SESSIONS ? &t->sess[slot] : NULL;

	return s && s->in_use && s->id == id ? s : NULL;
}

/* A new session within the VM's limit, with an id not reused soon. */
struct session *session_alloc(struct vtee *t)
{
	unsigned used = 0;
	struct session *s = NULL;

	for (unsigned i = 0; i < TZV_TEE_MAX_SESSIONS; i++) {
		if (t->sess[i].in_use)
			used++;
		else if (!s)
			s = &t->sess[i];
	}
	if (used >= t->max_sessions || !s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->in_use = true;
	t->next_id = (t->next_id + 1U) & 0xffffffU;
	s->id = (t->next_id << 8) | (uint32_t)(s - t->sess + 1);
	return s;
}

void session_free(struct vtee *t, struct session *s)
{
	if (s->arena)
		pal_instance_destroy(t, s);
	memset(s, 0, sizeof(*s));
}

struct shm *shm_find(struct vtee *t, uint64_t cookie)
{
	for (unsigned i = 0; i < TZV_TEE_MAX_SHM; i++)
		if (t->shm[i].in_use && t->shm[i].cookie == cookie)
			return &t->shm[i];
	return NULL;
}

/* Reads from a registered buffer through its page list. */
void shm_read(const struct shm *m, uint64_t offs, void *dst, uint64_t len)
{
	uint8_t *to = dst;
	uint64_t pos = m->offset + offs;

	while (len) {
		uint64_t in = pos & (PAGE - 1), n = PAGE - in;
		if (n > len)
			n = len;
		memcpy(to, ns_map(m->pages[pos / PAGE] + in, n), n);
		ns_unmap();
		to += n;
		pos += n;
		len -= n;
	}
}

/* Writes into a registered buffer through its page list. */
void shm_write(const struct shm *m, uint64_t offs, const void *src, uint64_t len)
{
	const uint8_t *from = src;
	uint64_t pos = m->offset + offs;

	while (len) {
		uint64_t in = pos & (PAGE - 1), n = PAGE - in;
		if (n > len)
			n = len;
		memcpy(ns_map(m->pages[pos / PAGE] + in, n), from, n);
		ns_unmap();
		from += n;
		pos += n;
		len -= n;
	}
}
