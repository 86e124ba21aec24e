/* The PAL ABI (docs/pal-abi.md): what the STK and the PAL runtime share. */
#ifndef TZV_PAL_ABI_H
#define TZV_PAL_ABI_H

#define PAL_PAGE_SIZE	 4096
#define PAL_VA_BASE	 0x100000000UL
#define PAL_WINDOW	 0x200000UL /* one memory reference's window */
#define PAL_VA_MEMREF(i) (PAL_VA_BASE + ((uint64_t)(i) + 1U) * PAL_WINDOW)
#define PAL_MAX_MEM	 0x3F000 /* with the parameter page, 256 KiB */
#define PAL_MAGIC	 "TZVPAL1"
#define PAL_FLAG_DEVICE	 (1U << 0)
#define PAL_FLAG_ATTEST	 (1U << 1) /* may extend PCRs (docs/secure-boot.md) */
#define PAL_NUM_PARAMS	 4U

/* entry operations (x0); CLOSE is reserved: the STK ends an instance
 * without entering it */
#define PAL_OP_OPEN   0
#define PAL_OP_INVOKE 1
#define PAL_OP_CLOSE  2

/* system calls (svc #0, number in x8) and their limits */
#define PAL_SYS_RETURN	  0
#define PAL_SYS_PANIC	  1
#define PAL_SYS_LOG	  2
#define PAL_SYS_RANDOM	  3
#define PAL_SYS_TIME	  4
#define PAL_SYS_STORE_PUT 5
#define PAL_SYS_STORE_GET 6
#define PAL_LOG_MAX	  256
#define PAL_RANDOM_MAX	  4096
#define PAL_STORE_MAX	  512

/* the attestation system calls (docs/secure-boot.md) and their limits */
#define PAL_SYS_DERIVE	       7
#define PAL_SYS_PCR_READ       8
#define PAL_SYS_PCR_EXTEND     9
#define PAL_SYS_EVENTLOG       10
#define PAL_SYS_IDENTITY       11
#define PAL_SYS_STATEMENT      12
#define PAL_DERIVE_VM	       (1U << 0) /* SYS_DERIVE flag: bound to the VM too */
#define PAL_DERIVE_MEASUREMENT (1U << 1) /* and to the PAL's exact measurement */
#define PAL_DERIVE_LABEL_MAX   64
#define PAL_EXTEND_EVENT_MAX   256
#define PAL_NUM_PCRS	       24

/* trusted storage in the secure flash (docs/storage.md): objects named by
 * up to 64 bytes, each written whole and atomically */
#define PAL_SYS_OBJ_PUT	   13 /* (id, idlen, buf, len, flags) */
#define PAL_SYS_OBJ_READ   14 /* (id, idlen, offset, buf, len) */
#define PAL_SYS_OBJ_INFO   15 /* (id, idlen, uint64_t *size) */
#define PAL_SYS_OBJ_DELETE 16 /* (id, idlen) */
#define PAL_SYS_OBJ_RENAME 17 /* (id, idlen, new id, new idlen) */
#define PAL_SYS_OBJ_ENUM   18 /* (index, struct pal_obj_info *) */
#define PAL_OBJ_ID_MAX	   64
#define PAL_OBJ_MAX	   65536U
#define PAL_OBJ_EXCLUSIVE  (1U << 0) /* OBJ_PUT: fail if the object exists */
/* OBJ_PUT: only while the VM runs the images it runs now (its PCRs 8-10
 * at its start: kernel, initrd, device tree) can the object be read,
 * replaced or deleted; it stays so bound */
#define PAL_OBJ_BIND_VM (1U << 1)

/* files in the VM's own file system through its tee-supplicant (REE FS,
 * docs/storage.md): what the normal world keeps for a PAL, which the PAL
 * encrypts and authenticates itself; the call waits for the normal world */
#define PAL_SYS_REE_FS	 19 /* (struct pal_ree_req *) */
#define PAL_REE_NAME_MAX 48 /* [A-Za-z0-9._-], not starting with '.' */
#define PAL_REE_FILE_MAX (PAL_OBJ_MAX + 128U)
#define PAL_REE_PUT	 0
#define PAL_REE_GET	 1
#define PAL_REE_REMOVE	 2
#define PAL_REE_RENAME	 3

#ifndef __ASSEMBLER__
#include <stdint.h>

/* SYS_REE_FS's request: PUT writes len bytes from data as the file name
 * (replacing it), GET reads it into data (len: room in, bytes out), REMOVE
 * deletes it, RENAME moves it to to (replacing that) */
struct pal_ree_req {
	uint32_t op;
	uint32_t len;
	uint64_t data;
	char name[PAL_REE_NAME_MAX];
	char to[PAL_REE_NAME_MAX];
};

/* SYS_OBJ_ENUM's result: the index-th object of the calling PAL */
struct pal_obj_info {
	uint32_t idlen, size;
	uint8_t id[PAL_OBJ_ID_MAX];
};

struct pal_header {
	char magic[8];
	uint8_t uuid[16];
	char name[16];
	uint32_t flags;
	uint32_t reserved0;
	uint32_t entry;
	uint32_t text_size;
	uint32_t image_size;
	uint32_t bss_size;
	uint32_t mem_size;
	uint32_t stack_size;
	uint64_t reserved1;
};

