/* GlobalPlatform's persistent objects over the trusted-storage system calls
 * (docs/storage.md). The STK keeps each object whole and replaces it
 * atomically; a handle here is a name, access flags and a position. A write
 * or truncation assembles the new contents on the heap (freed at once: the
 * bump allocator takes back its newest block) and stores them in one call,
 * so an interrupted update leaves the old object or the new one. */
#include <string.h>

#include "pal.h"

/* where objects are: the secure flash (the STK's trusted storage) or the
 * VM's file system (reefs.c) */
struct backend {
	TEE_Result (*put)(const void *id, size_t idlen, const void *buf, size_t len,
			  uint32_t flags);
	TEE_Result (*read)(const void *id, size_t idlen, size_t off, void *buf, size_t len);
	TEE_Result (*info)(const void *id, size_t idlen, uint64_t *size);
	TEE_Result (*del)(const void *id, size_t idlen);
	TEE_Result (*rename)(const void *id, size_t idlen, const void *to, size_t tolen);
};

static const struct backend flash = {pal_sys_obj_put, pal_sys_obj_read, pal_sys_obj_info,
				     pal_sys_obj_delete, pal_sys_obj_rename};
static const struct backend ree = {pal_ree_put, pal_ree_read, pal_ree_info, pal_ree_delete,
				   pal_ree_rename};

static const struct backend *backend_of(uint32_t storage)
{
	return storage == TEE_STORAGE_PRIVATE	    ? &flash
	       : storage == TEE_STORAGE_PRIVATE_REE ? &ree
						    : NULL;
}

struct pal_object {
	int used;
	const struct backend *be;
	uint32_t flags;
	size_t idlen, pos;
	uint8_t id[PAL_OBJ_ID_MAX];
};

struct pal_object_enum {
	int used, started;
	size_t next;
};

static struct pal_object objects[PAL_OPEN_OBJECTS];
static struct pal_object_enum enums[2];

static TEE_Result handle_new(const struct backend *be, const void *id, size_t idlen, uint32_t flags,
			     TEE_ObjectHandle *out)
{
	for (unsigned i = 0; i < PAL_OPEN_OBJECTS; i++) {
		struct pal_object *o = &objects[i];
		if (o->used)
			continue;
		memset(o, 0, sizeof(*o));
		o->used = 1;
		o->be = be;
		o->flags = flags;
		o->idlen = idlen;
		memcpy(o->id, id, idlen);
		*out = o;
		return TEE_SUCCESS;
	}
	return TEE_ERROR_OUT_OF_MEMORY;
}

static int handle_ok(TEE_ObjectHandle o)
{
	return o && o >= objects && o < objects + PAL_OPEN_OBJECTS && o->used;
}

static TEE_Result size_of(TEE_ObjectHandle o, size_t *size)
{
	uint64_t n = 0;
	TEE_Result res = o->be->info(o->id, o->idlen, &n);

	*size = (size_t)n;
	return res;
}

TEE_Result TEE_CreatePersistentObject(uint32_t storageID, const void *objectID, size_t objectIDLen,
				      uint32_t flags, TEE_ObjectHandle attributes,
				      const void *initialData, size_t initialDataLen,
				      TEE_ObjectHandle *object)
{
	const struct backend *be = backend_of(storageID);
	uint8_t id[PAL_OBJ_ID_MAX];
	TEE_Result res;

	*object = TEE_HANDLE_NULL;
	if (!be || attributes || !objectIDLen || objectIDLen > PAL_OBJ_ID_MAX ||
	    initialDataLen > PAL_OBJ_MAX)
		return TEE_ERROR_BAD_PARAMETERS;
	memcpy(id, objectID, objectIDLen); /* the STK reads names from the arena, not rodata */
	if ((flags & TZV_DATA_FLAG_BIND_VM) && be != &flash)
		return TEE_ERROR_NOT_SUPPORTED;
	res = be->put(id, objectIDLen, initialDataLen ? initialData : id, initialDataLen,
		      (flags & TEE_DATA_FLAG_OVERWRITE ? 0 : PAL_OBJ_EXCLUSIVE) |
			  (flags & TZV_DATA_FLAG_BIND_VM ? PAL_OBJ_BIND_VM : 0));
	return res == TEE_SUCCESS ? handle_new(be, id, objectIDLen, flags, object) : res;
}

