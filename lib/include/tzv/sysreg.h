/* System-register accessors and barriers, shared by every level. */
#ifndef TZV_SYSREG_H
#define TZV_SYSREG_H
#include <stdint.h>

#define read_sysreg(r)                                                                             \
	({                                                                                         \
		uint64_t __r;                                                                      \
		__asm__ volatile("mrs %0, " #r : "=r"(__r));                                       \
		__r;                                                                               \
	})
#define write_sysreg(r, v)                                                                         \
	do {                                                                                       \
		uint64_t __v = (uint64_t)(v);                                                      \
		__asm__ volatile("msr " #r ", %0" : : "r"(__v) : "memory");                        \
	} while (0)

/* Registers the assembler only knows by encoding. */
#define ICC_SRE_EL3	S3_6_C12_C12_5
#define ICC_SRE_EL2	S3_4_C12_C9_5
#define ICC_SRE_EL1	S3_0_C12_C12_5
#define ICC_PMR_EL1	S3_0_C4_C6_0
#define ICC_IGRPEN0_EL1 S3_0_C12_C12_6
#define ICC_SGI0R_EL1	S3_0_C12_C11_7
#define ICC_IAR0_EL1	S3_0_C12_C8_0
#define ICC_EOIR0_EL1	S3_0_C12_C8_1
#define ICC_IAR1_EL1	S3_0_C12_C12_0
#define ICC_EOIR1_EL1	S3_0_C12_C12_1
#define ICC_DIR_EL1	S3_0_C12_C11_1
#define ICC_SGI1R_EL1	S3_0_C12_C11_5
#define ICC_CTLR_EL1	S3_0_C12_C12_4
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_BPR1_EL1	S3_0_C12_C12_3
#define ICH_AP0R0_EL2	S3_4_C12_C8_0
#define ICH_AP1R0_EL2	S3_4_C12_C9_0
#define ICH_HCR_EL2	S3_4_C12_C11_0
#define ICH_VTR_EL2	S3_4_C12_C11_1
#define ICH_ELRSR_EL2	S3_4_C12_C11_5
#define ICH_VMCR_EL2	S3_4_C12_C11_7

#define isb()	 __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
#define dmb(opt) __asm__ volatile("dmb " #opt ::: "memory")
#define sev()	 __asm__ volatile("sev" ::: "memory")
#define wfe()	 __asm__ volatile("wfe" ::: "memory")
#define wfi()	 __asm__ volatile("wfi" ::: "memory")

static inline unsigned current_el(void)
{
	return (unsigned)((read_sysreg(CurrentEL) >> 2) & 3U);
}

/* The system counter every level reads for time. */
static inline uint64_t counter_ticks(void)
{
	return read_sysreg(cntpct_el0);
}

static inline uint64_t counter_freq(void)
{
	return read_sysreg(cntfrq_el0);
}

static inline void mmio_write8(uintptr_t a, uint8_t v)
{
	*(volatile uint8_t *)a = v;
}
static inline void mmio_write32(uintptr_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}
static inline uint32_t mmio_read32(uintptr_t a)
{
	return *(volatile uint32_t *)a;
}
static inline void mmio_write64(uintptr_t a, uint64_t v)
{
	*(volatile uint64_t *)a = v;
}
static inline uint64_t mmio_read64(uintptr_t a)
{
	return *(volatile uint64_t *)a;
}

/* ESR exception classes */
#define EC_UNKNOWN   0x00U
#define EC_WFX	     0x01U
#define EC_FP	     0x07U
#define EC_HVC64     0x16U
#define EC_SMC64     0x17U
#define EC_SYSREG    0x18U
#define EC_IABT_LOW  0x20U
#define EC_IABT_CUR  0x21U
#define EC_DABT_LOW  0x24U
#define EC_DABT_CUR  0x25U
#define EC_MAX	     0x3FU
#define ESR_EC(esr)  ((unsigned)(((esr) >> 26) & 0x3fU))
#define ESR_ISS(esr) ((esr)&0x1ffffffUL)
#define ESR_IL	     (1UL << 25)

/* PSTATE modes for SPSR */
#define SPSR_EL1H 0x5UL
#define SPSR_EL2H 0x9UL
#define SPSR_DAIF (0xfUL << 6)

#endif
