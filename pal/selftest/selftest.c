/* selftest: misbehaves on purpose (tzv-pals.h), so that the tests can check
 * that the STK contains each fault to this instance. */
#include <stdbool.h>
#include <string.h>

#include "pal.h"

PAL_DEFINE("selftest", TZV_UUID_SELFTEST, 0, 64 * 1024, 16 * 1024);

/* The STK's own image, and secure SRAM where other instances' memory
 * lives: no system call may reach them. */
#define STK_ADDRESS	    0x0E100000UL
#define SECURE_POOL_ADDRESS 0x0E800000UL

extern char __pal_heap_start[], __pal_heap_end[], __pal_mem_size[];
void pal_entry(void);

/* volatile: the compiler can neither prove them NULL (and emit a trap
 * instead of the store) nor bound the recursion */
static uint32_t *volatile null_ptr;
static volatile uint32_t recursion_stop; /* never set */

static TEE_Result spin(struct pal_params *p)
{
	uint64_t start, until;
	uint32_t loops = 0;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	start = pal_time_us();
	until = start + (uint64_t)p->p[0].u.value.a * 1000;
	/* a system call per loop: preemption must be invisible across them */
	while (pal_time_us() < until)
		loops++;
	p->p[0].u.value.b = loops;
	return TEE_SUCCESS;
}

/* noinline: gcc would otherwise unroll the recursion into frames larger than
 * the guard page, which could then be stepped over */
__attribute__((noinline)) static uint32_t recurse(uint32_t depth)
{
	volatile uint8_t frame[1024];

	frame[0] = (uint8_t)depth;
	frame[sizeof(frame) - 1] = (uint8_t)depth;
	if (recursion_stop)
		return frame[0];
	/* used after the call: no tail call */
	return recurse(depth + 1) + frame[sizeof(frame) - 1];
}

static bool types(const struct pal_params *p, uint32_t t0, uint32_t t1, uint32_t t2)
{
	return pal_param_types(p) == TEE_PARAM_TYPES(t0, t1, t2, TEE_PARAM_TYPE_NONE);
}

/* Output memref i gets len bytes from src, or learns the size it needs. */
static TEE_Result put(struct pal_params *p, int i, const void *src, size_t len)
{
	struct pal_param *o = &p->p[i];

	if (o->u.mem.size < len || (len && !o->u.mem.buf)) {
		o->u.mem.size = len;
		return TEE_ERROR_SHORT_BUFFER;
	}
	memcpy((void *)(uintptr_t)o->u.mem.buf, src, len);
	o->u.mem.size = len;
	return TEE_SUCCESS;
}

/* Input memref i into buf (at most max bytes, in the arena, where the
 * system calls look); its length, or -1. */
static long get(const struct pal_params *p, int i, void *buf, size_t max)
{
	const struct pal_param *in = &p->p[i];

	if (in->u.mem.size > max || (in->u.mem.size && !in->u.mem.buf))
		return -1;
	memcpy(buf, (const void *)(uintptr_t)in->u.mem.buf, in->u.mem.size);
	return (long)in->u.mem.size;
}

static uint8_t blob[SELFTEST_SEAL_MAX + PAL_SEAL_OVERHEAD];

static TEE_Result seal(struct pal_params *p)
{
	long len;

	if (!types(p, TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_MEMREF_INPUT,
		   TEE_PARAM_TYPE_MEMREF_OUTPUT) ||
	    (len = get(p, 1, blob + PAL_SEAL_OVERHEAD, SELFTEST_SEAL_MAX)) < 0)
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_Result res = pal_seal(p->p[0].u.value.a, blob + PAL_SEAL_OVERHEAD, (size_t)len, blob);
	if (res == TEE_SUCCESS)
		res = put(p, 2, blob, (size_t)len + PAL_SEAL_OVERHEAD);
	pal_wipe(blob, sizeof(blob));
	return res;
}

