/* PALs: the images built into the STK, one instance per session at S-EL0
 * with its own arena, tables and ASID, and what happens when an instance
 * leaves S-EL0 (a system call, a fault, an interrupt). The STK never
 * blocks: a preempted PAL keeps its registers in its session and the call
 * returns to the normal world as RPC_FOREIGN_INTR until it is resumed. */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/string.h>
#include <tzv/sysreg.h>

#define MAX_PALS 8
#define SLOTS	 (STK_MAX_VTEES * STK_MAX_SESSIONS)

struct pal_blob {
	uint64_t start, size;
};
extern const struct pal_blob pal_image_table[];

static struct pal_image pals[MAX_PALS];
static unsigned npals;
static uint8_t arenas[SLOTS][STK_ARENA_SIZE] __attribute__((aligned(4096)));
static uint64_t tables[SLOTS][7 * 512] __attribute__((aligned(4096)));

/* What each CPU is running at S-EL0. */
static struct stk_cpu {
	struct vtee *t;
	struct call *c;
} cpus[BOARD_MAX_CPUS];

static struct stk_cpu *this_cpu(void)
{
	return &cpus[board_cpu_index(read_sysreg(mpidr_el1)) % BOARD_MAX_CPUS];
}

/* The console has no precision: a PAL's name as a string. */
static const char *name_of(const struct pal_header *h)
{
	static char names[MAX_PALS][sizeof(h->name) + 1];

	for (unsigned i = 0; i < npals; i++)
		if (pals[i].hdr == h)
			return names[i];
	return "?";
}

static bool page_aligned(uint64_t v)
{
	return !(v & 4095U);
}

static const char *header_error(const struct pal_header *h, uint64_t size)
{
	if (size < sizeof(*h) || memcmp(h->magic, PAL_MAGIC, sizeof(PAL_MAGIC)))
		return "bad magic";
	if (!page_aligned(h->text_size) || !page_aligned(h->image_size) ||
	    !page_aligned(h->mem_size) || !page_aligned(h->stack_size))
		return "sizes not page multiples";
	if (h->image_size > size || h->text_size > h->image_size || h->entry >= h->text_size)
		return "image layout";
	if (h->mem_size > PAL_MAX_MEM || h->stack_size < 4096U ||
	    (uint64_t)h->image_size + h->bss_size + 4096U + h->stack_size > h->mem_size)
		return "memory layout";
	return NULL;
}

void pal_registry_init(void)
{
	for (const struct pal_blob *b = pal_image_table; b->size && npals < MAX_PALS; b++) {
		const struct pal_header *h = (const struct pal_header *)(uintptr_t)b->start;
		const char *err = header_error(h, b->size);
		if (err) {
			pr("PAL image at 0x%lx refused: %s\n", (unsigned long)b->start, err);
			continue;
		}
		pals[npals].hdr = h;
		pals[npals].size = b->size;
		npals++;
		char *name = (char *)name_of(h);
		memcpy(name, h->name, sizeof(h->name));
		pr("PAL %s: %u KiB image, %u KiB memory\n", name, h->image_size / 1024U,
		   h->mem_size / 1024U);
	}
}

const struct pal_image *pal_find(const uint8_t uuid[16])
{
	for (unsigned i = 0; i < npals; i++)
		if (!memcmp(pals[i].hdr->uuid, uuid, 16))
			return &pals[i];
	return NULL;
}

unsigned pal_device_uuids(uint8_t *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < npals; i++) {
		if (!(pals[i].hdr->flags & PAL_FLAG_DEVICE))
			continue;
		if (out && n < max)
			memcpy(out + 16U * n, pals[i].hdr->uuid, 16);
		n++;
	}
	return n;
}

/* The arena and tables of a session slot are fixed: creating an instance
 * cannot fail for want of memory, and no VM can take another's. */
int pal_instance_create(struct vtee *t, struct session *s)
{
	unsigned slot = t->index * STK_MAX_SESSIONS + (unsigned)(s - t->sess);
	const struct pal_header *h = s->pal->hdr;

	s->arena = arenas[slot];
	s->tables = tables[slot];
	s->asid = slot + 1U;
	memcpy(s->arena, h, h->image_size);
	memset(s->arena + h->image_size, 0, STK_ARENA_SIZE - h->image_size);
	pal_tables_init(s);
	return 0;
}

void pal_instance_destroy(struct session *s)
{
	pal_tables_wipe(s);
	memset(s->arena, 0, STK_ARENA_SIZE);
	memset(&s->ctx, 0, sizeof(s->ctx));
	s->arena = NULL;
}

static void __attribute__((noreturn)) enter(struct vtee *t, struct call *c)
{
	struct stk_cpu *cpu = this_cpu();

	cpu->t = t;
	cpu->c = c;
	pal_tables_switch(c->sess);
	secure_timer_arm(STK_SLICE_US);
	spin_unlock(&stk_lock);
	pal_enter(&c->sess->ctx);
}

