/* Secure tiny kernel (S-EL1). */
#ifndef STK_H
#define STK_H
#include <board.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tzv/limits.h>
#include <tzv/measure.h>
#include <tzv/optee.h>
#include <tzv/pal-abi.h>
#include <tzv/spinlock.h>

/* Arguments of an SMC as the monitor hands them over (x0..x7), and the
 * results (a[0..3]) the STK gives back. */
struct smc_args {
	uint64_t a[8];
};

#define STK_STACK_SIZE 8192
/* Per-vTEE capacities (a VM's configured limits are at most these) are
 * lib/include/tzv/limits.h's TZV_TEE_MAX_*; storage is the STK's own. */
#define STK_MAX_OBJECTS 16 /* the small objects kept for the vTEE's life */
/* a signed PAL file: header, an image of at most PAL_MAX_MEM, signature */
#define LOAD_MAX_PAGES	(PAL_MAX_MEM / 4096U + 2U)
#define STK_OBJECT_SIZE PAL_STORE_MAX
/* an instance's translation tables: L1, L2, L3 of its memory, L3 of each
 * parameter window */
#define PAL_TABLE_PAGES (3U + PAL_NUM_PARAMS)
#define STK_LOG_BUDGET	64     /* console lines one vTEE may cause */
#define STK_SLICE_US	10000U /* a PAL's time slice before the normal world runs */

/* A PAL's saved registers while it is not on a CPU. */
struct pal_ctx {
	uint64_t x[31];
	uint64_t sp, pc, spsr;
	uint64_t fpsr, fpcr;
	uint64_t q[64]; /* v0..v31, 128 bits each */
};

/* A buffer the VM registered (REGISTER_SHM): its physical pages, copied. */
struct shm {
	bool in_use;
	unsigned busy; /* calls in flight that map it */
	uint64_t cookie;
	uint64_t offset; /* of the data in the first page */
	uint64_t size;
	uint64_t npages;
	uint64_t pages[TZV_TEE_MAX_SHM_PAGES];
};

/* A PAL's image: the platform's (built into the STK, signer all zero) or
 * one a VM loaded and the STK checked (registered in that VM's vTEE). */
struct pal_image {
	const struct pal_header *hdr;
	uint64_t size;
	char name[sizeof(((struct pal_header *)0)->name) + 1]; /* NUL-terminated for the console */
	uint8_t signer[32];				       /* SHA-256 of the signer's key */
	uint8_t measurement[32]; /* SHA-256 of the signed file's header and image */
	uint32_t version, svn;
	uint8_t *mem; /* the registered file, npages of secure memory */
	unsigned npages;
};

struct pta;

struct session {
	bool in_use;
	bool dead; /* its PAL instance faulted */
	bool busy; /* a call is running on it */
	uint32_t id;
	const struct pal_image *pal; /* NULL for a pseudo-PAL */
	const struct pta *pta;
	struct pal_ctx ctx;
	/* the instance's secure memory: its arena (mem_size, then the parameter
	 * page), then its PAL_TABLE_PAGES translation tables */
	uint8_t *arena;
	uint64_t *tables;
	unsigned pages;
	unsigned asid;
	unsigned mapped[PAL_NUM_PARAMS]; /* pages mapped in each window */
};

enum call_state { CALL_FREE = 0, CALL_RUNNING, CALL_PREEMPTED, CALL_RPC };

/* A PAL being loaded for an OPEN_SESSION through the normal world's
 * tee-supplicant (loader.c), one RPC at a time. */
enum load_phase { LOAD_ALLOC = 1, LOAD_SIZE, LOAD_SHM, LOAD_READ, LOAD_SHM_FREE, LOAD_FREE };
/* The normal world's buffers a call talks to its tee-supplicant through
 * (rpc.c): an RPC argument (RPC_ALLOC) and a buffer (SHM_ALLOC), each page
 * checked to be the VM's own. */
struct rpc_bufs {
	uint64_t rpc_pa, rpc_cookie;
	uint64_t shm_cookie, shm_offset;
	unsigned npages;
	uint64_t pages[LOAD_MAX_PAGES];
};

struct rpc_arg {
	struct optee_msg_arg hdr;
	struct optee_msg_param p[OPTEE_RPC_ARG_PARAMS];
};

struct load {
	enum load_phase phase;
	uint32_t error; /* once something failed: the open ends with it */
	uint8_t uuid[16];
	uint64_t size; /* of the file */
	struct rpc_bufs b;
	uint8_t *file; /* the copy in secure memory */
	unsigned file_pages;
};

