/* Running a session's PAL instance at S-EL0, and what happens when it
 * leaves S-EL0: a system call, its return, a fault, an interrupt. The STK
 * never blocks: a preempted PAL keeps its registers in its session and the
 * call returns to the normal world as RPC_FOREIGN_INTR until it is resumed. */
#include <stk.h>
#include <tzv/cpu.h>
#include <tzv/string.h>

/* What each CPU is running at S-EL0. */
static struct stk_cpu {
	struct vtee *t;
	struct call *c;
} cpus[BOARD_MAX_CPUS];

static struct stk_cpu *this_cpu(void)
{
	return &cpus[cpu_index() % BOARD_MAX_CPUS];
}

static void __attribute__((noreturn)) enter(struct vtee *t, struct call *c)
{
	struct stk_cpu *cpu = this_cpu();

	cpu->t = t;
	cpu->c = c;
	pal_tables_switch(c->sess);
	secure_timer_arm(STK_SLICE_US);
	vtee_unlock_held();
	pal_enter(&c->sess->ctx);
}

void pal_run(struct vtee *t, struct call *c, uint32_t op, uint32_t func)
{
	struct session *s = c->sess;
	const struct pal_header *h = s->pal->hdr;

	/* nothing of an earlier entry in the general registers; the vector
	 * registers are the session's own, zeroed when it opened */
	memset(&s->ctx, 0, offsetof(struct pal_ctx, q));
	s->ctx.pc = PAL_VA_BASE + h->entry;
	s->ctx.sp = PAL_VA_BASE + h->mem_size;
	s->ctx.spsr = 0; /* EL0t, interrupts unmasked */
	s->ctx.x[0] = op;
	s->ctx.x[1] = func;
	s->ctx.x[2] = PAL_VA_BASE + h->mem_size;
	enter(t, c);
}

void pal_resume(struct vtee *t, struct call *c)
{
	c->state = CALL_RUNNING;
	enter(t, c);
}

/* A system call that waited for the normal world (reefs.c) is answered. */
void pal_syscall_done(struct vtee *t, struct call *c, uint64_t result)
{
	c->sess->ctx.x[0] = result;
	pal_resume(t, c);
}

static void __attribute__((noreturn)) preempt(struct vtee *t, struct call *c)
{
	secure_timer_stop();
	call_suspend(t, c, CALL_PREEMPTED, OPTEE_SMC_RETURN_RPC_FOREIGN_INTR, 0, 0);
}

/* OPEN_SESSION of a pseudo-PAL or of a PAL this vTEE has: a session, and
 * for a PAL its instance, entered with the call's parameters. */
void session_open(struct vtee *t, struct call *c, const struct pta *pta, struct pal_image *pal)
{
	const struct optee_msg_param *p = c->params;
	struct session *s = session_alloc(t);

	if (!s) {
		vtee_log(t, "vTEE %u: session limit (%u) reached\n", t->client, t->max_sessions);
		call_finish(c, TEEC_ERROR_OUT_OF_MEMORY, TEEC_ORIGIN_TEE);
	}
	c->first = 2;
	if (pta) {
		s->pta = pta;
		c->hdr.session = s->id;
		call_finish(c, TEEC_SUCCESS, TEEC_ORIGIN_TEE);
	}
	s->pal = pal;
	if (!pal_instance_create(t, s)) {
		vtee_log(t,
			 "vTEE %u: PAL %s not opened: the VM's secure memory quota (%u KiB) is "
			 "used up\n",
			 t->client, pal->name, t->secure_pages * 4U);
		session_free(t, s);
		call_finish(c, TEEC_ERROR_OUT_OF_MEMORY, TEEC_ORIGIN_TEE);
	}
	struct pal_params *pp = pal_params_of(s);
	uint32_t r = msg_params_to_pal(t, c, pp, s);
	pp->login = (uint32_t)p[1].u.value.c;
	memcpy(pp->client_uuid, &p[1].u.value.a, 8);
	memcpy(pp->client_uuid + 8, &p[1].u.value.b, 8);
	c->sess = s;
	s->busy = true;
	if (r) {
		c->sess = NULL;
		session_free(t, s);
		call_finish(c, r, TEEC_ORIGIN_TEE);
	}
	c->open = true;
	pal_run(t, c, PAL_OP_OPEN, 0);
}

static void __attribute__((noreturn)) entry_done(struct vtee *t, struct call *c, uint32_t res)
{
	struct session *s = c->sess;

	secure_timer_stop();
	msg_params_from_pal(c, pal_params_of(s));
	pal_unmap_windows(s);
	if (c->open) {
		if (res == TEEC_SUCCESS) {
			c->hdr.session = s->id;
		} else {
			c->sess = NULL;
			session_free(t, s);
		}
	}
	call_finish(c, res, TEEC_ORIGIN_TRUSTED_APP);
}

/* The instance is gone; its session stays, answering TARGET_DEAD, until
 * the client closes it (an OPEN never gets a session). */
static void __attribute__((noreturn)) kill(struct vtee *t, struct call *c, const char *why)
{
	struct session *s = c->sess;
	uint64_t esr, far;

	secure_timer_stop();
	el0_trap_syndrome(&esr, &far);
	vtee_log(t, "PAL %s of vTEE %u killed: %s (ESR %lx FAR %lx PC %lx)\n", s->pal->name,
		 t->client, why, (unsigned long)esr, (unsigned long)far, (unsigned long)s->ctx.pc);
	if (c->open) {
		c->sess = NULL;
		session_free(t, s);
	} else {
		pal_instance_destroy(t, s);
		s->dead = true;
	}
	call_finish(c, TEEC_ERROR_TARGET_DEAD, TEEC_ORIGIN_TEE);
}

static void __attribute__((noreturn)) syscall(struct vtee *t, struct call *c)
{
	struct session *s = c->sess;
	uint64_t nr = s->ctx.x[8];

	if (nr == PAL_SYS_RETURN)
		entry_done(t, c, (uint32_t)s->ctx.x[0]);
	if (nr == PAL_SYS_PANIC)
		kill(t, c, "it panicked");
	/* (a request the normal world answers suspends the call; a bad one comes back) */
	s->ctx.x[0] =
	    nr == PAL_SYS_REE_FS ? reefs_start(t, c, s->ctx.x[0]) : syscall_dispatch(t, s, nr);
	pal_tables_switch(s);
	vtee_unlock_held();
	pal_enter(&s->ctx);
}

enum { TRAP_SYNC, TRAP_IRQ, TRAP_FIQ, TRAP_SERROR };

/* From tee/arch/entry.S, with the PAL's registers saved in its session. */
void stk_el0_trap(unsigned kind);
void stk_el0_trap(unsigned kind)
{
	struct stk_cpu *cpu = this_cpu();
	struct vtee *t = cpu->t;
	struct call *c = cpu->c;

	vtee_lock(t);

	if (kind == TRAP_IRQ)
		secure_timer_ack(); /* its slice is over */
	if (kind == TRAP_IRQ || kind == TRAP_FIQ)
		preempt(t, c);
	if (kind == TRAP_SYNC && el0_trap_is_syscall())
		syscall(t, c);
	kill(t, c, kind == TRAP_SYNC ? "fault" : "SError");
}
