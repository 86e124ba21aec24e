/* Host shim of lib/include/tzv/sysreg.h for the fuzz targets. The real
 * header's accessors and barriers are aarch64 inline assembly; everything
 * else in it (exception classes, MMIO helpers, SPSR bits) is plain C and
 * used as it is: the real header is included with its three asm inline
 * functions renamed (never called, so never emitted), then the accessors
 * are redefined to call the fake register file of test/fuzz/shim/host.c. */
#ifndef TZV_FUZZ_SYSREG_SHIM_H
#define TZV_FUZZ_SYSREG_SHIM_H
#include <stdint.h>

#define current_el    tzv_asm_current_el
#define counter_ticks tzv_asm_counter_ticks
#define counter_freq  tzv_asm_counter_freq
#include_next <tzv/sysreg.h>
#undef current_el
#undef counter_ticks
#undef counter_freq
#undef read_sysreg
#undef write_sysreg
#undef isb
#undef dsb
#undef dmb
#undef sev
#undef wfe
#undef wfi

/* by the register's name as the source spells it (as the assembler would) */
uint64_t fuzz_sysreg_read(const char *name);
void fuzz_sysreg_write(const char *name, uint64_t v);

#define read_sysreg(r)	   fuzz_sysreg_read(#r)
#define write_sysreg(r, v) fuzz_sysreg_write(#r, (uint64_t)(v))
#define isb()		   ((void)0)
#define dsb(opt)	   ((void)0)
#define dmb(opt)	   ((void)0)
#define sev()		   ((void)0)
#define wfe()		   fuzz_wfe()
#define wfi()		   fuzz_wfe()

/* a CPU waiting for an event on the host would wait forever: the input ends */
void fuzz_wfe(void);

static inline unsigned current_el(void)
{
	return (unsigned)((read_sysreg(CurrentEL) >> 2) & 3U);
}

static inline uint64_t counter_ticks(void)
{
	return read_sysreg(cntpct_el0);
}

static inline uint64_t counter_freq(void)
{
	return read_sysreg(cntfrq_el0);
}

#endif
