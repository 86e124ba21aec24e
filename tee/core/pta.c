/* Pseudo-PALs: services inside the STK that clients reach like PALs. */
#include <stk.h>
#include <tzv/string.h>

/* Clients send four parameters whatever they use: the rest must be NONE. */
static bool rest_none(const struct call *c, unsigned from)
{
	for (unsigned i = from; i < c->hdr.num_params; i++)
		if (c->params[i].attr)
			return false;
	return c->hdr.num_params >= from;
}

#define PTA_GET_DEVICES	     0U
#define PTA_GET_DEVICES_SUPP 1U

/* Linux's device enumeration (drivers/tee/optee/device.c): the UUIDs of the
 * PALs that have a kernel driver, 16 octets each, into p0 (an output
 * memref; NULL first, to learn the size). */
static uint32_t devices_invoke(struct vtee *t, struct call *c, uint32_t func)
{
	struct optee_msg_param *p = &c->params[0];
	unsigned type = OPTEE_PARAM_TYPE(p);
	uint8_t uuids[16 * 8];

	if (func != PTA_GET_DEVICES && func != PTA_GET_DEVICES_SUPP)
		return TEEC_ERROR_NOT_SUPPORTED;
	if (!rest_none(c, 1) ||
	    (type != OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT && type != OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT) ||
	    (p->attr & ~(uint64_t)OPTEE_MSG_ATTR_TYPE_MASK))
		return TEEC_ERROR_BAD_PARAMETERS;
	/* none of the PALs needs tee-supplicant */
	unsigned n = func == PTA_GET_DEVICES ? pal_device_uuids(uuids, 8) : 0;
	uint64_t need = 16U * n, size = p->u.rmem.size;
	p->u.rmem.size = need;
	if (size < need)
		return TEEC_ERROR_SHORT_BUFFER;
	if (!need)
		return TEEC_SUCCESS;
	if (type == OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT)
		return TEEC_ERROR_BAD_PARAMETERS; /* a non-NULL TMEM never gets here */
	struct shm *m = shm_find(t, p->u.rmem.shm_ref);
	if (!m || p->u.rmem.offs > m->size || need > m->size - p->u.rmem.offs)
		return TEEC_ERROR_BAD_PARAMETERS;
	shm_write(m, p->u.rmem.offs, uuids, need);
	return TEEC_SUCCESS;
}

/* What the caller's own vTEE holds, to check that nothing leaks; p2 (if
 * asked for) its secure memory, used and quota. */
