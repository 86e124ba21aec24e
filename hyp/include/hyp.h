/* EL2 hypervisor: VMs, vCPUs and physical CPUs. */
#ifndef HYP_H
#define HYP_H
#include <config.h>
#include <gic.h>
#include <stdbool.h>
#include <stdint.h>
#include <tzv/pt.h>
#include <tzv/spinlock.h>
#include <tzv/sysreg.h>
#include <vuart.h>

#define HYP_STACK_SIZE 16384
#define MAX_VMS	       4

enum vcpu_state { VCPU_OFF = 0, VCPU_ON_PENDING, VCPU_ON };

struct vm;

struct vcpu {
	uint64_t x[31];	    /* guest GPRs, saved on every trap */
	uint64_t pc;	    /* ELR_EL2 */
	uint64_t spsr;	    /* SPSR_EL2 */
	uint64_t stack_top; /* hypervisor stack of the physical CPU */
	struct vm *vm;
	unsigned id;
	unsigned pcpu;
	uint64_t vmpidr;
	volatile enum vcpu_state state;
	volatile bool stop_request; /* set by another CPU, then SGI_HYP */
	uint64_t entry, context;    /* for the next power-on */
	struct vgic_cpu vgic;
	struct vcpu_stats {
		uint64_t irq;		   /* physical interrupts taken while it ran */
		uint64_t sync[EC_MAX + 1]; /* traps by exception class */
	} stats;
};

enum vm_state { VM_STOPPED = 0, VM_RUNNING };

/* Yielding vTEE calls of one VM in flight (running in the secure world, or
 * returned to the guest by an RPC and waiting to be resumed). */
#define TEE_CALLS_PER_VM 4
enum tee_call_state { TEE_CALL_FREE = 0, TEE_CALL_RUNNING, TEE_CALL_SUSPENDED };
struct tee_call {
	enum tee_call_state state;
	uint32_t thread;    /* the STK's resume token while suspended */
	uint64_t guest_arg; /* PA of the guest's argument page */
	uint32_t nparams;
	uint64_t attr[6]; /* the parameter types as checked */
	void *arg;	  /* the hypervisor's copy, the only one the STK reads */
	uint64_t *pages;  /* a translated page list (REGISTER_SHM) */
};

struct vm {
	const struct vm_config *cfg;
	unsigned id;
	volatile enum vm_state state;
	spinlock_t lock;
	struct pt s2;
	uint64_t vttbr;
	unsigned log_budget; /* bounds what one VM can make the hypervisor print */
	uint64_t started;    /* counter value at its last start */
	struct vgic_dist vgic;
	struct vuart uart;
	spinlock_t tee_lock;
	struct tee_call tee_call[TEE_CALLS_PER_VM];
	struct vcpu vcpu[VM_MAX_CPUS];
};

struct smc_regs {
	uint64_t x[8];
};

/* arch */
void hyp_mmu_init(void);
void hyp_mmu_enable(void);
void hyp_cpu_init(void);
void guest_enter(struct vcpu *v) __attribute__((noreturn));
void hyp_smc(struct smc_regs *r);
int hyp_probe_read(uint64_t addr, uint64_t *val);
void hyp_zero(void *p, uint64_t n);
uint64_t hyp_zva_block(void);
unsigned hyp_smc_gpr_probe(uint32_t fid);
void hyp_fp_fill(uint64_t pattern);
void hyp_fp_clear(void);
unsigned hyp_fp_check(uint64_t pattern);
uint64_t hyp_stack_top(unsigned pcpu);

/* core */
extern struct vm vms[MAX_VMS];
extern unsigned vm_count;
void vm_create_all(void);
struct vcpu *vm_start(struct vm *vm);
void vm_power_off(struct vm *vm, struct vcpu *caller) __attribute__((noreturn));
void vm_reset(struct vm *vm, struct vcpu *caller) __attribute__((noreturn));
void vcpu_run(struct vcpu *v) __attribute__((noreturn));
void vcpu_power_off(struct vcpu *v) __attribute__((noreturn));
void vcpu_handle_requests(struct vcpu *v);
struct vcpu *vcpu_by_mpidr(struct vm *vm, uint64_t mpidr);
unsigned this_cpu(void);
long pcpu_power_on(struct vcpu *v);
void pcpu_power_off(void) __attribute__((noreturn));
void guest_smccc(struct vcpu *v);
void vpsci_handle(struct vcpu *v, uint32_t fid);
void hypercall_handle(struct vcpu *v, uint32_t fid);
void shmem_attach(struct vm *vm);
void tee_forward(struct vcpu *v, uint32_t fid);
void tee_vm_created(struct vm *vm);
void tee_vm_destroyed(struct vm *vm);
void hyp_selftest(void);
void stats_print(void);
void vm_log(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