TEE_Result TEE_OpenPersistentObject(uint32_t storageID, const void *objectID, size_t objectIDLen,
				    uint32_t flags, TEE_ObjectHandle *object)
{
	const struct backend *be = backend_of(storageID);
	uint8_t id[PAL_OBJ_ID_MAX];
	uint64_t size;
	TEE_Result res;

	*object = TEE_HANDLE_NULL;
	if (!be || !objectIDLen || objectIDLen > PAL_OBJ_ID_MAX)
		return TEE_ERROR_BAD_PARAMETERS;
	memcpy(id, objectID, objectIDLen);
	res = be->info(id, objectIDLen, &size);
	return res == TEE_SUCCESS ? handle_new(be, id, objectIDLen, flags, object) : res;
}

TEE_Result TEE_GetObjectInfo1(TEE_ObjectHandle object, TEE_ObjectInfo *info)
{
	size_t size;
	TEE_Result res;

	if (!handle_ok(object))
		return TEE_ERROR_BAD_PARAMETERS;
	res = size_of(object, &size);
	if (res != TEE_SUCCESS)
		return res;
	memset(info, 0, sizeof(*info));
	info->objectType = 0xA00000BF; /* TEE_TYPE_DATA */
	info->dataSize = size;
	info->dataPosition = object->pos;
	info->handleFlags = object->flags | 0x00010000; /* TEE_HANDLE_FLAG_PERSISTENT */
	return TEE_SUCCESS;
}

TEE_Result TEE_ReadObjectData(TEE_ObjectHandle object, void *buffer, size_t size, size_t *count)
{
	size_t have;
	TEE_Result res;

	*count = 0;
	if (!handle_ok(object) || !(object->flags & TEE_DATA_FLAG_ACCESS_READ))
		return TEE_ERROR_BAD_PARAMETERS;
	res = size_of(object, &have);
	if (res != TEE_SUCCESS || object->pos >= have)
		return res;
	size_t n = have - object->pos < size ? have - object->pos : size;
	res = object->be->read(object->id, object->idlen, object->pos, buffer, n);
	if (res == TEE_SUCCESS) {
		object->pos += n;
		*count = n;
	}
	return res;
}

/* The object becomes its first keep bytes, then len bytes of data at pos
 * (zeros between), stored in one call. */
static TEE_Result rewrite(TEE_ObjectHandle o, size_t keep, size_t pos, const void *data, size_t len)
{
	size_t have;
	TEE_Result res = size_of(o, &have);

	if (res != TEE_SUCCESS)
		return res;
	if (keep > have)
		keep = have;
	size_t total = pos + len > keep ? pos + len : keep;
	if (pos > PAL_OBJ_MAX || len > PAL_OBJ_MAX - pos || total > PAL_OBJ_MAX)
		return TEE_ERROR_OVERFLOW;
	uint8_t *buf = malloc(total ? total : 1);
	memset(buf, 0, total);
	res = keep ? o->be->read(o->id, o->idlen, 0, buf, keep) : TEE_SUCCESS;
	if (res == TEE_SUCCESS) {
		memcpy(buf + pos, data, len);
		res = o->be->put(o->id, o->idlen, buf, total, 0);
	}
	pal_wipe(buf, total);
	free(buf);
	return res;
}

