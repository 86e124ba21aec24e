/* Bare-metal test guests: an arm64 Linux Image header (so the hypervisor
 * boots them exactly like Linux, x0 = DTB), EL1 entry and vectors. */
#include <tzv/asm-macros.h>

	.section .text.head, "ax"
	.global _start
_start:
	b entry
	.word 0
	.quad 0                 /* text_offset */
	.quad __image_end - _start /* image_size */
	.quad 0xa               /* little-endian, 4K pages, placed anywhere */
	.quad 0, 0, 0
	.ascii "ARM\x64"
	.word 0

entry:
	msr daifset, #0xf
	mov x19, x0
	ldr x1, =__stack_top
	mov sp, x1
	ldr x1, =bm_vectors
	msr vbar_el1, x1
	isb
	clear_bss
	mov x0, x19
	bl bm_entry
1:	wfi
	b 1b

/* Every exception goes to bm_exception(frame, kind), which may return to
 * resume (a probe that expected the fault moves ELR on). */
.macro exc kind
	fatal_frame bm_exception, \kind
	ldp x0, x1, [sp]
	ldp x2, x3, [sp, #16]
	ldp x4, x5, [sp, #32]
	ldp x6, x7, [sp, #48]
	ldp x8, x9, [sp, #64]
	ldp x10, x11, [sp, #80]
	ldp x12, x13, [sp, #96]
	ldp x14, x15, [sp, #112]
	ldp x16, x17, [sp, #128]
	ldp x18, x19, [sp, #144]
	ldp x28, x29, [sp, #224]
	ldr x30, [sp, #240]
	add sp, sp, #(32 * 8)
	eret
.endm

e_sync:	exc 0
e_irq:	exc 1
e_fiq:	exc 2
e_serr:	exc 3

	.balign 0x800
bm_vectors:
	.rept 4
	vector_entry e_sync
	vector_entry e_irq
	vector_entry e_fiq
	vector_entry e_serr
	.endr
