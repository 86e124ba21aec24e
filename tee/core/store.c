/* Trusted storage in the secure flash (docs/storage.md): each VM's objects,
 * each bound to the PAL (signer and UUID) that wrote it, kept in the VM's
 * sectors of FLASH_STORE, which the monitor reads and programs for the STK
 * and no one else reaches.
 *
 * A VM has two banks. The one in use is a log: a header, then records
 * appended one after another (an object written whole, a deletion, a
 * renaming), each carrying the SHA-256 of itself, so that a record cut by
 * a power loss fails its check and the object keeps its previous value.
 * When the bank is full the live objects are copied into the other bank,
 * which counts only once its header's commit word is programmed, last;
 * until then the old bank stays as it was. A flash sector is erased only
 * then: an update costs its record, not a rewrite of the region.
 *
 * The vTEE keeps an index of its VM's objects (where each one's data is),
 * read from the flash at its first storage call; its lock (vtee.c) covers
 * it, the monitor's flash lock the flash. */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/cpu.h>
#include <tzv/crypto.h>
#include <tzv/smccc.h>
#include <tzv/string.h>

#define BANK_MAGIC 0x0031425453565a54ULL /* "TZVSTB1" */
#define REC_MAGIC  0x50565a54U		 /* "TZVP" */
#define ERASED	   0xffffffffU
#define CHUNK	   4096U

struct bank_header {
	uint64_t magic;
	uint32_t gen, sectors;
	uint8_t vm_id[16]; /* the partition map's store_id of the VM it belongs to */
	uint32_t reserved[7];
	uint32_t commit; /* ~gen, programmed last: until then the bank does not count */
};
_Static_assert(sizeof(struct bank_header) == 64, "the bank header's layout");

enum { REC_PUT = 1, REC_DELETE, REC_RENAME };

struct record {
	uint32_t magic;
	uint16_t kind, idlen;
	uint32_t len; /* the bytes that follow: the data, or a renaming's new id */
	uint32_t reserved;
	uint8_t uuid[16], signer[32];
	uint8_t id[PAL_OBJ_ID_MAX];
	uint8_t bind[32]; /* PAL_OBJ_BIND_VM: the VM's images it is bound to, else zeros */
	uint8_t hash[32]; /* SHA-256 of the header before it and of the bytes that follow */
};
_Static_assert(sizeof(struct record) == 192 && sizeof(struct record) % 4 == 0,
	       "the record's layout");

static uint8_t bounce[BOARD_MAX_CPUS][CHUNK] __attribute__((aligned(8)));

static uint32_t align4(uint32_t n)
{
	return (n + 3U) & ~3U;
}

static uint32_t rec_size(uint32_t len)
{
	return (uint32_t)sizeof(struct record) + align4(len);
}

/* One monitor request (TZV_STK_SVC_FLASH); buf is in the STK's memory. */
static bool flash(uint32_t op, uint32_t offset, void *buf, uint32_t len)
{
	struct stk_flash_req r = {.op = op, .offset = offset, .len = len, .buf = (uintptr_t)buf};

	return stk_monitor_call(TZV_STK_SVC_FLASH, (uintptr_t)&r) == 0;
}

static uint32_t bank_off(const struct vtee *t, unsigned b)
{
	return (t->part->store_first + b * t->part->store_sectors) * (uint32_t)FLASH_SECTOR;
}

static uint32_t bank_end(const struct vtee *t)
{
	return bank_off(t, t->store.bank) + t->part->store_sectors * (uint32_t)FLASH_SECTOR;
}

/* Where len bytes come from: memory, or the flash at offset at. */
struct source {
	const uint8_t *mem;
	uint32_t at;
};

/* Feeds len bytes of src to h, or (h NULL) programs them at dst, through
 * this CPU's bounce buffer; a partial last word is padded as erased. */
static bool stream(const struct source *src, uint32_t len, struct sha256 *h, uint32_t dst)
{
	uint8_t *b = bounce[cpu_index() % BOARD_MAX_CPUS];

	for (uint32_t done = 0; done < len;) {
		uint32_t n = len - done < CHUNK ? len - done : CHUNK;
		if (src->mem)
			memcpy(b, src->mem + done, n);
		else if (!flash(STK_FLASH_READ, src->at + done, b, align4(n)))
			return false;
		if (h) {
			sha256_update(h, b, n);
		} else {
			memset(b + n, 0xff, align4(n) - n);
			if (!flash(STK_FLASH_PROGRAM, dst + done, b, align4(n)))
				return false;
		}
		done += n;
	}
	return true;
}