TEE_Result TEE_WriteObjectData(TEE_ObjectHandle object, const void *buffer, size_t size)
{
	TEE_Result res;

	if (!handle_ok(object) || !(object->flags & TEE_DATA_FLAG_ACCESS_WRITE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = rewrite(object, SIZE_MAX, object->pos, buffer, size);
	if (res == TEE_SUCCESS)
		object->pos += size;
	return res;
}

TEE_Result TEE_TruncateObjectData(TEE_ObjectHandle object, size_t size)
{
	if (!handle_ok(object) || !(object->flags & TEE_DATA_FLAG_ACCESS_WRITE))
		return TEE_ERROR_BAD_PARAMETERS;
	return rewrite(object, size, size, NULL, 0);
}

TEE_Result TEE_SeekObjectData(TEE_ObjectHandle object, intmax_t offset, TEE_Whence whence)
{
	size_t size;
	intmax_t base;

	if (!handle_ok(object))
		return TEE_ERROR_BAD_PARAMETERS;
	if (whence == TEE_DATA_SEEK_SET) {
		base = 0;
	} else if (whence == TEE_DATA_SEEK_CUR) {
		base = (intmax_t)object->pos;
	} else if (whence == TEE_DATA_SEEK_END) {
		TEE_Result res = size_of(object, &size);
		if (res != TEE_SUCCESS)
			return res;
		base = (intmax_t)size;
	} else {
		return TEE_ERROR_BAD_PARAMETERS;
	}
	if (offset > (intmax_t)PAL_OBJ_MAX - base)
		return TEE_ERROR_OVERFLOW;
	object->pos = base + offset < 0 ? 0 : (size_t)(base + offset);
	return TEE_SUCCESS;
}

void TEE_CloseObject(TEE_ObjectHandle object)
{
	if (handle_ok(object))
		object->used = 0;
}

TEE_Result TEE_CloseAndDeletePersistentObject1(TEE_ObjectHandle object)
{
	TEE_Result res;

	if (!handle_ok(object) || !(object->flags & TEE_DATA_FLAG_ACCESS_WRITE_META))
		return TEE_ERROR_BAD_PARAMETERS;
	res = object->be->del(object->id, object->idlen);
	object->used = 0;
	return res;
}

TEE_Result TEE_RenamePersistentObject(TEE_ObjectHandle object, const void *newObjectID,
				      size_t newObjectIDLen)
{
	uint8_t id[PAL_OBJ_ID_MAX];
	TEE_Result res;

	if (!handle_ok(object) || !(object->flags & TEE_DATA_FLAG_ACCESS_WRITE_META) ||
	    !newObjectIDLen || newObjectIDLen > PAL_OBJ_ID_MAX)
		return TEE_ERROR_BAD_PARAMETERS;
	memcpy(id, newObjectID, newObjectIDLen);
	res = object->be->rename(object->id, object->idlen, id, newObjectIDLen);
	if (res == TEE_SUCCESS) {
		memcpy(object->id, id, newObjectIDLen);
		object->idlen = newObjectIDLen;
	}
	return res;
}

TEE_Result TEE_AllocatePersistentObjectEnumerator(TEE_ObjectEnumHandle *objectEnumerator)
{
	for (unsigned i = 0; i < sizeof(enums) / sizeof(enums[0]); i++)
		if (!enums[i].used) {
			memset(&enums[i], 0, sizeof(enums[i]));
			enums[i].used = 1;
			*objectEnumerator = &enums[i];
			return TEE_SUCCESS;
		}
	*objectEnumerator = TEE_HANDLE_NULL;
	return TEE_ERROR_OUT_OF_MEMORY;
}

void TEE_FreePersistentObjectEnumerator(TEE_ObjectEnumHandle objectEnumerator)
{
	if (objectEnumerator)
		objectEnumerator->used = 0;
}

void TEE_ResetPersistentObjectEnumerator(TEE_ObjectEnumHandle objectEnumerator)
{
	if (objectEnumerator)
		objectEnumerator->started = 0;
}

TEE_Result TEE_StartPersistentObjectEnumerator(TEE_ObjectEnumHandle objectEnumerator,
					       uint32_t storageID)
{
	if (storageID == TEE_STORAGE_PRIVATE_REE)
		return TEE_ERROR_NOT_SUPPORTED; /* (the normal world's directory: not listed) */
	if (!objectEnumerator || storageID != TEE_STORAGE_PRIVATE)
		return TEE_ERROR_BAD_PARAMETERS;
	objectEnumerator->started = 1;
	objectEnumerator->next = 0;
	return TEE_SUCCESS;
}

/* The objects in the STK's order; one deleted meanwhile may make the walk
 * skip one, as GlobalPlatform allows. */
TEE_Result TEE_GetNextPersistentObject(TEE_ObjectEnumHandle objectEnumerator,
				       TEE_ObjectInfo *objectInfo, void *objectID,
				       size_t *objectIDLen)
{
	struct pal_obj_info info;
	TEE_Result res;

	if (!objectEnumerator || !objectEnumerator->started)
		return TEE_ERROR_ITEM_NOT_FOUND;
	res = pal_sys_obj_enum(objectEnumerator->next, &info);
	if (res != TEE_SUCCESS)
		return res;
	objectEnumerator->next++;
	if (objectInfo) {
		memset(objectInfo, 0, sizeof(*objectInfo));
		objectInfo->objectType = 0xA00000BF;
		objectInfo->dataSize = info.size;
	}
	memcpy(objectID, info.id, info.idlen);
	*objectIDLen = info.idlen;
	return TEE_SUCCESS;
}