/* A signed PAL file (docs/pal-abi.md, "Signed PAL files"): this header,
 * the PAL image (image_size bytes, starting with its struct pal_header),
 * then struct pal_file_sig. The signature is ECDSA P-256 by the signer's
 * key over SHA-256 of the header and the image; a PAL's measurement is that
 * digest. All integers are little-endian. */
#define PAL_FILE_MAGIC	 "TZVPALF"
#define PAL_FILE_VERSION 1U

struct pal_file_header {
	char magic[8];
	uint32_t version;     /* PAL_FILE_VERSION */
	uint32_t header_size; /* sizeof(struct pal_file_header) */
	uint8_t uuid[16];     /* = the image's, RFC 4122 octet order */
	char name[16];	      /* = the image's */
	uint32_t pal_version;
	uint32_t svn;	     /* security version: refused below the stored minimum */
	uint32_t image_size; /* = the image's pal_header.image_size */
	uint32_t mem_size;   /* = the image's pal_header.mem_size */
	uint8_t signer[32];  /* SHA-256 of the signer's public key */
	uint8_t reserved[32];
};

struct pal_file_sig {
	uint8_t pub[65]; /* the signer's public key, 0x04 || X || Y */
	uint8_t pad[3];
	uint8_t sig[64]; /* r || s */
};

_Static_assert(sizeof(struct pal_file_header) == 128, "PAL file header layout");
_Static_assert(sizeof(struct pal_file_sig) == 132, "PAL file signature layout");

/* The PAL manager pseudo-PAL, a7e1f0c1-7a76-4c30-9a00-70616c6d6772
 * (docs/pal-abi.md): a VM lists the PALs its vTEE registered and unloads
 * them. LIST: p0 MEMREF_OUTPUT, one struct pal_info per PAL (a NULL or short
 * buffer learns the size). UNLOAD: p0 MEMREF_INPUT, the UUID (16 bytes). */
#define PALMGR_CMD_LIST	  0U
#define PALMGR_CMD_UNLOAD 1U

struct pal_info {
	uint8_t uuid[16];
	char name[16];
	uint32_t version, svn;
	uint8_t signer[32];	 /* SHA-256 of its signer's public key */
	uint8_t measurement[32]; /* SHA-256 of its file's header and image */
	uint32_t mem_size;	 /* what each of its instances needs */
	uint32_t sessions;	 /* open now */
	uint32_t secure_pages;	 /* what its registration holds */
	uint32_t reserved;
};

/* GlobalPlatform parameter types */
#define PAL_PARAM_NONE		0U
#define PAL_PARAM_VALUE_INPUT	1U
#define PAL_PARAM_VALUE_OUTPUT	2U
#define PAL_PARAM_VALUE_INOUT	3U
#define PAL_PARAM_MEMREF_INPUT	5U
#define PAL_PARAM_MEMREF_OUTPUT 6U
#define PAL_PARAM_MEMREF_INOUT	7U

struct pal_param {
	uint32_t type;
	uint32_t pad;
	union {
		struct {
			uint32_t a, b;
		} value;
		struct {
			uint64_t buf; /* 0: a NULL memref */
			uint64_t size;
		} mem;
	} u;
};

struct pal_params {
	struct pal_param p[PAL_NUM_PARAMS];
	uint32_t login;		 /* the client's login method (OPEN) */
	uint8_t client_uuid[16]; /* the identity the normal world claimed (OPEN) */
};

/* SYS_STATEMENT's result: what the STK vouches for about the calling PAL,
 * over data the PAL chose, with a MAC only the attestation PAL of the same
 * VM can check (its SYS_DERIVE of PAL_STATEMENT_LABEL, VM-bound); that PAL
 * signs it with the device key (ATTEST_CMD_CERTIFY_PAL, secure-boot.md). */
#define PAL_STATEMENT_MAGIC    "TZVPALS"
#define PAL_STATEMENT_DATA_MAX 64U
#define PAL_STATEMENT_LABEL    "PAL statement"
struct pal_statement {
	char magic[8];
	char vm[16];		 /* the VM's name, NUL-padded */
	uint8_t uuid[16];	 /* the PAL's */
	uint8_t signer[32];	 /* SHA-256 of its signer's key; zero: built in */
	uint8_t measurement[32]; /* of its signed file; zero: built in */
	uint32_t data_len;
	uint32_t reserved;
	uint8_t data[PAL_STATEMENT_DATA_MAX];
};
struct pal_statement_token {
	struct pal_statement s;
	uint8_t mac[32]; /* HMAC-SHA256 of s */
};
_Static_assert(sizeof(struct pal_statement) == 176, "PAL statement layout");
_Static_assert(sizeof(struct pal_statement_token) == 208, "PAL statement token layout");

/* SYS_IDENTITY's result */
struct pal_identity {
	char vm[16];	 /* the VM's name, NUL-padded */
	uint32_t client; /* the client (VM) index */
	uint32_t starts; /* how many times this VM has started */
};

#endif /* __ASSEMBLER__ */
#endif