static bool record_hash(const struct record *r, const struct source *src, uint8_t out[32])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, r, offsetof(struct record, hash));
	if (!stream(src, r->len, &h, 0))
		return false;
	sha256_final(&h, out);
	return true;
}

static void record_fill(struct record *r, unsigned kind, const struct store_obj *o, uint32_t len)
{
	memset(r, 0, sizeof(*r));
	r->magic = REC_MAGIC;
	r->kind = (uint16_t)kind;
	r->idlen = o->idlen;
	r->len = len;
	memcpy(r->uuid, o->uuid, 16);
	memcpy(r->signer, o->signer, 32);
	memcpy(r->id, o->id, PAL_OBJ_ID_MAX);
	memcpy(r->bind, o->bind, 32);
}

/* A record (its hash filled here) and the bytes after it, at offset at. */
static bool record_write(struct record *r, const struct source *src, uint32_t at)
{
	return record_hash(r, src, r->hash) && flash(STK_FLASH_PROGRAM, at, r, sizeof(*r)) &&
	       stream(src, r->len, NULL, at + (uint32_t)sizeof(*r));
}

static struct store_obj *find(struct vtee *t, const struct store_obj *key)
{
	for (unsigned i = 0; i < STORE_MAX_OBJECTS; i++) {
		struct store_obj *o = &t->store.obj[i];
		if (o->used && o->idlen == key->idlen && !memcmp(o->id, key->id, key->idlen) &&
		    !memcmp(o->uuid, key->uuid, 16) && !memcmp(o->signer, key->signer, 32))
			return o;
	}
	return NULL;
}

static struct store_obj *free_slot(struct vtee *t)
{
	for (unsigned i = 0; i < STORE_MAX_OBJECTS; i++)
		if (!t->store.obj[i].used)
			return &t->store.obj[i];
	return NULL;
}

static bool bank_erase(struct vtee *t, unsigned b)
{
	for (uint32_t k = 0; k < t->part->store_sectors; k++)
		if (!flash(STK_FLASH_ERASE, bank_off(t, b) + k * (uint32_t)FLASH_SECTOR, NULL,
			   FLASH_SECTOR))
			return false;
	return true;
}

static bool is_bound(const struct store_obj *o)
{
	static const uint8_t unbound[32];

	return memcmp(o->bind, unbound, 32) != 0;
}

/* Bound to the images of another start of the VM (a changed kernel,
 * initrd or device tree): not to be read, replaced or deleted now. */
static bool bound_elsewhere(const struct vtee *t, const struct store_obj *o)
{
	return is_bound(o) && memcmp(o->bind, t->vm_images, 32);
}

/* Erases bank b and writes its header, not yet committed. */
static bool bank_start(struct vtee *t, unsigned b, uint32_t gen)
{
	struct bank_header h = {.magic = BANK_MAGIC, .gen = gen, .commit = ERASED};

	h.sectors = t->part->store_sectors;
	memcpy(h.vm_id, t->part->store_id, 16);
	return bank_erase(t, b) && flash(STK_FLASH_PROGRAM, bank_off(t, b), &h, sizeof(h));
}

static bool bank_commit(struct vtee *t, unsigned b, uint32_t gen)
{
	uint32_t c = ~gen;

	return flash(STK_FLASH_PROGRAM, bank_off(t, b) + offsetof(struct bank_header, commit), &c,
		     4);
}

/* The live objects into the other bank, then that bank is the one. */
static bool compact(struct vtee *t)
{
	struct store *st = &t->store;
	unsigned nb = 1U - st->bank;
	uint32_t at = bank_off(t, nb) + (uint32_t)sizeof(struct bank_header);
	uint32_t moved[STORE_MAX_OBJECTS] = {0};

	if (!bank_start(t, nb, st->gen + 1U))
		return false;
	for (unsigned i = 0; i < STORE_MAX_OBJECTS; i++) {
		const struct store_obj *o = &st->obj[i];
		struct source src = {.at = o->at};
		struct record r;
		if (!o->used)
			continue;
		record_fill(&r, REC_PUT, o, o->len);
		if (!record_write(&r, &src, at))
			return false;
		moved[i] = at + (uint32_t)sizeof(r);
		at += rec_size(o->len);
	}
	if (!bank_commit(t, nb, st->gen + 1U))
		return false;
	for (unsigned i = 0; i < STORE_MAX_OBJECTS; i++)
		st->obj[i].at = moved[i];
	st->bank = nb;
	st->gen++;
	st->head = at;
	st->tail_bad = false;
	/* the flash's wear, visible: each compaction erases one bank */
	pr("vTEE %u: trusted storage compacted: %u bytes kept, %u sectors erased (bank %u, "
	   "generation %u)\n",
	   t->client, at - bank_off(t, nb), t->part->store_sectors, nb, st->gen);
	return true;
}