static TEE_Result unseal(struct pal_params *p)
{
	long size;
	void *data;
	size_t len;

	if (!types(p, TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_MEMREF_OUTPUT,
		   TEE_PARAM_TYPE_NONE) ||
	    (size = get(p, 0, blob, sizeof(blob))) < 0)
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_Result res = pal_unseal(blob, (size_t)size, &data, &len);
	if (res == TEE_SUCCESS)
		res = put(p, 1, data, len);
	pal_wipe(blob, sizeof(blob));
	return res;
}

static TEE_Result statement(struct pal_params *p)
{
	uint8_t data[PAL_STATEMENT_DATA_MAX];
	struct pal_statement_token token;
	long len;

	if (!types(p, TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_MEMREF_OUTPUT,
		   TEE_PARAM_TYPE_NONE) ||
	    (len = get(p, 0, data, sizeof(data))) < 0)
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_Result res = pal_sys_statement(data, (size_t)len, &token);
	return res == TEE_SUCCESS ? put(p, 1, &token, sizeof(token)) : res;
}

/* A system call by number, all registers the STK may change clobbered. */
static uint64_t raw_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = a0, x1 __asm__("x1") = a1, x2 __asm__("x2") = a2,
			     x3 __asm__("x3") = a3, x8 __asm__("x8") = nr;

	__asm__ volatile("svc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x8)
			 :
			 : "x4", "x5", "x6", "x7", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
			   "x16", "x17", "x18", "x30", "memory", "cc");
	return x0;
}

static uint64_t scratch[4];

/* Each must be refused with BAD_PARAMETERS: into the STK, into secure SRAM
 * beyond the arena, a write into its own text, lengths that wrap past 2^64,
 * and a memory-reference window (none is mapped: no parameters). */
