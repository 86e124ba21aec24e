/* The secure flash at run time. Its last sector holds the anti-rollback
 * record (docs/secure-boot.md): the platform's minimum security version,
 * and one for each PAL (signer and UUID) the STK has loaded. It is read
 * once at boot into SRAM and written back whole when a minimum rises.
 * FLASH_STORE is the trusted-storage region, whose records the STK keeps
 * (docs/storage.md): the monitor only reads, programs and erases it on the
 * STK's request, and nothing else of the flash. While the flash is being
 * programmed nothing may read it: the monitor runs from SRAM (linker.ld),
 * every CPU has left the reset stub (mon_in_sram), after boot nothing
 * reads the flash (the manifest is copied, boot.c), and every run-time
 * access holds flash_lock. */
#include <mon.h>
#include <tzv/console.h>
#include <tzv/measure.h>
#include <tzv/smccc.h>
#include <tzv/spinlock.h>
#include <tzv/string.h>
#include <tzv/sysreg.h>

#define NV_MAGIC     0x3143564e565a54ULL /* "TZVNVC1": the platform's minimum */
#define NV_PAL_MAGIC 0x3150564e565a54ULL /* "TZVNVP1": the PALs' */

struct nv_pal {
	uint8_t uuid[16];
	uint8_t signer[32];
	uint32_t min, check; /* check = ~min */
};

struct nv_record {
	uint64_t magic;
	uint32_t min, check;
	uint64_t pal_magic;
	uint32_t pal_count, pal_check;
	struct nv_pal pal[PAL_MINIMA_MAX];
};
_Static_assert(sizeof(struct nv_record) % 4 == 0 && sizeof(struct nv_record) <= FLASH_SECTOR,
	       "the record is words of one sector");

static struct nv_record nv;
static spinlock_t flash_lock;
static struct measure_area *const area = (struct measure_area *)MEASURE_BASE;
static const struct nv_record *const flash_record =
    (const void *)(SECURE_FLASH_BASE + FLASH_NV_COUNTER);

/* What the STK reads: each PAL's minimum, in the measurement area. */
static void publish(void)
{
	struct pal_minima *m = &area->pal_minima;

	memset(m, 0, sizeof(*m));
	m->count = nv.pal_count;
	for (uint32_t i = 0; i < nv.pal_count; i++) {
		memcpy(m->e[i].uuid, nv.pal[i].uuid, 16);
		memcpy(m->e[i].signer, nv.pal[i].signer, 32);
		m->e[i].min = nv.pal[i].min;
	}
}

/* At boot, before anything is checked against it: an erased or foreign
 * sector is all zero minima; an entry that fails its check is dropped. */
void nv_load(void)
{
	memcpy(&nv, flash_record, sizeof(nv));
	if (nv.magic != NV_MAGIC || nv.check != ~nv.min)
		nv.magic = NV_MAGIC, nv.min = 0, nv.check = ~0U;
	uint32_t n = 0;
	if (nv.pal_magic == NV_PAL_MAGIC && nv.pal_check == ~nv.pal_count &&
	    nv.pal_count <= PAL_MINIMA_MAX)
		for (uint32_t i = 0; i < nv.pal_count; i++)
			if (nv.pal[i].check == ~nv.pal[i].min)
				nv.pal[n++] = nv.pal[i];
	memset(&nv.pal[n], 0, (PAL_MINIMA_MAX - n) * sizeof(nv.pal[0]));
	nv.pal_magic = NV_PAL_MAGIC;
	nv.pal_count = n;
	nv.pal_check = ~n;
	publish();
}

uint32_t nv_platform_min(void)
{
	return nv.min;
}

/* The record into the flash, and back to compare; 0 or the flash status. */
static int write_back(void)
{
	if (!psci_wait_all_in_sram()) {
		pr("anti-rollback: a CPU still runs from the flash: not programming it\n");
		return -1;
	}
	uint64_t at = SECURE_FLASH_BASE + FLASH_NV_COUNTER;
	int err = flash_erase(at);
	if (!err)
		err = flash_program(at, (const uint32_t *)&nv, sizeof(nv) / 4);
	return err ? err : memcmp(flash_record, &nv, sizeof(nv)) ? -1 : 0;
}

/* The platform's minimum never goes down. */
void nv_platform_raise(uint32_t svn)
{
	spin_lock(&flash_lock);
	uint32_t cur = nv.min;
	if (svn > cur) {
		nv.min = svn;
		nv.check = ~svn;
		int err = write_back();
		if (err)
			pr("anti-rollback: WARNING: could not store the minimum %u (flash status "
			   "0x%x)\n",
			   svn, err);
		else
			pr("anti-rollback: minimum security version raised from %u to %u\n", cur,
			   svn);
	}
	spin_unlock(&flash_lock);
}