/* A record of size n can go at the head: room made if need be. */
static bool make_room(struct vtee *t, uint32_t n)
{
	struct store *st = &t->store;

	if (!st->tail_bad && st->head + n <= bank_end(t))
		return true;
	if (!compact(t)) {
		pr("vTEE %u: trusted storage: the flash could not be compacted\n", t->client);
		st->tail_bad = true;
		return false;
	}
	return st->head + n <= bank_end(t);
}

/* One record of the log, checked, into the index. */
static bool replay(struct vtee *t, const struct record *r, uint32_t at)
{
	struct store *st = &t->store;
	struct source src = {.at = at + (uint32_t)sizeof(*r)};
	struct store_obj key = {.idlen = (uint8_t)r->idlen};
	uint8_t hash[32];

	if (r->magic != REC_MAGIC || !r->idlen || r->idlen > PAL_OBJ_ID_MAX ||
	    r->len > PAL_OBJ_MAX || at + rec_size(r->len) > bank_end(t) ||
	    (r->kind == REC_RENAME && (!r->len || r->len > PAL_OBJ_ID_MAX)) ||
	    !record_hash(r, &src, hash) || memcmp(hash, r->hash, 32))
		return false;
	memcpy(key.uuid, r->uuid, 16);
	memcpy(key.signer, r->signer, 32);
	memcpy(key.id, r->id, r->idlen);
	memcpy(key.bind, r->bind, 32);
	struct store_obj *o = find(t, &key);
	if (r->kind == REC_PUT) {
		if (!o && !(o = free_slot(t)))
			return false;
		if (o->used)
			st->live -= rec_size(o->len);
		*o = key;
		o->used = true;
		o->at = src.at;
		o->len = r->len;
		st->live += rec_size(r->len);
	} else if (r->kind == REC_DELETE && o) {
		st->live -= rec_size(o->len);
		o->used = false;
	} else if (r->kind == REC_RENAME && o) {
		memset(o->id, 0, sizeof(o->id));
		if (!flash(STK_FLASH_READ, src.at, o->id, align4(r->len)))
			return false;
		o->idlen = (uint8_t)r->len;
	} else {
		return false;
	}
	return true;
}

static bool bank_valid(const struct vtee *t, const struct bank_header *h)
{
	return h->magic == BANK_MAGIC && h->commit == ~h->gen &&
	       h->sectors == t->part->store_sectors && !memcmp(h->vm_id, t->part->store_id, 16);
}

/* The index from the flash: the newer committed bank of this VM, its
 * records up to the first that is not whole. None: an empty bank, after
 * wiping what another VM (or an earlier one of this name) left there. */
static bool load(struct vtee *t)
{
	struct store *st = &t->store;
	struct bank_header h[2];

	memset(st, 0, sizeof(*st)); /* (a load that failed before leaves nothing) */
	for (unsigned b = 0; b < 2; b++)
		if (!flash(STK_FLASH_READ, bank_off(t, b), &h[b], sizeof(h[b])))
			return false;
	bool v0 = bank_valid(t, &h[0]), v1 = bank_valid(t, &h[1]);
	if (!v0 && !v1) { /* both banks, so that nothing of an earlier owner stays */
		if (h[0].magic == BANK_MAGIC || h[1].magic == BANK_MAGIC)
			pr("vTEE %u: trusted storage: erasing objects no VM of this configuration "
			   "owns\n",
			   t->client);
		if (!bank_erase(t, 1) || !bank_start(t, 0, 1) || !bank_commit(t, 0, 1))
			return false;
		h[0].gen = 1;
		v0 = true;
	}
	st->bank = v0 && (!v1 || h[0].gen > h[1].gen) ? 0U : 1U;
	st->gen = h[st->bank].gen;
	uint32_t at = bank_off(t, st->bank) + (uint32_t)sizeof(struct bank_header);
	struct record r;
	while (at + sizeof(r) <= bank_end(t)) {
		if (!flash(STK_FLASH_READ, at, &r, sizeof(r)))
			return false;
		if (r.magic == ERASED)
			break;
		if (!replay(t, &r, at)) {
			pr("vTEE %u: trusted storage: a record cut short at 0x%x (a write a power "
			   "loss interrupted): the objects keep their earlier values\n",
			   t->client, at);
			st->tail_bad = true; /* its words are not erased: append after compacting */
			break;
		}
		at += rec_size(r.len);
	}
	st->head = at;
	st->loaded = true;
	return true;
}

