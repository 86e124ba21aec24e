/* Bare-metal test guests: an arm64 Linux Image header (so the hypervisor
 * boots them exactly like Linux, x0 = DTB), EL1 entry and vectors. */
#include <tzv/asm-macros.h>

	.section .text.head, "ax"
	.global _start
_start:
	b entry
	.word 0
	.quad 0x200000          /* text_offset: 2 MiB into RAM, as QEMU -kernel too loads it */
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

/* PSCI CPU_ON entry of a second vCPU: x0 (the context) is its stack top. */
	.global bm_secondary
bm_secondary:
	msr daifset, #0xf
	mov sp, x0
	ldr x1, =bm_vectors
	msr vbar_el1, x1
	isb
	bl bm_secondary_main
1:	wfi
	b 1b

/* Every exception goes to bm_exception(frame, kind), which may return to
 * resume (a probe that expected the fault moves ELR on). */
.macro exc kind
	fatal_frame bm_exception, \kind
	frame_return
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
