/* Secure boot and measured boot formats shared by the monitor and the STK
 * (docs/secure-boot.md): the signed manifest, and the measurement records
 * the monitor keeps for the STK. */
#ifndef TZV_MEASURE_H
#define TZV_MEASURE_H
#include <board.h>
#include <stdint.h>
#include <tzv/limits.h>
#include <tzv/partition.h>

#define MANIFEST_MAGIC	   "TZVMAN1"
#define MANIFEST_VERSION   1U
#define MANIFEST_MAX_COMPS 64U
#define COMP_NAME_MAX	   32U

enum comp_kind {
	COMP_STK = 1,
	COMP_HYP,
	COMP_CONFIG,
	COMP_KERNEL,
	COMP_INITRD,
	COMP_DTB,
	COMP_PARTMAP, /* platform components, like the first three */
	COMP_SIGNERS
};

/* The secure service providers the platform owner authorizes to sign PALs
 * (docs/pal-abi.md): SHA-256 of each one's public key. A signed component
 * in the secure flash, measured into PCR 3 with the list as event data. */
#define SIGNERS_MAGIC "TZVSIGN"
struct pal_signers {
	char magic[8];
	uint32_t version; /* 1 */
	uint32_t count;
	uint8_t key[TZV_MAX_SIGNERS][32];
};

struct manifest_header {
	char magic[8];
	uint32_t version;
	uint32_t count;
	uint32_t signed_size;
	uint32_t reserved[3];
};

struct manifest_comp {
	char name[COMP_NAME_MAX];
	uint8_t sha256[32];
	uint64_t size;
	uint64_t load;
	uint32_t svn;
	uint32_t kind;
	uint32_t vm;
	uint32_t pcr;
	uint8_t reserved[16];
};

struct manifest_sig {
	uint8_t root_pub[65];
	uint8_t pad[3];
	uint8_t sig[64];
};

_Static_assert(sizeof(struct manifest_header) == 32, "manifest header layout");
_Static_assert(sizeof(struct manifest_comp) == 112, "manifest component layout");
_Static_assert(sizeof(struct manifest_sig) == 132, "manifest signature layout");

/* TCG event log bits (PC Client PFP) */
#define PCR_COUNT	  24U
#define PCR_VM_FIRST	  8U
#define PCR_VM_LAST	  15U
#define PCR_PALS	  12U /* the STK's: each PAL the VM loaded, in order */
#define EV_NO_ACTION	  0x3U
#define EV_POST_CODE	  0x1U
#define EV_EVENT_TAG	  0x6U
#define EV_IPL		  0xDU
#define TPM_ALG_SHA256	  0x000BU
#define MEASURE_LOG_MAX	  16384U
#define MEASURE_EVENT_MAX 256U

/* The event of a PAL's registration in PCR_PALS (EV_EVENT_TAG); its digest
 * is the PAL's measurement. */
#define PAL_EVENT_MAGIC "TZVPALE"
struct pal_event {
	char magic[8];
	uint8_t uuid[16];
	char name[16];
	uint32_t version, svn;
	uint8_t signer[32];
};

/* TCG_PCR_EVENT2 records with one SHA-256 digest, back to back. */
struct measure_log {
	uint32_t len;
	uint32_t count;
	uint8_t data[MEASURE_LOG_MAX];
};

struct measure_vm {
	uint32_t starts;   /* times the monitor verified this VM's images */
	uint32_t verified; /* the records below belong to the VM's current start */
	char name[16];
	struct measure_log log;
};

#define MEASURE_MAGIC 0x3153414d56545aULL /* "ZTVMAS1" */
/* Each loaded PAL's anti-rollback minimum, as the secure flash keeps it:
 * the monitor's copy for the STK (nv.c). */
#define PAL_MINIMA_MAX 64U
struct pal_minima {
	uint32_t count;
	uint32_t reserved;
	struct {
		uint8_t uuid[16];
		uint8_t signer[32];
		uint32_t min, reserved;
	} e[PAL_MINIMA_MAX];
};

/* TZV_STK_SVC_PAL_SVN's request: this PAL's minimum rises to svn. */
struct stk_pal_svn {
	uint8_t uuid[16];
	uint8_t signer[32];
	uint32_t svn, reserved;
};

/* TZV_STK_SVC_FLASH's request: offset and len (multiples of 4) within
 * FLASH_STORE; buf in the STK's memory; ERASE takes one whole sector. */
enum { STK_FLASH_READ, STK_FLASH_PROGRAM, STK_FLASH_ERASE };
struct stk_flash_req {
	uint32_t op;
	uint32_t offset;
	uint32_t len, reserved;
	uint64_t buf;
};

struct measure_area {
	uint64_t magic;
	struct measure_log platform;
	struct measure_vm vm[TZV_MAX_VMS];
	struct partmap map;	    /* the signed partition map, as the monitor checked it */
	struct pal_signers signers; /* and the PAL signers */
	struct pal_minima pal_minima;
};

_Static_assert(sizeof(struct measure_area) <= MEASURE_SIZE, "measurement area too big");

#endif