/* The object key of the calling PAL; TEEC_SUCCESS or why not. */
static uint32_t prepare(struct vtee *t, const struct pal_image *p, const void *id, uint64_t idlen,
			struct store_obj *key)
{
	if (!idlen || idlen > PAL_OBJ_ID_MAX)
		return TEEC_ERROR_BAD_PARAMETERS;
	if (!t->part->store_budget)
		return TEEC_ERROR_STORAGE_NOT_AVAILABLE;
	if (!t->store.loaded && !load(t))
		return TEEC_ERROR_STORAGE_NOT_AVAILABLE;
	memset(key, 0, sizeof(*key));
	key->idlen = (uint8_t)idlen;
	memcpy(key->id, id, idlen);
	memcpy(key->uuid, p->hdr->uuid, 16);
	memcpy(key->signer, p->signer, 32);
	return TEEC_SUCCESS;
}

uint32_t store_put(struct vtee *t, const struct pal_image *p, const void *id, uint64_t idlen,
		   const void *data, uint64_t len, uint32_t flags)
{
	struct store *st = &t->store;
	struct store_obj key;
	uint32_t r = prepare(t, p, id, idlen, &key);

	if (r != TEEC_SUCCESS)
		return r;
	if (len > PAL_OBJ_MAX || (flags & ~(uint32_t)(PAL_OBJ_EXCLUSIVE | PAL_OBJ_BIND_VM)))
		return TEEC_ERROR_BAD_PARAMETERS;
	struct store_obj *o = find(t, &key);
	if (o && bound_elsewhere(t, o))
		return TEEC_ERROR_ACCESS_DENIED;
	if (o && (flags & PAL_OBJ_EXCLUSIVE))
		return TEEC_ERROR_ACCESS_CONFLICT;
	if ((flags & PAL_OBJ_BIND_VM) || (o && is_bound(o)))
		memcpy(key.bind, t->vm_images, 32); /* (once bound, it stays so) */
	uint32_t live = st->live - (o ? rec_size(o->len) : 0) + rec_size((uint32_t)len);
	if ((!o && !(o = free_slot(t))) || live > t->part->store_budget)
		return TEEC_ERROR_STORAGE_NO_SPACE;
	struct source src = {.mem = data};
	struct record rec;
	record_fill(&rec, REC_PUT, &key, (uint32_t)len);
	if (!make_room(t, rec_size((uint32_t)len)))
		return TEEC_ERROR_STORAGE_NO_SPACE;
	if (!record_write(&rec, &src, st->head)) {
		st->tail_bad = true;
		return TEEC_ERROR_GENERIC;
	}
	*o = key;
	o->used = true;
	o->at = st->head + (uint32_t)sizeof(rec);
	o->len = (uint32_t)len;
	st->live = live;
	st->head += rec_size((uint32_t)len);
	return TEEC_SUCCESS;
}

uint32_t store_info(struct vtee *t, const struct pal_image *p, const void *id, uint64_t idlen,
		    uint64_t *size)
{
	struct store_obj key;
	uint32_t r = prepare(t, p, id, idlen, &key);
	const struct store_obj *o = r == TEEC_SUCCESS ? find(t, &key) : NULL;

	if (r == TEEC_SUCCESS && !o)
		r = TEEC_ERROR_ITEM_NOT_FOUND;
	else if (o && bound_elsewhere(t, o))
		r = TEEC_ERROR_ACCESS_DENIED;
	else if (o)
		*size = o->len;
	return r;
}

