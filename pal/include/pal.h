/* The PAL runtime's public API: what a PAL (S-EL0 program) sees. The
 * contract with the STK is docs/pal-abi.md; this header mirrors it. */
#ifndef PAL_H
#define PAL_H

#include <tzv/pal-abi.h>

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

#include "tzv-pals.h"

typedef uint32_t TEE_Result;

#define TEE_SUCCESS			0x00000000
#define TEE_ERROR_GENERIC		0xFFFF0000
#define TEE_ERROR_ACCESS_DENIED		0xFFFF0001
#define TEE_ERROR_BAD_PARAMETERS	0xFFFF0006
#define TEE_ERROR_BAD_STATE		0xFFFF0007
#define TEE_ERROR_ITEM_NOT_FOUND	0xFFFF0008
#define TEE_ERROR_NOT_SUPPORTED		0xFFFF000A
#define TEE_ERROR_OUT_OF_MEMORY		0xFFFF000C
#define TEE_ERROR_SECURITY		0xFFFF000F
#define TEE_ERROR_SHORT_BUFFER		0xFFFF0010
#define TEE_ERROR_STORAGE_NO_SPACE	0xFFFF3041
#define TEE_ERROR_ACCESS_CONFLICT	0xFFFF0003
#define TEE_ERROR_OVERFLOW		0xFFFF300F
#define TEE_ERROR_CORRUPT_OBJECT	0xF0100001
#define TEE_ERROR_STORAGE_NOT_AVAILABLE 0xF0100003

#define TEE_PARAM_TYPE_NONE	     0
#define TEE_PARAM_TYPE_VALUE_INPUT   1
#define TEE_PARAM_TYPE_VALUE_OUTPUT  2
#define TEE_PARAM_TYPE_VALUE_INOUT   3
#define TEE_PARAM_TYPE_MEMREF_INPUT  5
#define TEE_PARAM_TYPE_MEMREF_OUTPUT 6
#define TEE_PARAM_TYPE_MEMREF_INOUT  7

/* The four types packed as GlobalPlatform does, for one comparison with
 * pal_param_types(). */
#define TEE_PARAM_TYPES(t0, t1, t2, t3) ((t0) | ((t1) << 4) | ((t2) << 8) | ((t3) << 12))

/* pal_panic codes the runtime uses itself */
#define PAL_PANIC_OOM	      0x100 /* heap exhausted */
#define PAL_PANIC_STACK_SMASH 0x101 /* BearSSL's stack protector fired */
#define PAL_PANIC_FORTIFY     0x102 /* a __*_chk overflow */

_Static_assert(sizeof(struct pal_param) == 24, "pal_param is 24 bytes");
_Static_assert(offsetof(struct pal_params, login) == 96, "pal_params layout");
_Static_assert(offsetof(struct pal_params, client_uuid) == 100, "pal_params layout");
_Static_assert(sizeof(struct pal_identity) == 24, "pal_identity layout");

/* The handlers a PAL implements. pal_open and pal_close are optional (the
 * runtime has weak defaults: success, nothing). */
TEE_Result pal_open(struct pal_params *p);
TEE_Result pal_invoke(uint32_t cmd, struct pal_params *p);
void pal_close(void);

/* The part of the image header (docs/pal-abi.md) that the PAL provides; the
 * linker script appends entry and sizes. The UUID is stored big-endian, the
 * RFC 4122 octet order, straight from a TEEC_UUID initializer. */
struct __attribute__((scalar_storage_order("big-endian"))) pal_uuid_be {
	uint32_t time_low;
	uint16_t time_mid;
	uint16_t time_hi_and_version;
	uint8_t clock_seq_and_node[8];
};

struct pal_header_id {
	char magic[8];
	struct pal_uuid_be uuid;
	char name[16];
	uint32_t flags;
	uint32_t reserved;
};
_Static_assert(sizeof(struct pal_header_id) == 48, "the linker script's part starts at 48");

#define PAL_STR_(x) #x
#define PAL_STR(x)  PAL_STR_(x)
/* an absolute, global symbol for the linker script */
#define PAL_SET_SYMBOL(sym, value) ".globl " #sym "\n\t.set " #sym ", " PAL_STR(value) "\n\t"

