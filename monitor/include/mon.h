/* EL3 secure monitor: per-CPU state and the two worlds' saved contexts. */
#ifndef MON_H
#define MON_H
#include <board.h>
#include <stdbool.h>
#include <stdint.h>
#include <tzv/partition.h>

struct gp_ctx {
	uint64_t x[31];
	uint64_t sp_el0;
	uint64_t elr;	  /* ELR_EL3: where the world resumes */
	uint64_t spsr;	  /* SPSR_EL3 */
	uint64_t scr;	  /* SCR_EL3 while this world runs */
	uint64_t partial; /* only x0..x7 are to be restored (entry.S) */
};

/* EL1 system registers: not banked by security state, so the monitor
 * keeps across a world switch those the secure side can change (world.c). */
struct el1_ctx {
	uint64_t sctlr, cpacr, ttbr0, tcr, mair, vbar, tpidr_el0, tpidr_el1, sp_el1;
	uint64_t elr_el1, spsr_el1, esr_el1, far_el1, cntkctl;
};

struct fp_ctx {
	uint64_t q[64]; /* q0..q31, two words each */
	uint64_t fpsr, fpcr;
};

struct world {
	struct gp_ctx gp;
	struct el1_ctx el1;
	struct fp_ctx fp;
};

enum psci_state { CPU_OFF = 0, CPU_ON_PENDING, CPU_ON };

struct mon_cpu {
	struct world *cur; /* the world that entered EL3 / will be resumed */
	uint64_t stack_top;
	unsigned idx;
	volatile enum psci_state state;
	uint64_t ns_entry, ns_context; /* from CPU_ON */
	bool ns_fp_saved;	       /* the secure side used FP: the normal world's is in ns.fp */
	bool ns_el1_fast;	       /* in a fast call: ns.el1 holds only what it changes */
	struct world ns, sec;
};

/* What the STK told the monitor at its initialisation (arch/world.c). */
struct stk_entries {
	uint64_t fast_smc;
	uint64_t cpu_on;
	uint64_t std_smc;
};
extern struct stk_entries stk_entry;

/* arch: the CPU (cpu.c), its MMU (mmu.c), the board (plat.c), assembly (entry.S, fp.S,
 * flash.S) */
/* per-CPU stack: BearSSL's ECDSA check runs on it at boot */
#define MON_STACK_BYTES 16384U

void cpu_arch_init(struct mon_cpu *c);
void mmu_enable(void); /* the EL3 identity map (mmu.c), on this CPU */
void mmu_sync_code(const void *p, uint64_t len);
void el3_exit(void) __attribute__((noreturn));
void fp_save(struct fp_ctx *fp);
void fp_restore(const struct fp_ctx *fp);
int flash_erase(uint64_t sector);
int flash_program(uint64_t addr, const uint32_t *src, uint64_t words);
unsigned gic_init_distributor(void); /* returns the number of CPUs present */
void gic_init_cpu(void);
void gic_send_wake(unsigned idx);
void gic_wait_wake(void);
void platform_power_off(void) __attribute__((noreturn));
void platform_reset(void) __attribute__((noreturn));

/* world switch (arch/world.c) */
void world_enter_stk(struct mon_cpu *c, uint64_t entry, const uint64_t *args, unsigned nargs);
void world_call_stk(struct mon_cpu *c, uint64_t entry, bool fast);
void world_enter_ns(struct mon_cpu *c, uint64_t entry, uint64_t x0);
void world_secure_fp_trap(struct mon_cpu *c);
void stk_return(struct mon_cpu *c);

/* CPU state and PSCI (psci.c) */
struct mon_cpu *mon_cpu_setup(unsigned idx);
void psci_handle(struct mon_cpu *c, uint32_t fid);
void psci_mark_booted(unsigned idx, unsigned cpus_present);
void mon_cpu_wait_for_on(unsigned idx) __attribute__((noreturn));
void psci_cpu_in_sram(unsigned idx);
bool psci_wait_all_in_sram(void);

/* the partition map (partition.c) */
void partmap_install(const struct partmap *m, unsigned cpus);
int partmap_vm_of_cpu(unsigned idx);
extern uint32_t cpu_client[BOARD_MAX_CPUS]; /* by the map: the VM client id of each CPU, or 0 */
const char *partmap_vm_name(int vm);

/* the secure flash at run time: the anti-rollback record, the trusted-storage
 * region for the STK (nv.c) */
void nv_load(void);
uint32_t nv_platform_min(void);
void nv_platform_raise(uint32_t svn);
uint32_t nv_pal_raise(const uint8_t uuid[16], const uint8_t signer[32], uint32_t svn);
void nv_stk_pal_svn(struct mon_cpu *c);
void nv_stk_flash(struct mon_cpu *c);

/* secure boot (boot.c) */
uint64_t secure_boot(unsigned cpus);
void device_secret(uint64_t out[4]);
void smc_sip(struct mon_cpu *c, uint32_t fid);

/* SMCCC TRNG from RNDR (trng.c) */
void trng_handle(struct mon_cpu *c, uint32_t fid);

/* SMCs from the normal world (smc.c) */
void smc_from_ns(struct mon_cpu *c);

#define SCR_NS	 (1UL << 0)
#define SCR_IRQ	 (1UL << 1)
#define SCR_FIQ	 (1UL << 2)
#define SCR_EA	 (1UL << 3)
#define SCR_RES1 (3UL << 4)
#define SCR_SMD	 (1UL << 7)
#define SCR_HCE	 (1UL << 8)
#define SCR_RW	 (1UL << 10)
#define SCR_ST	 (1UL << 11)
#define SCR_APK	 (1UL << 16)
#define SCR_API	 (1UL << 17)

#define SCR_SECURE    (SCR_RES1 | SCR_RW | SCR_ST | SCR_APK | SCR_API)
#define SCR_NONSECURE (SCR_RES1 | SCR_NS | SCR_HCE | SCR_RW | SCR_APK | SCR_API)

#endif
