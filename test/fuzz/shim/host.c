/* The host side every fuzz target links: the end of the levels' paths that
 * never return (cpu_halt, which lib/src/console.c's panic ends in), the
 * fake system registers behind the sysreg.h shim, the UART driver
 * lib/src/console.c writes through (output discarded: the fuzzer runs it
 * for the formatting, not to read it) and the input readers. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tzv/console.h>
#include <tzv/spinlock.h>
#include <tzv/sysreg.h>
#include <tzv/uart.h>

jmp_buf *fuzz_jmp;
const char *fuzz_exit_why;

void fuzz_exit(const char *why)
{
	fuzz_exit_why = why;
	if (!fuzz_jmp) {
		fprintf(stderr, "fuzz: '%s' outside FUZZ_TRY\n", why);
		abort();
	}
	longjmp(*fuzz_jmp, 1);
}

/* lib/src/fatal.c's, which waits for events forever: panic ends here */
void cpu_halt(void)
{
	fuzz_exit("cpu_halt");
}

void fuzz_wfe(void)
{
	fuzz_exit("wfe");
}

void fuzz_deadlock(const spinlock_t *l)
{
	fprintf(stderr, "fuzz: spinlock %p taken twice by one CPU: a deadlock\n", (const void *)l);
	abort();
}

void fuzz_free_unlock(const spinlock_t *l)
{
	fprintf(stderr, "fuzz: spinlock %p released while free: unbalanced\n", (const void *)l);
	abort();
}

/* ---- system registers -------------------------------------------------- */

struct fuzz_cpu fuzz_cpus[FUZZ_CPUS];
unsigned fuzz_pcpu;
unsigned fuzz_nr_lrs = 4;
uint64_t fuzz_now;

void fuzz_sysreg_reset(void)
{
	memset(fuzz_cpus, 0, sizeof(fuzz_cpus));
	fuzz_pcpu = 0;
	fuzz_nr_lrs = 4;
	fuzz_now = 0;
}

/* ICH_LR<n>_EL2 by encoding (S3_4_C12_C12_<n> for 0..7, S3_4_C12_C13_<n-8>);
 * -1 when name is no list register. A list register beyond ListRegs is
 * UNDEFINED on the hardware: the code under test must not touch it. */
static int lr_index(const char *name)
{
	int n;

	if (!strncmp(name, "S3_4_C12_C12_", 13))
		n = name[13] - '0';
	else if (!strncmp(name, "S3_4_C12_C13_", 13))
		n = 8 + name[13] - '0';
	else
		return -1;
	if (n < 0 || (unsigned)n >= fuzz_nr_lrs) {
		fprintf(stderr, "fuzz: %s: a list register beyond ICH_VTR_EL2.ListRegs\n", name);
		abort();
	}
	return n;
}

uint64_t fuzz_sysreg_read(const char *name)
{
	struct fuzz_cpu *c = &fuzz_cpus[fuzz_pcpu];
	int lr = lr_index(name);

	if (lr >= 0)
		return c->lr[lr];
	if (!strcmp(name, "mpidr_el1")) /* qemu-virt: Aff0 = CPU index, bit 31 RES1 */
		return (1UL << 31) | fuzz_pcpu;
	if (!strcmp(name, "cntpct_el0"))
		return fuzz_now;
	if (!strcmp(name, "cntfrq_el0"))
		return 62500000UL;
	if (!strcmp(name, "CurrentEL"))
		return 2U << 2;
	if (!strcmp(name, "ICH_VTR_EL2"))
		return (fuzz_nr_lrs - 1U) | (4UL << 29) | (4UL << 26);
	if (!strcmp(name, "ICH_ELRSR_EL2")) { /* a bit per list register with no state */
		uint64_t e = 0;
		for (unsigned n = 0; n < fuzz_nr_lrs; n++)
			if (!(c->lr[n] >> 62))
				e |= 1UL << n;
		return e;
	}
	if (!strcmp(name, "ICH_HCR_EL2"))
		return c->ich_hcr;
	if (!strcmp(name, "ICH_VMCR_EL2"))
		return c->ich_vmcr;
	fprintf(stderr, "fuzz: read of %s, which the shim does not model\n", name);
	abort();
}

void fuzz_sysreg_write(const char *name, uint64_t v)
{
	struct fuzz_cpu *c = &fuzz_cpus[fuzz_pcpu];
	int lr = lr_index(name);

	if (lr >= 0)
		c->lr[lr] = v;
	else if (!strcmp(name, "ICH_HCR_EL2"))
		c->ich_hcr = v;
	else if (!strcmp(name, "ICH_VMCR_EL2"))
		c->ich_vmcr = v;
	else if (!strcmp(name, "ICH_AP0R0_EL2"))
		c->ich_ap0r0 = v;
	else if (!strcmp(name, "ICH_AP1R0_EL2"))
		c->ich_ap1r0 = v;
	else {
		fprintf(stderr, "fuzz: write of %s, which the shim does not model\n", name);
		abort();
	}
}

/* ---- the console's UART (lib/include/tzv/uart.h) ------------------------- */

/* base is 0 unless a target called console_init (FUZZ_VERBOSE=1): then
 * the levels' console goes to stderr, for reading what an input did */
void uart_tx(uintptr_t base, char c)
{
	if (base)
		fputc(c, stderr);
}

int uart_rx(uintptr_t base)
{
	(void)base;
	return -1;
}

void uart_rx_irq_on(uintptr_t base)
{
	(void)base;
}

void uart_rx_irq_mask(uintptr_t base, bool masked)
{
	(void)base;
	(void)masked;
}

/* ---- input ---------------------------------------------------------------- */

void fuzz_bytes(struct fuzz_in *in, void *out, size_t n)
{
	size_t k = n < in->n ? n : in->n;

	memcpy(out, in->p, k);
	memset((uint8_t *)out + k, 0, n - k);
	in->p += k;
	in->n -= k;
}

uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t v;
	fuzz_bytes(in, &v, sizeof(v));
	return v;
}

uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint16_t v;
	fuzz_bytes(in, &v, sizeof(v));
	return v;
}

uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint32_t v;
	fuzz_bytes(in, &v, sizeof(v));
	return v;
}

uint64_t fuzz_u64(struct fuzz_in *in)
{
	uint64_t v;
	fuzz_bytes(in, &v, sizeof(v));
	return v;
}

size_t fuzz_build_file(const char *name, void *out, size_t max)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", TZV_BUILD_DIR, name);
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(out, 1, max, f) : 0;
	if (f)
		fclose(f);
	return n;
}
