/* tzv-client: the Linux guest's command-line client of its virtual TEE.
 *
 * It talks to tzvisor's PALs (pal/include/tzv-pals.h) through the standard
 * GlobalPlatform TEE Client API only, i.e. Debian's libteec and the kernel's
 * optee driver, exactly as any OP-TEE client would. build.sh builds it against
 * Debian's optee-client-dev headers and puts it in the initramfs as
 * /usr/bin/tzv-client.
 *
 *   tzv-client hello-value N        hello INC:  "hello-value: a=<a> b=<b>"
 *   tzv-client hello-buf SIZE [temp|shm]
 *                                   hello XOR of SIZE bytes (suffix K or M; 0
 *                                   passes NULL buffers), checked:
 *                                   "hello-buf: size=<SIZE> sum=0x<sum> ok"
 *   tzv-client hello-null           hello XOR with NULL memrefs
 *   tzv-client open UUID            open (and close) a session to UUID
 *   tzv-client invoke CMD           hello command CMD with no parameters
 *   tzv-client call UUID CMD A      any PAL's command CMD with p0 VALUE_INOUT
 *                                   a = A: "call: a=<a> b=0x<b>"
 *   tzv-client cycles N             N times open hello, INC, close
 *   tzv-client stats                the stats pseudo-PAL's counters
 *   tzv-client hold N MS [UUID]     N (<= 64) sessions of UUID (default hello,
 *                                   each with an INC) at once, held MS ms:
 *                                   "hold: K sessions open", then "hold: closed"
 *                                   (exit 1 if fewer than N opened)
 *   tzv-client key-gen SLOT | key-pub SLOT | key-sign SLOT HEX64
 *   tzv-client rng N                N (<= 4096) bytes of entropy, in hex
 *   tzv-client spin MS              selftest: spin MS milliseconds
 *   tzv-client crash null|undef|oom|stack|stkmem|wtext|xdata|xheap|xstack|winput
 *                                   selftest: misbehave, then SPIN 0 on the
 *                                   same session ("crash: after: <NAME> ...")
 *   tzv-client layout               selftest's entry point and stack top, as
 *                                   offsets from PAL_VA_BASE:
 *                                   "layout: entry 0x<E> stack-top 0x<T>"
 *   tzv-client reuse MARKER_HEX16   selftest FILL with the 8-byte marker, SCAN
 *                                   on that session, then on a new one:
 *                                   "reuse: same|new session: N of W words
 *                                   hold the marker"
 *   tzv-client sysfuzz N SEED       selftest makes N random system calls:
 *                                   "sysfuzz: N calls, K other results", then
 *                                   "sysfuzz: after: <NAME> ..." (SPIN 0)
 *   tzv-client pal-log HEX          selftest logs these bytes as one line:
 *                                   "pal-log: <NAME> (0x...)"
 *   tzv-client bench N              N hello INC calls on one session, timed:
 *                                   "bench: N invokes T ns/call", then, where
 *                                   the tzv-guest module counts instructions
 *                                   by level (make bench, under -icount),
 *                                   "bench: per call el0 A el1 B el2 C"
 *   tzv-client soak N THREADS       N hello INC calls in all from THREADS (<= 16)
 *                                   threads, each on its own session, every
 *                                   answer checked: "soak: thread T: C calls,
 *                                   L lost, R calls/s", then "soak: N calls,
 *                                   L lost, R calls/s, fairness F" (the
 *                                   slowest thread's rate over the fastest's)
 *   tzv-client attest NONCE_HEX [DIR]
 *                                   attest: a quote over sha256:0,1,2,3,8,9,10,12
 *                                   with the nonce (1-64 bytes), the AK
 *                                   statement, the PCRs and the event log,
 *                                   as files in DIR (default /tmp/attest),
 *                                   each also printed for a host to capture:
 *                                   "attest-file NAME SIZE", then lines
 *                                   "attest-hex NAME <up to 64 hex digits>";
 *                                   finally "attest: ok"
 *   tzv-client pcrs MASK_HEX        "pcr N: <64 hex digits>" per selected PCR
 *   tzv-client extend PCR TEXT      measures TEXT into PCR (8-15): "extend: ok"
 *   tzv-client seal MASK_HEX TEXT FILE
 *                                   seals TEXT to the PCRs of MASK_HEX, the
 *                                   blob to FILE: "seal: ok"
 *   tzv-client unseal FILE          "unseal: <the text>"
 *   tzv-client pal list             the PALs the vTEE registered, one line each:
 *                                   "pal: <uuid> <name> version=V svn=S
 *                                   signer=<hex> measurement=<hex> mem=M
 *                                   sessions=N pages=P", then "pal: N registered"
 *   tzv-client pal unload UUID      unregisters it: "pal: unloaded <uuid>"
 *   tzv-client pal-seal UUID FLAGS TEXT FILE
 *                                   the PAL UUID (one with selftest's commands)
 *                                   seals TEXT to itself in this VM (FLAGS 2:
 *                                   to its exact measurement too): "pal-seal: ok"
 *   tzv-client pal-unseal UUID FILE "pal-unseal: <the text>"
 *   tzv-client pal-statement UUID DATA_HEX FILE
 *                                   the PAL's identity over DATA (<= 64 bytes),
 *                                   from the STK (its token to FILE.token),
 *                                   certified by the attestation PAL: the 240
 *                                   bytes to FILE, and "pal-statement: <hex>"
 *   tzv-client certify TOKEN FILE   certifies a token file the same way
 *   tzv-client obj put|new NAME TEXT  objstore: trusted storage (storage.md):
 *                                   creates or replaces (new: only creates)
 *                                   the object NAME holding TEXT: "obj: ok"
 *   tzv-client obj fill NAME SIZE   the same with SIZE pattern bytes
 *   tzv-client obj get NAME [POS]   "obj: N bytes: <TEXT>" (from POS)
 *   tzv-client obj sum NAME         "obj: N bytes, fnv 0x<FNV-1a of them>"
 *   tzv-client obj write NAME POS TEXT | trunc NAME SIZE | mv NAME NEW | rm NAME
 *                                   "obj: ok"
 *   tzv-client obj ls               "obj: <NAME> <SIZE>" each, "obj: N objects"
 *   tzv-client obj --ree VERB ...   the same in the VM's file system (REE FS,
 *                                   through tee-supplicant; no ls)
 *   tzv-client obj --bound put|new NAME TEXT
 *                                   an object only this VM's kernel, initrd and
 *                                   device tree may read or replace
 *   tzv-client load-time UUID       OPEN_SESSION to the first INVOKE (SPIN 0) of
 *                                   a PAL with selftest's commands, twice:
 *                                   "load-time: first N ns", then
 *                                   "load-time: registered N ns"
 *
 * Numbers are decimal or 0x-hex (MASK_HEX: hex, 0x optional). Results go to
 * stdout with exit status 0; a usage error exits 2; a failing TEEC call
 * prints one line to stderr,
 *   tzv-client: <step>: <TEEC_ERROR_NAME> (0x<code>) origin <origin>
 * where step is init, open, invoke or alloc, and exits 1 (crash exits 0 when
 * its first call fails, as it should, and 1 when it succeeds); a file that
 * cannot be written or read prints "tzv-client: <path>: <reason>" and exits 1.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tee_client_api.h>
#include <time.h>

#include "tzv-pals.h"
#include "tzv/pal-abi.h" /* the PAL manager's records */