/* Defines the PAL: name (≤ 16 chars), UUID (a TZV_UUID_* initializer),
 * flags (PAL_FLAG_*), mem_size and stack_size in bytes (page multiples, as
 * plain integer expressions the assembler can evaluate: they become the
 * absolute symbols pal/linker.ld lays out the image with). */
#define PAL_DEFINE(name_, uuid_, flags_, mem_size_, stack_size_)                                   \
	__attribute__((section(".pal_header"), used)) const struct pal_header_id pal_header = {    \
	    .magic = "TZVPAL1",                                                                    \
	    .uuid = uuid_,                                                                         \
	    .name = name_,                                                                         \
	    .flags = (flags_),                                                                     \
	};                                                                                         \
	_Static_assert((mem_size_) % PAL_PAGE_SIZE == 0 && (mem_size_) <= PAL_MAX_MEM,             \
		       "mem_size: a page multiple up to PAL_MAX_MEM");                             \
	_Static_assert((stack_size_) % PAL_PAGE_SIZE == 0 && (stack_size_) > 0,                    \
		       "stack_size: a page multiple");                                             \
	__asm__(PAL_SET_SYMBOL(__pal_mem_size, mem_size_)                                          \
		    PAL_SET_SYMBOL(__pal_stack_size, stack_size_))

/* Packs p's four types like TEE_PARAM_TYPES. */
uint32_t pal_param_types(const struct pal_params *p);

/* The raw system calls (pal/lib/syscall.S). Pointers must lie in the
 * instance's arena or parameter page, not in a memory-reference window. */
__attribute__((noreturn)) void pal_sys_return(TEE_Result res);
__attribute__((noreturn)) void pal_sys_panic(uint32_t code);
TEE_Result pal_sys_log(const char *msg, size_t len);
TEE_Result pal_sys_random(void *buf, size_t len);
uint64_t pal_sys_time(void);
TEE_Result pal_sys_store_put(uint32_t id, const void *buf, size_t len);
TEE_Result pal_sys_store_get(uint32_t id, void *buf, size_t cap, size_t *len);
/* The attestation calls (docs/secure-boot.md). derive: label ≤
 * PAL_DERIVE_LABEL_MAX bytes, flags PAL_DERIVE_*, 32 bytes to out. pcr_read:
 * 32 bytes to out. pcr_extend: digest 32 bytes, event ≤ PAL_EXTEND_EVENT_MAX
 * bytes (PCRs 8-15, PAL_FLAG_ATTEST PALs only). eventlog: the VM's whole log,
 * TEE_ERROR_SHORT_BUFFER with *len = size needed. */
TEE_Result pal_sys_derive(const void *label, size_t len, uint32_t flags, void *out);
TEE_Result pal_sys_pcr_read(uint32_t index, void *out);
TEE_Result pal_sys_pcr_extend(uint32_t index, const void *digest, const void *event, size_t len);
TEE_Result pal_sys_eventlog(void *buf, size_t cap, size_t *len);
TEE_Result pal_sys_identity(struct pal_identity *out);

/* Trusted storage (docs/storage.md): objects of up to PAL_OBJ_MAX bytes,
 * named by up to PAL_OBJ_ID_MAX bytes, kept in the secure flash for this
 * PAL (signer and UUID) in this VM; each call is atomic. */
TEE_Result pal_sys_obj_put(const void *id, size_t idlen, const void *buf, size_t len,
			   uint32_t flags);
TEE_Result pal_sys_obj_read(const void *id, size_t idlen, size_t offset, void *buf, size_t len);
TEE_Result pal_sys_obj_info(const void *id, size_t idlen, uint64_t *size);
TEE_Result pal_sys_obj_delete(const void *id, size_t idlen);
TEE_Result pal_sys_obj_rename(const void *id, size_t idlen, const void *to, size_t tolen);
TEE_Result pal_sys_obj_enum(size_t index, struct pal_obj_info *out);

