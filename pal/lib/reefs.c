/* Objects in the VM's own file system (REE FS, docs/storage.md): the
 * normal world keeps the files, through its tee-supplicant (SYS_REE_FS),
 * and may read, change, swap, delete or roll them back; so each file is
 * AES-256-GCM under a key the STK derives for this PAL in this VM, its
 * name a keyed hash of the object id, the id and a version in the
 * authenticated header, and the version of each object also kept in the
 * secure flash (an object of this PAL's trusted storage), which the
 * normal world cannot rewind. Anything else than this PAL's latest file
 * for the id reads as TEE_ERROR_CORRUPT_OBJECT, never as data.
 *
 * A write goes to a new file that replaces the old one by renaming, then
 * the version in the flash rises: cut between the two, the newer file is
 * one version ahead, which only this PAL can have written, and counts. */
#include <bearssl.h>
#include <string.h>

#include "pal.h"

#define REE_MAGIC  "TZVREE1" /* with its NUL, 8 bytes */
#define REE_HEAD   24	     /* magic, version, length, id length: authenticated */
#define REE_NONCE  12
#define REE_TAG	   16
#define REE_EXTRA  (REE_HEAD + REE_NONCE + REE_TAG)
#define NAME_BYTES 20 /* of the keyed hash, 40 hex digits */
_Static_assert(REE_EXTRA + PAL_OBJ_MAX <= PAL_REE_FILE_MAX, "a file holds an object");

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The file's name, "o<40 hex digits>", and the name of the version kept
 * in the flash, "ree:" and the same digits. */
static TEE_Result names(const void *id, size_t idlen, struct pal_ree_req *r, char ver[45])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t key[32], mac[32];
	br_hmac_key_context kc;
	br_hmac_context hc;
	TEE_Result res = pal_derive("REE FS names", PAL_DERIVE_VM, key);

	if (res != TEE_SUCCESS)
		return res;
	br_hmac_key_init(&kc, &br_sha256_vtable, key, sizeof(key));
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, id, idlen);
	br_hmac_out(&hc, mac);
	pal_wipe(key, sizeof(key));
	memset(r, 0, sizeof(*r));
	r->name[0] = 'o';
	memcpy(ver, "ree:", 4);
	for (int i = 0; i < NAME_BYTES; i++) {
		r->name[1 + 2 * i] = ver[4 + 2 * i] = hex[mac[i] >> 4];
		r->name[2 + 2 * i] = ver[5 + 2 * i] = hex[mac[i] & 15];
	}
	ver[44] = 0;
	return TEE_SUCCESS;
}

static TEE_Result version_of(const char ver[45], uint64_t *v)
{
	uint8_t b[8];
	TEE_Result res = pal_sys_obj_read(ver, 44, 0, b, 8);

	*v = res == TEE_SUCCESS ? get_le(b, 8) : 0;
	return res;
}

static TEE_Result version_set(const char ver[45], uint64_t v)
{
	uint8_t b[8];

	put_le(b, v, 8);
	return pal_sys_obj_put(ver, 44, b, 8, 0);
}

/* AES-256-GCM of the file's body, the header and the id authenticated. */
static TEE_Result seal_file(int encrypt, uint8_t *f, const void *id, size_t idlen, size_t len)
{
	uint8_t key[32], aad[REE_HEAD + PAL_OBJ_ID_MAX];
	TEE_Result res = pal_derive("REE FS", PAL_DERIVE_VM, key);

	memset(aad, 0, sizeof(aad));
	memcpy(aad, f, REE_HEAD);
	memcpy(aad + REE_HEAD, id, idlen);
	if (res == TEE_SUCCESS)
		res = pal_aes_gcm(encrypt, key, sizeof(key), aad, sizeof(aad), f + REE_HEAD,
				  f + REE_HEAD + REE_NONCE, len, f + REE_HEAD + REE_NONCE + len);
	pal_wipe(key, sizeof(key));
	return res;
}

TEE_Result pal_ree_put(const void *id, size_t idlen, const void *data, size_t len, uint32_t flags)
{
	struct pal_ree_req r;
	char ver[45];
	uint64_t v = 0;
	TEE_Result res;

	if (!idlen || idlen > PAL_OBJ_ID_MAX || len > PAL_OBJ_MAX)
		return TEE_ERROR_BAD_PARAMETERS;
	res = names(id, idlen, &r, ver);
	if (res == TEE_SUCCESS && version_of(ver, &v) == TEE_SUCCESS && (flags & PAL_OBJ_EXCLUSIVE))
		return TEE_ERROR_ACCESS_CONFLICT;
	if (res != TEE_SUCCESS)
		return res;
	uint8_t *f = malloc(REE_EXTRA + len);
	memcpy(f, REE_MAGIC, 8);
	put_le(f + 8, v + 1, 8);
	put_le(f + 16, len, 4);
	put_le(f + 20, idlen, 4);
	memcpy(f + REE_HEAD + REE_NONCE, data, len);
	res = pal_random(f + REE_HEAD, REE_NONCE);
	if (res == TEE_SUCCESS)
		res = seal_file(1, f, id, idlen, len);
	memcpy(r.to, r.name, sizeof(r.name)); /* written as "<name>.new", then renamed */
	memcpy(r.name + 1 + 2 * NAME_BYTES, ".new", 5);
	r.op = PAL_REE_PUT;
	r.data = (uintptr_t)f;
	r.len = (uint32_t)(REE_EXTRA + len);
	if (res == TEE_SUCCESS)
		res = pal_sys_ree_fs(&r);
	r.op = PAL_REE_RENAME;
	if (res == TEE_SUCCESS)
		res = pal_sys_ree_fs(&r);
	if (res == TEE_SUCCESS)
		res = version_set(ver, v + 1);
	pal_wipe(f, REE_EXTRA + len);
	free(f);
	return res;
}

