/* Fuzz target: the monitor's secure boot of the signed manifest and the
 * partition map (monitor/core/boot.c secure_boot: check_manifest,
 * find_kind, check_comp, check_signers, measure/log_event; and
 * monitor/core/partition.c partmap_install: map_error, vm_error), then the
 * hypervisor's TZV_SIP_VERIFY_VM (smc_sip, verify_vm).
 *
 * boot.c and partition.c are compiled here by #include, so that their
 * static state (the CPU -> VM table, the manifest pointer) can be reset
 * between inputs; nothing of them is copied. The secure SRAM and a 64 MiB
 * window of normal-world RAM are mapped at their real addresses; the
 * flash is an array (shim/manifest_flash.c), SECURE_FLASH_BASE its address.
 *
 * Input: struct head, then the manifest bytes (head.manifest_len of them,
 * written at FLASH_MANIFEST), the partition map (head.partmap_len, at
 * FLASH_PARTMAP) and the PAL signer list (the rest, at FLASH_SIGNERS).
 * A random manifest never carries the root key's signature, so with
 * MODE_RESIGN the target signs it as tzv-sign manifest would (the build's
 * root key, with as signature the stand-in shim/sigstub.c accepts); MODE_FIXHASH first sets each
 * component's SHA-256 to that of the bytes at its place, so the checks behind the hashes run too.
 * Signed manifests are shaped to fit the mapped memory (normal-world
 * components inside the RAM window, at most 4 KiB each, as are the STK
 * image and the flash's components; flash addresses moved to the host's
 * flash). */
#define _GNU_SOURCE /* mmap's MAP_FIXED_NOREPLACE */
#include <board.h>
#undef SECURE_FLASH_BASE
extern char fuzz_flash[]; /* shim/manifest_flash.c */
#define SECURE_FLASH_BASE ((uintptr_t)fuzz_flash)

#include "../../monitor/core/boot.c"
#include "../../monitor/core/partition.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "shim/fuzz.h"

#define MODE_RESIGN  1U
#define MODE_FIXHASH 2U
#define MODE_VERIFY  4U /* then the hypervisor asks to verify VM head.vm */

struct head {
	uint8_t mode;
	uint8_t cpus; /* the CPUs the GIC found, 1..4 */
	uint16_t manifest_len, partmap_len, unused;
	uint32_t nv_min; /* the platform's anti-rollback minimum */
	uint32_t vm;
};

#define RAM_WINDOW (64UL << 20)
#define SIGNED_MAX 0x1000U /* a signed component's size (hashing limits the runs) */

static uint8_t root_pub[65];
static uint32_t nv_min;

/* ---- the monitor's other files, as boot.c calls them -------------------- */

/* nv.c (the anti-rollback record, in the flash): a minimum from the input */
void nv_load(void)
{
}
uint32_t nv_platform_min(void)
{
	return nv_min;
}
void nv_platform_raise(uint32_t svn)
{
	(void)svn;
}
/* mmu.c: the STK's image reaches instruction fetches */
void mmu_sync_code(const void *p, uint64_t len)
{
	(void)p;
	(void)len;
}
/* fp.S: the normal world's FP registers around the crypto */
void fp_save(struct fp_ctx *fp)
{
	memset(fp, 0, sizeof(*fp));
}
void fp_restore(const struct fp_ctx *fp)
{
	(void)fp;
}

static void map_fixed(uintptr_t base, size_t size)
{
	void *p = mmap((void *)base, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)base) {
		fprintf(stderr, "fuzz_manifest: cannot map 0x%lx\n", (unsigned long)base);
		exit(1);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fuzz_build_file("keys/root.pub", root_pub, 65) != 65) {
		fprintf(stderr, "fuzz_manifest: build/keys/root.pub missing (make first)\n");
		exit(1);
	}
	if (getenv("FUZZ_VERBOSE"))
		console_init(1, "monitor: ");
	map_fixed(SECURE_SRAM_BASE, SECURE_SRAM_SIZE);
	map_fixed(RAM_BASE, RAM_WINDOW);
	return 0;
}

static bool mapped(uint64_t base, uint64_t size)
{
	return (base >= RAM_BASE && size <= RAM_WINDOW && base - RAM_BASE <= RAM_WINDOW - size) ||
	       (base >= SECURE_FLASH_BASE && size <= SECURE_FLASH_SIZE &&
		base - SECURE_FLASH_BASE <= SECURE_FLASH_SIZE - size);
}

