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

/* Resume the world mon_cpus[i].cur, on a fresh stack. */
	.text
	.global el3_exit
el3_exit:
	mrs x0, tpidr_el3
	ldr x1, [x0, #CPU_STACK_TOP]
	mov sp, x1
	ldr x0, [x0, #CPU_CUR]
	ldr x1, [x0, #GP_SCR]
	msr scr_el3, x1
	ldr x1, [x0, #GP_SP_EL0]
	msr sp_el0, x1
	ldr x1, [x0, #GP_ELR]
	msr elr_el3, x1
	ldr x1, [x0, #GP_SPSR]
	msr spsr_el3, x1
	restore_x0_x30 GP_X
	eret

/* Lower EL (either world) trapped into EL3: save all its GPRs in the
 * current world's context and let C decide where to go next. */
lower_sync:
	stp x0, x1, [sp, #-16]!
	mrs x0, tpidr_el3
	ldr x0, [x0, #CPU_CUR]
	save_x2_x30 x0, GP_X
	ldp x2, x3, [sp], #16
	stp x2, x3, [x0, #GP_X]
	mrs x1, sp_el0
	str x1, [x0, #GP_SP_EL0]
	mrs x1, elr_el3
	str x1, [x0, #GP_ELR]
	mrs x1, spsr_el3
	str x1, [x0, #GP_SPSR]
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