static TEE_Result stk_pointers(void)
{
	const uint64_t buf = (uintptr_t)scratch;
	const uint64_t cases[][5] = {
	    {PAL_SYS_LOG, STK_ADDRESS, 16, 0, 0},
	    {PAL_SYS_RANDOM, SECURE_POOL_ADDRESS, 16, 0, 0},
	    {PAL_SYS_RANDOM, (uintptr_t)pal_invoke, 16, 0, 0},
	    {PAL_SYS_STORE_GET, 1, buf, UINT64_MAX - 7U, buf + 8U},
	    {PAL_SYS_EVENTLOG, buf, 0 - buf + 16U, buf + 16U, 0},
	    {PAL_SYS_LOG, PAL_VA_MEMREF(0), 16, 0, 0},
	    {PAL_SYS_IDENTITY, STK_ADDRESS, 0, 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint64_t *c = cases[i];
		if (raw_syscall(c[0], c[1], c[2], c[3], c[4]) != TEE_ERROR_BAD_PARAMETERS)
			return TEE_ERROR_GENERIC;
	}
	return TEE_ERROR_BAD_PARAMETERS;
}

static uint8_t bss_area[8192] __attribute__((aligned(8)));

/* Executes a `ret` written at p: the STK must have mapped p never-executable. */
static void jump_into(void *p)
{
	*(volatile uint32_t *)p = 0xd65f03c0U; /* ret */
	((void (*)(void))p)();
}

static TEE_Result jump_into_stack(void)
{
	uint32_t code[4] __attribute__((aligned(8)));

	jump_into(code);
	return TEE_ERROR_GENERIC;
}

static uint64_t marker_of(const struct pal_params *p)
{
	return p->p[0].u.value.a | (uint64_t)p->p[0].u.value.b << 32;
}

__attribute__((noinline)) static uint64_t fill_stack(uint64_t marker)
{
	volatile uint64_t frame[512];

	for (size_t i = 0; i < 512; i++)
		frame[i] = marker;
	return frame[511];
}

static TEE_Result fill(struct pal_params *p)
{
	uint64_t marker = marker_of(p), *heap = malloc(8192);

	if (!types(p, TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE) ||
	    !heap)
		return TEE_ERROR_BAD_PARAMETERS;
	for (size_t i = 0; i < 1024; i++)
		((volatile uint64_t *)bss_area)[i] = heap[i] = marker;
	return fill_stack(marker) == marker ? TEE_SUCCESS : TEE_ERROR_GENERIC;
}

/* Counts the words equal to the marker in [from, to). */
static uint64_t count_marker(uintptr_t from, uintptr_t to, uint64_t marker, uint64_t *words)
{
	uint64_t n = 0;

	for (const volatile uint64_t *w = (const void *)from; (uintptr_t)w < to; w++, (*words)++)
		n += *w == marker;
	return n;
}

static TEE_Result scan(struct pal_params *p)
{
	uint64_t marker = marker_of(p), words = 0;
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0) & ~(uintptr_t)7;
	uintptr_t stack_bottom = (uintptr_t)__pal_heap_end + PAL_PAGE_SIZE; /* past the guard */

	if (!types(p, TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	uint64_t found = count_marker(PAL_VA_BASE, (uintptr_t)__pal_heap_end, marker, &words) +
			 count_marker(stack_bottom, sp - 256U, marker, &words);
	p->p[1].u.value.a = (uint32_t)found;
	p->p[1].u.value.b = (uint32_t)words;
	return TEE_SUCCESS;
}

static TEE_Result layout(struct pal_params *p)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	if (!types(p, TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	p->p[0].u.value.a = (uint32_t)((uintptr_t)pal_entry - PAL_VA_BASE);
	p->p[0].u.value.b =
	    (uint32_t)((sp + PAL_PAGE_SIZE - 1U) / PAL_PAGE_SIZE * PAL_PAGE_SIZE - PAL_VA_BASE);
	return TEE_SUCCESS;
}

static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* A pointer that is never this instance's memory (nor its parameter page). */
static uint64_t bad_pointer(uint64_t *x)
{
	static const uint64_t edges[] = {0,
					 STK_ADDRESS,
					 SECURE_POOL_ADDRESS,
					 PAL_VA_BASE - 8U,
					 PAL_VA_MEMREF(0),
					 PAL_VA_MEMREF(3) + 4096U,
					 PAL_VA_BASE + PAL_MAX_MEM + 2U * PAL_PAGE_SIZE,
					 UINT64_MAX - 3U};
	uint64_t r = next(x);

	if (r & 1U)
		return edges[(r >> 1) % (sizeof(edges) / sizeof(edges[0]))];
	if (r - PAL_VA_BASE < PAL_MAX_MEM + 2U * PAL_PAGE_SIZE)
		r ^= 1ULL << 63;
	return r;
}

static TEE_Result sysfuzz(struct pal_params *p)
{
	/* each known call, and which of x0-x3 are pointers (bit i: xi) */
	static const struct {
		uint8_t nr, pointers;
	} known[] = {
	    {PAL_SYS_LOG, 1},	      {PAL_SYS_RANDOM, 1},     {PAL_SYS_STORE_PUT, 0xa},
	    {PAL_SYS_STORE_GET, 0xa}, {PAL_SYS_DERIVE, 9},     {PAL_SYS_PCR_READ, 2},
	    {PAL_SYS_PCR_EXTEND, 6},  {PAL_SYS_EVENTLOG, 5},   {PAL_SYS_IDENTITY, 1},
	    {PAL_SYS_STATEMENT, 5},   {PAL_SYS_OBJ_PUT, 5},    {PAL_SYS_OBJ_READ, 9},
	    {PAL_SYS_OBJ_INFO, 5},    {PAL_SYS_OBJ_DELETE, 1}, {PAL_SYS_OBJ_RENAME, 5},
	    {PAL_SYS_OBJ_ENUM, 2},    {PAL_SYS_REE_FS, 1},
	};
	uint64_t x = p->p[0].u.value.b | 1U, odd = 0;
	uint32_t n = p->p[0].u.value.a, i;

	if (!types(p, TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	for (i = 0; i < n; i++) {
		uint64_t r = next(&x), nr, res;
		if (r & 1U) { /* an unknown number */
			nr = (r >> 1) & 2U ? PAL_SYS_REE_FS + 1U + (r >> 8) % 64U : r | 64U;
			res = raw_syscall(nr, next(&x), next(&x), next(&x), next(&x));
			odd += res != TEE_ERROR_NOT_SUPPORTED;
			continue;
		}
		unsigned k = (unsigned)((r >> 1) % (sizeof(known) / sizeof(known[0])));
		nr = known[k].nr;
		/* every pointer bad, every other argument random */
		uint64_t a[4];
		for (unsigned j = 0; j < 4; j++)
			a[j] = known[k].pointers & (1U << j) ? bad_pointer(&x) : next(&x);
		res = raw_syscall(nr, a[0], a[1], a[2], a[3]);
		odd += res != TEE_ERROR_BAD_PARAMETERS &&
		       !(nr == PAL_SYS_PCR_EXTEND && res == TEE_ERROR_ACCESS_DENIED);
	}
	p->p[0].u.value.a = i;
	p->p[0].u.value.b = (uint32_t)odd;
	return TEE_SUCCESS;
}

/* The caller's bytes as one log line (from its own memory: the STK takes
 * no system-call pointer into a memref window). */
static TEE_Result log_bytes(struct pal_params *p)
{
	static char line[PAL_LOG_MAX];
	uint64_t len = p->p[0].u.mem.size;

	if (pal_param_types(p) != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT, 0, 0, 0) ||
	    len > sizeof(line))
		return TEE_ERROR_BAD_PARAMETERS;
	memcpy(line, (const void *)(uintptr_t)p->p[0].u.mem.buf, len);
	return pal_sys_log(line, len);
}

TEE_Result pal_invoke(uint32_t cmd, struct pal_params *p)
{
	switch (cmd) {
	case SELFTEST_CMD_SEAL:
		return seal(p);
	case SELFTEST_CMD_UNSEAL:
		return unseal(p);
	case SELFTEST_CMD_STATEMENT:
		return statement(p);
	case SELFTEST_CMD_SPIN:
		return spin(p);
	case SELFTEST_CMD_NULL:
		*null_ptr = 0xdead;
		break;
	case SELFTEST_CMD_UNDEF:
		__asm__ volatile(".inst 0x00000000"); /* udf #0 */
		break;
	case SELFTEST_CMD_OOM:
		for (;;) {
			volatile uint8_t *b = malloc(4096);

			b[0] = 1; /* only the runtime's panic ends this */
		}
	case SELFTEST_CMD_STACK:
		recurse(0);
		break;
	case SELFTEST_CMD_STKMEM:
		return stk_pointers();
	case SELFTEST_CMD_WTEXT:
		*(volatile uint32_t *)(uintptr_t)pal_invoke = 0;
		break;
	case SELFTEST_CMD_XDATA:
		jump_into(bss_area);
		break;
	case SELFTEST_CMD_XHEAP: {
		void *code = malloc(64);
		if (code)
			jump_into(code);
		break;
	}
	case SELFTEST_CMD_XSTACK:
		return jump_into_stack();
	case SELFTEST_CMD_WINPUT:
		if (pal_param_types(p) & 0xfU) /* any p0: its window, read-only or absent */
			*(volatile uint8_t *)(uintptr_t)p->p[0].u.mem.buf = 1;
		break;
	case SELFTEST_CMD_LAYOUT:
		return layout(p);
	case SELFTEST_CMD_FILL:
		return fill(p);
	case SELFTEST_CMD_SCAN:
		return scan(p);
	case SELFTEST_CMD_SYSFUZZ:
		return sysfuzz(p);
	case SELFTEST_CMD_LOG:
		return log_bytes(p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
	/* still alive: the STK let the fault pass */
	return TEE_ERROR_GENERIC;
}