/* A PAL's REE-FS request in flight (reefs.c), one RPC at a time. */
enum ree_phase {
	REE_IDLE = 0,
	REE_ALLOC,
	REE_SHM,
	REE_OPENED,
	REE_MOVED,
	REE_CLOSED,
	REE_SHM_FREE,
	REE_FREE
};
struct ree {
	enum ree_phase phase;
	uint32_t error;
	uint64_t va;		/* the request in the PAL's memory */
	struct pal_ree_req req; /* its copy */
	uint64_t fd;
	struct rpc_bufs b;
};

/* A yielding call in flight: the message (copied from the normal world) and
 * where its results go. */
struct call {
	enum call_state state;
	uint32_t token; /* a3 of the RPC that suspended it */
	uint64_t arg_pa;
	struct optee_msg_arg *msg; /* the message page, mapped while the call lasts */
	unsigned slot;		   /* where: its page of the STK's normal-world window */
	struct optee_msg_arg hdr;
	struct optee_msg_param params[OPTEE_MSG_MAX_PARAMS];
	struct session *sess;
	struct shm *shm[PAL_NUM_PARAMS]; /* registered buffers it maps */
	unsigned first;			 /* index of the first GP parameter */
	bool open;			 /* an OPEN_SESSION */
	/* last: a call's start clears what comes before (call.c) */
	struct load load;
	struct ree ree;
};

struct object {
	bool in_use;
	uint8_t owner[16];  /* the PAL's UUID */
	uint8_t signer[32]; /* and who signed it (zero: the platform) */
	uint32_t id;
	uint32_t len;
	uint8_t data[STK_OBJECT_SIZE];
};

/* Trusted storage (store.c): where each of the VM's objects is in the
 * secure flash, and its owner. */
#define STORE_MAX_OBJECTS 32 /* per VM, all its PALs together */
struct store_obj {
	bool used;
	uint8_t idlen;
	uint8_t uuid[16], signer[32];
	uint8_t id[PAL_OBJ_ID_MAX];
	uint8_t bind[32]; /* the vm_images it is bound to, or zeros */
	uint32_t at;	  /* its data's offset in FLASH_STORE */
	uint32_t len;
};

struct store {
	bool loaded;
	bool tail_bad; /* the log ends in a cut record: compact before appending */
	unsigned bank;
	uint32_t gen;
	uint32_t head; /* where the next record goes */
	uint32_t live; /* the bytes the objects' records take (the budget counts them) */
	struct store_obj obj[STORE_MAX_OBJECTS];
};

/* One virtual TEE per normal-world client (a VM); the hypervisor creates
 * and destroys them. */
struct vtee {
	bool in_use;
	uint32_t client;
	unsigned index;
	const struct partmap_vm *part; /* its VM in the signed partition map */
	unsigned max_sessions, max_shm, max_shm_pages, max_pals;
	/* its range of the secure memory pool (pages.c), and how much is used */
	unsigned secure_first, secure_pages, secure_used;
	uint32_t next_id;
	unsigned log_budget;
	struct session sess[TZV_TEE_MAX_SESSIONS];
	struct shm shm[TZV_TEE_MAX_SHM];
	struct call call[TZV_TEE_MAX_CALLS];
	struct object obj[STK_MAX_OBJECTS];
	struct store store;
	struct pal_image reg[TZV_TEE_MAX_PALS]; /* the PALs it loaded */
	/* measured boot: the VM's PCRs, and what it extended at run time */
	char vm_name[16];
	uint32_t starts;
	uint8_t pcr[PCR_COUNT][32];
	uint8_t vm_images[32]; /* SHA-256 of PCRs 8-10 at its start (store.c binds to it) */
	struct measure_log runtime;
};

/* A pseudo-PAL: a service inside the STK reached like a PAL. */
struct pta {
	uint8_t uuid[16];
	uint32_t (*invoke)(struct vtee *t, struct call *c, uint32_t func);
};

/* arch: CPU setup and traps (cpu.c), translation tables (mmu.c), the
 * secure timer, counter and RNDR (timer.c), assembly (entry.S) */
