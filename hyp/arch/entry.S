/* EL2 early boot, guest entry/exit and exception vectors. */
#include <asm-offsets.h>
#include <tzv/asm-macros.h>

#define SCTLR_EL2_RESET 0x30C50830

/* x9 = CPU index from MPIDR (Aff0 + 16 * Aff1) */
.macro cpu_index
	mrs x9, mpidr_el1
	and x10, x9, #0xff
	ubfx x9, x9, #8, #8
	add x9, x10, x9, lsl #4
.endm

/* sp = top of this CPU's hypervisor stack */
.macro set_cpu_stack
	cpu_index
	add x9, x9, #1
	mov x10, #HYP_STACK_SIZE_
	mul x9, x9, x10
	ldr x10, =hyp_stacks
	add sp, x9, x10
.endm

	.section .text.boot, "ax"
	.global _hyp_start
_hyp_start:
	ldr x1, =SCTLR_EL2_RESET
	msr sctlr_el2, x1
	isb
	set_cpu_stack
	ldr x1, =hyp_vectors
	msr vbar_el2, x1
	isb
	ldr x1, =__bss_start
	ldr x2, =__bss_end
1:	cmp x1, x2
	b.hs 2f
	str xzr, [x1], #8
	b 1b
2:	bl hyp_main
	b .

	.global hyp_secondary_entry
hyp_secondary_entry:
	ldr x1, =SCTLR_EL2_RESET
	msr sctlr_el2, x1
	isb
	set_cpu_stack
	ldr x1, =hyp_vectors
	msr vbar_el2, x1
	isb
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

/* A trap from the running guest: save its GPRs into its vCPU. The stack
 * is empty here: guest_enter left sp at the top. */
guest_sync:
	stp x0, x1, [sp, #-16]!
	mrs x0, tpidr_el2
	save_x2_x30 x0, VCPU_X
	ldp x2, x3, [sp], #16
	stp x2, x3, [x0, #VCPU_X]
	mrs x1, elr_el2
	str x1, [x0, #VCPU_PC]
	mrs x1, spsr_el2
	str x1, [x0, #VCPU_SPSR]
	bl hyp_trap_sync
	mrs x0, tpidr_el2
	b guest_resume

/* Exceptions at EL2 itself: hyp_el2_sync may redirect ELR (probe fixups);
 * anything it does not fix is fatal and never returns. */
.macro el2_entry kind
	sub sp, sp, #(32 * 8)
	stp x0, x1, [sp]
	save_x2_x30 sp, 0
	mov x0, sp
	mov x1, #\kind
	bl hyp_el2_exception
	mov x0, sp
	ldp x2, x3, [x0, #16]
	ldp x4, x5, [x0, #32]
	ldp x6, x7, [x0, #48]
	ldp x8, x9, [x0, #64]
	ldp x10, x11, [x0, #80]
	ldp x12, x13, [x0, #96]
	ldp x14, x15, [x0, #112]
	ldp x16, x17, [x0, #128]
	ldp x18, x19, [x0, #144]
	ldp x20, x21, [x0, #160]
	ldp x22, x23, [x0, #176]
	ldp x24, x25, [x0, #192]
	ldp x26, x27, [x0, #208]
	ldp x28, x29, [x0, #224]
	ldr x30, [x0, #240]
	ldp x0, x1, [x0]
	add sp, sp, #(32 * 8)
	eret
.endm

el2_sync:	el2_entry 0
el2_irq:	el2_entry 1
el2_fiq:	el2_entry 2
el2_serr:	el2_entry 3
low_irq:	el2_entry 4
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
	vector_entry low_irq
	vector_entry low_fiq
	vector_entry low_serr
	vector_entry low_a32
	vector_entry low_a32
	vector_entry low_a32
	vector_entry low_a32
