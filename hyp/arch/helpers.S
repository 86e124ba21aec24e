/* Small EL2 helpers that need exact control of registers. */
#include <asm-offsets.h>

/* void hyp_smc(struct smc_regs *r): x0..x7 in, x0..x3 out */
	.global hyp_smc
hyp_smc:
	str x0, [sp, #-16]!
	mov x8, x0
	ldp x0, x1, [x8, #0]
	ldp x2, x3, [x8, #16]
	ldp x4, x5, [x8, #32]
	ldp x6, x7, [x8, #48]
	smc #0
	ldr x8, [sp], #16
	stp x0, x1, [x8, #0]
	stp x2, x3, [x8, #16]
	ret

/* int hyp_probe_read(addr, *val): 0 and *val, or -1 and *val = ESR if the load faulted
 * (hyp_el2_exception moves ELR from probe_load to probe_fault). */
	.global hyp_probe_read, hyp_probe_load, hyp_probe_fault
hyp_probe_read:
hyp_probe_load:
	ldr x2, [x0]
	str x2, [x1]
	mov x0, #0
	ret
hyp_probe_fault:
	str x2, [x1] /* the fault's ESR_EL2 */
	mov x0, #-1
	ret

/* unsigned hyp_smc_gpr_probe(fid): issues the SMC with x4..x17 and
 * x19..x29 holding markers and counts the markers that did not survive. */
	.global hyp_smc_gpr_probe
hyp_smc_gpr_probe:
	stp x29, x30, [sp, #-96]!
	stp x19, x20, [sp, #16]
	stp x21, x22, [sp, #32]
	stp x23, x24, [sp, #48]
	stp x25, x26, [sp, #64]
	stp x27, x28, [sp, #80]
	.irp n, 4,5,6,7,8,9,10,11,12,13,14,15,16,17,19,20,21,22,23,24,25,26,27,28,29
	mov x\n, #(0xa50 + \n)
	.endr
	mov x1, xzr
	mov x2, xzr
	mov x3, xzr
	mov x7, xzr /* client id 0: the hypervisor itself */
	smc #0
	mov x0, xzr
	.irp n, 4,5,6,8,9,10,11,12,13,14,15,16,17,19,20,21,22,23,24,25,26,27,28,29
	cmp x\n, #(0xa50 + \n)
	cinc x0, x0, ne
	.endr
	ldp x19, x20, [sp, #16]
	ldp x21, x22, [sp, #32]
	ldp x23, x24, [sp, #48]
	ldp x25, x26, [sp, #64]
	ldp x27, x28, [sp, #80]
	ldp x29, x30, [sp], #96
	ret

/* FP/SIMD markers for the world-switch self test. */
	.global hyp_fp_fill
hyp_fp_fill:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	add x1, x0, #\n
	dup v\n\().2d, x1
	.endr
	ret

	.global hyp_fp_check
hyp_fp_check:
	mov x2, xzr
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	add x1, x0, #\n
	mov x3, v\n\().d[0]
	cmp x3, x1
	cinc x2, x2, ne
	mov x3, v\n\().d[1]
	cmp x3, x1
	cinc x2, x2, ne
	.endr
	mov x0, x2
	ret

/* void hyp_zero(void *p, size_t n): p and n multiples of hyp_zero_unit(),
 * eight DC ZVA blocks. One instruction per block and its add: clearing a
 * VM's RAM is the largest part of starting it after hashing its images. */
	.global hyp_zero
hyp_zero:
	mrs x2, dczid_el0
	and x2, x2, #0xf
	mov x3, #4
	lsl x3, x3, x2 /* block size in bytes */
	add x1, x0, x1
1:	cmp x0, x1
	b.hs 2f
	.rept 8
	dc zva, x0
	add x0, x0, x3
	.endr
	b 1b
2:	ret

/* uint64_t hyp_zero_unit(void): what hyp_zero clears at a time, or 0 if
 * DC ZVA is prohibited */
	.global hyp_zero_unit
hyp_zero_unit:
	mrs x0, dczid_el0
	tbnz x0, #4, 1f /* DZP: DC ZVA prohibited */
	and x0, x0, #0xf
	mov x1, #(4 * 8)
	lsl x0, x1, x0
	ret
1:	mov x0, xzr
	ret

/* Clears the FP/SIMD registers, FPSR and FPCR: a vCPU starts with none
 * of a previous run's values. */
	.global hyp_fp_clear
hyp_fp_clear:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	movi v\n\().2d, #0
	.endr
	msr fpsr, xzr
	msr fpcr, xzr
	ret