static const TEEC_UUID uuid_hello = TZV_UUID_HELLO;
static const TEEC_UUID uuid_rng = TZV_UUID_RNG;
static const TEEC_UUID uuid_keystore = TZV_UUID_KEYSTORE;
static const TEEC_UUID uuid_selftest = TZV_UUID_SELFTEST;
static const TEEC_UUID uuid_objstore = TZV_UUID_OBJSTORE;
static const TEEC_UUID uuid_stats = TZV_UUID_STATS;
static const TEEC_UUID uuid_attest = TZV_UUID_ATTEST;
static const TEEC_UUID uuid_palmgr = TZV_UUID_PALMGR;

static TEEC_Context ctx;
static int ctx_up;

static const char *err_name(TEEC_Result r)
{
	static const struct {
		TEEC_Result code;
		const char *name;
	} names[] = {
#define N(x) {x, #x}
	    N(TEEC_SUCCESS),
	    N(TEEC_ERROR_STORAGE_NOT_AVAILABLE),
	    N(TEEC_ERROR_GENERIC),
	    N(TEEC_ERROR_ACCESS_DENIED),
	    N(TEEC_ERROR_CANCEL),
	    N(TEEC_ERROR_ACCESS_CONFLICT),
	    N(TEEC_ERROR_EXCESS_DATA),
	    N(TEEC_ERROR_BAD_FORMAT),
	    N(TEEC_ERROR_BAD_PARAMETERS),
	    N(TEEC_ERROR_BAD_STATE),
	    N(TEEC_ERROR_ITEM_NOT_FOUND),
	    N(TEEC_ERROR_NOT_IMPLEMENTED),
	    N(TEEC_ERROR_NOT_SUPPORTED),
	    N(TEEC_ERROR_NO_DATA),
	    N(TEEC_ERROR_OUT_OF_MEMORY),
	    N(TEEC_ERROR_BUSY),
	    N(TEEC_ERROR_COMMUNICATION),
	    N(TEEC_ERROR_SECURITY),
	    N(TEEC_ERROR_SHORT_BUFFER),
	    N(TEEC_ERROR_EXTERNAL_CANCEL),
	    N(TEEC_ERROR_TARGET_DEAD),
	    N(TEEC_ERROR_STORAGE_NO_SPACE),
#undef N
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].code == r)
			return names[i].name;
	}
	return "UNKNOWN";
}

static int fail(const char *step, TEEC_Result r, uint32_t origin)
{
	fprintf(stderr, "tzv-client: %s: %s (0x%08x) origin %u\n", step, err_name(r), r, origin);
	return 1;
}

/* The context, made on first use (by one thread); 0 or 1. */
static int context(void)
{
	if (!ctx_up) {
		TEEC_Result r = TEEC_InitializeContext(NULL, &ctx);
		if (r != TEEC_SUCCESS)
			return fail("init", r, TEEC_ORIGIN_API);
		ctx_up = 1;
	}
	return 0;
}

