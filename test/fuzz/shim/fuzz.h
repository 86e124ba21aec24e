/* What the fuzz targets share (test/fuzz/shim/host.c): a way out of a
 * level's paths that never return, the fake system registers of the CPU
 * the code under test runs on, and reading fuzz input. */
#ifndef FUZZ_H
#define FUZZ_H
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

/* cpu_halt (the end of panic) and the targets' shims of the calls that do
 * not return longjmp here: set by FUZZ_TRY around each call. */
extern jmp_buf *fuzz_jmp;
extern const char *fuzz_exit_why; /* what ended the call, for debugging */
void fuzz_exit(const char *why) __attribute__((noreturn));
#define FUZZ_TRY(stmt)                                                                             \
	do {                                                                                       \
		jmp_buf fuzz_env_;                                                                 \
		fuzz_jmp = &fuzz_env_;                                                             \
		if (!setjmp(fuzz_env_)) {                                                          \
			stmt;                                                                      \
		}                                                                                  \
		fuzz_jmp = NULL;                                                                   \
	} while (0)

/* A harness's own checks: their branches are not coverage of the code
 * under test (libFuzzer would keep inputs for them, and tracing their
 * comparisons was a third of fuzz_optee_msg's time). Not inlined: the
 * attribute does not survive inlining into a traced caller. */
#define FUZZ_UNTRACED __attribute__((noinline, no_sanitize("coverage")))

/* The fake CPU register file: per physical CPU, as the GICv3 list
 * registers are; fuzz_pcpu is the CPU the code under test runs on. */
#define FUZZ_CPUS 4
struct fuzz_cpu {
	uint64_t lr[16];
	uint64_t ich_hcr, ich_vmcr, ich_ap0r0, ich_ap1r0;
};
extern struct fuzz_cpu fuzz_cpus[FUZZ_CPUS];
extern unsigned fuzz_pcpu;
extern unsigned fuzz_nr_lrs; /* ICH_VTR_EL2.ListRegs + 1 */
extern uint64_t fuzz_now;    /* CNTPCT_EL0 */
void fuzz_sysreg_reset(void);

/* A file of the build directory (TZV_BUILD_DIR) into out, at most max
 * bytes; its length, or 0 if it is missing. */
size_t fuzz_build_file(const char *name, void *out, size_t max);

/* Fuzz input, consumed from the front; zeros once it is used up. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};
uint8_t fuzz_u8(struct fuzz_in *in);
uint16_t fuzz_u16(struct fuzz_in *in);
uint32_t fuzz_u32(struct fuzz_in *in);
uint64_t fuzz_u64(struct fuzz_in *in);
void fuzz_bytes(struct fuzz_in *in, void *out, size_t n);

/* shim/sigstub.c (fuzz_palfile, fuzz_manifest): the signature of hash that
 * their ecdsa_p256_verify accepts for any key */
void fuzz_sig_standin(uint8_t sig[64], const uint8_t hash[32]);

#endif