void pal_run(struct vtee *t, struct call *c, uint32_t op, uint32_t func)
{
	struct session *s = c->sess;
	const struct pal_header *h = s->pal->hdr;

	memset(&s->ctx, 0, sizeof(s->ctx)); /* nothing of an earlier entry */
	s->ctx.pc = PAL_VA_BASE + h->entry;
	s->ctx.sp = PAL_VA_BASE + h->mem_size;
	s->ctx.spsr = 0; /* EL0t, interrupts unmasked */
	s->ctx.x[0] = op;
	s->ctx.x[1] = func;
	s->ctx.x[2] = PAL_VA_BASE + h->mem_size;
	enter(t, c);
}

static uint32_t token_of(const struct vtee *t, const struct call *c)
{
	return 0x7a000000U | ((uint32_t)t->index << 8) | (uint32_t)(c - t->call + 1);
}

void pal_resume(struct vtee *t, uint32_t token)
{
	unsigned i = (token & 0xffU) - 1U;

	if (i >= STK_MAX_CALLS || t->call[i].state != CALL_PREEMPTED ||
	    token_of(t, &t->call[i]) != token) {
		vtee_log(t, "vTEE %u: resume of 0x%x, which is not waiting\n", t->client, token);
		spin_unlock(&stk_lock);
		stk_exit(OPTEE_SMC_RETURN_ERESUME, 0, 0, 0);
	}
	t->call[i].state = CALL_RUNNING;
	enter(t, &t->call[i]);
}

static void __attribute__((noreturn)) preempt(struct vtee *t, struct call *c)
{
	secure_timer_stop();
	c->state = CALL_PREEMPTED;
	uint32_t token = token_of(t, c);
	spin_unlock(&stk_lock);
	stk_exit(OPTEE_SMC_RETURN_RPC_FOREIGN_INTR, 0, 0, token);
}

static void __attribute__((noreturn)) entry_done(struct vtee *t, struct call *c, uint32_t res)
{
	struct session *s = c->sess;

	secure_timer_stop();
	msg_params_from_pal(c, (const struct pal_params *)(s->arena + s->pal->hdr->mem_size));
	pal_unmap_windows(s);
	if (c->open) {
		if (res == TEEC_SUCCESS) {
			c->hdr.session = s->id;
		} else {
			c->sess = NULL;
			session_free(t, s);
		}
	}
	call_finish(t, c, res, TEEC_ORIGIN_TRUSTED_APP);
}

/* The instance is gone; its session stays, answering TARGET_DEAD, until
 * the client closes it (an OPEN never gets a session). */
static void __attribute__((noreturn)) kill(struct vtee *t, struct call *c, const char *why)
{
	struct session *s = c->sess;

	secure_timer_stop();
	vtee_log(t, "PAL %s of vTEE %u killed: %s (ESR %lx FAR %lx PC %lx)\n", name_of(s->pal->hdr),
		 t->client, why, (unsigned long)read_sysreg(esr_el1),
		 (unsigned long)read_sysreg(far_el1), (unsigned long)s->ctx.pc);
	if (c->open) {
		c->sess = NULL;
		session_free(t, s);
	} else {
		pal_instance_destroy(s);
		s->dead = true;
	}
	call_finish(t, c, TEEC_ERROR_TARGET_DEAD, TEEC_ORIGIN_TEE);
}

/* --- system calls ------------------------------------------------------ */

/* The STK's view of [va, va+len) when all of it is the instance's arena or
 * parameter page (writable: not its code). */
void *user_buf(struct session *s, uint64_t va, uint64_t len, bool write)
{
	const struct pal_header *h = s->pal->hdr;
	uint64_t lo = PAL_VA_BASE + (write ? h->text_size : 0),
		 top = PAL_VA_BASE + h->mem_size + 4096U;

	if (va < lo || va > top || len > top - va)
		return NULL;
	return s->arena + (va - PAL_VA_BASE);
}

static uint64_t bad_pointer(struct vtee *t, struct session *s, uint64_t va)
{
	vtee_log(t, "PAL %s of vTEE %u: system call with a bad pointer 0x%lx\n",
		 name_of(s->pal->hdr), t->client, (unsigned long)va);
	return TEEC_ERROR_BAD_PARAMETERS;
}

static uint64_t sys_log(struct vtee *t, struct session *s, const uint64_t *x)
{
	char line[257];
	const char *msg = user_buf(s, x[0], x[1], false);

	if (x[1] > PAL_LOG_MAX)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (!msg)
		return bad_pointer(t, s, x[0]);
	for (uint64_t i = 0; i < x[1]; i++)
		line[i] = (msg[i] >= 0x20 && msg[i] < 0x7f) ? msg[i] : '.';
	line[x[1]] = 0;
	vtee_log(t, "pal %s vm%u: %s\n", name_of(s->pal->hdr), t->client - 1U, line);
	return 0;
}

