/* A PAL's system calls (docs/pal-abi.md), dispatched on the number in x8:
 * log, random, time, the vTEE's small objects here, the attestation ones in
 * attest.c, trusted storage in store.c. Every
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

/* Trusted storage (store.c): the object id and the data in the PAL's own
 * memory, checked here; a refusal the PAL should not have caused is logged. */
static uint64_t stored(struct vtee *t, struct session *s, const char *what, uint32_t r)
{
	if (r == TEEC_ERROR_STORAGE_NO_SPACE || r == TEEC_ERROR_GENERIC ||
	    r == TEEC_ERROR_STORAGE_NOT_AVAILABLE)
		vtee_log(t, "PAL %s of vTEE %u: trusted storage: %s refused (0x%x)\n", s->pal->name,
			 t->client, what, r);
	return r;
}

static const void *obj_id(struct session *s, const uint64_t *x)
{
	return x[1] <= PAL_OBJ_ID_MAX ? user_buf(s, x[0], x[1], false) : NULL;
}

static uint64_t sys_obj_put(struct vtee *t, struct session *s, const uint64_t *x)
{
	const void *id = obj_id(s, x);
	const void *buf = x[3] <= PAL_OBJ_MAX ? user_buf(s, x[2], x[3], false) : NULL;

	if (!id || !buf)
		return bad_pointer(t, s, id ? x[2] : x[0]);
	return stored(t, s, "a write", store_put(t, s->pal, id, x[1], buf, x[3], (uint32_t)x[4]));
}

static uint64_t sys_obj_read(struct vtee *t, struct session *s, const uint64_t *x)
{
	const void *id = obj_id(s, x);
	void *buf = x[4] <= PAL_OBJ_MAX ? user_buf(s, x[3], x[4], true) : NULL;

	if (!id || !buf)
		return bad_pointer(t, s, id ? x[3] : x[0]);
	return stored(t, s, "a read", store_read(t, s->pal, id, x[1], x[2], buf, x[4]));
}

static uint64_t sys_obj_info(struct vtee *t, struct session *s, const uint64_t *x)
{
	const void *id = obj_id(s, x);
	uint64_t *size = user_buf(s, x[2], sizeof(*size), true);

	if (!id || !size || (x[2] & 7U))
		return bad_pointer(t, s, id ? x[2] : x[0]);
	return stored(t, s, "a look-up", store_info(t, s->pal, id, x[1], size));
}

static uint64_t sys_obj_delete(struct vtee *t, struct session *s, const uint64_t *x)
{
	const void *id = obj_id(s, x);

	if (!id)
		return bad_pointer(t, s, x[0]);
	return stored(t, s, "a deletion", store_delete(t, s->pal, id, x[1]));
}

static uint64_t sys_obj_rename(struct vtee *t, struct session *s, const uint64_t *x)
{
	const void *id = obj_id(s, x), *to = obj_id(s, x + 2);

	if (!id || !to)
		return bad_pointer(t, s, id ? x[2] : x[0]);
	return stored(t, s, "a renaming", store_rename(t, s->pal, id, x[1], to, x[3]));
}

static uint64_t sys_obj_enum(struct vtee *t, struct session *s, const uint64_t *x)
{
	struct pal_obj_info *out = user_buf(s, x[1], sizeof(*out), true);

	if (!out || (x[1] & 3U))
		return bad_pointer(t, s, x[1]);
	return stored(t, s, "a listing", store_enum(t, s->pal, x[0], out));
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
    [PAL_SYS_OBJ_PUT] = sys_obj_put,
    [PAL_SYS_OBJ_READ] = sys_obj_read,
    [PAL_SYS_OBJ_INFO] = sys_obj_info,
    [PAL_SYS_OBJ_DELETE] = sys_obj_delete,
    [PAL_SYS_OBJ_RENAME] = sys_obj_rename,
    [PAL_SYS_OBJ_ENUM] = sys_obj_enum,
};

/* System call nr with the arguments in the PAL's saved x0..x5; its result. */
uint64_t syscall_dispatch(struct vtee *t, struct session *s, uint64_t nr)
{
	if (nr < sizeof(syscalls) / sizeof(syscalls[0]) && syscalls[nr])
		return syscalls[nr](t, s, s->ctx.x);
	return TEEC_ERROR_NOT_SUPPORTED;
}