void stk_cpu_init(void);
bool el0_trap_is_syscall(void);
void el0_trap_syndrome(uint64_t *esr, uint64_t *far);
void stk_fp_poison(void);
void stk_gic_cpu_init(void);
void stk_mmu_init_tables(void);
void stk_mmu_enable(void);
void stk_exit(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3) __attribute__((noreturn));
void pal_enter(struct pal_ctx *ctx) __attribute__((noreturn));
void pal_tables_init(struct session *s);
int pal_map_window(struct session *s, unsigned w, const uint64_t *pages, uint64_t n, bool write);
void pal_unmap_windows(struct session *s);
void pal_tables_switch(const struct session *s);
void pal_tables_wipe(struct session *s);
void *ns_map(uint64_t pa, uint64_t len); /* the STK's window on normal-world pages */
void ns_unmap(void);
void *ns_map_call(unsigned slot, uint64_t pa);
void ns_unmap_call(unsigned slot);
void secure_timer_arm(uint32_t us);
void secure_timer_stop(void);
void secure_timer_ack(void);
uint64_t stk_time_us(void);
bool stk_random(void *buf, size_t len);
uint64_t stk_monitor_call(uint32_t fid, uint64_t a1);

/* core, floor by floor: each file uses only those listed before it. A
 * call touches its own vTEE's state only, under that vTEE's lock; state
 * shared by vTEEs needs a leaf lock of its own (vtee.c). */
/* pages.c: secure memory in pages, from each vTEE's own range */
void *pages_alloc(struct vtee *t, unsigned n);
void pages_free(struct vtee *t, void *p, unsigned n);
void pages_release_all(struct vtee *t);
/* palfile.c: the checks of a PAL image and of a signed PAL file */
const char *pal_header_error(const struct pal_header *h, uint64_t size);
const char *pal_file_check(const uint8_t *file, uint64_t len, const uint8_t uuid[16],
			   const struct pal_signers *signers, uint8_t measurement[32]);
/* images.c: the PAL images, built in or registered by a vTEE */
void pal_registry_init(void);
struct pal_image *pal_find(struct vtee *t, const uint8_t uuid[16]);
struct pal_image *pal_register(struct vtee *t, uint8_t *file, unsigned npages,
			       const uint8_t measurement[32]);
