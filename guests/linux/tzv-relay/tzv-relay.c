/* tzv-relay: carries a remote client's attested channel (docs/channel.md)
 * between a TCP port and the login PAL, through libteec. It sees only what
 * the channel shows anyone: the handshake's public values, signed evidence
 * and encrypted records. One connection at a time, each its own PAL
 * session (its own channel); each connection is served by a process of
 * its own, so that a client that stalls holds only itself; frames are u32 length (big-endian) ||
 * type || body: 'H' hello (97 bytes)  -> 'h' the PAL's hello, then its quote and the evidence a
 * verifier needs, each u32 length || bytes 'R' record            -> 'r' the PAL's answer record 'P'
 * (--plain only)    -> 'p' a test-only path that keeps the bytes in this process's memory: the
 * control of the test that looks for a password in the normal world any refusal           -> 'e'
 * u32 TEEC result; the connection ends Usage: tzv-relay PORT [--plain | --timing]; --timing prints
 * each handshake's and record's time in the TEE calls to stderr (make bench). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <tee_client_api.h>
#include <time.h>
#include <unistd.h>

#include "tzv-pals.h"
#include "tzv/pal-abi.h" /* struct pal_statement_token */

#define FRAME_MAX  (80 * 1024) /* the largest: a hello with a < 64 KiB log */
#define QUOTE_MASK 0x170Fu     /* tzv-client attest's: PCRs 0-3, 8-10, 12 */
#define LOG_MAX	   (64 * 1024)
#define TIMEOUT_S  30
#define PAL_PUB	   65 /* the PAL's hello: its ephemeral key, then the token */

static const TEEC_UUID uuid_login = TZV_UUID_LOGIN, uuid_attest = TZV_UUID_ATTEST;
static TEEC_Context ctx;
static uint8_t plain_kept[4096]; /* the --plain path's bytes (test only) */
static int timing;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

struct conn {
	int fd;
	TEEC_Session login;
	int have_login;
};

static int io_all(int fd, void *buf, size_t n, int writing)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = writing ? write(fd, p, n) : read(fd, p, n);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int send_frame(int fd, uint8_t type, const void *body, size_t n)
{
	uint8_t hdr[5];

	put32(hdr, (uint32_t)(n + 1));
	hdr[4] = type;
	return io_all(fd, hdr, 5, 1) || io_all(fd, (void *)body, n, 1) ? -1 : 0;
}

static int send_error(int fd, TEEC_Result r)
{
	uint8_t b[4];

	put32(b, r);
	return send_frame(fd, 'e', b, 4);
}

/* One invoke with up to two memory references in and out (sizes updated). */
static TEEC_Result call(TEEC_Session *s, uint32_t cmd, uint32_t types, uint32_t value, void *b1,
			size_t *n1, void *b2, size_t *n2, void *b3, size_t *n3)
{
	TEEC_Operation op;
	uint32_t origin;
	TEEC_Result r;
	void *bufs[3] = {b1, b2, b3};
	size_t *sizes[3] = {n1, n2, n3};
	int first = TEEC_PARAM_TYPE_GET(types, 0) == TEEC_VALUE_INPUT;

	memset(&op, 0, sizeof(op));
	op.paramTypes = types;
	if (first)
		op.params[0].value.a = value;
	for (int i = 0; i < 3 && bufs[i]; i++) {
		op.params[i + first].tmpref.buffer = bufs[i];
		op.params[i + first].tmpref.size = *sizes[i];
	}
	r = TEEC_InvokeCommand(s, cmd, &op, &origin);
	for (int i = 0; i < 3 && bufs[i]; i++)
		*sizes[i] = op.params[i + first].tmpref.size;
	return r;
}

/* Appends u32 length || bytes to out at *at. */
static void field(uint8_t *out, size_t *at, const void *p, size_t n)
{
	put32(out + *at, (uint32_t)n);
	memcpy(out + *at + 4, p, n);
	*at += 4 + n;
}

/* The evidence of the PAL's statement: its quote, the AK statement, the
 * PCRs and the event log, from the attestation PAL. */
static TEEC_Result evidence(const uint8_t *token, uint8_t *out, size_t *at)
{
	static uint8_t log[LOG_MAX];
	uint8_t quote[256], sig[72], ak[ATTEST_AK_STATEMENT], pcrs[8 * 32];
	size_t nt = sizeof(struct pal_statement_token), nq = sizeof(quote), ns = sizeof(sig);
	size_t na = sizeof(ak), np = sizeof(pcrs), nl = sizeof(log);
	TEEC_Session s;
	uint32_t origin;
	TEEC_Result r =
	    TEEC_OpenSession(&ctx, &s, &uuid_attest, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);

	if (r != TEEC_SUCCESS)
		return r;
	r = call(&s, ATTEST_CMD_QUOTE_PAL,
		 TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT,
				  TEEC_MEMREF_TEMP_OUTPUT),
		 QUOTE_MASK, (void *)token, &nt, quote, &nq, sig, &ns);
	if (r == TEEC_SUCCESS)
		r = call(&s, ATTEST_CMD_GET_AK,
			 TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE),
			 0, ak, &na, NULL, NULL, NULL, NULL);
	if (r == TEEC_SUCCESS)
		r = call(&s, ATTEST_CMD_READ_PCRS,
			 TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					  TEEC_NONE),
			 QUOTE_MASK, pcrs, &np, NULL, NULL, NULL, NULL);
	if (r == TEEC_SUCCESS)
		r = call(&s, ATTEST_CMD_GET_EVENTLOG,
			 TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE),
			 0, log, &nl, NULL, NULL, NULL, NULL);
	TEEC_CloseSession(&s);
	if (r != TEEC_SUCCESS)
		return r;
	field(out, at, quote, nq);
	field(out, at, sig, ns);
	field(out, at, ak, na);
	field(out, at, pcrs, np);
	field(out, at, log, nl);
	return TEEC_SUCCESS;
}

