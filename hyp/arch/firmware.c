/* Calls down to the monitor at EL3 for the hypervisor itself: PSCI for its
 * physical CPUs and the machine, and secure boot's check of a VM; and the
 * one firmware service guests reach through it, the TRNG. */
#include <board.h>
#include <cpu.h>
#include <tzv/console.h>
#include <tzv/smccc.h>

long fw_cpu_on(unsigned pcpu, uint64_t entry, uint64_t context)
{
	struct smc_regs r = {{PSCI_CPU_ON_64, board_cpu_mpidr(pcpu), entry, context}};

	hyp_smc(&r);
	return (long)r.x[0];
}

void fw_cpu_off(void)
{
	struct smc_regs r = {{PSCI_CPU_OFF}};

	hyp_smc(&r);
	panic("PSCI CPU_OFF returned %ld\n", (long)r.x[0]);
}

void fw_system_off(void)
{
	struct smc_regs r = {{PSCI_SYSTEM_OFF}};

	hyp_smc(&r);
	panic("PSCI SYSTEM_OFF returned\n");
}

/* The monitor checks the images now in the VM's RAM against the signed
 * manifest and measures them (docs/secure-boot.md): TZV_VERIFY_*. */
uint64_t fw_verify_vm(unsigned vm)
{
	struct smc_regs r = {{TZV_SIP_VERIFY_VM, vm}};

	hyp_smc(&r);
	return r.x[0];
}

/* A guest's SMCCC TRNG call, passed on as it is: x0-x3 in and out. */
void fw_trng(uint64_t x[4])
{
	struct smc_regs r = {{x[0], x[1], x[2], x[3]}};

	hyp_smc(&r);
	for (unsigned i = 0; i < 4; i++)
		x[i] = r.x[i];
}
