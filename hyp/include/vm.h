/* VMs and vCPUs: the records (hyp/core/vms.c), their life (hyp/core/vm.c)
 * and the architecture hooks that load a vCPU and a VM's stage-2 tables
 * (hyp/arch/vcpu.c, stage2.c). */
#ifndef HYP_VM_H
#define HYP_VM_H
#include <config.h>
#include <mmio.h>
#include <tee.h>
#include <tzv/pt.h>
#include <tzv/smccc.h>
#include <tzv/spinlock.h>
#include <tzv/sysreg.h>
#include <vgic.h>
#include <vuart.h>

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
	volatile bool stop_request;	     /* set by another CPU, then SGI_HYP */
	volatile bool pause_request, paused; /* introspection (vmi.c) */
	struct tzv_vmi_regs el1;	     /* its registers as it paused */
	uint32_t asked;			     /* the event it waits on an answer to */
	volatile uint64_t answer;	     /* seq << 8 | ANSWERED | allow */
	bool tvm;			     /* HCR_EL2.TVM is set for it */
	uint64_t entry, context;	     /* for the next power-on */
	struct vgic_cpu vgic;
	struct vcpu_stats {
		uint64_t irq;		   /* physical interrupts taken while it ran */
		uint64_t sync[EC_MAX + 1]; /* traps by exception class */
	} stats;
};

enum vm_state { VM_STOPPED = 0, VM_RUNNING };

struct vm {
	const struct vm_config *cfg;
	unsigned id;
	volatile enum vm_state state;
	spinlock_t lock;
	struct pt s2;
	uint64_t vttbr;
	unsigned log_budget; /* bounds what one VM can make the hypervisor print */
	uint64_t started;    /* counter value at its last start */
	bool tee_pending;    /* its vTEE is made when its boot vCPU first runs */
	bool stopping;	     /* a vCPU is stopping or restarting it (under lock) */
	unsigned nmmio;
	struct mmio_region mmio[VM_MAX_MMIO]; /* its emulated devices */
	struct vgic_dist vgic;
	struct vuart uart;
	spinlock_t tee_lock;
	struct tee_call tee_call[TZV_TEE_MAX_CALLS];
	struct vmi_target {	    /* as a target of introspection (vmi.c) */
		spinlock_t lock;    /* its watches, and its resumes, one at a time */
		struct vm *watcher; /* the monitor VM its events go to */
		uint32_t traps;	    /* TZV_VMI_TRAP_* */
		struct vmi_watch {
			uint64_t ipa, size;
			uint32_t policy;
		} watch[TZV_VMI_MAX_WATCHES];
	} vmi;
	struct vmi_events { /* as a monitor: its event ring */
		spinlock_t lock;
		struct tzv_vmi_ring *ring;
		uint32_t size, head, lost, seq;
	} events;
	struct vcpu vcpu[VM_MAX_CPUS];
};

/* A result in the calling vCPU's x0 (SMCCC, PSCI). */
static inline void vcpu_ret(struct vcpu *v, long val)
{
	v->x[0] = (uint64_t)val;
}

/* vms.c: the records */
extern struct vm vms[TZV_MAX_VMS];
extern unsigned vm_count;
void vm_log(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct vcpu *vcpu_by_mpidr(struct vm *vm, uint64_t mpidr);
bool vm_any_running(void);
void stats_print(void);

/* arch: the vCPU's registers and the VM's stage-2 tables */
void vcpu_arch_reset(struct vcpu *v);
void guest_enter(struct vcpu *v) __attribute__((noreturn));
void stage2_init(struct vm *vm);
void stage2_map(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, uint64_t attrs);
void vcpu_arch_save_el1(struct tzv_vmi_regs *r);
void vcpu_arch_trap_vm_regs(bool on);
int stage2_protect(struct vm *vm, uint64_t ipa, uint64_t size, bool writable);

/* vmi.c: introspection of one VM by another (below vm.c) */
void vmi_pause_point(struct vcpu *v);
void vmi_release(struct vm *monitor);
long vmi_target(struct vcpu *v, uint64_t name_lo, uint64_t name_hi);
long vmi_pause(struct vcpu *v, uint64_t target);
long vmi_resume(struct vcpu *v, uint64_t target);
long vmi_read(struct vcpu *v, uint64_t target, uint64_t ipa, uint64_t len, uint64_t dest);
long vmi_regs(struct vcpu *v, uint64_t target, uint64_t vcpu, uint64_t dest);
long vmi_events(struct vcpu *v, uint64_t ipa, uint64_t size);
long vmi_watch(struct vcpu *v, uint64_t target, uint64_t ipa, uint64_t len, uint64_t policy);
long vmi_trap(struct vcpu *v, uint64_t target, uint64_t mask);
long vmi_answer(struct vcpu *v, uint64_t target, uint64_t seq, uint64_t allow);
/* from the target's traps: what became of a write to a watched page */
enum vmi_write { VMI_UNWATCHED, VMI_WRITTEN, VMI_REFUSED, VMI_AGAIN };
enum vmi_write vmi_write_fault(struct vcpu *v, uint64_t ipa, uint64_t va, bool syndrome,
			       unsigned size, uint64_t val);
void vmi_sysreg_event(struct vcpu *v, uint64_t key, uint64_t val);
void vmi_call_event(struct vcpu *v, enum tzv_vmi_kind kind);

/* vm.c: the VMs' life */
void vm_create_all(void);
struct vcpu *vm_start(struct vm *vm);
void vm_power_off(struct vm *vm, struct vcpu *caller) __attribute__((noreturn));
void vm_reset(struct vm *vm, struct vcpu *caller) __attribute__((noreturn));
void vcpu_run(struct vcpu *v) __attribute__((noreturn));
void vcpu_power_off(struct vcpu *v) __attribute__((noreturn));
void vcpu_handle_requests(struct vcpu *v);

/* above vm.c: guest calls (smccc.c and what it dispatches to) */
void guest_smccc(struct vcpu *v);
void vpsci_handle(struct vcpu *v, uint32_t fid);
void hypercall_handle(struct vcpu *v, uint32_t fid);

#endif
