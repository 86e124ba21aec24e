/* Assembly macros shared by the exception entry code of every level. */
#ifndef TZV_ASM_MACROS_H
#define TZV_ASM_MACROS_H
#ifdef __ASSEMBLER__
/* assembler macros, not C: */
/* clang-format off */

/* Store x2..x30 at \base + \off (x0, x1 are the caller's business). */
.macro save_x2_x30 base, off
	stp x2, x3, [\base, #(\off + 16)]
	stp x4, x5, [\base, #(\off + 32)]
	stp x6, x7, [\base, #(\off + 48)]
	stp x8, x9, [\base, #(\off + 64)]
	stp x10, x11, [\base, #(\off + 80)]
	stp x12, x13, [\base, #(\off + 96)]
	stp x14, x15, [\base, #(\off + 112)]
	stp x16, x17, [\base, #(\off + 128)]
	stp x18, x19, [\base, #(\off + 144)]
	stp x20, x21, [\base, #(\off + 160)]
	stp x22, x23, [\base, #(\off + 176)]
	stp x24, x25, [\base, #(\off + 192)]
	stp x26, x27, [\base, #(\off + 208)]
	stp x28, x29, [\base, #(\off + 224)]
	str x30, [\base, #(\off + 240)]
.endm

/* Load x0..x30 from \base + \off; \base must be x0 (loaded last). */
.macro restore_x0_x30 off
	ldp x2, x3, [x0, #(\off + 16)]
	ldp x4, x5, [x0, #(\off + 32)]
	ldp x6, x7, [x0, #(\off + 48)]
	ldp x8, x9, [x0, #(\off + 64)]
	ldp x10, x11, [x0, #(\off + 80)]
	ldp x12, x13, [x0, #(\off + 96)]
	ldp x14, x15, [x0, #(\off + 112)]
	ldp x16, x17, [x0, #(\off + 128)]
	ldp x18, x19, [x0, #(\off + 144)]
	ldp x20, x21, [x0, #(\off + 160)]
	ldp x22, x23, [x0, #(\off + 176)]
	ldp x24, x25, [x0, #(\off + 192)]
	ldp x26, x27, [x0, #(\off + 208)]
	ldp x28, x29, [x0, #(\off + 224)]
	ldr x30, [x0, #(\off + 240)]
	ldp x0, x1, [x0, #(\off)]
.endm

/* \out = this CPU's index (Aff0 + 16 * Aff1, as board_cpu_index());
 * clobbers \tmp. */
.macro cpu_index out, tmp
	mrs \out, mpidr_el1
	and \tmp, \out, #0xff
	ubfx \out, \out, #8, #8
	add \out, \tmp, \out, lsl #4
.endm

/* sp = \base + (cpu index + 1) * \size; clobbers x9, x10 */
.macro set_cpu_stack base, size
	cpu_index x9, x10
	add x9, x9, #1
	mov x10, #\size
	mul x9, x9, x10
	ldr x10, =\base
	add sp, x9, x10
.endm

/* Zero [__bss_start, __bss_end); clobbers x1, x2 */
.macro clear_bss
	ldr x1, =__bss_start
	ldr x2, =__bss_end
1:	cmp x1, x2
	b.hs 2f
	str xzr, [x1], #8
	b 1b
2:
.endm

/* Fatal exception entry: x0..x30 on the stack, then \handler(frame, kind) */
.macro fatal_frame handler, kind
	sub sp, sp, #(32 * 8)
	stp x0, x1, [sp]
	save_x2_x30 sp, 0
	mov x0, sp
	mov x1, #\kind
	bl \handler
.endm

/* Undo fatal_frame: reload x0..x30 from the frame, drop it, return from
 * the exception (for handlers that fixed something and resume). */
.macro frame_return
	mov x0, sp
	restore_x0_x30 0
	add sp, sp, #(32 * 8)
	eret
.endm

/* A 16-entry vector table whose slots branch to the given handlers. */
.macro vector_entry label
	.balign 0x80
	b \label
.endm

/* clang-format on */
#endif
#endif
