/* objstore: trusted storage through GlobalPlatform's persistent-object
 * calls (tzv-pals.h, docs/storage.md), for tzv-client obj and the tests:
 * objects in the secure flash or, with OBJSTORE_REE, in the VM's file
 * system through tee-supplicant. */
#include <string.h>

#include "pal.h"

/* room for a 64 KiB object three times: the parameter's copy, and a
 * write's old and new contents on the heap */
PAL_DEFINE("objstore", TZV_UUID_OBJSTORE, 0, 244 * 1024, 16 * 1024);

/* Trusted storage through GlobalPlatform's calls (OBJSTORE_CMD_OBJ), in
 * the secure flash or (OBJSTORE_REE) the VM's file system. */
static uint32_t obj_storage = TEE_STORAGE_PRIVATE;

static TEE_Result obj_put(const uint8_t *id, size_t idlen, const void *data, size_t len,
			  uint32_t flags)
{
	TEE_ObjectHandle o;
	TEE_Result res =
	    TEE_CreatePersistentObject(obj_storage, id, idlen, flags, NULL, data, len, &o);

	if (res == TEE_SUCCESS)
		TEE_CloseObject(o);
	return res;
}

static TEE_Result obj_open(const uint8_t *id, size_t idlen, TEE_ObjectHandle *o)
{
	return TEE_OpenPersistentObject(obj_storage, id, idlen,
					TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_ACCESS_WRITE |
					    TEE_DATA_FLAG_ACCESS_WRITE_META,
					&o[0]);
}

static TEE_Result obj_get(TEE_ObjectHandle o, uint32_t pos, uint8_t *out, size_t cap, size_t *n)
{
	TEE_Result res = TEE_SeekObjectData(o, pos, TEE_DATA_SEEK_SET);

	return res == TEE_SUCCESS ? TEE_ReadObjectData(o, out, cap, n) : res;
}

static TEE_Result obj_write(TEE_ObjectHandle o, uint32_t pos, const void *data, size_t len)
{
	TEE_Result res = TEE_SeekObjectData(o, pos, TEE_DATA_SEEK_SET);

	return res == TEE_SUCCESS ? TEE_WriteObjectData(o, data, len) : res;
}

/* "id<TAB>size<NL>" for each object of this PAL, into out */
static TEE_Result obj_list(uint8_t *out, size_t cap, size_t *n)
{
	TEE_ObjectEnumHandle e;
	TEE_ObjectInfo info;
	uint8_t id[PAL_OBJ_ID_MAX];
	size_t idlen;
	TEE_Result res = TEE_AllocatePersistentObjectEnumerator(&e);

	*n = 0;
	if (res == TEE_SUCCESS)
		res = TEE_StartPersistentObjectEnumerator(e, TEE_STORAGE_PRIVATE);
	while (res == TEE_SUCCESS &&
	       TEE_GetNextPersistentObject(e, &info, id, &idlen) == TEE_SUCCESS) {
		char size[12];
		unsigned k = sizeof(size);
		size_t v = info.dataSize;
		do
			size[--k] = (char)('0' + v % 10);
		while (v /= 10);
		if (*n + idlen + 2 + sizeof(size) - k > cap) {
			res = TEE_ERROR_SHORT_BUFFER;
			break;
		}
		memcpy(out + *n, id, idlen);
		out[*n + idlen] = '\t';
		memcpy(out + *n + idlen + 1, size + k, sizeof(size) - k);
		*n += idlen + 1 + sizeof(size) - k;
		out[(*n)++] = '\n';
	}
	TEE_FreePersistentObjectEnumerator(e);
	return res;
}

static uint8_t obj_buf[PAL_OBJ_MAX];

static TEE_Result obj_op(struct pal_params *p)
{
	uint32_t op = p->p[0].u.value.a & ~(uint32_t)(OBJSTORE_REE | OBJSTORE_BOUND);
	uint32_t arg = p->p[0].u.value.b;
	uint32_t bind = p->p[0].u.value.a & OBJSTORE_BOUND ? TZV_DATA_FLAG_BIND_VM : 0;
	size_t idlen = p->p[1].u.mem.size, len = p->p[2].u.mem.size, n = 0;
	uint8_t id[PAL_OBJ_ID_MAX];
	uint8_t *data = (uint8_t *)(uintptr_t)p->p[2].u.mem.buf;
	TEE_ObjectHandle o = TEE_HANDLE_NULL;
	TEE_Result res;

	if (pal_param_types(p) !=
		TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_MEMREF_INPUT,
				TEE_PARAM_TYPE_MEMREF_INOUT, TEE_PARAM_TYPE_VALUE_OUTPUT) ||
	    idlen > sizeof(id) || len > sizeof(obj_buf))
		return TEE_ERROR_BAD_PARAMETERS;
	memcpy(id, (const void *)(uintptr_t)p->p[1].u.mem.buf, idlen);
	memcpy(obj_buf, data, len); /* through its own memory: windows are no syscall buffers */
	obj_storage =
	    p->p[0].u.value.a & OBJSTORE_REE ? TEE_STORAGE_PRIVATE_REE : TEE_STORAGE_PRIVATE;
	if (op == OBJSTORE_PUT || op == OBJSTORE_CREATE)
		return obj_put(id, idlen, obj_buf, len,
			       (op == OBJSTORE_PUT ? TEE_DATA_FLAG_OVERWRITE : 0) | bind);
	if (op == OBJSTORE_LIST) {
		res = obj_list(obj_buf, len, &n);
	} else {
		res = obj_open(id, idlen, &o);
		if (res != TEE_SUCCESS)
			return res;
		if (op == OBJSTORE_GET)
			res = obj_get(o, arg, obj_buf, len, &n);
		else if (op == OBJSTORE_WRITE)
			res = obj_write(o, arg, obj_buf, len);
		else if (op == OBJSTORE_TRUNCATE)
			res = TEE_TruncateObjectData(o, arg);
		else if (op == OBJSTORE_RENAME)
			res = TEE_RenamePersistentObject(o, obj_buf, len);
		else if (op == OBJSTORE_DELETE)
			res = TEE_CloseAndDeletePersistentObject1(o), o = TEE_HANDLE_NULL;
		else
			res = TEE_ERROR_BAD_PARAMETERS;
		TEE_CloseObject(o);
	}
	memcpy(data, obj_buf, n);
	p->p[2].u.mem.size = n;
	p->p[3].u.value.a = (uint32_t)n;
	return res;
}

TEE_Result pal_invoke(uint32_t cmd, struct pal_params *p)
{
	return cmd == OBJSTORE_CMD_OBJ ? obj_op(p) : TEE_ERROR_NOT_SUPPORTED;
}
