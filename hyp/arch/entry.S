/* EL2 early boot, guest entry/exit and exception vectors. */
#include <asm-offsets.h>
#include <tzv/asm-macros.h>

#define SCTLR_EL2_RESET 0x30C50830

	.section .text.boot, "ax"
/* EL2 with the MMU off, this CPU's stack and the vectors; keeps x0. */
.macro el2_cpu_setup
	ldr x1, =SCTLR_EL2_RESET
	msr sctlr_el2, x1
	isb
	set_cpu_stack hyp_stacks, HYP_STACK_SIZE_
	ldr x1, =hyp_vectors
	msr vbar_el2, x1
	isb
.endm

	.global _hyp_start
_hyp_start:
	el2_cpu_setup
	clear_bss
	bl hyp_main
	b .

/* PSCI CPU_ON lands here with x0 = the vCPU to run. */
	.global hyp_secondary_entry
hyp_secondary_entry:
	el2_cpu_setup
	bl hyp_secondary_main
	b .

	.text
/* Runs the vCPU in x0 until its next trap. */
	.global guest_enter
guest_enter:
	msr tpidr_el2, x0
	ldr x1, [x0, #VCPU_STACK_TOP]
	mov sp, x1
guest_resume:
	ldr x1, [x0, #VCPU_PC]
	msr elr_el2, x1
	ldr x1, [x0, #VCPU_SPSR]
	msr spsr_el2, x1
	restore_x0_x30 VCPU_X
	eret

/* The guest stops running: save its GPRs, PC and PSTATE into its vCPU,
 * call \handler(vcpu), resume it. The stack is empty here: guest_enter
 * left sp at the top. */
.macro guest_exit handler
	stp x0, x1, [sp, #-16]!
	mrs x0, tpidr_el2
	save_x2_x30 x0, VCPU_X
	ldp x2, x3, [sp], #16
	stp x2, x3, [x0, #VCPU_X]
	mrs x1, elr_el2
	str x1, [x0, #VCPU_PC]
	mrs x1, spsr_el2
	str x1, [x0, #VCPU_SPSR]
	bl \handler
	mrs x0, tpidr_el2
	b guest_resume
.endm

guest_sync:	guest_exit hyp_trap_sync
guest_irq:	guest_exit hyp_trap_irq /* physical interrupt (HCR_EL2.IMO) */

/* Exceptions at EL2 itself: hyp_el2_sync may redirect ELR (probe fixups);
 * anything it does not fix is fatal and never returns. */
.macro el2_entry kind
	fatal_frame hyp_el2_exception, \kind
	frame_return
.endm

el2_sync:	el2_entry 0
el2_irq:	el2_entry 1
el2_fiq:	el2_entry 2
el2_serr:	el2_entry 3
low_fiq:	el2_entry 5
low_serr:	el2_entry 6
low_a32:	el2_entry 7

	.balign 0x800
	.global hyp_vectors
hyp_vectors:
	vector_entry el2_sync /* EL2t */
	vector_entry el2_irq
	vector_entry el2_fiq
	vector_entry el2_serr
	vector_entry el2_sync /* EL2h */
	vector_entry el2_irq
	vector_entry el2_fiq
	vector_entry el2_serr
	vector_entry guest_sync /* lower EL, AArch64 */
	vector_entry guest_irq
	vector_entry low_fiq
	vector_entry low_serr
	vector_entry low_a32
	vector_entry low_a32
	vector_entry low_a32
	vector_entry low_a32
