/* EL3 reset vector, exception vectors and the exit path to a lower EL. */
#include <asm-offsets.h>
#include <tzv/asm-macros.h>

#define SCTLR_EL3_VAL 0x30C5183C /* RES1 | I | SA | A=0, MMU and D-cache off (until mmu.c) */

/* The reset stub, the only code that runs from the flash: CPU 0 copies the
 * monitor (text, rodata, data) into secure SRAM; every CPU then continues
 * there. The others wait for the copy; mon_boot_copied is in .hold, which
 * nothing clears but a reset that PSCI makes (psci.c). */
	.section .text.reset, "ax"
	.global _reset
_reset:
	ldr x0, =SCTLR_EL3_VAL
	msr sctlr_el3, x0
	isb
	cpu_index x19, x1
	ldr x4, =mon_boot_copied
	cbnz x19, 3f
	ldr x0, =__copy_start
	ldr x1, =__copy_lma
	ldr x2, =__copy_end
1:	cmp x0, x2
	b.hs 2f
	ldr x3, [x1], #8
	str x3, [x0], #8
	b 1b
2:	dsb sy
	ic iallu
	dsb sy
	isb
	mov w1, #1
	str w1, [x4]
	dsb sy
	sev
	b 4f
3:	ldr w1, [x4]
	cbnz w1, 4f
	wfe
	b 3b
4:	ic iallu
	isb
	ldr x0, =sram_reset
	br x0

	.text
sram_reset:
	cmp x19, #MAX_CPUS
	b.hs park
	/* per-CPU stack (stacks live in a section the primary never clears) */
	set_cpu_stack mon_stacks, MON_STACK_SIZE
	ldr x1, =mon_vectors
	msr vbar_el3, x1
	isb
	mov x0, x19
	bl psci_cpu_in_sram
	cbnz x19, secondary
	clear_bss
	mov x0, x19
	bl mon_main
	b park
secondary:
	mov x0, x19
	bl mon_secondary
park:
	wfe
	b park

/* Resume the world mon_cpus[i].cur, on a fresh stack. The normal world
 * gets all its registers back. The secure side, after one of its SMCs,
 * gets x0..x7 only (GP_PARTIAL): it keeps x19..x29 itself, as the
 * monitor's C code does not change them, and a fresh STK entry reads no
 * other; after any other trap, all of them. */
	.text
	.global el3_exit
el3_exit:
	mrs x0, tpidr_el3
	ldr x1, [x0, #CPU_STACK_TOP]
	mov sp, x1
	ldr x0, [x0, #CPU_CUR]
	ldp x2, x3, [x0, #GP_ELR]
	msr elr_el3, x2
	msr spsr_el3, x3
	ldp x1, x2, [x0, #GP_SCR]
	msr scr_el3, x1
	tbnz x1, #SCR_NS_BIT, 1f
	cbz x2, 1f
	ldp x2, x3, [x0, #(GP_X + 16)]
	ldp x4, x5, [x0, #(GP_X + 32)]
	ldp x6, x7, [x0, #(GP_X + 48)]
	ldp x0, x1, [x0, #GP_X]
	eret
1:	ldr x1, [x0, #GP_SP_EL0]
	msr sp_el0, x1
	restore_x0_x30 GP_X
	eret

/* Lower EL (either world) trapped into EL3: save its GPRs in the current
 * world's context (of an SMC of the secure side only x0..x7: see above)
 * and let C decide where to go next. */
lower_sync:
	stp x0, x1, [sp, #-16]!
	mrs x0, tpidr_el3
	ldr x0, [x0, #CPU_CUR]
	mrs x1, scr_el3
	tbnz x1, #SCR_NS_BIT, 1f
	mrs x1, esr_el3
	lsr x1, x1, #ESR_EC_SHIFT
	cmp x1, #ESR_EC_SMC64
	b.ne 1f
	stp x2, x3, [x0, #(GP_X + 16)]
	stp x4, x5, [x0, #(GP_X + 32)]
	stp x6, x7, [x0, #(GP_X + 48)]
	mov x1, #1
	b 2f
1:	save_x2_x30 x0, GP_X
	mrs x1, sp_el0
	str x1, [x0, #GP_SP_EL0]
	mov x1, #0
2:	str x1, [x0, #GP_PARTIAL]
	ldp x2, x3, [sp], #16
	stp x2, x3, [x0, #GP_X]
	mrs x1, elr_el3
	mrs x2, spsr_el3
	stp x1, x2, [x0, #GP_ELR]
	mrs x0, tpidr_el3
	bl mon_lower_sync
	b el3_exit

/* Anything else is a monitor bug or an unexpected interrupt: dump, halt. */
.macro fatal_entry kind
	fatal_frame mon_fatal, \kind
.endm

cur_sync:	fatal_entry 0
cur_irq:	fatal_entry 1
cur_fiq:	fatal_entry 2
cur_serr:	fatal_entry 3
low_irq:	fatal_entry 4
low_fiq:	fatal_entry 5
low_serr:	fatal_entry 6
a32:		fatal_entry 7

	.balign 0x800
	.global mon_vectors
mon_vectors:
	vector_entry cur_sync /* current EL, SP_EL0 */
	vector_entry cur_irq
	vector_entry cur_fiq
	vector_entry cur_serr
	vector_entry cur_sync /* current EL, SP_ELx */
	vector_entry cur_irq
	vector_entry cur_fiq
	vector_entry cur_serr
	vector_entry lower_sync /* lower EL, AArch64 */
	vector_entry low_irq
	vector_entry low_fiq
	vector_entry low_serr
	vector_entry a32 /* lower EL, AArch32: never enabled */
	vector_entry a32
	vector_entry a32
	vector_entry a32