/* Objects in the VM's file system through its tee-supplicant (REE FS,
 * pal/lib/reefs.c): encrypted, authenticated and versioned here, the
 * version kept in trusted storage; the same calls as above. The raw
 * transport is SYS_REE_FS (plain files in the PAL's directory). */
TEE_Result pal_sys_ree_fs(struct pal_ree_req *req);
TEE_Result pal_ree_put(const void *id, size_t idlen, const void *data, size_t len, uint32_t flags);
TEE_Result pal_ree_read(const void *id, size_t idlen, size_t off, void *buf, size_t len);
TEE_Result pal_ree_info(const void *id, size_t idlen, uint64_t *size);
TEE_Result pal_ree_delete(const void *id, size_t idlen);
TEE_Result pal_ree_rename(const void *id, size_t idlen, const void *to, size_t tolen);

/* GlobalPlatform's persistent objects (TEE Internal Core API 1.3, 5.7-5.9)
 * over those calls (pal/lib/storage.c): data only, no attributes; a write
 * or truncation rewrites the object whole, through the heap. */
#define TEE_STORAGE_PRIVATE	0x00000001
#define TEE_STORAGE_PRIVATE_REE 0x80000000 /* the VM's file system (OP-TEE's id) */
/* tzvisor's: the object only for the VM's current kernel, initrd and device
 * tree (PAL_OBJ_BIND_VM; trusted storage in the flash only) */
#define TZV_DATA_FLAG_BIND_VM		0x01000000
#define TEE_DATA_FLAG_ACCESS_READ	0x00000001
#define TEE_DATA_FLAG_ACCESS_WRITE	0x00000002
#define TEE_DATA_FLAG_ACCESS_WRITE_META 0x00000004
#define TEE_DATA_FLAG_OVERWRITE		0x00000400
#define TEE_OBJECT_ID_MAX_LEN		PAL_OBJ_ID_MAX
#define TEE_HANDLE_NULL			NULL
#define PAL_OPEN_OBJECTS		8

typedef struct pal_object *TEE_ObjectHandle;
typedef struct pal_object_enum *TEE_ObjectEnumHandle;
typedef enum { TEE_DATA_SEEK_SET, TEE_DATA_SEEK_CUR, TEE_DATA_SEEK_END } TEE_Whence;
typedef struct {
	uint32_t objectType, objectSize, maxObjectSize, objectUsage;
	size_t dataSize, dataPosition;
	uint32_t handleFlags;
} TEE_ObjectInfo;

TEE_Result TEE_CreatePersistentObject(uint32_t storageID, const void *objectID, size_t objectIDLen,
				      uint32_t flags, TEE_ObjectHandle attributes,
				      const void *initialData, size_t initialDataLen,
				      TEE_ObjectHandle *object);
TEE_Result TEE_OpenPersistentObject(uint32_t storageID, const void *objectID, size_t objectIDLen,
				    uint32_t flags, TEE_ObjectHandle *object);
TEE_Result TEE_GetObjectInfo1(TEE_ObjectHandle object, TEE_ObjectInfo *info);
TEE_Result TEE_ReadObjectData(TEE_ObjectHandle object, void *buffer, size_t size, size_t *count);
TEE_Result TEE_WriteObjectData(TEE_ObjectHandle object, const void *buffer, size_t size);
TEE_Result TEE_TruncateObjectData(TEE_ObjectHandle object, size_t size);
TEE_Result TEE_SeekObjectData(TEE_ObjectHandle object, intmax_t offset, TEE_Whence whence);
void TEE_CloseObject(TEE_ObjectHandle object);
TEE_Result TEE_CloseAndDeletePersistentObject1(TEE_ObjectHandle object);
TEE_Result TEE_RenamePersistentObject(TEE_ObjectHandle object, const void *newObjectID,
				      size_t newObjectIDLen);
TEE_Result TEE_AllocatePersistentObjectEnumerator(TEE_ObjectEnumHandle *objectEnumerator);
void TEE_FreePersistentObjectEnumerator(TEE_ObjectEnumHandle objectEnumerator);
void TEE_ResetPersistentObjectEnumerator(TEE_ObjectEnumHandle objectEnumerator);
TEE_Result TEE_StartPersistentObjectEnumerator(TEE_ObjectEnumHandle objectEnumerator,
					       uint32_t storageID);