/* The object's latest contents, decrypted, on the heap (*f, free it with
 * its size *fsize); *data and *len point into it. */
static TEE_Result get(const void *id, size_t idlen, uint8_t **f, size_t *fsize, uint8_t **data,
		      size_t *len)
{
	struct pal_ree_req r;
	char ver[45];
	uint64_t v;
	TEE_Result res;

	*f = NULL;
	if (!idlen || idlen > PAL_OBJ_ID_MAX)
		return TEE_ERROR_BAD_PARAMETERS;
	res = names(id, idlen, &r, ver);
	if (res == TEE_SUCCESS)
		res = version_of(ver, &v); /* none: no such object */
	if (res != TEE_SUCCESS)
		return res;
	*f = malloc(PAL_REE_FILE_MAX);
	*fsize = PAL_REE_FILE_MAX;
	r.op = PAL_REE_GET;
	r.data = (uintptr_t)*f;
	r.len = PAL_REE_FILE_MAX;
	res = pal_sys_ree_fs(&r);
	if (res == TEE_ERROR_ITEM_NOT_FOUND) /* the normal world lost or hid it */
		return TEE_ERROR_CORRUPT_OBJECT;
	if (res != TEE_SUCCESS)
		return res;
	uint8_t *b = *f;
	size_t n = r.len;
	uint64_t fv = n >= REE_EXTRA ? get_le(b + 8, 8) : 0;
	if (n < REE_EXTRA || memcmp(b, REE_MAGIC, 8) || get_le(b + 16, 4) != n - REE_EXTRA ||
	    get_le(b + 20, 4) != idlen || seal_file(0, b, id, idlen, n - REE_EXTRA) != TEE_SUCCESS)
		return TEE_ERROR_CORRUPT_OBJECT; /* changed, another object's or PAL's or VM's */
	if (fv != v && fv != v + 1)
		return TEE_ERROR_CORRUPT_OBJECT; /* an older copy: rolled back */
	if (fv == v + 1 && version_set(ver, fv) != TEE_SUCCESS)
		return TEE_ERROR_GENERIC; /* a write cut before its version rose */
	*data = b + REE_HEAD + REE_NONCE;
	*len = n - REE_EXTRA;
	return TEE_SUCCESS;
}

static void drop(uint8_t *f, size_t fsize)
{
	if (f) {
		pal_wipe(f, fsize);
		free(f);
	}
}

TEE_Result pal_ree_info(const void *id, size_t idlen, uint64_t *size)
{
	uint8_t *f, *data;
	size_t fsize = 0, len = 0;
	TEE_Result res = get(id, idlen, &f, &fsize, &data, &len);

	*size = len;
	drop(f, fsize);
	return res;
}

TEE_Result pal_ree_read(const void *id, size_t idlen, size_t off, void *buf, size_t len)
{
	uint8_t *f, *data;
	size_t fsize = 0, have = 0;
	TEE_Result res = get(id, idlen, &f, &fsize, &data, &have);

	if (res == TEE_SUCCESS && (off > have || len > have - off))
		res = TEE_ERROR_BAD_PARAMETERS;
	if (res == TEE_SUCCESS)
		memcpy(buf, data + off, len);
	drop(f, fsize);
	return res;
}

TEE_Result pal_ree_delete(const void *id, size_t idlen)
{
	struct pal_ree_req r;
	char ver[45];
	uint64_t v;
	TEE_Result res = names(id, idlen, &r, ver);

	if (res == TEE_SUCCESS)
		res = version_of(ver, &v);
	if (res != TEE_SUCCESS)
		return res;
	r.op = PAL_REE_REMOVE;
	res = pal_sys_ree_fs(&r);
	/* gone from the flash even if the normal world kept the file: it is no
	 * object any more, and a copy of it restored later is refused */
	TEE_Result gone = pal_sys_obj_delete(ver, 44);
	return res == TEE_SUCCESS || res == TEE_ERROR_ITEM_NOT_FOUND ? gone : res;
}

/* A copy under the new id, then the old one deleted: not one step, as a
 * flash object's renaming is. */
TEE_Result pal_ree_rename(const void *id, size_t idlen, const void *to, size_t tolen)
{
	uint8_t *f, *data;
	size_t fsize = 0, len = 0;
	uint64_t size;
	TEE_Result res = pal_ree_info(to, tolen, &size);

	if (res == TEE_SUCCESS)
		return TEE_ERROR_ACCESS_CONFLICT;
	res = get(id, idlen, &f, &fsize, &data, &len);
	if (res == TEE_SUCCESS)
		res = pal_ree_put(to, tolen, data, len, PAL_OBJ_EXCLUSIVE);
	drop(f, fsize);
	return res == TEE_SUCCESS ? pal_ree_delete(id, idlen) : res;
}
