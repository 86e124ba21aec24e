/* FP/SIMD register save and restore for the world switch. */
#include <asm-offsets.h>

.macro qregs op
	\op q0, q1, [x0, #(FP_Q + 0)]
	\op q2, q3, [x0, #(FP_Q + 32)]
	\op q4, q5, [x0, #(FP_Q + 64)]
	\op q6, q7, [x0, #(FP_Q + 96)]
	\op q8, q9, [x0, #(FP_Q + 128)]
	\op q10, q11, [x0, #(FP_Q + 160)]
	\op q12, q13, [x0, #(FP_Q + 192)]
	\op q14, q15, [x0, #(FP_Q + 224)]
	\op q16, q17, [x0, #(FP_Q + 256)]
	\op q18, q19, [x0, #(FP_Q + 288)]
	\op q20, q21, [x0, #(FP_Q + 320)]
	\op q22, q23, [x0, #(FP_Q + 352)]
	\op q24, q25, [x0, #(FP_Q + 384)]
	\op q26, q27, [x0, #(FP_Q + 416)]
	\op q28, q29, [x0, #(FP_Q + 448)]
	\op q30, q31, [x0, #(FP_Q + 480)]
.endm

	.global fp_save
fp_save:
	qregs stp
	mrs x1, fpsr
	str x1, [x0, #FP_FPSR]
	mrs x1, fpcr
	str x1, [x0, #FP_FPCR]
	ret

	.global fp_restore
fp_restore:
	qregs ldp
	ldr x1, [x0, #FP_FPSR]
	msr fpsr, x1
	ldr x1, [x0, #FP_FPCR]
	msr fpcr, x1
	ret