const struct pal_image *pal_attest(void);
unsigned pal_registered(const struct vtee *t);
unsigned pal_sessions(const struct vtee *t, const struct pal_image *pal); /* its open sessions */
void pal_unregister(struct vtee *t, struct pal_image *p);
unsigned pal_device_uuids(uint8_t *out, unsigned max);
/* instance.c: a session's PAL instance and its memory */
bool pal_instance_create(struct vtee *t, struct session *s);
void pal_instance_destroy(struct vtee *t, struct session *s);
struct pal_params *pal_params_of(const struct session *s);
void *user_buf(struct session *s, uint64_t va, uint64_t len, bool write);
/* vtee.c: the vTEEs and their session and buffer records, a lock each */
extern spinlock_t stk_minima_lock; /* a leaf: nothing is taken while it is held */
struct vtee *vtee_slot(uint32_t client);
struct vtee *vtee_of_client(uint32_t client);
void vtee_lock(struct vtee *t);
void vtee_unlock_held(void);
bool stk_locks_held(void);
struct vtee *vtee_alloc(uint32_t client);
bool vtee_holds(struct vtee *t, uint64_t pa, uint64_t len, bool message);
void vtee_free(struct vtee *t);
void vtee_log(struct vtee *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct session *session_alloc(struct vtee *t);
struct session *session_find(struct vtee *t, uint32_t id);
void session_free(struct vtee *t, struct session *s);
struct shm *shm_find(struct vtee *t, uint64_t cookie);
void shm_write(const struct shm *m, uint64_t offs, const void *src, uint64_t len);
void shm_read(const struct shm *m, uint64_t offs, void *dst, uint64_t len);
/* call.c: a yielding call's life and its message parameters */
void stk_leave(uint64_t a0) __attribute__((noreturn));
uint32_t call_token(const struct vtee *t, const struct call *c);
struct call *call_of_token(struct vtee *t, uint32_t token);
void call_suspend(struct vtee *t, struct call *c, enum call_state why, uint32_t func, uint64_t a1,
		  uint64_t a2) __attribute__((noreturn));
struct call *call_start(struct vtee *t, uint64_t pa, uint32_t ncmds);
void call_finish(struct call *c, uint32_t ret, uint32_t origin) __attribute__((noreturn));
uint32_t msg_params_to_pal(struct vtee *t, struct call *c, struct pal_params *pp,
			   struct session *s);
void msg_params_from_pal(struct call *c, const struct pal_params *pp);
/* attest.c: measured boot per vTEE, the attestation system calls */
void attest_init(const uint64_t secret[4]);
int vtee_measure(struct vtee *t);
uint32_t vtee_extend(struct vtee *t, uint32_t pcr, const uint8_t digest[32], const void *event,
		     uint32_t size);
uint64_t sys_derive(struct vtee *t, struct session *s, const uint64_t *x);
uint64_t sys_pcr_read(struct vtee *t, struct session *s, const uint64_t *x);
uint64_t sys_pcr_extend(struct vtee *t, struct session *s, const uint64_t *x);
uint64_t sys_eventlog(struct vtee *t, struct session *s, const uint64_t *x);
uint64_t sys_identity(struct vtee *t, struct session *s, const uint64_t *x);
uint64_t sys_statement(struct vtee *t, struct session *s, const uint64_t *x);
/* store.c: trusted storage in the secure flash; results are TEEC codes */
uint32_t store_put(struct vtee *t, const struct pal_image *p, const void *id, uint64_t idlen,
		   const void *data, uint64_t len, uint32_t flags);
uint32_t store_info(struct vtee *t, const struct pal_image *p, const void *id, uint64_t idlen,
		    uint64_t *size);
uint32_t store_read(struct vtee *t, const struct pal_image *p, const void *id, uint64_t idlen,
		    uint64_t off, void *dst, uint64_t len);
uint32_t store_delete(struct vtee *t, const struct pal_image *p, const void *id, uint64_t idlen);
uint32_t store_rename(struct vtee *t, const struct pal_image *p, const void *id, uint64_t idlen,
		      const void *to, uint64_t tolen);
uint32_t store_enum(struct vtee *t, const struct pal_image *p, uint64_t index,
		    struct pal_obj_info *out);
/* syscall.c: a PAL's system calls */
uint64_t syscall_dispatch(struct vtee *t, struct session *s, uint64_t nr);
/* rpc.c: RPCs to the normal world's tee-supplicant, for a call */
void rpc_suspend(struct vtee *t, struct call *c, uint32_t func, uint64_t a)
    __attribute__((noreturn));
void rpc_command(struct vtee *t, struct call *c, const struct rpc_bufs *b,
		 const struct rpc_arg *arg) __attribute__((noreturn));
void rpc_answer(const struct rpc_bufs *b, struct rpc_arg *arg);
void rpc_shm_arg(struct rpc_arg *arg, uint32_t cmd, uint64_t b);
bool rpc_take_arg(struct vtee *t, struct rpc_bufs *b, const uint64_t a[6]);
bool rpc_take_buffer(struct vtee *t, struct rpc_bufs *b, const struct optee_msg_param *p,
		     uint64_t size);
void rpc_buffer_read(const struct rpc_bufs *b, uint64_t off, void *dst, uint64_t len);
void rpc_buffer_write(const struct rpc_bufs *b, uint64_t off, const void *src, uint64_t len);
/* reefs.c: a PAL's files in its VM's file system, through tee-supplicant */
uint64_t reefs_start(struct vtee *t, struct call *c, uint64_t va);
uint64_t reefs_resume(struct vtee *t, struct call *c, const uint64_t a[6]);
/* run.c: running a PAL instance at S-EL0, and what ends its run */
void pal_run(struct vtee *t, struct call *c, uint32_t op, uint32_t func) __attribute__((noreturn));
void pal_resume(struct vtee *t, struct call *c) __attribute__((noreturn));
void pal_syscall_done(struct vtee *t, struct call *c, uint64_t result) __attribute__((noreturn));
void session_open(struct vtee *t, struct call *c, const struct pta *pta, struct pal_image *pal)
    __attribute__((noreturn));
/* loader.c: loading a PAL through the normal world's tee-supplicant */
void loader_start(struct vtee *t, struct call *c, const uint8_t uuid[16]) __attribute__((noreturn));
struct pal_image *loader_registered(struct vtee *t, struct call *c, struct pal_image *pal);
void loader_resume(struct vtee *t, struct call *c, const uint64_t a[6]) __attribute__((noreturn));
/* pta.c: pseudo-PALs */
const struct pta *pta_find(const uint8_t uuid[16]);
/* std.c, fast.c: the SMC entries (through tee/arch/entry.S) */
void stk_fast_smc(struct smc_args *args);
void stk_std_smc(struct smc_args *args) __attribute__((noreturn));

#endif