static uint32_t stats_invoke(struct vtee *t, struct call *c, uint32_t func)
{
	uint64_t sessions = 0, shm = 0, instances = 0, calls = 0;
	bool memory =
	    c->hdr.num_params > 2 && c->params[2].attr == OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT;

	if (func != 0 || !rest_none(c, memory ? 3 : 2) ||
	    c->params[0].attr != OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT ||
	    c->params[1].attr != OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (memory) {
		c->params[2].u.value.a = t->secure_used * 4U;
		c->params[2].u.value.b = t->secure_pages * 4U;
	}
	for (unsigned i = 0; i < TZV_TEE_MAX_SESSIONS; i++) {
		sessions += t->sess[i].in_use;
		instances += t->sess[i].arena != NULL;
	}
	for (unsigned i = 0; i < TZV_TEE_MAX_SHM; i++)
		shm += t->shm[i].in_use;
	for (unsigned i = 0; i < TZV_TEE_MAX_CALLS; i++)
		calls += t->call[i].state != CALL_FREE;
	c->params[0].u.value.a = sessions;
	c->params[0].u.value.b = shm;
	c->params[1].u.value.a = instances;
	c->params[1].u.value.b = calls;
	return TEEC_SUCCESS;
}

/* The registered buffer a memory-reference parameter names, with room for
 * len bytes at its offset; NULL otherwise. */
static struct shm *memref(struct vtee *t, const struct optee_msg_param *p, uint64_t len)
{
	struct shm *m = shm_find(t, p->u.rmem.shm_ref);

	if (!m || p->u.rmem.offs > m->size || len > m->size - p->u.rmem.offs)
		return NULL;
	return m;
}

static uint32_t palmgr_list(struct vtee *t, struct optee_msg_param *p)
{
	struct pal_info info[TZV_TEE_MAX_PALS];
	unsigned n = 0, type = OPTEE_PARAM_TYPE(p);

	if (type != OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT && type != OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT)
		return TEEC_ERROR_BAD_PARAMETERS;
	memset(info, 0, sizeof(info));
	for (unsigned i = 0; i < TZV_TEE_MAX_PALS; i++) {
		const struct pal_image *r = &t->reg[i];
		if (!r->hdr)
			continue;
		struct pal_info *e = &info[n++];
		memcpy(e->uuid, r->hdr->uuid, 16);
		memcpy(e->name, r->hdr->name, sizeof(e->name));
		e->version = r->version;
		e->svn = r->svn;
		memcpy(e->signer, r->signer, 32);
		memcpy(e->measurement, r->measurement, 32);
		e->mem_size = r->hdr->mem_size;
		e->sessions = pal_sessions(t, r);
		e->secure_pages = r->npages;
	}
	uint64_t need = n * sizeof(info[0]), size = p->u.rmem.size;
	p->u.rmem.size = need;
	if (size < need)
		return TEEC_ERROR_SHORT_BUFFER;
	if (!need)
		return TEEC_SUCCESS;
	struct shm *m = type == OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT ? memref(t, p, need) : NULL;
	if (!m)
		return TEEC_ERROR_BAD_PARAMETERS;
	shm_write(m, p->u.rmem.offs, info, need);
	return TEEC_SUCCESS;
}

/* A registered PAL goes, unless a session uses it; the platform's never. */
static uint32_t palmgr_unload(struct vtee *t, const struct optee_msg_param *p)
{
	uint8_t uuid[16];
	struct shm *m =
	    OPTEE_PARAM_TYPE(p) == OPTEE_MSG_ATTR_TYPE_RMEM_INPUT && p->u.rmem.size == sizeof(uuid)
		? memref(t, p, sizeof(uuid))
		: NULL;

	if (!m)
		return TEEC_ERROR_BAD_PARAMETERS;
	shm_read(m, p->u.rmem.offs, uuid, sizeof(uuid));
	struct pal_image *pal = pal_find(t, uuid);
	if (!pal)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	if (!pal->mem)
		return TEEC_ERROR_ACCESS_DENIED;
	if (pal_sessions(t, pal))
		return TEEC_ERROR_BUSY;
	vtee_log(t, "vTEE %u: PAL %s unloaded\n", t->client, pal->name);
	pal_unregister(t, pal);
	return TEEC_SUCCESS;
}

static uint32_t palmgr_invoke(struct vtee *t, struct call *c, uint32_t func)
{
	if (!rest_none(c, 1) || (c->params[0].attr & ~(uint64_t)OPTEE_MSG_ATTR_TYPE_MASK))
		return TEEC_ERROR_BAD_PARAMETERS;
	if (func == PALMGR_CMD_LIST)
		return palmgr_list(t, &c->params[0]);
	if (func == PALMGR_CMD_UNLOAD)
		return palmgr_unload(t, &c->params[0]);
	return TEEC_ERROR_NOT_SUPPORTED;
}

static const struct pta ptas[] = {
    {{0x70, 0x11, 0xa6, 0x88, 0xdd, 0xde, 0x40, 0x53, 0xa5, 0xa9, 0x7b, 0x3c, 0x4d, 0xdf, 0x13,
      0xb8},
     devices_invoke},
    /* TZV_UUID_STATS */
    {{0xa7, 0xe1, 0xf0, 0xc1, 0x7a, 0x76, 0x4c, 0x30, 0x9a, 0x00, 0x73, 0x74, 0x61, 0x74, 0x73,
      0x00},
     stats_invoke},
    /* the PAL manager */
    {{0xa7, 0xe1, 0xf0, 0xc1, 0x7a, 0x76, 0x4c, 0x30, 0x9a, 0x00, 0x70, 0x61, 0x6c, 0x6d, 0x67,
      0x72},
     palmgr_invoke},
};

const struct pta *pta_find(const uint8_t uuid[16])
{
	for (unsigned i = 0; i < sizeof(ptas) / sizeof(ptas[0]); i++)
		if (!memcmp(ptas[i].uuid, uuid, 16))
			return &ptas[i];
	return NULL;
}