/* A PAL's minimum rises to svn (the STK loads it); TZV_PAL_SVN_OK, TZV_PAL_SVN_FULL when
 * the record has no room for another PAL, TZV_PAL_SVN_FLASH when it is not stored
 * (then the minimum in SRAM has not risen either). */
uint32_t nv_pal_raise(const uint8_t uuid[16], const uint8_t signer[32], uint32_t svn)
{
	uint32_t r = TZV_PAL_SVN_OK;

	spin_lock(&flash_lock);
	uint32_t i = 0;
	while (i < nv.pal_count &&
	       (memcmp(nv.pal[i].uuid, uuid, 16) || memcmp(nv.pal[i].signer, signer, 32)))
		i++;
	if (i == PAL_MINIMA_MAX) {
		r = TZV_PAL_SVN_FULL;
	} else if (i == nv.pal_count || svn > nv.pal[i].min) {
		struct nv_pal was = nv.pal[i];
		uint32_t count = nv.pal_count;
		memcpy(nv.pal[i].uuid, uuid, 16);
		memcpy(nv.pal[i].signer, signer, 32);
		nv.pal[i].min = svn;
		nv.pal[i].check = ~svn;
		if (i == nv.pal_count)
			nv.pal_check = ~++nv.pal_count;
		if (write_back()) {
			nv.pal[i] = was;
			nv.pal_count = count;
			nv.pal_check = ~count;
			r = TZV_PAL_SVN_FLASH;
		} else {
			publish();
			pr("anti-rollback: PAL %02x%02x%02x%02x-...-%02x%02x: minimum security "
			   "version %u\n",
			   uuid[0], uuid[1], uuid[2], uuid[3], uuid[14], uuid[15], svn);
		}
	}
	spin_unlock(&flash_lock);
	return r;
}

/* TZV_STK_SVC_PAL_SVN: the STK is trusted, so a request outside its memory
 * is a bug and halts. */
void nv_stk_pal_svn(struct mon_cpu *c)
{
	uint64_t pa = c->sec.gp.x[1];

	if (pa < STK_BASE || pa > STK_BASE + STK_SIZE - sizeof(struct stk_pal_svn) || (pa & 7U))
		panic("STK: PAL security version request at 0x%lx\n", (unsigned long)pa);
	const struct stk_pal_svn *r = (const void *)(uintptr_t)pa;
	c->sec.gp.x[0] = (uint64_t)nv_pal_raise(r->uuid, r->signer, r->svn);
}

/* One request in the trusted-storage region, under flash_lock. */
static uint32_t flash_op(const struct stk_flash_req *r)
{
	uint64_t at = SECURE_FLASH_BASE + FLASH_STORE + r->offset;
	void *buf = (void *)(uintptr_t)r->buf;
	int err;

	if (r->op == STK_FLASH_READ) {
		memcpy(buf, (const void *)(uintptr_t)at, r->len);
		return 0;
	}
	if (!psci_wait_all_in_sram()) {
		pr("trusted storage: a CPU still runs from the flash: not programming it\n");
		return TZV_FLASH_FAILED;
	}
	if (r->op == STK_FLASH_ERASE)
		err = flash_erase(at);
	else
		err = flash_program(at, buf, r->len / 4);
	if (err)
		pr("trusted storage: flash status 0x%x at offset 0x%x\n", err, r->offset);
	return err ? TZV_FLASH_FAILED : 0;
}

/* TZV_STK_SVC_FLASH: the STK is trusted, but it reaches only the storage
 * region (never the images secure boot checks), with buffers in its own
 * memory; a request outside them is refused. */
void nv_stk_flash(struct mon_cpu *c)
{
	uint64_t pa = c->sec.gp.x[1];

	if (pa < STK_BASE || pa > STK_BASE + STK_SIZE - sizeof(struct stk_flash_req) || (pa & 7U))
		panic("STK: flash request at 0x%lx\n", (unsigned long)pa);
	struct stk_flash_req r = *(const struct stk_flash_req *)(uintptr_t)pa;
	bool erase = r.op == STK_FLASH_ERASE;
	uint64_t end =
	    (uint64_t)r.offset + (erase ? FLASH_SECTOR : r.len); /* (not the sector after) */
	bool ok = r.op <= STK_FLASH_ERASE && !(r.offset & 3U) && end <= FLASH_STORE_SIZE &&
		  (erase ? !(r.offset % FLASH_SECTOR)
			 : !(r.len & 3U) && r.buf >= STK_BASE && r.len <= STK_SIZE &&
			       r.buf - STK_BASE <= STK_SIZE - r.len);
	if (!ok) {
		pr("trusted storage: refused a request (op %u, offset 0x%x, %u bytes)\n", r.op,
		   r.offset, r.len);
		c->sec.gp.x[0] = TZV_FLASH_BAD;
		return;
	}
	spin_lock(&flash_lock);
	c->sec.gp.x[0] = flash_op(&r);
	spin_unlock(&flash_lock);
}