/* len bytes of the object's data from offset off into dst. */
uint32_t store_read(struct vtee *t, const struct pal_image *p, const void *id, uint64_t idlen,
		    uint64_t off, void *dst, uint64_t len)
{
	struct store_obj key;
	uint32_t r = prepare(t, p, id, idlen, &key);
	const struct store_obj *o = r == TEEC_SUCCESS ? find(t, &key) : NULL;
	uint8_t *b = bounce[cpu_index() % BOARD_MAX_CPUS];

	if (r != TEEC_SUCCESS)
		return r;
	if (!o)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	if (bound_elsewhere(t, o))
		return TEEC_ERROR_ACCESS_DENIED;
	if (off > o->len || len > o->len - off)
		return TEEC_ERROR_BAD_PARAMETERS;
	for (uint64_t done = 0; done < len;) {
		uint32_t from = o->at + (uint32_t)(off + done), lead = from & 3U;
		uint32_t n = len - done < CHUNK - 4U ? (uint32_t)(len - done) : CHUNK - 4U;
		if (!flash(STK_FLASH_READ, from - lead, b, align4(lead + n)))
			return TEEC_ERROR_GENERIC;
		memcpy((uint8_t *)dst + done, b + lead, n);
		done += n;
	}
	return TEEC_SUCCESS;
}

/* A deletion or renaming: its record, then the index. */
static uint32_t append_change(struct vtee *t, struct store_obj *o, unsigned kind,
			      const struct store_obj *to)
{
	struct store *st = &t->store;
	struct source src = {.mem = to ? to->id : NULL};
	struct record rec;

	record_fill(&rec, kind, o, to ? to->idlen : 0);
	if (!make_room(t, rec_size(rec.len)))
		return TEEC_ERROR_STORAGE_NO_SPACE;
	if (!record_write(&rec, &src, st->head)) {
		st->tail_bad = true;
		return TEEC_ERROR_GENERIC;
	}
	st->head += rec_size(rec.len);
	if (to) {
		memcpy(o->id, to->id, sizeof(o->id));
		o->idlen = to->idlen;
	} else {
		st->live -= rec_size(o->len);
		o->used = false;
	}
	return TEEC_SUCCESS;
}

uint32_t store_delete(struct vtee *t, const struct pal_image *p, const void *id, uint64_t idlen)
{
	struct store_obj key;
	uint32_t r = prepare(t, p, id, idlen, &key);
	struct store_obj *o = r == TEEC_SUCCESS ? find(t, &key) : NULL;

	if (r != TEEC_SUCCESS)
		return r;
	if (!o)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	return bound_elsewhere(t, o) ? TEEC_ERROR_ACCESS_DENIED
				     : append_change(t, o, REC_DELETE, NULL);
}

uint32_t store_rename(struct vtee *t, const struct pal_image *p, const void *id, uint64_t idlen,
		      const void *to, uint64_t tolen)
{
	struct store_obj key, dst;
	uint32_t r = prepare(t, p, id, idlen, &key);

	if (r == TEEC_SUCCESS)
		r = prepare(t, p, to, tolen, &dst);
	if (r != TEEC_SUCCESS)
		return r;
	struct store_obj *o = find(t, &key);
	if (!o)
		return TEEC_ERROR_ITEM_NOT_FOUND;
	if (bound_elsewhere(t, o))
		return TEEC_ERROR_ACCESS_DENIED;
	if (find(t, &dst))
		return TEEC_ERROR_ACCESS_CONFLICT;
	return append_change(t, o, REC_RENAME, &dst);
}

/* The index-th object of the calling PAL, in the index's order. */
uint32_t store_enum(struct vtee *t, const struct pal_image *p, uint64_t index,
		    struct pal_obj_info *out)
{
	struct store_obj key;
	uint32_t r = prepare(t, p, "", 1, &key);

	if (r != TEEC_SUCCESS)
		return r;
	for (unsigned i = 0; i < STORE_MAX_OBJECTS; i++) {
		const struct store_obj *o = &t->store.obj[i];
		if (!o->used || memcmp(o->uuid, key.uuid, 16) ||
		    memcmp(o->signer, key.signer, 32) || bound_elsewhere(t, o))
			continue;
		if (index--)
			continue;
		memset(out, 0, sizeof(*out));
		out->idlen = o->idlen;
		out->size = o->len;
		memcpy(out->id, o->id, o->idlen);
		return TEEC_SUCCESS;
	}
	return TEEC_ERROR_ITEM_NOT_FOUND;
}