/* Opens a session to uuid; 0 or 1. */
static int open_session(TEEC_Session *s, const TEEC_UUID *uuid)
{
	uint32_t origin = TEEC_ORIGIN_API;
	TEEC_Result r;

	if (context())
		return 1;
	r = TEEC_OpenSession(&ctx, s, uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	return r == TEEC_SUCCESS ? 0 : fail("open", r, origin);
}

static TEEC_Result call(TEEC_Session *s, uint32_t cmd, TEEC_Operation *op, uint32_t *origin)
{
	*origin = TEEC_ORIGIN_API;
	return TEEC_InvokeCommand(s, cmd, op, origin);
}

/* Invokes cmd; 0, or 1 after printing the error line. */
static int invoke(TEEC_Session *s, uint32_t cmd, TEEC_Operation *op)
{
	uint32_t origin;
	TEEC_Result r = call(s, cmd, op, &origin);

	return r == TEEC_SUCCESS ? 0 : fail("invoke", r, origin);
}

/* Opens a session to uuid, invokes cmd with op, closes; 0 or 1. */
static int oneshot(const TEEC_UUID *uuid, uint32_t cmd, TEEC_Operation *op)
{
	TEEC_Session s;
	int rc;

	if (open_session(&s, uuid))
		return 1;
	rc = invoke(&s, cmd, op);
	TEEC_CloseSession(&s);
	return rc;
}

static TEEC_Operation operation(uint32_t t0, uint32_t t1, uint32_t t2)
{
	TEEC_Operation op;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(t0, t1, t2, TEEC_NONE);
	return op;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decimal or 0x-hex, no sign, fits in 32 bits. */
static int parse_u32(const char *s, uint32_t *v)
{
	int base = 10;
	unsigned long long n;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (hex_nibble(s[0]) < 0 || hex_nibble(s[0]) >= base)
		return -1;
	errno = 0;
	n = strtoull(s, &end, base);
	if (errno || *end || n > UINT32_MAX)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

/* A byte count: a number with an optional K or M suffix, at most 1 GiB. */
static int parse_size(const char *s, size_t *v)
{
	char num[32];
	size_t len = strlen(s), shift = 0;
	uint32_t n;

	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len + 1);
	if (num[len - 1] == 'K' || num[len - 1] == 'k')
		shift = 10;
	else if (num[len - 1] == 'M' || num[len - 1] == 'm')
		shift = 20;
	if (shift)
		num[len - 1] = '\0';
	if (parse_u32(num, &n) || (uint64_t)n << shift > (1u << 30))
		return -1;
	*v = (size_t)n << shift;
	return 0;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* "label: <hex of the n bytes>" */
static void print_hex(const char *label, const uint8_t *p, size_t n)
{
	printf("%s:%s", label, n ? " " : "");
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static int cmd_hello_value(char **argv)
{
	TEEC_Operation op = operation(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE);
	uint32_t n;

	if (parse_u32(argv[0], &n))
		return 2;
	op.params[0].value.a = n;
	op.params[0].value.b = n;
	if (oneshot(&uuid_hello, HELLO_CMD_INC, &op))
		return 1;
	printf("hello-value: a=%u b=%u\n", op.params[0].value.a, op.params[0].value.b);
	return 0;
}

/* hello XOR over size bytes: in caller buffers (temp) or allocated shared
 * memory (shm); size 0 passes NULL temporary memrefs either way. */
static int cmd_hello_buf(char **argv)
{
	TEEC_SharedMemory shm_in = {0}, shm_out = {0};
	TEEC_Operation op;
	TEEC_Session s;
	uint8_t *in = NULL, *out = NULL;
	uint32_t sum = 0;
	size_t size, got;
	int shm, rc = 1;

	if (parse_size(argv[0], &size))
		return 2;
	if (!argv[1] || !strcmp(argv[1], "temp"))
		shm = 0;
	else if (!strcmp(argv[1], "shm"))
		shm = 1;
	else
		return 2;

	if (open_session(&s, &uuid_hello))
		return 1;
	if (size && shm) {
		TEEC_Result r;

		shm_in.size = size;
		shm_in.flags = TEEC_MEM_INPUT;
		shm_out.size = size;
		shm_out.flags = TEEC_MEM_OUTPUT;
		r = TEEC_AllocateSharedMemory(&ctx, &shm_in);
		if (r != TEEC_SUCCESS) {
			fail("alloc", r, TEEC_ORIGIN_API);
			goto close;
		}
		r = TEEC_AllocateSharedMemory(&ctx, &shm_out);
		if (r != TEEC_SUCCESS) {
			fail("alloc", r, TEEC_ORIGIN_API);
			goto release;
		}
		in = shm_in.buffer;
		out = shm_out.buffer;
		op = operation(TEEC_MEMREF_WHOLE, TEEC_MEMREF_WHOLE, TEEC_VALUE_OUTPUT);
		op.params[0].memref.parent = &shm_in;
		op.params[0].memref.size = size;
		op.params[1].memref.parent = &shm_out;
		op.params[1].memref.size = size;
	} else {
		if (size) {
			in = malloc(size);
			out = malloc(size);
			if (!in || !out) {
				fprintf(stderr, "tzv-client: out of memory for %zu bytes\n", size);
				goto release;
			}
		}
		op = operation(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_VALUE_OUTPUT);
		op.params[0].tmpref.buffer = in;
		op.params[0].tmpref.size = size;
		op.params[1].tmpref.buffer = out;
		op.params[1].tmpref.size = size;
	}
	for (size_t i = 0; i < size; i++) {
		in[i] = (uint8_t)((i * 131 + 7) & 0xff);
		out[i] = 0;
		sum += in[i];
	}

	if (invoke(&s, HELLO_CMD_XOR, &op))
		goto release;
	got = shm ? op.params[1].memref.size : op.params[1].tmpref.size;
	if (got != size) {
		printf("hello-buf: size=%zu MISMATCH out-size %zu\n", size, got);
		goto release;
	}
	for (size_t i = 0; i < size; i++) {
		if (out[i] != (in[i] ^ 0x5a)) {
			printf("hello-buf: size=%zu MISMATCH at %zu\n", size, i);
			goto release;
		}
	}
	if (op.params[2].value.a != sum || op.params[2].value.b != size) {
		printf("hello-buf: size=%zu MISMATCH sum 0x%08x b %u\n", size, op.params[2].value.a,
		       op.params[2].value.b);
		goto release;
	}
	printf("hello-buf: size=%zu sum=0x%08x ok\n", size, sum);
	rc = 0;
release:
	if (size && shm) {
		if (shm_out.buffer)
			TEEC_ReleaseSharedMemory(&shm_out);
		if (shm_in.buffer)
			TEEC_ReleaseSharedMemory(&shm_in);
	} else {
		free(in);
		free(out);
	}
close:
	TEEC_CloseSession(&s);
	return rc;
}

static int cmd_hello_null(char **argv)
{
	TEEC_Operation op =
	    operation(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_VALUE_OUTPUT);

	(void)argv;
	if (oneshot(&uuid_hello, HELLO_CMD_XOR, &op))
		return 1;
	printf("hello-null: ok a=%u b=%u\n", op.params[2].value.a, op.params[2].value.b);
	return 0;
}

/* n bytes from exactly 2n hex digits. */
static int parse_hex(const char *s, uint8_t *p, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* 8-4-4-4-12 hex digits, to the 16 octets in RFC 4122 order. */
static int parse_uuid_octets(const char *s, uint8_t b[16])
{
	char hex[33];
	size_t n = 0;

	if (strlen(s) != 36)
		return -1;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
		} else {
			hex[n++] = s[i];
		}
	}
	hex[n] = '\0';
	return parse_hex(hex, b, 16);
}

static int parse_uuid(const char *s, TEEC_UUID *u)
{
	uint8_t b[16];

	if (parse_uuid_octets(s, b))
		return -1;
	u->timeLow = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	u->timeMid = (uint16_t)(b[4] << 8 | b[5]);
	u->timeHiAndVersion = (uint16_t)(b[6] << 8 | b[7]);
	memcpy(u->clockSeqAndNode, b + 8, 8);
	return 0;
}

static int cmd_open(char **argv)
{
	TEEC_Session s;
	TEEC_UUID uuid;

	if (parse_uuid(argv[0], &uuid))
		return 2;
	if (open_session(&s, &uuid))
		return 1;
	TEEC_CloseSession(&s);
	printf("open: ok\n");
	return 0;
}

/* Any PAL's command with one VALUE_INOUT parameter. */
static int cmd_call(char **argv)
{
	TEEC_Operation op = operation(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE);
	TEEC_UUID uuid;
	uint32_t cmd;

	if (parse_uuid(argv[0], &uuid) || parse_u32(argv[1], &cmd) ||
	    parse_u32(argv[2], &op.params[0].value.a))
		return 2;
	if (oneshot(&uuid, cmd, &op))
		return 1;
	printf("call: a=%u b=0x%08x\n", op.params[0].value.a, op.params[0].value.b);
	return 0;
}

static int cmd_invoke(char **argv)
{
	TEEC_Operation op = operation(TEEC_NONE, TEEC_NONE, TEEC_NONE);
	uint32_t cmd;

	if (parse_u32(argv[0], &cmd))
		return 2;
	if (oneshot(&uuid_hello, cmd, &op))
		return 1;
	printf("invoke: ok\n");
	return 0;
}

static int cmd_cycles(char **argv)
{
	uint32_t n;

	if (parse_u32(argv[0], &n))
		return 2;
	for (uint32_t i = 0; i < n; i++) {
		TEEC_Operation op = operation(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE);

		op.params[0].value.a = i;
		if (oneshot(&uuid_hello, HELLO_CMD_INC, &op))
			return 1;
	}
	printf("cycles: %u ok\n", n);
	return 0;
}

static int cmd_stats(char **argv)
{
	TEEC_Operation op = operation(TEEC_VALUE_OUTPUT, TEEC_VALUE_OUTPUT, TEEC_VALUE_OUTPUT);

	(void)argv;
	if (oneshot(&uuid_stats, STATS_CMD_GET, &op))
		return 1;
	printf("stats: sessions=%u shm=%u instances=%u calls=%u secure_kib=%u/%u\n",
	       op.params[0].value.a, op.params[0].value.b, op.params[1].value.a,
	       op.params[1].value.b, op.params[2].value.a, op.params[2].value.b);
	return 0;
}

/* N sessions at once (hello's get an INC each), held MS milliseconds. */
static int cmd_hold(char **argv)
{
	static TEEC_Session s[64];
	TEEC_UUID uuid = uuid_hello;
	uint32_t n, ms, open = 0;
	int rc = 0;

	if (parse_u32(argv[0], &n) || n > 64 || parse_u32(argv[1], &ms) ||
	    (argv[2] && parse_uuid(argv[2], &uuid)))
		return 2;
	for (; open < n; open++) {
		TEEC_Operation op = operation(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE);

		if (open_session(&s[open], &uuid)) {
			rc = 1;
			break;
		}
		if (!argv[2] && invoke(&s[open], HELLO_CMD_INC, &op)) {
			TEEC_CloseSession(&s[open]);
			rc = 1;
			break;
		}
	}
	printf("hold: %u sessions open\n", open);
	fflush(stdout);
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
	while (open)
		TEEC_CloseSession(&s[--open]);
	printf("hold: closed\n");
	return rc;
}

static int cmd_key_gen(char **argv)
{
	TEEC_Operation op = operation(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE);

	if (parse_u32(argv[0], &op.params[0].value.a))
		return 2;
	if (oneshot(&uuid_keystore, KEYSTORE_CMD_GENERATE, &op))
		return 1;
	printf("key-gen: ok\n");
	return 0;
}

static int cmd_key_pub(char **argv)
{
	TEEC_Operation op = operation(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE);
	uint8_t pub[65];

	if (parse_u32(argv[0], &op.params[0].value.a))
		return 2;
	op.params[1].tmpref.buffer = pub;
	op.params[1].tmpref.size = sizeof(pub);
	if (oneshot(&uuid_keystore, KEYSTORE_CMD_GET_PUBLIC, &op))
		return 1;
	print_hex("key-pub", pub, min_size(op.params[1].tmpref.size, sizeof(pub)));
	return 0;
}

static int cmd_key_sign(char **argv)
{
	TEEC_Operation op =
	    operation(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT);
	uint8_t digest[32], sig[64];

	if (parse_u32(argv[0], &op.params[0].value.a) || parse_hex(argv[1], digest, sizeof(digest)))
		return 2;
	op.params[1].tmpref.buffer = digest;
	op.params[1].tmpref.size = sizeof(digest);
	op.params[2].tmpref.buffer = sig;
	op.params[2].tmpref.size = sizeof(sig);
	if (oneshot(&uuid_keystore, KEYSTORE_CMD_SIGN, &op))
		return 1;
	print_hex("key-sign", sig, min_size(op.params[2].tmpref.size, sizeof(sig)));
	return 0;
}

static int cmd_rng(char **argv)
{
	TEEC_Operation op = operation(TEEC_MEMREF_TEMP_INOUT, TEEC_NONE, TEEC_NONE);
	static uint8_t buf[4096];
	uint32_t n;

	if (parse_u32(argv[0], &n) || n > sizeof(buf))
		return 2;
	op.params[0].tmpref.buffer = n ? buf : NULL;
	op.params[0].tmpref.size = n;
	if (oneshot(&uuid_rng, RNG_CMD_GET_ENTROPY, &op))
		return 1;
	print_hex("rng", buf, min_size(op.params[0].tmpref.size, n));
	return 0;
}

static int cmd_spin(char **argv)
{
	TEEC_Operation op = operation(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE);

	if (parse_u32(argv[0], &op.params[0].value.a))
		return 2;
	if (oneshot(&uuid_selftest, SELFTEST_CMD_SPIN, &op))
		return 1;
	printf("spin: ok loops=%u\n", op.params[0].value.b);
	return 0;
}

static int cmd_crash(char **argv)
{
	static const struct {
		const char *kind;
		uint32_t cmd;
	} kinds[] = {
	    {"null", SELFTEST_CMD_NULL},     {"undef", SELFTEST_CMD_UNDEF},
	    {"oom", SELFTEST_CMD_OOM},	     {"stack", SELFTEST_CMD_STACK},
	    {"stkmem", SELFTEST_CMD_STKMEM}, {"wtext", SELFTEST_CMD_WTEXT},
	    {"xdata", SELFTEST_CMD_XDATA},   {"xheap", SELFTEST_CMD_XHEAP},
	    {"xstack", SELFTEST_CMD_XSTACK}, {"winput", SELFTEST_CMD_WINPUT},
	};
	static char input[64] = "an input memref: the PAL may read it, not write it";
	/* (winput writes into p0; the others ignore it) */
	TEEC_Operation op = operation(TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE);
	TEEC_Session s;
	TEEC_Result r;
	uint32_t origin;
	size_t k;
	int rc;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (!strcmp(argv[0], kinds[k].kind))
			break;
	}
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return 2;
	op.params[0].tmpref.buffer = input;
	op.params[0].tmpref.size = sizeof(input);
	if (open_session(&s, &uuid_selftest))
		return 1;
	r = call(&s, kinds[k].cmd, &op, &origin);
	if (r != TEEC_SUCCESS) {
		fail("invoke", r, origin);
		rc = 0;
	} else {
		fprintf(stderr, "tzv-client: crash %s: unexpectedly succeeded\n", kinds[k].kind);
		rc = 1;
	}
	op = operation(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE);
	r = call(&s, SELFTEST_CMD_SPIN, &op, &origin);
	printf("crash: after: %s (0x%08x)\n", err_name(r), r);
	TEEC_CloseSession(&s);
	return rc;
}

static int cmd_layout(char **argv)
{
	(void)argv;
	TEEC_Operation op = operation(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);

	if (oneshot(&uuid_selftest, SELFTEST_CMD_LAYOUT, &op))
		return 1;
	printf("layout: entry 0x%x stack-top 0x%x\n", op.params[0].value.a, op.params[0].value.b);
	return 0;
}

static int scan_marker(TEEC_Session *s, uint32_t lo, uint32_t hi, const char *which)
{
	TEEC_Operation op = operation(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE);

	op.params[0].value.a = lo;
	op.params[0].value.b = hi;
	if (invoke(s, SELFTEST_CMD_SCAN, &op))
		return 1;
	printf("reuse: %s session: %u of %u words hold the marker\n", which, op.params[1].value.a,
	       op.params[1].value.b);
	return 0;
}

/* SCAN for MARKER after a FILL on the same session, then on a new one. */
static int cmd_reuse(char **argv)
{
	TEEC_Operation op = operation(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE);
	TEEC_Session s;
	uint8_t m[8];
	int rc;

	if (parse_hex(argv[0], m, sizeof(m)))
		return 2;
	uint32_t hi = (uint32_t)m[0] << 24 | m[1] << 16 | m[2] << 8 | m[3],
		 lo = (uint32_t)m[4] << 24 | m[5] << 16 | m[6] << 8 | m[7];
	op.params[0].value.a = lo;
	op.params[0].value.b = hi;
	if (open_session(&s, &uuid_selftest))
		return 1;
	rc = invoke(&s, SELFTEST_CMD_FILL, &op) || scan_marker(&s, lo, hi, "same");
	TEEC_CloseSession(&s);
	if (rc || open_session(&s, &uuid_selftest))
		return 1;
	rc = scan_marker(&s, lo, hi, "new");
	TEEC_CloseSession(&s);
	return rc;
}

/* A line of raw bytes logged by selftest (what a PAL can put on the
 * console): "pal-log: 0x<result>". */
static int cmd_pal_log(char **argv)
{
	TEEC_Operation op = operation(TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE);
	uint8_t bytes[256];
	size_t n = strlen(argv[0]) / 2;
	TEEC_Session s;
	uint32_t origin;

	if (n > sizeof(bytes) || parse_hex(argv[0], bytes, n))
		return 2;
	op.params[0].tmpref.buffer = bytes;
	op.params[0].tmpref.size = n;
	if (open_session(&s, &uuid_selftest))
		return 1;
	TEEC_Result r = call(&s, SELFTEST_CMD_LOG, &op, &origin);
	printf("pal-log: %s (0x%08x)\n", err_name(r), r);
	TEEC_CloseSession(&s);
	return r != TEEC_SUCCESS;
}

static int cmd_sysfuzz(char **argv)
{
	TEEC_Operation op = operation(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE);
	TEEC_Session s;
	uint32_t origin;

	if (parse_u32(argv[0], &op.params[0].value.a) || parse_u32(argv[1], &op.params[0].value.b))
		return 2;
	if (open_session(&s, &uuid_selftest) || invoke(&s, SELFTEST_CMD_SYSFUZZ, &op))
		return 1;
	printf("sysfuzz: %u calls, %u other results\n", op.params[0].value.a, op.params[0].value.b);
	op = operation(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE);
	TEEC_Result r = call(&s, SELFTEST_CMD_SPIN, &op, &origin);
	printf("sysfuzz: after: %s (0x%08x)\n", err_name(r), r);
	TEEC_CloseSession(&s);
	return 0;
}

/* the tzv-guest module's instruction counters by level (EL0, EL1, EL2) */
#define INSNS_FILE "/sys/kernel/tzv/insns"

static int insns_start(void)
{
	FILE *f = fopen(INSNS_FILE, "w");

	if (!f)
		return 0;
	int ok = fputs("1\n", f) >= 0;
	return fclose(f) == 0 && ok;
}

static int insns_read(unsigned long long by_level[3])
{
	FILE *f = fopen(INSNS_FILE, "r");
	int ok = f && fscanf(f, "%llu %llu %llu", &by_level[0], &by_level[1], &by_level[2]) == 3;

	if (f)
		fclose(f);
	return ok;
}

static int cmd_bench(char **argv)
{
	struct timespec t0, t1;
	TEEC_Session s;
	uint64_t ns;
	uint32_t n;

	if (parse_u32(argv[0], &n) || n == 0)
		return 2;
	if (open_session(&s, &uuid_hello))
		return 1;
	unsigned long long by_level[3];
	int counted = insns_start();

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint32_t i = 0; i < n; i++) {
		TEEC_Operation op = operation(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE);

		op.params[0].value.a = i;
		if (invoke(&s, HELLO_CMD_INC, &op)) {
			TEEC_CloseSession(&s);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	counted = counted && insns_read(by_level);
	TEEC_CloseSession(&s);
	ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
	     (uint64_t)t0.tv_nsec;
	printf("bench: %u invokes %llu ns/call\n", n, (unsigned long long)(ns / n));
	if (counted)
		printf("bench: per call el0 %llu el1 %llu el2 %llu\n", by_level[0] / n,
		       by_level[1] / n, by_level[2] / n);
	return 0;
}

struct soaker {
	pthread_t thread;
	uint32_t calls, lost;
	double seconds;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One thread of the soak: its own session, every answer checked; a call
 * that fails or answers wrong is lost, and the thread goes on. */
static void *soak_thread(void *arg)
{
	struct soaker *w = arg;
	TEEC_Session s;
	double t0 = now_s();

	if (open_session(&s, &uuid_hello)) {
		w->lost = w->calls;
		return NULL;
	}
	for (uint32_t i = 0; i < w->calls; i++) {
		TEEC_Operation op = operation(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE);
		uint32_t origin;
		op.params[0].value.a = i;
		op.params[0].value.b = ~i;
		if (call(&s, HELLO_CMD_INC, &op, &origin) != TEEC_SUCCESS ||
		    op.params[0].value.a != i + 1 || op.params[0].value.b != ~i + 2)
			w->lost++;
	}
	w->seconds = now_s() - t0;
	TEEC_CloseSession(&s);
	return NULL;
}

static int cmd_soak(char **argv)
{
	static struct soaker w[16];
	uint32_t n, threads, lost = 0;
	double slowest = 0, fastest = 0, t0;

	if (parse_u32(argv[0], &n) || parse_u32(argv[1], &threads) || n == 0 || threads == 0 ||
	    threads > 16 || n < threads)
		return 2;
	if (context())
		return 1;
	t0 = now_s();
	for (uint32_t t = 0; t < threads; t++) {
		w[t].calls = n / threads + (t < n % threads);
		if (pthread_create(&w[t].thread, NULL, soak_thread, &w[t])) {
			fprintf(stderr, "tzv-client: soak: cannot start thread %u\n", t);
			return 1;
		}
	}
	for (uint32_t t = 0; t < threads; t++)
		pthread_join(w[t].thread, NULL);
	double all = now_s() - t0;
	for (uint32_t t = 0; t < threads; t++) {
		double rate = w[t].seconds > 0 ? w[t].calls / w[t].seconds : 0;
		printf("soak: thread %u: %u calls, %u lost, %.0f calls/s\n", t, w[t].calls,
		       w[t].lost, rate);
		lost += w[t].lost;
		slowest = t == 0 || rate < slowest ? rate : slowest;
		fastest = rate > fastest ? rate : fastest;
	}
	printf("soak: %u calls, %u lost, %.0f calls/s, fairness %.3f\n", n, lost, n / all,
	       fastest > 0 ? slowest / fastest : 0);
	return lost ? 1 : 0;
}

/* ---- attestation (docs/secure-boot.md) ---- */

/* the selection `tzv-client attest` quotes */
/* PCR 0-3 (platform), 8-10 (the VM's boot), 12 (the PALs it loaded) */
#define ATTEST_MASK 0x170Fu
#define ATTEST_LIST "sha256:0,1,2,3,8,9,10,12"
#define ATTEST_LOG  (64 * 1024) /* the contract: a log is < 64 KiB */

/* A PCR mask: 1-8 hex digits, 0x optional. */
static int parse_mask(const char *s, uint32_t *v)
{
	size_t n;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n == 0 || n > 8)
		return -1;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hex_nibble(s[i]);

		if (d < 0)
			return -1;
		*v = *v << 4 | (uint32_t)d;
	}
	return 0;
}

static size_t popcount32(uint32_t v)
{
	size_t n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int bad;

	if (!f) {
		fprintf(stderr, "tzv-client: %s: %s\n", path, strerror(errno));
		return 1;
	}
	bad = n && fwrite(p, 1, n, f) != n;
	if (fclose(f) || bad) {
		fprintf(stderr, "tzv-client: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

/* The whole file into a new buffer (at most max bytes, else an error). */
static int read_file(const char *path, uint8_t **p, size_t *n, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t got;

	*p = malloc(max + 1);
	if (!f || !*p) {
		fprintf(stderr, "tzv-client: %s: %s\n", path,
			f ? "out of memory" : strerror(errno));
		goto fail;
	}
	got = fread(*p, 1, max + 1, f);
	if (ferror(f) || got > max) {
		fprintf(stderr, "tzv-client: %s: %s\n", path,
			ferror(f) ? "read error" : "file too large");
		goto fail;
	}
	fclose(f);
	*n = got;
	return 0;
fail:
	if (f)
		fclose(f);
	free(*p);
	*p = NULL;
	return 1;
}

/* The AK as a SubjectPublicKeyInfo PEM: the fixed DER prefix of an
 * id-ecPublicKey / prime256v1 key, then the uncompressed point. */
static size_t ak_pem(const uint8_t pub[65], char *out)
{
	static const uint8_t prefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
					 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
					 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t der[sizeof(prefix) + 65];
	size_t n = 0, col = 0;

	memcpy(der, prefix, sizeof(prefix));
	memcpy(der + sizeof(prefix), pub, 65);
	n += (size_t)sprintf(out, "-----BEGIN PUBLIC KEY-----\n");
	for (size_t i = 0; i < sizeof(der); i += 3) {
		uint32_t v = (uint32_t)der[i] << 16;
		size_t left = sizeof(der) - i;

		if (left > 1)
			v |= (uint32_t)der[i + 1] << 8;
		if (left > 2)
			v |= der[i + 2];
		out[n++] = b64[v >> 18 & 63];
		out[n++] = b64[v >> 12 & 63];
		out[n++] = left > 1 ? b64[v >> 6 & 63] : '=';
		out[n++] = left > 2 ? b64[v & 63] : '=';
		col += 4;
		if (col == 64) {
			out[n++] = '\n';
			col = 0;
		}
	}
	if (col)
		out[n++] = '\n';
	n += (size_t)sprintf(out + n, "-----END PUBLIC KEY-----\n");
	return n;
}

/* "attest-file NAME SIZE", then the bytes as "attest-hex NAME <hex>" lines
 * of up to 32 bytes: what a host reassembles the files from. */
static void print_file(const char *name, const uint8_t *p, size_t n)
{
	static const char digit[] = "0123456789abcdef";
	char line[2 * 32 + 2];

	printf("attest-file %s %zu\n", name, n);
	for (size_t i = 0; i < n; i += 32) {
		size_t k =
		    0; /* a line at a time: printf per byte was most of the round's user time */
		for (size_t j = i; j < n && j < i + 32; j++) {
			line[k++] = digit[p[j] >> 4];
			line[k++] = digit[p[j] & 15];
		}
		line[k++] = '\n';
		line[k] = 0;
		printf("attest-hex %s %s", name, line);
	}
}

static int cmd_attest(char **argv)
{
	const char *dir = argv[1] ? argv[1] : "/tmp/attest";
	uint8_t nonce[64], quote[256], sig[72], ak[160], pcrs[8 * 32], *log = NULL;
	char pem[256], nonce_hex[2 * sizeof(nonce) + 2], path[4096];
	size_t nlen = strlen(argv[0]) / 2, log_size = ATTEST_LOG, quote_len, sig_len, pcrs_len;
	TEEC_Operation op;
	TEEC_Session s;
	TEEC_Result r;
	uint32_t origin;
	int rc = 1;

	if (nlen < 1 || nlen > sizeof(nonce) || parse_hex(argv[0], nonce, nlen))
		return 2;
	for (size_t i = 0; i < nlen; i++)
		sprintf(nonce_hex + 2 * i, "%02x", nonce[i]);
	strcpy(nonce_hex + 2 * nlen, "\n");
	if (strlen(dir) > sizeof(path) - 32)
		return 2;
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "tzv-client: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (open_session(&s, &uuid_attest))
		return 1;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_TEMP_OUTPUT, TEEC_MEMREF_TEMP_OUTPUT);
	op.params[0].value.a = ATTEST_MASK;
	op.params[1].tmpref.buffer = nonce;
	op.params[1].tmpref.size = nlen;
	op.params[2].tmpref.buffer = quote;
	op.params[2].tmpref.size = sizeof(quote);
	op.params[3].tmpref.buffer = sig;
	op.params[3].tmpref.size = sizeof(sig);
	if (invoke(&s, ATTEST_CMD_QUOTE, &op))
		goto close;
	quote_len = min_size(op.params[2].tmpref.size, sizeof(quote));
	sig_len = min_size(op.params[3].tmpref.size, sizeof(sig));

	op = operation(TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref.buffer = ak;
	op.params[0].tmpref.size = sizeof(ak);
	if (invoke(&s, ATTEST_CMD_GET_AK, &op))
		goto close;
	if (op.params[0].tmpref.size != sizeof(ak)) {
		fprintf(stderr, "tzv-client: attest: AK statement of %zu bytes\n",
			op.params[0].tmpref.size);
		goto close;
	}

	op = operation(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE);
	op.params[0].value.a = ATTEST_MASK;
	op.params[1].tmpref.buffer = pcrs;
	op.params[1].tmpref.size = sizeof(pcrs);
	if (invoke(&s, ATTEST_CMD_READ_PCRS, &op))
		goto close;
	pcrs_len = min_size(op.params[1].tmpref.size, sizeof(pcrs));

	/* the log: once more with the size the PAL asks for if it is short */
	for (int tries = 0;; tries++) {
		log = malloc(log_size);
		if (!log) {
			fprintf(stderr, "tzv-client: out of memory for %zu bytes\n", log_size);
			goto close;
		}
		op = operation(TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE);
		op.params[0].tmpref.buffer = log;
		op.params[0].tmpref.size = log_size;
		r = call(&s, ATTEST_CMD_GET_EVENTLOG, &op, &origin);
		if (r == TEEC_ERROR_SHORT_BUFFER && tries == 0 &&
		    op.params[0].tmpref.size > log_size) {
			log_size = op.params[0].tmpref.size;
			free(log);
			continue;
		}
		if (r != TEEC_SUCCESS) {
			fail("invoke", r, origin);
			goto close;
		}
		log_size = min_size(op.params[0].tmpref.size, log_size);
		break;
	}

	const struct {
		const char *name;
		const void *p;
		size_t n;
	} files[] = {
	    {"quote.attest", quote, quote_len},
	    {"quote.sig", sig, sig_len},
	    {"pcrs.bin", pcrs, pcrs_len},
	    {"pcrs.list", ATTEST_LIST "\n", strlen(ATTEST_LIST) + 1},
	    {"ak.pem", pem, ak_pem(ak + 24, pem)},
	    {"ak.cert", ak, sizeof(ak)},
	    {"eventlog.bin", log, log_size},
	    {"nonce", nonce_hex, 2 * nlen + 1},
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		if (write_file(path, files[i].p, files[i].n))
			goto close;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		print_file(files[i].name, files[i].p, files[i].n);
	printf("attest: ok\n");
	rc = 0;
close:
	free(log);
	TEEC_CloseSession(&s);
	return rc;
}

static int cmd_pcrs(char **argv)
{
	TEEC_Operation op = operation(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE);
	uint8_t vals[32 * 32];
	uint32_t mask;
	size_t n = 0;

	if (parse_mask(argv[0], &mask))
		return 2;
	op.params[0].value.a = mask;
	op.params[1].tmpref.buffer = vals;
	op.params[1].tmpref.size = 32 * popcount32(mask);
	if (oneshot(&uuid_attest, ATTEST_CMD_READ_PCRS, &op))
		return 1;
	for (uint32_t i = 0; i < 32; i++) {
		char label[16];

		if (!(mask & (1u << i)) || 32 * (n + 1) > op.params[1].tmpref.size)
			continue;
		snprintf(label, sizeof(label), "pcr %u", i);
		print_hex(label, vals + 32 * n++, 32);
	}
	return 0;
}

static int cmd_extend(char **argv)
{
	TEEC_Operation op = operation(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_NONE);

	if (parse_u32(argv[0], &op.params[0].value.a))
		return 2;
	op.params[1].tmpref.buffer = argv[1];
	op.params[1].tmpref.size = strlen(argv[1]);
	if (oneshot(&uuid_attest, ATTEST_CMD_EXTEND, &op))
		return 1;
	printf("extend: ok\n");
	return 0;
}

static int cmd_seal(char **argv)
{
	TEEC_Operation op =
	    operation(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT);
	size_t len = strlen(argv[1]);
	uint8_t *blob;
	int rc = 1;

	if (parse_mask(argv[0], &op.params[0].value.a))
		return 2;
	blob = malloc(len + ATTEST_SEAL_OVERHEAD);
	if (!blob) {
		fprintf(stderr, "tzv-client: out of memory for %zu bytes\n", len);
		return 1;
	}
	op.params[1].tmpref.buffer = argv[1];
	op.params[1].tmpref.size = len;
	op.params[2].tmpref.buffer = blob;
	op.params[2].tmpref.size = len + ATTEST_SEAL_OVERHEAD;
	if (!oneshot(&uuid_attest, ATTEST_CMD_SEAL, &op) &&
	    !write_file(argv[2], blob,
			min_size(op.params[2].tmpref.size, len + ATTEST_SEAL_OVERHEAD))) {
		printf("seal: ok\n");
		rc = 0;
	}
	free(blob);
	return rc;
}

static int cmd_unseal(char **argv)
{
	TEEC_Operation op = operation(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE);
	uint8_t *blob, *data;
	size_t n;
	int rc = 1;

	/* a larger file still goes to the PAL, which refuses it */
	if (read_file(argv[0], &blob, &n, 64 * 1024))
		return 1;
	data = malloc(n + 1);
	if (!data) {
		fprintf(stderr, "tzv-client: out of memory for %zu bytes\n", n);
		free(blob);
		return 1;
	}
	op.params[0].tmpref.buffer = blob;
	op.params[0].tmpref.size = n;
	op.params[1].tmpref.buffer = data;
	op.params[1].tmpref.size = n;
	if (!oneshot(&uuid_attest, ATTEST_CMD_UNSEAL, &op)) {
		printf("unseal: ");
		fwrite(data, 1, min_size(op.params[1].tmpref.size, n), stdout);
		printf("\n");
		rc = 0;
	}
	free(data);
	free(blob);
	return rc;
}

/* ---- the PAL manager (docs/pal-abi.md) ---- */

static void print_uuid(const uint8_t u[16])
{
	for (int i = 0; i < 16; i++)
		printf("%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", u[i]);
}

static void print_pal(const struct pal_info *p)
{
	printf("pal: ");
	print_uuid(p->uuid);
	printf(" %.*s version=%u svn=%u signer=", (int)sizeof(p->name), p->name, p->version,
	       p->svn);
	for (size_t i = 0; i < sizeof(p->signer); i++)
		printf("%02x", p->signer[i]);
	printf(" measurement=");
	for (size_t i = 0; i < sizeof(p->measurement); i++)
		printf("%02x", p->measurement[i]);
	printf(" mem=%u sessions=%u pages=%u\n", p->mem_size, p->sessions, p->secure_pages);
}

static int pal_list(void)
{
	struct pal_info info[32];
	TEEC_Operation op = operation(TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE);
	size_t n;

	op.params[0].tmpref.buffer = info;
	op.params[0].tmpref.size = sizeof(info);
	if (oneshot(&uuid_palmgr, PALMGR_CMD_LIST, &op))
		return 1;
	n = min_size(op.params[0].tmpref.size, sizeof(info)) / sizeof(info[0]);
	for (size_t i = 0; i < n; i++)
		print_pal(&info[i]);
	printf("pal: %zu registered\n", n);
	return 0;
}

static int pal_unload(const char *arg)
{
	TEEC_Operation op = operation(TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE);
	uint8_t uuid[16];

	if (parse_uuid_octets(arg, uuid))
		return 2;
	op.params[0].tmpref.buffer = uuid;
	op.params[0].tmpref.size = sizeof(uuid);
	if (oneshot(&uuid_palmgr, PALMGR_CMD_UNLOAD, &op))
		return 1;
	printf("pal: unloaded ");
	print_uuid(uuid);
	printf("\n");
	return 0;
}

/* ---- a PAL's own sealing and statements (selftest's commands) ---- */

static int cmd_pal_seal(char **argv)
{
	TEEC_Operation op =
	    operation(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT);
	uint8_t blob[SELFTEST_SEAL_MAX + 44];
	size_t len = strlen(argv[2]);
	TEEC_UUID uuid;

	if (parse_uuid(argv[0], &uuid) || parse_u32(argv[1], &op.params[0].value.a) ||
	    len > SELFTEST_SEAL_MAX)
		return 2;
	op.params[1].tmpref.buffer = argv[2];
	op.params[1].tmpref.size = len;
	op.params[2].tmpref.buffer = blob;
	op.params[2].tmpref.size = sizeof(blob);
	if (oneshot(&uuid, SELFTEST_CMD_SEAL, &op) ||
	    write_file(argv[3], blob, min_size(op.params[2].tmpref.size, sizeof(blob))))
		return 1;
	printf("pal-seal: ok\n");
	return 0;
}

static int cmd_pal_unseal(char **argv)
{
	TEEC_Operation op = operation(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE);
	uint8_t data[SELFTEST_SEAL_MAX], *blob;
	TEEC_UUID uuid;
	size_t n;
	int rc = 1;

	if (parse_uuid(argv[0], &uuid))
		return 2;
	if (read_file(argv[1], &blob, &n, 64 * 1024))
		return 1;
	op.params[0].tmpref.buffer = blob;
	op.params[0].tmpref.size = n;
	op.params[1].tmpref.buffer = data;
	op.params[1].tmpref.size = sizeof(data);
	if (!oneshot(&uuid, SELFTEST_CMD_UNSEAL, &op)) {
		printf("pal-unseal: %.*s\n", (int)min_size(op.params[1].tmpref.size, sizeof(data)),
		       (const char *)data);
		rc = 0;
	}
	free(blob);
	return rc;
}

/* A statement token, certified by the attestation PAL into FILE: what a
 * remote verifier checks (tzv-verify --statement). */
static int certify(const uint8_t *token, size_t len, const char *path)
{
	TEEC_Operation op = operation(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE);
	uint8_t st[ATTEST_PAL_STATEMENT];

	op.params[0].tmpref.buffer = (void *)(uintptr_t)token;
	op.params[0].tmpref.size = len;
	op.params[1].tmpref.buffer = st;
	op.params[1].tmpref.size = sizeof(st);
	if (oneshot(&uuid_attest, ATTEST_CMD_CERTIFY_PAL, &op) || write_file(path, st, sizeof(st)))
		return 1;
	print_hex("pal-statement", st, sizeof(st));
	return 0;
}

/* The PAL's statement token over DATA to FILE.token, certified to FILE. */
static int cmd_pal_statement(char **argv)
{
	TEEC_Operation op = operation(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE);
	uint8_t data[64], token[208];
	size_t len = strlen(argv[1]) / 2;
	char path[4096];
	TEEC_UUID uuid;

	if (parse_uuid(argv[0], &uuid) || len > sizeof(data) || parse_hex(argv[1], data, len) ||
	    (size_t)snprintf(path, sizeof(path), "%s.token", argv[2]) >= sizeof(path))
		return 2;
	op.params[0].tmpref.buffer = data;
	op.params[0].tmpref.size = len;
	op.params[1].tmpref.buffer = token;
	op.params[1].tmpref.size = sizeof(token);
	if (oneshot(&uuid, SELFTEST_CMD_STATEMENT, &op) || write_file(path, token, sizeof(token)))
		return 1;
	return certify(token, sizeof(token), argv[2]);
}

static int cmd_certify(char **argv)
{
	uint8_t *token;
	size_t n;

	/* any size goes to the attestation PAL, which refuses what is wrong */
	if (read_file(argv[0], &token, &n, 4096))
		return 1;
	int rc = certify(token, n, argv[1]);
	free(token);
	return rc;
}

/* OPEN_SESSION to the first INVOKE (selftest's SPIN 0) of UUID, twice:
 * the first loads it (unless registered), the second finds it registered.
 * Under -icount the nanoseconds are instructions (make bench). */
static int cmd_load_time(char **argv)
{
	TEEC_UUID uuid;

	if (parse_uuid(argv[0], &uuid))
		return 2;
	for (int round = 0; round < 2; round++) {
		TEEC_Operation op = operation(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE);
		struct timespec t0, t1;
		TEEC_Session s;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (open_session(&s, &uuid))
			return 1;
		int rc = invoke(&s, SELFTEST_CMD_SPIN, &op);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		TEEC_CloseSession(&s);
		if (rc)
			return 1;
		printf("load-time: %s %llu ns\n", round ? "registered" : "first",
		       (unsigned long long)((uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
					    (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec));
	}
	return 0;
}

static int cmd_pal(char **argv)
{
	if (!strcmp(argv[0], "list") && !argv[1])
		return pal_list();
	if (!strcmp(argv[0], "unload") && argv[1])
		return pal_unload(argv[1]);
	return 2;
}

/* FNV-1a: a checksum the tests recompute, not a security measure */
static uint32_t fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261U;

	while (n--)
		h = (h ^ *p++) * 16777619U;
	return h;
}

/* the selftest PAL's OBJSTORE_CMD_OBJ: in and out through buf */
static int obj_call(uint32_t op, uint32_t arg, const char *name, uint8_t *buf, size_t len,
		    size_t cap, size_t *out)
{
	TEEC_Operation o =
	    operation(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_INOUT);

	o.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT,
					TEEC_MEMREF_TEMP_INOUT, TEEC_VALUE_OUTPUT);
	o.params[0].value.a = op;
	o.params[0].value.b = arg;
	o.params[1].tmpref.buffer = (void *)name;
	o.params[1].tmpref.size = strlen(name);
	o.params[2].tmpref.buffer = buf;
	o.params[2].tmpref.size = cap > len ? cap : len;
	if ((op & ~(uint32_t)OBJSTORE_REE) != OBJSTORE_GET && op != OBJSTORE_LIST)
		o.params[2].tmpref.size = len;
	if (oneshot(&uuid_objstore, OBJSTORE_CMD_OBJ, &o))
		return 1;
	*out = min_size(o.params[3].value.a, cap);
	return 0;
}

static int cmd_obj(char **argv)
{
	static const struct {
		const char *verb;
		uint32_t op;
		int args; /* after the verb */
	} verbs[] = {{"put", OBJSTORE_PUT, 2},	      {"new", OBJSTORE_CREATE, 2},
		     {"fill", OBJSTORE_PUT, 2},	      {"get", OBJSTORE_GET, 1},
		     {"sum", OBJSTORE_GET, 1},	      {"write", OBJSTORE_WRITE, 3},
		     {"trunc", OBJSTORE_TRUNCATE, 2}, {"mv", OBJSTORE_RENAME, 2},
		     {"rm", OBJSTORE_DELETE, 1},      {"ls", OBJSTORE_LIST, 0}};
	static uint8_t buf[OBJSTORE_BUF];
	size_t k = 0, n = 0, len = 0, argn = 0;
	uint32_t arg = 0, ree = 0;

	for (; argv[0] && (!strcmp(argv[0], "--ree") || !strcmp(argv[0], "--bound")); argv++)
		ree |= !strcmp(argv[0], "--ree") ? OBJSTORE_REE : OBJSTORE_BOUND;
	if (!argv[0])
		return 2;
	const char *verb = argv[0], *name = argv[1] ? argv[1] : "";

	while (argv[1 + argn])
		argn++;
	while (k < sizeof(verbs) / sizeof(verbs[0]) && strcmp(verbs[k].verb, verb))
		k++;
	if (k == sizeof(verbs) / sizeof(verbs[0]) ||
	    (argn != (size_t)verbs[k].args && !(!strcmp(verb, "get") && argn == 2)))
		return 2;
	const char *text = !strcmp(verb, "write") ? argv[3] : argv[2];
	if (!strcmp(verb, "fill")) {
		if (parse_size(argv[2], &len) || len > sizeof(buf))
			return 2;
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(i * 7U + (i >> 8));
	} else if (!strcmp(verb, "put") || !strcmp(verb, "new") || !strcmp(verb, "write") ||
		   !strcmp(verb, "mv")) {
		len = strlen(text);
		if (len > sizeof(buf))
			return 2;
		memcpy(buf, text, len);
	}
	if ((!strcmp(verb, "write") || !strcmp(verb, "trunc") ||
	     (!strcmp(verb, "get") && argn == 2)) &&
	    parse_u32(argv[2], &arg))
		return 2;
	if (obj_call(verbs[k].op | ree, arg, name, buf, len, sizeof(buf), &n))
		return 1;
	if (!strcmp(verb, "get")) {
		for (size_t i = 0; i < n; i++) /* a byte that is not text shows as '.' */
			buf[i] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '.';
		printf("obj: %zu bytes: %.*s\n", n, (int)n, (const char *)buf);
	} else if (!strcmp(verb, "sum")) {
		printf("obj: %zu bytes, fnv 0x%08x\n", n, fnv(buf, n));
	} else if (!strcmp(verb, "ls")) {
		unsigned count = 0;
		for (char *line = (char *)buf; line < (char *)buf + n; count++) {
			char *end = memchr(line, '\n', (size_t)((char *)buf + n - line));
			if (!end)
				break;
			*end = 0;
			char *tab = strchr(line, '\t');
			if (tab)
				*tab = ' ';
			printf("obj: %s\n", line);
			line = end + 1;
		}
		printf("obj: %u objects\n", count);
	} else {
		printf("obj: ok\n");
	}
	return 0;
}

static const struct {
	const char *name;
	int min, max; /* arguments after the name */
	int (*run)(char **argv);
	const char *args;
} cmds[] = {
    {"hello-value", 1, 1, cmd_hello_value, "N"},
    {"hello-buf", 1, 2, cmd_hello_buf, "SIZE[K|M] [temp|shm]"},
    {"hello-null", 0, 0, cmd_hello_null, ""},
    {"open", 1, 1, cmd_open, "UUID"},
    {"invoke", 1, 1, cmd_invoke, "CMD"},
    {"call", 3, 3, cmd_call, "UUID CMD A"},
    {"cycles", 1, 1, cmd_cycles, "N"},
    {"stats", 0, 0, cmd_stats, ""},
    {"hold", 2, 3, cmd_hold, "N MS [UUID]"},
    {"key-gen", 1, 1, cmd_key_gen, "SLOT"},
    {"key-pub", 1, 1, cmd_key_pub, "SLOT"},
    {"key-sign", 2, 2, cmd_key_sign, "SLOT HEX64"},
    {"rng", 1, 1, cmd_rng, "N"},
    {"spin", 1, 1, cmd_spin, "MS"},
    {"crash", 1, 1, cmd_crash, "null|undef|oom|stack|stkmem|wtext|xdata|xheap|xstack|winput"},
    {"layout", 0, 0, cmd_layout, ""},
    {"reuse", 1, 1, cmd_reuse, "MARKER_HEX16"},
    {"sysfuzz", 2, 2, cmd_sysfuzz, "N SEED"},
    {"pal-log", 1, 1, cmd_pal_log, "HEX"},
    {"bench", 1, 1, cmd_bench, "N"},
    {"soak", 2, 2, cmd_soak, "N THREADS"},
    {"attest", 1, 2, cmd_attest, "NONCE_HEX [DIR]"},
    {"pcrs", 1, 1, cmd_pcrs, "MASK_HEX"},
    {"extend", 2, 2, cmd_extend, "PCR TEXT"},
    {"seal", 3, 3, cmd_seal, "MASK_HEX TEXT FILE"},
    {"unseal", 1, 1, cmd_unseal, "FILE"},
    {"pal", 1, 2, cmd_pal, "list | unload UUID"},
    {"pal-seal", 4, 4, cmd_pal_seal, "UUID FLAGS TEXT FILE"},
    {"pal-unseal", 2, 2, cmd_pal_unseal, "UUID FILE"},
    {"pal-statement", 3, 3, cmd_pal_statement, "UUID DATA_HEX FILE"},
    {"certify", 2, 2, cmd_certify, "TOKEN FILE"},
    {"load-time", 1, 1, cmd_load_time, "UUID"},
    {"obj", 1, 6, cmd_obj,
     "[--ree] [--bound] put|new|fill|get|sum|write|trunc|mv|rm|ls [NAME ...]"},
};

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  tzv-client %s%s%s\n", cmds[i].name, *cmds[i].args ? " " : "",
			cmds[i].args);
	return rc;
}

int main(int argc, char **argv)
{
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return usage(stdout, 0);
	for (size_t i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (argc - 2 < cmds[i].min || argc - 2 > cmds[i].max)
			break;
		rc = cmds[i].run(argv + 2);
		if (ctx_up)
			TEEC_FinalizeContext(&ctx);
		return rc == 2 ? usage(stderr, 2) : rc;
	}
	return usage(stderr, 2);
}