/* What the platform owner could sign, within what the host maps. */
static void shape_and_sign(uint8_t *flash_manifest, uint8_t mode)
{
	struct manifest_header *h = (void *)flash_manifest;
	struct manifest_comp *c = (void *)(h + 1);
	uint32_t n = h->count < MANIFEST_MAX_COMPS ? h->count : MANIFEST_MAX_COMPS;

	for (uint32_t i = 0; i < n; i++) {
		if (c[i].kind == COMP_STK && c[i].size <= STK_SIZE)
			c[i].size %= SIGNED_MAX;
		else if (c[i].load < SECURE_FLASH_SIZE) { /* the flash's addresses, on the host */
			c[i].load += SECURE_FLASH_BASE;
			if (c[i].size > SIGNED_MAX)
				c[i].size %= SIGNED_MAX;
		} else if (c[i].load >= RAM_BASE) {
			if (c[i].size > SIGNED_MAX)
				c[i].size %= SIGNED_MAX;
			if (!mapped(c[i].load, c[i].size))
				c[i].load = RAM_BASE + c[i].load % (RAM_WINDOW - SIGNED_MAX);
		}
		if (mode & MODE_FIXHASH) {
			/* the STK is hashed where it is copied to, from the flash */
			uint64_t at = c[i].kind == COMP_STK && c[i].load == STK_BASE
					  ? SECURE_FLASH_BASE + FLASH_STK_IMAGE
					  : c[i].load;
			if (mapped(at, c[i].size))
				sha256((const void *)(uintptr_t)at, c[i].size, c[i].sha256);
		}
	}
	/* signed as tzv-sign does: the header and the components, then the key */
	uint64_t signed_size = h->signed_size;
	if (signed_size > MANIFEST_BYTES - sizeof(struct manifest_sig))
		return;
	struct manifest_sig *s = (void *)(flash_manifest + signed_size);
	uint8_t digest[32];
	memcpy(s->root_pub, root_pub, sizeof(root_pub));
	sha256(flash_manifest, signed_size, digest);
	fuzz_sig_standin(s->sig, digest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct head hd;
	uint8_t *flash = (uint8_t *)(uintptr_t)SECURE_FLASH_BASE;

	fuzz_bytes(&in, &hd, sizeof(hd));
	nv_min = hd.nv_min;
	memset(flash + FLASH_MANIFEST, 0, FLASH_MANIFEST_MAX);
	memset(flash + FLASH_PARTMAP, 0, sizeof(struct partmap));
	memset(flash + FLASH_SIGNERS, 0, sizeof(struct pal_signers));
	fuzz_bytes(&in, flash + FLASH_MANIFEST,
		   hd.manifest_len < MANIFEST_BYTES ? hd.manifest_len : MANIFEST_BYTES);
	fuzz_bytes(&in, flash + FLASH_PARTMAP,
		   hd.partmap_len < sizeof(struct partmap) ? hd.partmap_len
							   : sizeof(struct partmap));
	fuzz_bytes(&in, flash + FLASH_SIGNERS, sizeof(struct pal_signers));
	if (hd.mode & MODE_RESIGN)
		shape_and_sign(flash + FLASH_MANIFEST, hd.mode);

	/* a fresh boot: partition.c's CPU table, boot.c's manifest */
	memset(cpu_vm, 0, sizeof(cpu_vm));
	memset(cpu_client, 0, sizeof(cpu_client));
	map = NULL;
	manifest = NULL;
	uint64_t stk_size = 0;
	FUZZ_TRY(stk_size = secure_boot(1U + (hd.cpus & 3U)));
	if (!stk_size)
		return 0; /* the boot stopped (a panic) */
	if (stk_size > STK_SIZE || !area->map.nvms || area->map.nvms > TZV_MAX_VMS)
		abort(); /* a boot that went on with what it must have refused */
	if (hd.mode & MODE_VERIFY) {
		struct mon_cpu cpu;
		memset(&cpu, 0, sizeof(cpu));
		cpu.cur = &cpu.ns;
		cpu.ns.gp.x[1] = hd.vm;
		FUZZ_TRY(smc_sip(&cpu, TZV_SIP_VERIFY_VM));
	}
	return 0;
}
