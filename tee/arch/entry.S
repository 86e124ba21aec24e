/* STK entry points: cold boot, the entry table the monitor calls through,
 * and the S-EL1 exception vectors (every exception here is fatal). */
#include <asm-offsets.h>
#include <tzv/asm-macros.h>

/* sp = stk_stacks + (cpu index + 1) * STK_STACK_SIZE_; clobbers x9, x10 */
.macro set_cpu_stack
	mrs x9, mpidr_el1
	and x10, x9, #0xff
	ubfx x9, x9, #8, #8
	add x9, x10, x9, lsl #4
	add x9, x9, #1
	mov x10, #STK_STACK_SIZE_
	mul x9, x9, x10
	ldr x10, =stk_stacks
	add x9, x9, x10
	mov sp, x9
.endm

	.section .text.boot, "ax"
	.global _stk_start
_stk_start:
	set_cpu_stack
	ldr x1, =stk_vectors
	msr vbar_el1, x1
	isb
	ldr x1, =__bss_start
	ldr x2, =__bss_end
1:	cmp x1, x2
	b.hs 2f
	str xzr, [x1], #8
	b 1b
2:	bl stk_main
	ldr x1, =stk_entry_table
	ldr x0, =RET_INIT_DONE
	smc #0
	b .

	.text
fast_smc_entry:
	set_cpu_stack
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
	set_cpu_stack
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
.macro fatal_entry kind
	sub sp, sp, #(32 * 8)
	stp x0, x1, [sp]
	save_x2_x30 sp, 0
	mov x0, sp
	mov x1, #\kind
	bl stk_fatal
.endm
s_sync:	fatal_entry 0
s_irq:	fatal_entry 1
s_fiq:	fatal_entry 2
s_serr:	fatal_entry 3

	.balign 0x800
stk_vectors:
	.rept 4
	vector_entry s_sync
	vector_entry s_irq
	vector_entry s_fiq
	vector_entry s_serr
	.endr
