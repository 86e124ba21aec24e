#include <cpu.h>
#include <tzv/offsets.h>
#include <vm.h>

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(VCPU_X, offsetof(struct vcpu, x));
	DEFINE(VCPU_PC, offsetof(struct vcpu, pc));
	DEFINE(VCPU_SPSR, offsetof(struct vcpu, spsr));
	DEFINE(VCPU_STACK_TOP, offsetof(struct vcpu, stack_top));
	DEFINE(SMC_REGS_X, offsetof(struct smc_regs, x));
	DEFINE(HYP_STACK_SIZE_, HYP_STACK_SIZE);
	DEFINE(MAX_CPUS, BOARD_MAX_CPUS);
	/* for tools/tzv-config check, which reads the VM tables out of hyp.bin */
	DEFINE(VMCFG_SIZE, sizeof(struct vm_config));
	DEFINE(VMCFG_NAME, offsetof(struct vm_config, name));
	DEFINE(VMCFG_NCPUS, offsetof(struct vm_config, ncpus));
	DEFINE(VMCFG_PCPU, offsetof(struct vm_config, pcpu));
	DEFINE(VMCFG_RAM_PA, offsetof(struct vm_config, ram_pa));
	DEFINE(VMCFG_RAM_SIZE, offsetof(struct vm_config, ram_size));
	DEFINE(VMCFG_TEE, offsetof(struct vm_config, tee));
	DEFINE(VMCFG_INTROSPECTS, offsetof(struct vm_config, introspects));
	DEFINE(SHMCFG_SIZE, sizeof(struct shmem_config));
	DEFINE(SHMCFG_PA, offsetof(struct shmem_config, pa));
	DEFINE(SHMCFG_NMEMBERS, offsetof(struct shmem_config, nmembers));
	DEFINE(SHMCFG_MEMBER, offsetof(struct shmem_config, member));
	DEFINE(SHMCFG_MEMBER_SIZE, sizeof(struct shmem_member));
}
