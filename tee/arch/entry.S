/* STK entry points: cold boot, the entry table the monitor calls through,
 * the way into a PAL at S-EL0 and back, and the S-EL1 exception vectors
 * (exceptions from S-EL0 go to the PAL trap handler; any other is fatal). */
#include <asm-offsets.h>
#include <tzv/asm-macros.h>

/* Every entry from the monitor runs on the STK's own tables: the last PAL
 * that ran on this CPU may be gone. Clobbers x9. */
.macro kernel_tables
	ldr x9, =stk_kernel_ttbr
	ldr x9, [x9]
	msr ttbr0_el1, x9
	isb
.endm

	.section .text.boot, "ax"
	.global _stk_start
_stk_start:
	/* x0 = CPU, x1..x4 = the device secret (the monitor's) */
	mov x19, x0
	mov x20, x1
	mov x21, x2
	mov x22, x3
	mov x23, x4
	set_cpu_stack stk_stacks, STK_STACK_SIZE_
	ldr x1, =stk_vectors
	msr vbar_el1, x1
	isb
	clear_bss
	mov x0, x19
	mov x1, x20
	mov x2, x21
	mov x3, x22
	mov x4, x23
	mov x20, xzr
	mov x21, xzr
	mov x22, xzr
	mov x23, xzr
	bl stk_main
	ldr x1, =stk_entry_table
	ldr x0, =RET_INIT_DONE
	smc #0
	b .

	.text
/* An SMC from the normal world: x0..x7 go to handler as a struct smc_args
 * on the stack. */
.macro smc_entry handler
	set_cpu_stack stk_stacks, STK_STACK_SIZE_
	kernel_tables
	sub sp, sp, #64
	stp x0, x1, [sp]
	stp x2, x3, [sp, #16]
	stp x4, x5, [sp, #32]
	stp x6, x7, [sp, #48]
	mov x0, sp
	bl \handler
.endm

/* A fast call: the results come back in the same struct. */
fast_smc_entry:
	smc_entry stk_fast_smc
	ldp x1, x2, [sp]
	ldp x3, x4, [sp, #16]
	ldr x0, =RET_FAST_DONE
	smc #0
	b .

/* A yielding call or its resumption: stk_std_smc never returns, it leaves
 * through stk_exit or into a PAL. */
std_smc_entry:
	smc_entry stk_std_smc
	b .

cpu_on_entry:
	set_cpu_stack stk_stacks, STK_STACK_SIZE_
	ldr x1, =stk_vectors
	msr vbar_el1, x1
	isb
	bl stk_cpu_init
	ldr x0, =RET_CPU_ON_DONE
	smc #0
	b .

/* void stk_exit(a0, a1, a2, a3): back to the normal world with a result */
	.global stk_exit
stk_exit:
	mov x4, x3
	mov x3, x2
	mov x2, x1
	mov x1, x0
	ldr x0, =RET_FAST_DONE
	smc #0
	b .

/* void pal_enter(struct pal_ctx *ctx): restore a PAL's registers and run it
 * at S-EL0; TTBR0 already holds its tables. ctx stays in TPIDR_EL1 for the
 * way back. */
	.global pal_enter
pal_enter:
	msr tpidr_el1, x0
	ldp x1, x2, [x0, #CTX_SP]
	msr sp_el0, x1
	msr elr_el1, x2
	ldr x1, [x0, #CTX_SPSR]
	msr spsr_el1, x1
	ldp x1, x2, [x0, #CTX_FPSR]
	msr fpsr, x1
	msr fpcr, x2
	add x1, x0, #CTX_Q
	ldp q0, q1, [x1], #32
	ldp q2, q3, [x1], #32
	ldp q4, q5, [x1], #32
	ldp q6, q7, [x1], #32
	ldp q8, q9, [x1], #32
	ldp q10, q11, [x1], #32
	ldp q12, q13, [x1], #32
	ldp q14, q15, [x1], #32
	ldp q16, q17, [x1], #32
	ldp q18, q19, [x1], #32
	ldp q20, q21, [x1], #32
	ldp q22, q23, [x1], #32
	ldp q24, q25, [x1], #32
	ldp q26, q27, [x1], #32
	ldp q28, q29, [x1], #32
	ldp q30, q31, [x1], #32
	restore_x0_x30 CTX_X
	eret

/* An exception from the PAL: save everything into its context, go back to
 * the STK's tables and stack, and let C decide (it never returns here). */
.macro el0_trap kind
	stp x0, x1, [sp, #-16]!
	mrs x0, tpidr_el1
	save_x2_x30 x0, CTX_X
	ldp x2, x3, [sp], #16
	stp x2, x3, [x0, #CTX_X]
	mrs x1, sp_el0
	mrs x2, elr_el1
	stp x1, x2, [x0, #CTX_SP]
	mrs x1, spsr_el1
	str x1, [x0, #CTX_SPSR]
	mrs x1, fpsr
	mrs x2, fpcr
	stp x1, x2, [x0, #CTX_FPSR]
	add x1, x0, #CTX_Q
	stp q0, q1, [x1], #32
	stp q2, q3, [x1], #32
	stp q4, q5, [x1], #32
	stp q6, q7, [x1], #32
	stp q8, q9, [x1], #32
	stp q10, q11, [x1], #32
	stp q12, q13, [x1], #32
	stp q14, q15, [x1], #32
	stp q16, q17, [x1], #32
	stp q18, q19, [x1], #32
	stp q20, q21, [x1], #32
	stp q22, q23, [x1], #32
	stp q24, q25, [x1], #32
	stp q26, q27, [x1], #32
	stp q28, q29, [x1], #32
	stp q30, q31, [x1], #32
	kernel_tables
	set_cpu_stack stk_stacks, STK_STACK_SIZE_
	mov x0, #\kind
	bl stk_el0_trap
	b .
.endm

el0_sync:	el0_trap 0
el0_irq:	el0_trap 1
el0_fiq:	el0_trap 2
el0_serr:	el0_trap 3

	.global stk_fp_poison
/* Fills the secure world's FP/SIMD registers with a marker so that a leak
 * of secure FP state into the normal world is visible. */
stk_fp_poison:
	ldr x0, =0x5ec5ec5ec5ec5ec5
	dup v0.2d, x0
	.irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	mov v\n\().16b, v0.16b
	.endr
	ret

	.section .rodata
	.balign 8
stk_entry_table:
	.quad fast_smc_entry
	.quad cpu_on_entry
	.quad std_smc_entry

	.text
s_sync:	fatal_frame stk_fatal, 0
s_irq:	fatal_frame stk_fatal, 1
s_fiq:	fatal_frame stk_fatal, 2
s_serr:	fatal_frame stk_fatal, 3

	.balign 0x800
stk_vectors:
	.rept 2
	vector_entry s_sync
	vector_entry s_irq
	vector_entry s_fiq
	vector_entry s_serr
	.endr
	vector_entry el0_sync
	vector_entry el0_irq
	vector_entry el0_fiq
	vector_entry el0_serr
	vector_entry s_sync
	vector_entry s_irq
	vector_entry s_fiq
	vector_entry s_serr
