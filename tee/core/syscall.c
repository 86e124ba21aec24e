/* A PAL's system calls (docs/pal-abi.md), dispatched on the number in x8:
 * log, random, time, storage here, the attestation ones in attest.c. Every
 * pointer a PAL passes is checked against its own memory (user_buf). */
#include <stk.h>
#include <tzv/string.h>

static uint64_t bad_pointer(struct vtee *t, struct session *s, uint64_t va)
{
	vtee_log(t, "PAL %s of vTEE %u: system call with a bad pointer 0x%lx\n", s->pal->name,
		 t->client, (unsigned long)va);
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
	vtee_log(t, "pal %s vm%u: %s\n", s->pal->name, t->client - 1U, line);
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

/* Storage objects: per vTEE, and each visible only to the PAL (UUID and
 * signer) that wrote it; they go with the vTEE. */
static struct object *object_find(struct vtee *t, struct session *s, uint32_t id)
{
	for (unsigned i = 0; i < STK_MAX_OBJECTS; i++) {
		struct object *o = &t->obj[i];
		if (o->in_use && o->id == id && !memcmp(o->owner, s->pal->hdr->uuid, 16) &&
		    !memcmp(o->signer, s->pal->signer, 32))
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
	memcpy(o->signer, s->pal->signer, 32);
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
    [PAL_SYS_STATEMENT] = sys_statement,
};

/* System call nr with the arguments in the PAL's saved x0..x5; its result. */
uint64_t syscall_dispatch(struct vtee *t, struct session *s, uint64_t nr)
{
	if (nr < sizeof(syscalls) / sizeof(syscalls[0]) && syscalls[nr])
		return syscalls[nr](t, s, s->ctx.x);
	return TEEC_ERROR_NOT_SUPPORTED;
}