static TEEC_Result hello(struct conn *c, uint8_t *body, size_t n, uint8_t *out, size_t *at)
{
	uint8_t mine[LOGIN_HELLO_OUT];
	size_t nm = sizeof(mine);
	uint32_t origin;
	TEEC_Result r;

	if (c->have_login || n != LOGIN_HELLO_IN)
		return TEEC_ERROR_BAD_STATE;
	r = TEEC_OpenSession(&ctx, &c->login, &uuid_login, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (r != TEEC_SUCCESS)
		return r;
	c->have_login = 1;
	r = call(
	    &c->login, LOGIN_CMD_HELLO,
	    TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE),
	    0, body, &n, mine, &nm, NULL, NULL);
	if (r != TEEC_SUCCESS)
		return r;
	field(out, at, mine, PAL_PUB);
	field(out, at, mine + PAL_PUB, sizeof(struct pal_statement));
	return evidence(mine + PAL_PUB, out, at);
}

static TEEC_Result record(struct conn *c, uint8_t *body, size_t n, uint8_t *out, size_t *at)
{
	*at = LOGIN_RECORD_MAX;
	return call(
	    &c->login, LOGIN_CMD_RECORD,
	    TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE),
	    0, body, &n, out, at, NULL, NULL);
}

static void serve(struct conn *c, int plain)
{
	static uint8_t in[FRAME_MAX], out[FRAME_MAX];
	uint8_t hdr[4];

	for (;;) {
		size_t n, at = 0;
		TEEC_Result r;
		uint8_t type;

		if (io_all(c->fd, hdr, 4, 0))
			return;
		n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
		if (n < 1 || n > sizeof(in) || io_all(c->fd, in, n, 0)) {
			fprintf(stderr, "tzv-relay: a frame of %zu bytes refused\n", n);
			return;
		}
		type = in[0], n--;
		uint64_t t0 = now_ns();
		if (type == 'H') {
			r = hello(c, in + 1, n, out, &at);
			type = 'h';
		} else if (type == 'R' && c->have_login) {
			r = record(c, in + 1, n, out, &at);
			type = 'r';
		} else if (type == 'P' && plain && n <= sizeof(plain_kept)) {
			memcpy(plain_kept, in + 1, n);
			r = TEEC_SUCCESS;
			type = 'p';
		} else {
			r = TEEC_ERROR_BAD_STATE;
		}
		if (timing && r == TEEC_SUCCESS)
			fprintf(stderr, "tzv-relay: %s %llu ns\n",
				type == 'h' ? "handshake" : "record",
				(unsigned long long)(now_ns() - t0));
		if (r != TEEC_SUCCESS) {
			fprintf(stderr, "tzv-relay: '%c' refused: 0x%08x\n", in[0], r);
			send_error(c->fd, r);
			return;
		}
		if (send_frame(c->fd, type, out, at))
			return;
	}
}

/* One client's connection, with its own TEE context and login session. */
static int connection(struct conn *c, int plain, const struct timeval *tv)
{
	/* a client that stops sending does not keep its process */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, tv, sizeof(*tv));
	if (TEEC_InitializeContext(NULL, &ctx) != TEEC_SUCCESS) {
		fprintf(stderr, "tzv-relay: no TEE\n");
		send_error(c->fd, TEEC_ERROR_COMMUNICATION);
		return 1;
	}
	serve(c, plain);
	if (c->have_login)
		TEEC_CloseSession(&c->login);
	TEEC_FinalizeContext(&ctx);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct timeval tv = {.tv_sec = TIMEOUT_S};
	int one = 1, plain = argc == 3 && !strcmp(argv[2], "--plain");
	int port = argc >= 2 ? atoi(argv[1]) : 0, lfd;

	timing = argc == 3 && !strcmp(argv[2], "--timing");
	if (port <= 0 || port > 65535 || (argc == 3 && !plain && !timing) || argc > 3) {
		fprintf(stderr, "usage: tzv-relay PORT [--plain | --timing]\n");
		return 2;
	}
	signal(SIGCHLD, SIG_IGN); /* the connections' processes reap themselves */
	a.sin_port = htons((uint16_t)port);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 8)) {
		fprintf(stderr, "tzv-relay: port %d: %s\n", port, strerror(errno));
		return 1;
	}
	for (;;) {
		struct conn c = {.fd = accept(lfd, NULL, NULL)};

		if (c.fd < 0)
			continue;
		/* (--plain: served here, so that the kept bytes stay in a
		 * live process) */
		if (plain) {
			connection(&c, plain, &tv);
		} else if (fork() == 0) {
			close(lfd);
			_exit(connection(&c, plain, &tv));
		}
		close(c.fd);
	}
}