TEE_Result TEE_GetNextPersistentObject(TEE_ObjectEnumHandle objectEnumerator,
				       TEE_ObjectInfo *objectInfo, void *objectID,
				       size_t *objectIDLen);

/* Helpers */
__attribute__((format(printf, 1, 2))) void pal_log(const char *fmt, ...);
/* Any length (split into SYS_RANDOM calls); buf in the arena. */
TEE_Result pal_random(void *buf, size_t len);
__attribute__((noreturn)) void pal_panic(uint32_t code);

static inline uint64_t pal_time_us(void)
{
	return pal_sys_time();
}

static inline TEE_Result pal_store_put(uint32_t id, const void *buf, size_t len)
{
	return pal_sys_store_put(id, buf, len);
}

static inline TEE_Result pal_store_get(uint32_t id, void *buf, size_t cap, size_t *len)
{
	return pal_sys_store_get(id, buf, cap, len);
}

/* 32 bytes derived from the device secret, this PAL's UUID, (with
 * PAL_DERIVE_VM) the VM's name, and label (a C string, copied to the stack
 * so that a literal in rodata works too). */
static inline TEE_Result pal_derive(const char *label, uint32_t flags, uint8_t out[32])
{
	char buf[PAL_DERIVE_LABEL_MAX];
	size_t len = 0;

	for (; label[len]; len++) {
		if (len == sizeof(buf))
			return TEE_ERROR_BAD_PARAMETERS;
		buf[len] = label[len];
	}
	return pal_sys_derive(buf, len, flags, out);
}

static inline TEE_Result pal_pcr_read(uint32_t index, uint8_t out[32])
{
	return pal_sys_pcr_read(index, out);
}

static inline TEE_Result pal_pcr_extend(uint32_t index, const uint8_t digest[32], const void *event,
					size_t len)
{
	return pal_sys_pcr_extend(index, digest, event, len);
}

static inline TEE_Result pal_eventlog(void *buf, size_t cap, size_t *len)
{
	return pal_sys_eventlog(buf, cap, len);
}

static inline TEE_Result pal_identity(struct pal_identity *out)
{
	return pal_sys_identity(out);
}

/* Sealing to this PAL's identity in this VM (pal/lib/seal.c): its signer,
 * UUID and VM, with PAL_SEAL_MEASUREMENT its exact measurement too. seal:
 * len bytes of data into blob (len + PAL_SEAL_OVERHEAD bytes, in the arena;
 * data may be the blob's own payload). unseal: in place; *data points into
 * blob; TEE_ERROR_SECURITY for a blob of another PAL, VM or build, or
 * changed. */
/* AES-GCM (BearSSL), in place on data: encrypt writes the 16-byte tag,
 * decrypt checks it (TEE_ERROR_SECURITY); a 12-byte nonce. */
TEE_Result pal_aes_gcm(int encrypt, const uint8_t *key, size_t key_len, const void *aad,
		       size_t aad_len, const uint8_t nonce[12], uint8_t *data, size_t len,
		       uint8_t tag[16]);
#define PAL_SEAL_MEASUREMENT PAL_DERIVE_MEASUREMENT
#define PAL_SEAL_OVERHEAD    44
TEE_Result pal_seal(uint32_t flags, const void *data, size_t len, void *blob);
TEE_Result pal_unseal(void *blob, size_t size, void **data, size_t *len);

/* The STK's statement of this PAL's identity over data (at most
 * PAL_STATEMENT_DATA_MAX bytes), MACed for the attestation PAL, which signs
 * it with the device key (ATTEST_CMD_CERTIFY_PAL). */
TEE_Result pal_sys_statement(const void *data, size_t len, struct pal_statement_token *out);

/* Bump allocator over the space between bss and the stack guard; it never
 * returns NULL (exhaustion panics). free() gives back only the newest block. */
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void free(void *ptr);

/* Zeroes secrets in a way the compiler keeps. */
void pal_wipe(void *buf, size_t len);

#endif /* __ASSEMBLER__ */
#endif
