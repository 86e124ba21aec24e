/* STK entry points: cold boot, the entry table the monitor calls through,
 * and the S-EL1 exception vectors (every exception here is fatal). */
#include <asm-offsets.h>
#include <tzv/asm-macros.h>

	.section .text.boot, "ax"
	.global _stk_start
_stk_start:
	set_cpu_stack stk_stacks, STK_STACK_SIZE_
	ldr x1, =stk_vectors
	msr vbar_el1, x1
	isb
	clear_bss
	bl stk_main
	ldr x1, =stk_entry_table
	ldr x0, =RET_INIT_DONE
	smc #0
	b .

	.text
fast_smc_entry:
	set_cpu_stack stk_stacks, STK_STACK_SIZE_
	sub sp, sp, #64
	stp x0, x1, [sp]
	stp x2, x3, [sp, #16]
	stp x4, x5, [sp, #32]
	stp x6, x7, [sp, #48]
	mov x0, sp
	bl stk_fast_smc
	ldp x1, x2, [sp]
	ldp x3, x4, [sp, #16]
	ldr x0, =RET_FAST_DONE
	smc #0
	b .

cpu_on_entry:
	set_cpu_stack stk_stacks, STK_STACK_SIZE_
	ldr x1, =stk_vectors
	msr vbar_el1, x1
	isb
	bl stk_cpu_on
	ldr x0, =RET_CPU_ON_DONE
	smc #0
	b .

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

	.text
s_sync:	fatal_frame stk_fatal, 0
s_irq:	fatal_frame stk_fatal, 1
s_fiq:	fatal_frame stk_fatal, 2
s_serr:	fatal_frame stk_fatal, 3

	.balign 0x800
stk_vectors:
	.rept 4
	vector_entry s_sync
	vector_entry s_irq
	vector_entry s_fiq
	vector_entry s_serr
	.endr