static uint64_t sys_random(struct vtee *t, struct session *s, const uint64_t *x)
{
	void *buf = user_buf(s, x[0], x[1], true);

	if (x[1] > PAL_RANDOM_MAX)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (!buf)
		return bad_pointer(t, s, x[0]);
	return stk_random(buf, x[1]) ? 0 : TEEC_ERROR_GENERIC;
}

static uint64_t sys_time(struct vtee *t, struct session *s, const uint64_t *x)
{
	(void)t, (void)s, (void)x;
	return stk_time_us();
}

static struct object *object_find(struct vtee *t, struct session *s, uint32_t id)
{
	for (unsigned i = 0; i < STK_MAX_OBJECTS; i++) {
		struct object *o = &t->obj[i];
		if (o->in_use && o->id == id && !memcmp(o->owner, s->pal->hdr->uuid, 16))
			return o;
	}
	return NULL;
}

static uint64_t sys_store_put(struct vtee *t, struct session *s, const uint64_t *x)
{
	const void *buf = user_buf(s, x[1], x[2], false);
	struct object *o = object_find(t, s, (uint32_t)x[0]);

	if (x[2] > STK_OBJECT_SIZE)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (!buf)
		return bad_pointer(t, s, x[1]);
	for (unsigned i = 0; i < STK_MAX_OBJECTS && !o; i++)
		if (!t->obj[i].in_use)
			o = &t->obj[i];
	if (!o)
		return TEEC_ERROR_STORAGE_NO_SPACE;
	memset(o, 0, sizeof(*o));
	o->in_use = true;
	o->id = (uint32_t)x[0];
	memcpy(o->owner, s->pal->hdr->uuid, 16);
	o->len = (uint32_t)x[2];
	memcpy(o->data, buf, x[2]);
	return 0;
}

static uint64_t sys_store_get(struct vtee *t, struct session *s, const uint64_t *x)
{
	void *buf = user_buf(s, x[1], x[2], true);
	uint64_t *len = user_buf(s, x[3], sizeof(uint64_t), true);
	const struct object *o = object_find(t, s, (uint32_t)x[0]);

	if (!buf || !len || (x[3] & 7U))
		return bad_pointer(t, s, buf ? x[3] : x[1]);
	if (!o)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	*len = o->len;
	if (x[2] < o->len)
		return TEEC_ERROR_SHORT_BUFFER;
	memcpy(buf, o->data, o->len);
	return 0;
}

static uint64_t (*const syscalls[])(struct vtee *t, struct session *s, const uint64_t *x) = {
    [PAL_SYS_LOG] = sys_log,
    [PAL_SYS_RANDOM] = sys_random,
    [PAL_SYS_TIME] = sys_time,
    [PAL_SYS_STORE_PUT] = sys_store_put,
    [PAL_SYS_STORE_GET] = sys_store_get,
    [PAL_SYS_DERIVE] = sys_derive,
    [PAL_SYS_PCR_READ] = sys_pcr_read,
    [PAL_SYS_PCR_EXTEND] = sys_pcr_extend,
    [PAL_SYS_EVENTLOG] = sys_eventlog,
    [PAL_SYS_IDENTITY] = sys_identity,
};

static void __attribute__((noreturn)) syscall(struct vtee *t, struct call *c)
{
	struct session *s = c->sess;
	uint64_t nr = s->ctx.x[8];

	if (nr == PAL_SYS_RETURN)
		entry_done(t, c, (uint32_t)s->ctx.x[0]);
	if (nr == PAL_SYS_PANIC)
		kill(t, c, "it panicked");
	if (nr < sizeof(syscalls) / sizeof(syscalls[0]) && syscalls[nr])
		s->ctx.x[0] = syscalls[nr](t, s, s->ctx.x);
	else
		s->ctx.x[0] = TEEC_ERROR_NOT_SUPPORTED;
	pal_tables_switch(s);
	spin_unlock(&stk_lock);
	pal_enter(&s->ctx);
}

enum { TRAP_SYNC, TRAP_IRQ, TRAP_FIQ, TRAP_SERROR };
#define EC_SVC64 0x15U

void stk_el0_trap(unsigned kind);
void stk_el0_trap(unsigned kind)
{
	spin_lock(&stk_lock);
	struct stk_cpu *cpu = this_cpu();
	struct vtee *t = cpu->t;
	struct call *c = cpu->c;

	if (kind == TRAP_IRQ)
		secure_timer_ack(); /* its slice is over */
	if (kind == TRAP_IRQ || kind == TRAP_FIQ)
		preempt(t, c);
	if (kind == TRAP_SYNC && ESR_EC(read_sysreg(esr_el1)) == EC_SVC64)
		syscall(t, c);
	kill(t, c, kind == TRAP_SYNC ? "fault" : "SError");
}
