/* tzv-sign: the host side of tzvisor's secure boot (docs/secure-boot.md).
 *
 *   tzv-sign keys DIR               the development keys (root key pair, device secret) and
 *                                   what is derived from them: root.pem, rotpk.h, device.pem
 *   tzv-sign manifest OUT LIST DIR  the signed boot manifest of the components in LIST
 *   tzv-sign check MANIFEST DIR     verifies a manifest against DIR/root.pub, lists it
 *   tzv-sign signer-key DIR NAME    a secure service provider's PAL-signing key pair,
 *                                   DIR/NAME.key and NAME.pub (made when missing)
 *   tzv-sign pal IN OUT --key KEY --svn N [--version V]
 *                                   a signed PAL file (docs/pal-abi.md) of the PAL
 *                                   image IN, signed with the private key file KEY
 *
 * All cryptography is Debian's BearSSL (libbearssl-dev). Errors: one line
 * "tzv-sign: <what>: <why>" on stderr and exit 1; usage errors exit 2. */
#define _POSIX_C_SOURCE 200809L
#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tzv/pal-abi.h>
#include <unistd.h>

#define USAGE                                                                                      \
	"usage: tzv-sign keys DIR | manifest OUT LIST DIR | check MANIFEST DIR | "                 \
	"signer-key DIR NAME | pal IN OUT --key KEY --svn N [--version V]"

/* docs/secure-boot.md, "Manifest" */
#define MAN_MAGIC	"TZVMAN1"
#define MAN_VERSION	1
#define MAN_HEADER_SIZE 32
#define MAN_COMP_SIZE	112
#define MAN_SIG_SIZE	132
#define MAN_MAX_COMPS	64
#define MAN_MAX_SIZE	(64 * 1024)
#define MAN_NAME_SIZE	32
#define MAN_SIGNED(n)	(MAN_HEADER_SIZE + (n)*MAN_COMP_SIZE)
#define NPCRS		24
/* offsets inside struct tzv_component */
#define COMP_NAME     0
#define COMP_SHA256   32
#define COMP_SIZE     64
#define COMP_LOAD     72
#define COMP_SVN      80
#define COMP_KIND     84
#define COMP_VM	      88
#define COMP_PCR      92
#define COMP_RESERVED 96
/* offsets inside struct tzv_manifest_sig */
#define SIG_ROOT_PUB 0
#define SIG_PAD	     65
#define SIG_SIG	     68

#define PUB_SIZE    65 /* 0x04 || X || Y */
#define KEY_SIZE    32
#define SECRET_SIZE 32
#define SHA256_SIZE 32

_Static_assert(MAN_SIGNED(MAN_MAX_COMPS) + MAN_SIG_SIZE <= MAN_MAX_SIZE, "manifest too large");

static const char *const kind_names[] = {NULL,	   "stk", "hyp",	"config", "kernel",
					 "initrd", "dtb", "partitions", "signers"};
#define NKINDS 9
/* the platform's components, not a VM's */
#define PLATFORM_KIND(k) ((k) < 4 || (k) >= 7)

/* docs/secure-boot.md, "Key derivation": the attestation PAL's UUID
 * a7e1f0c1-7a76-4c30-9a00-617474657374 as RFC 4122 octets. */
static const uint8_t attest_uuid[16] = {0xa7, 0xe1, 0xf0, 0xc1, 0x7a, 0x76, 0x4c, 0x30,
					0x9a, 0x00, 0x61, 0x74, 0x74, 0x65, 0x73, 0x74};
#define DERIVE_PREFIX "tzvisor derive v1"

/* DER of SubjectPublicKeyInfo { id-ecPublicKey, prime256v1 }, BIT STRING of 66 bytes */
static const uint8_t spki_p256_prefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
					   0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
					   0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};

/* a temporary file to remove if we fail before renaming it */
static char pending_tmp[PATH_MAX];

static _Noreturn void die(const char *what, const char *fmt, ...)
{
	va_list ap;

	if (pending_tmp[0])
		unlink(pending_tmp);
	fprintf(stderr, "tzv-sign: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static _Noreturn void usage(void)
{
	fprintf(stderr, "tzv-sign: %s\n", USAGE);
	exit(2);
}

static void join(char *out, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		die(dir, "path too long");
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

static void hex(char *out, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void sha256(const void *data, size_t len, uint8_t out[SHA256_SIZE])
{
	br_sha256_context c;

	br_sha256_init(&c);
	br_sha256_update(&c, data, len);
	br_sha256_out(&c, out);
}

/* ---- files ---- */

static void write_all(int fd, const char *path, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(path, "%s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* Reads a whole file of at most cap bytes into buf; false if it does not
 * exist and may_be_missing. */
static bool read_file(const char *path, void *buf, size_t cap, size_t *len, bool may_be_missing)
{
	uint8_t *p = buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 && errno == ENOENT && may_be_missing)
		return false;
	if (fd < 0)
		die(path, "%s", strerror(errno));
	for (;;) {
		uint8_t extra;
		ssize_t n = got < cap ? read(fd, p + got, cap - got) : read(fd, &extra, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(path, "%s", strerror(errno));
		if (n == 0)
			break;
		if (got == cap)
			die(path, "larger than %zu bytes", cap);
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return true;
}

/* A file that must hold exactly size bytes; false if it does not exist. */
static bool read_exact(const char *path, void *buf, size_t size, bool may_be_missing)
{
	size_t len;

	if (!read_file(path, buf, size, &len, may_be_missing))
		return false;
	if (len != size)
		die(path, "%zu bytes, expected %zu", len, size);
	return true;
}

static bool path_exists(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return true;
	if (errno != ENOENT)
		die(path, "%s", strerror(errno));
	return false;
}

/* Writes data to a new temporary file next to path; its name is left in pending_tmp. */
static void write_tmp(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd;

	if ((size_t)snprintf(pending_tmp, sizeof(pending_tmp), "%s.tmp%ld", path, (long)getpid()) >=
	    sizeof(pending_tmp))
		die(path, "path too long");
	unlink(pending_tmp);
	fd = open(pending_tmp, O_WRONLY | O_CREAT | O_EXCL, mode);
	if (fd < 0) {
		int e = errno;

		pending_tmp[0] = 0;
		die(path, "%s", strerror(e));
	}
	write_all(fd, path, data, len);
	if (fsync(fd) < 0 || close(fd) < 0)
		die(path, "%s", strerror(errno));
}

/* Creates path with data unless it already exists (atomically: a reader
 * never sees half a file, a concurrent writer never gets overwritten).
 * Returns false when it existed. */
static bool write_new(const char *path, const void *data, size_t len, mode_t mode)
{
	bool made;

	write_tmp(path, data, len, mode);
	if (link(pending_tmp, path) == 0)
		made = true;
	else if (errno == EEXIST)
		made = false;
	else
		die(path, "%s", strerror(errno));
	unlink(pending_tmp);
	pending_tmp[0] = 0;
	return made;
}

/* Whether path exists and holds exactly data. */
static bool same_content(const char *path, const void *data, size_t len)
{
	uint8_t buf[4096];
	const uint8_t *p = data;
	bool same = true;
	int fd = open(path, O_RDONLY);

	if (fd < 0 && errno == ENOENT)
		return false;
	if (fd < 0)
		die(path, "%s", strerror(errno));
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(path, "%s", strerror(errno));
		if (n == 0)
			break;
		if ((size_t)n > len || memcmp(buf, p, (size_t)n) != 0) {
			same = false;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	return same && len == 0;
}

/* (Re)writes path only if its content differs, so its time stamp (and what
 * make builds from it) stays put when nothing changed. */
static void write_if_changed(const char *path, const void *data, size_t len, mode_t mode)
{
	if (same_content(path, data, len))
		return;
	write_tmp(path, data, len, mode);
	if (rename(pending_tmp, path) < 0)
		die(path, "%s", strerror(errno));
	pending_tmp[0] = 0;
}

static void make_dirs(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);
	struct stat st;

	if (len == 0 || len >= sizeof(path))
		die(dir[0] ? dir : "\"\"", "not a usable directory name");
	while (len > 1 && dir[len - 1] == '/')
		len--;
	memcpy(path, dir, len);
	path[len] = 0;
	/* the parents as mkdir -p would, the last one private */
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != 0)
			continue;
		path[i] = 0;
		if (mkdir(path, i == len ? 0700 : 0777) < 0 && errno != EEXIST)
			die(path, "%s", strerror(errno));
		path[i] = i == len ? 0 : '/';
	}
	if (stat(path, &st) < 0)
		die(dir, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		die(dir, "not a directory");
}

static void urandom(void *buf, size_t len)
{
	uint8_t *p = buf;
	int fd = open("/dev/urandom", O_RDONLY);

	if (fd < 0)
		die("/dev/urandom", "%s", strerror(errno));
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("/dev/urandom", "%s", n ? strerror(errno) : "end of file");
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

/* ---- keys ---- */

static void check_scalar(const char *path, const uint8_t key[KEY_SIZE])
{
	size_t len;
	const unsigned char *order = br_ec_get_default()->order(BR_EC_secp256r1, &len);

	if (len != KEY_SIZE || all_zero(key, KEY_SIZE) || memcmp(key, order, KEY_SIZE) >= 0)
		die(path, "not a P-256 private key (0 < k < n)");
}

static void public_key(const char *path, const uint8_t key[KEY_SIZE], uint8_t pub[PUB_SIZE])
{
	br_ec_private_key sk = {BR_EC_secp256r1, (unsigned char *)key, KEY_SIZE};

	check_scalar(path, key);
	if (br_ec_compute_pub(br_ec_get_default(), NULL, pub, &sk) != PUB_SIZE)
		die(path, "BearSSL could not compute the public key");
}

/* docs/secure-boot.md: an ECDSA P-256 key from a seed, through BearSSL's HMAC-DRBG */
static void key_from_seed(const void *seed, size_t len, uint8_t key[KEY_SIZE])
{
	br_hmac_drbg_context drbg;
	br_ec_private_key sk;
	uint8_t buf[BR_EC_KBUF_PRIV_MAX_SIZE];

	br_hmac_drbg_init(&drbg, &br_sha256_vtable, seed, len);
	if (br_ec_keygen(&drbg.vtable, br_ec_get_default(), &sk, buf, BR_EC_secp256r1) != KEY_SIZE)
		die("keygen", "BearSSL could not make a P-256 key");
	memcpy(key, sk.x, KEY_SIZE);
	memset(buf, 0, sizeof(buf));
	memset(&drbg, 0, sizeof(drbg));
}

/* The device key: seed = derive(attestation PAL UUID, device-wide, "device key") */
static void device_public_key(const uint8_t secret[SECRET_SIZE], uint8_t pub[PUB_SIZE])
{
	static const uint8_t no_vm[16];
	br_hmac_key_context kc;
	br_hmac_context hc;
	uint8_t seed[SHA256_SIZE], key[KEY_SIZE];

	br_hmac_key_init(&kc, &br_sha256_vtable, secret, SECRET_SIZE);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, DERIVE_PREFIX, strlen(DERIVE_PREFIX));
	br_hmac_update(&hc, attest_uuid, sizeof(attest_uuid));
	br_hmac_update(&hc, no_vm, sizeof(no_vm));
	br_hmac_update(&hc, "device key", strlen("device key"));
	br_hmac_out(&hc, seed);
	key_from_seed(seed, sizeof(seed), key);
	public_key("device key", key, pub);
	memset(seed, 0, sizeof(seed));
	memset(key, 0, sizeof(key));
	memset(&kc, 0, sizeof(kc));
}

static void write_pem(const char *path, const uint8_t pub[PUB_SIZE])
{
	uint8_t der[sizeof(spki_p256_prefix) + PUB_SIZE];
	char pem[512];
	size_t len;

	memcpy(der, spki_p256_prefix, sizeof(spki_p256_prefix));
	memcpy(der + sizeof(spki_p256_prefix), pub, PUB_SIZE);
	len = br_pem_encode(NULL, der, sizeof(der), "PUBLIC KEY", BR_PEM_LINE64);
	if (len >= sizeof(pem))
		die(path, "PEM too long");
	br_pem_encode(pem, der, sizeof(der), "PUBLIC KEY", BR_PEM_LINE64);
	write_if_changed(path, pem, len, 0644);
}

static void write_rotpk(const char *path, const uint8_t pub[PUB_SIZE])
{
	uint8_t hash[SHA256_SIZE];
	char text[512];
	size_t len;

	sha256(pub, PUB_SIZE, hash);
	len = (size_t)snprintf(text, sizeof(text),
			       "/* Generated by tzv-sign keys: the root-of-trust public-key hash,\n"
			       " * SHA-256 of root.pub (docs/secure-boot.md). Do not edit. */\n"
			       "#define TZV_ROTPK_HASH {");
	for (int i = 0; i < SHA256_SIZE; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s0x%02x", i ? ", " : "",
					hash[i]);
	len += (size_t)snprintf(text + len, sizeof(text) - len, "}\n");
	if (len >= sizeof(text))
		die(path, "header too long");
	write_if_changed(path, text, len, 0644);
}

/* The root key pair in dir: key and pub, with pub checked against the key. */
static void load_root(const char *dir, uint8_t key[KEY_SIZE], uint8_t pub[PUB_SIZE])
{
	char key_path[PATH_MAX], pub_path[PATH_MAX];
	uint8_t stored[PUB_SIZE];

	join(key_path, dir, "root.key");
	join(pub_path, dir, "root.pub");
	read_exact(key_path, key, KEY_SIZE, false);
	public_key(key_path, key, pub);
	read_exact(pub_path, stored, PUB_SIZE, false);
	if (memcmp(stored, pub, PUB_SIZE) != 0)
		die(pub_path, "is not the public key of root.key");
}

/* DIR/NAME.key and .pub, a P-256 pair of its own; made when missing. */
static bool ensure_key(const char *dir, const char *name, uint8_t pub[PUB_SIZE])
{
	char key_path[PATH_MAX], pub_path[PATH_MAX], file[NAME_MAX];
	uint8_t key[KEY_SIZE], stored[PUB_SIZE];
	bool created = false;

	snprintf(file, sizeof(file), "%s.key", name);
	join(key_path, dir, file);
	snprintf(file, sizeof(file), "%s.pub", name);
	join(pub_path, dir, file);
	if (!read_exact(key_path, key, KEY_SIZE, true)) {
		uint8_t seed[48];

		if (path_exists(pub_path))
			die(key_path, "missing while %s.pub exists", name);
		urandom(seed, sizeof(seed));
		key_from_seed(seed, sizeof(seed), key);
		memset(seed, 0, sizeof(seed));
		created = write_new(key_path, key, KEY_SIZE, 0600);
		if (!created)
			read_exact(key_path, key, KEY_SIZE, false);
	}
	public_key(key_path, key, pub);
	memset(key, 0, sizeof(key));
	if (!read_exact(pub_path, stored, PUB_SIZE, true)) {
		write_new(pub_path, pub, PUB_SIZE, 0644);
		read_exact(pub_path, stored, PUB_SIZE, false);
	}
	if (memcmp(stored, pub, PUB_SIZE) != 0)
		die(pub_path, "is not the public key of %s.key", name);
	return created;
}

static int cmd_keys(const char *dir)
{
	char key_path[PATH_MAX], pub_path[PATH_MAX], secret_path[PATH_MAX], path[PATH_MAX];
	uint8_t key[KEY_SIZE], pub[PUB_SIZE], stored[PUB_SIZE], device_pub[PUB_SIZE];
	uint8_t secret[SECRET_SIZE];
	bool created = false;

	make_dirs(dir);
	join(key_path, dir, "root.key");
	join(pub_path, dir, "root.pub");
	join(secret_path, dir, "device-secret.bin");

	if (!read_exact(key_path, key, KEY_SIZE, true)) {
		uint8_t seed[48];

		if (path_exists(pub_path))
			die(key_path,
			    "missing while root.pub exists (remove root.pub to make a new "
			    "key pair)");
		urandom(seed, sizeof(seed));
		key_from_seed(seed, sizeof(seed), key);
		memset(seed, 0, sizeof(seed));
		created = write_new(key_path, key, KEY_SIZE, 0600);
		if (!created) /* another tzv-sign made it meanwhile */
			read_exact(key_path, key, KEY_SIZE, false);
	}
	public_key(key_path, key, pub);
	memset(key, 0, sizeof(key));
	/* root.pub is kept when there, and must then be root.key's */
	if (!read_exact(pub_path, stored, PUB_SIZE, true)) {
		if (write_new(pub_path, pub, PUB_SIZE, 0644))
			memcpy(stored, pub, PUB_SIZE);
		else /* another tzv-sign made it meanwhile */
			read_exact(pub_path, stored, PUB_SIZE, false);
	}
	if (memcmp(stored, pub, PUB_SIZE) != 0)
		die(pub_path, "is not the public key of root.key");

	if (!read_exact(secret_path, secret, SECRET_SIZE, true)) {
		urandom(secret, sizeof(secret));
		if (!write_new(secret_path, secret, SECRET_SIZE, 0600))
			read_exact(secret_path, secret, SECRET_SIZE, false);
	}

	join(path, dir, "root.pem");
	write_pem(path, pub);
	join(path, dir, "rotpk.h");
	write_rotpk(path, pub);
	device_public_key(secret, device_pub);
	memset(secret, 0, sizeof(secret));
	join(path, dir, "device.pem");
	write_pem(path, device_pub);

	if (created)
		printf("tzv-sign: created a development root key pair in %s (never commit it)\n",
		       dir);
	/* the development secure service provider, which signs the shipped PALs */
	if (ensure_key(dir, "provider", pub))
		printf("tzv-sign: created the development PAL-signing key pair provider in %s\n",
		       dir);
	return 0;
}

/* ---- manifest ---- */

static bool parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool parse_hex64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
		return false;
	for (s += 2; *s; s++, n++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (v >> 60)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return n > 0;
}

static uint32_t parse_kind(const char *s)
{
	for (uint32_t k = 1; k < NKINDS; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return k;
	return 0;
}

/* Hashes a component's file; returns its size. */
static uint64_t hash_file(const char *what, const char *path, uint8_t out[SHA256_SIZE])
{
	static uint8_t buf[1 << 16];
	br_sha256_context c;
	uint64_t size = 0;
	int fd = open(path, O_RDONLY);
	struct stat st;

	if (fd < 0)
		die(what, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		die(what, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die(what, "%s: not a regular file", path);
	br_sha256_init(&c);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(what, "%s: %s", path, strerror(errno));
		if (n == 0)
			break;
		br_sha256_update(&c, buf, (size_t)n);
		size += (uint64_t)n;
	}
	close(fd);
	br_sha256_out(&c, out);
	return size;
}

static int cmd_manifest(const char *out_path, const char *list_path, const char *dir)
{
	static uint8_t man[MAN_MAX_SIZE];
	unsigned lines[MAN_MAX_COMPS];
	uint8_t key[KEY_SIZE], pub[PUB_SIZE], hash[SHA256_SIZE];
	br_ec_private_key sk = {BR_EC_secp256r1, key, KEY_SIZE};
	br_ec_public_key pk = {BR_EC_secp256r1, pub, PUB_SIZE};
	uint32_t count = 0, signed_size;
	char *line = NULL, what[PATH_MAX + 32];
	size_t cap = 0;
	unsigned lineno = 0;
	FILE *list;

	/* the key first: no point hashing anything without it */
	load_root(dir, key, pub);

	list = fopen(list_path, "r");
	if (!list)
		die(list_path, "%s", strerror(errno));
	while (getline(&line, &cap, list) >= 0) {
		char *field[8], *save = NULL;
		int n = 0;
		uint32_t kind, vm, pcr, svn;
		uint64_t load, size;
		uint8_t *c;

		lineno++;
		snprintf(what, sizeof(what), "%s:%u", list_path, lineno);
		for (char *t = strtok_r(line, " \t\r\n", &save); t && t[0] != '#';
		     t = strtok_r(NULL, " \t\r\n", &save)) {
			if (n == 8)
				break;
			field[n++] = t;
		}
		if (n == 0)
			continue;
		if (n != 7)
			die(what, "expected NAME KIND VM PCR SVN LOAD PATH, found %s%d field%s",
			    n > 7 ? "more than " : "", n > 7 ? 7 : n, n == 1 ? "" : "s");
		if (strlen(field[0]) > MAN_NAME_SIZE - 1)
			die(what, "name '%s' is longer than %d bytes", field[0], MAN_NAME_SIZE - 1);
		for (const char *p = field[0]; *p; p++)
			if (*p < 0x21 || *p > 0x7e)
				die(what, "name '%s' has a character that is not printable ASCII",
				    field[0]);
		for (uint32_t i = 0; i < count; i++)
			if (strcmp((char *)man + MAN_SIGNED(i) + COMP_NAME, field[0]) == 0)
				die(what, "component '%s' is already on line %u", field[0],
				    lines[i]);
		kind = parse_kind(field[1]);
		if (!kind)
			die(what,
			    "unknown kind '%s' (stk, hyp, config, partitions, signers, kernel, "
			    "initrd or dtb)",
			    field[1]);
		if (!parse_u32(field[2], &vm))
			die(what, "VM '%s' is not a decimal number", field[2]);
		if (!parse_u32(field[3], &pcr))
			die(what, "PCR '%s' is not a decimal number", field[3]);
		if (!parse_u32(field[4], &svn))
			die(what, "SVN '%s' is not a decimal number", field[4]);
		if (!parse_hex64(field[5], &load))
			die(what, "load address '%s' is not a 64-bit hex number with 0x", field[5]);
		if (PLATFORM_KIND(kind) && vm != 0)
			die(what, "VM must be 0 for kind %s", kind_names[kind]);
		if (pcr >= NPCRS)
			die(what, "PCR %u does not exist (0..%d)", pcr, NPCRS - 1);
		if (count == MAN_MAX_COMPS)
			die(what, "more than %d components", MAN_MAX_COMPS);

		c = man + MAN_SIGNED(count);
		memset(c, 0, MAN_COMP_SIZE);
		memcpy(c + COMP_NAME, field[0], strlen(field[0]));
		size = hash_file(what, field[6], c + COMP_SHA256);
		put64(c + COMP_SIZE, size);
		put64(c + COMP_LOAD, load);
		put32(c + COMP_SVN, svn);
		put32(c + COMP_KIND, kind);
		put32(c + COMP_VM, vm);
		put32(c + COMP_PCR, pcr);
		lines[count++] = lineno;
	}
	if (ferror(list))
		die(list_path, "%s", strerror(errno));
	fclose(list);
	free(line);
	if (count == 0)
		die(list_path, "no components");

	signed_size = MAN_SIGNED(count);
	if (signed_size + MAN_SIG_SIZE > MAN_MAX_SIZE)
		die(out_path, "would be larger than 64 KiB");
	memset(man, 0, MAN_HEADER_SIZE);
	memcpy(man, MAN_MAGIC, sizeof(MAN_MAGIC)); /* with its NUL: 8 bytes */
	put32(man + 8, MAN_VERSION);
	put32(man + 12, count);
	put32(man + 16, signed_size);

	memset(man + signed_size, 0, MAN_SIG_SIZE);
	memcpy(man + signed_size + SIG_ROOT_PUB, pub, PUB_SIZE);
	sha256(man, signed_size, hash);
	if (br_ecdsa_i31_sign_raw(br_ec_get_default(), &br_sha256_vtable, hash, &sk,
				  man + signed_size + SIG_SIG) != 64)
		die(out_path, "BearSSL could not sign");
	memset(key, 0, sizeof(key));
	if (br_ecdsa_i31_vrfy_raw(br_ec_get_default(), hash, SHA256_SIZE, &pk,
				  man + signed_size + SIG_SIG, 64) != 1)
		die(out_path, "the signature just made does not verify");
	write_if_changed(out_path, man, signed_size + MAN_SIG_SIZE, 0644);
	return 0;
}

static int cmd_check(const char *man_path, const char *dir)
{
	static uint8_t man[MAN_MAX_SIZE];
	char pub_path[PATH_MAX];
	uint8_t pub[PUB_SIZE], hash[SHA256_SIZE];
	br_ec_public_key pk = {BR_EC_secp256r1, pub, PUB_SIZE};
	uint32_t count, signed_size;
	size_t len;
	const uint8_t *sig;

	join(pub_path, dir, "root.pub");
	read_exact(pub_path, pub, PUB_SIZE, false);
	if (pub[0] != 0x04)
		die(pub_path, "not an uncompressed P-256 point");
	read_file(man_path, man, sizeof(man), &len, false);

	if (len < MAN_HEADER_SIZE)
		die(man_path, "%zu bytes, too short for a manifest header", len);
	if (memcmp(man, MAN_MAGIC, sizeof(MAN_MAGIC)) != 0)
		die(man_path, "bad magic (not a TZVMAN1 manifest)");
	if (get32(man + 8) != MAN_VERSION)
		die(man_path, "version %u, expected %d", get32(man + 8), MAN_VERSION);
	count = get32(man + 12);
	if (count < 1 || count > MAN_MAX_COMPS)
		die(man_path, "count %u is not 1..%d", count, MAN_MAX_COMPS);
	signed_size = get32(man + 16);
	if (signed_size != MAN_SIGNED(count))
		die(man_path, "signed_size %u, expected %u for %u components", signed_size,
		    MAN_SIGNED(count), count);
	if (len != signed_size + MAN_SIG_SIZE)
		die(man_path, "%zu bytes, expected %u for %u components", len,
		    signed_size + MAN_SIG_SIZE, count);
	sig = man + signed_size;
	if (memcmp(sig + SIG_ROOT_PUB, pub, PUB_SIZE) != 0)
		die(man_path, "signed for another root key (root_pub is not %s)", pub_path);
	sha256(man, signed_size, hash);
	if (br_ecdsa_i31_vrfy_raw(br_ec_get_default(), hash, SHA256_SIZE, &pk, sig + SIG_SIG, 64) !=
	    1)
		die(man_path, "bad signature (does not verify with %s)", pub_path);
	/* signed, so what follows only finds a broken signer */
	if (!all_zero(sig + SIG_PAD, 3))
		die(man_path, "nonzero padding in the signature block");
	if (!all_zero(man + 20, 12))
		die(man_path, "nonzero reserved words in the header");
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *c = man + MAN_SIGNED(i);
		size_t nlen = strnlen((const char *)c, MAN_NAME_SIZE);
		uint32_t kind = get32(c + COMP_KIND);
		char what[PATH_MAX + 32];

		snprintf(what, sizeof(what), "%s: component %u", man_path, i);
		if (nlen == 0 || nlen == MAN_NAME_SIZE || !all_zero(c + nlen, MAN_NAME_SIZE - nlen))
			die(what, "name is not 1..%d bytes, NUL-padded", MAN_NAME_SIZE - 1);
		for (size_t j = 0; j < nlen; j++)
			if (c[j] < 0x21 || c[j] > 0x7e)
				die(what, "name is not printable ASCII");
		for (uint32_t j = 0; j < i; j++)
			if (memcmp(c, man + MAN_SIGNED(j), MAN_NAME_SIZE) == 0)
				die(what, "'%s' is there twice", (const char *)c);
		if (kind < 1 || kind >= NKINDS)
			die(what, "unknown kind %u", kind);
		if (PLATFORM_KIND(kind) && get32(c + COMP_VM) != 0)
			die(what, "VM %u for kind %s", get32(c + COMP_VM), kind_names[kind]);
		if (get32(c + COMP_PCR) >= NPCRS)
			die(what, "PCR %u does not exist", get32(c + COMP_PCR));
		if (!all_zero(c + COMP_RESERVED, 16))
			die(what, "nonzero reserved bytes");
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *c = man + MAN_SIGNED(i);
		char digest[2 * SHA256_SIZE + 1];

		hex(digest, c + COMP_SHA256, SHA256_SIZE);
		printf("%s kind=%s vm=%u pcr=%u svn=%u size=%llu load=0x%llx sha256=%s\n",
		       (const char *)c, kind_names[get32(c + COMP_KIND)], get32(c + COMP_VM),
		       get32(c + COMP_PCR), get32(c + COMP_SVN),
		       (unsigned long long)get64(c + COMP_SIZE),
		       (unsigned long long)get64(c + COMP_LOAD), digest);
	}
	if (fflush(stdout) != 0)
		die("stdout", "%s", strerror(errno));
	return 0;
}

/* ---- PAL signing (docs/pal-abi.md, "Signed PAL files") ---- */

static int cmd_signer_key(const char *dir, const char *name)
{
	uint8_t pub[PUB_SIZE];

	if (!*name || strchr(name, '/') || strcmp(name, "root") == 0 || strcmp(name, "device") == 0)
		die(name, "not a name for a signer key (the root and device keys are not)");
	make_dirs(dir);
	if (ensure_key(dir, name, pub))
		printf("tzv-sign: created the PAL-signing key pair %s in %s (never commit it)\n",
		       name, dir);
	return 0;
}

static uint32_t parse_number(const char *what, const char *s)
{
	uint32_t v;

	if (!parse_u32(s, &v))
		die(what, "'%s' is not a decimal number", s);
	return v;
}

static int cmd_pal(int argc, char **argv)
{
	static uint8_t
	    file[sizeof(struct pal_file_header) + PAL_MAX_MEM + sizeof(struct pal_file_sig)];
	const char *in = argv[0], *out = argv[1], *key_path = NULL;
	uint32_t svn = 0, version = 0;
	bool have_svn = false;
	uint8_t key[KEY_SIZE], hash[SHA256_SIZE];
	size_t size;

	for (int i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--key") == 0)
			key_path = argv[i + 1];
		else if (strcmp(argv[i], "--svn") == 0)
			svn = parse_number("--svn", argv[i + 1]), have_svn = true;
		else if (strcmp(argv[i], "--version") == 0)
			version = parse_number("--version", argv[i + 1]);
		else
			usage();
	}
	if (!key_path || !have_svn)
		usage();
	struct pal_file_header *h = (struct pal_file_header *)file;
	uint8_t *image = file + sizeof(*h);
	read_file(in, image, PAL_MAX_MEM + 1, &size, false);
	if (size > PAL_MAX_MEM)
		die(in, "larger than %u bytes", PAL_MAX_MEM);
	if (size < 80 || memcmp(image, PAL_MAGIC, sizeof(PAL_MAGIC)) || get32(image + 56) != size)
		die(in, "not a PAL image (magic, or image_size that is not the file's size)");
	read_exact(key_path, key, KEY_SIZE, false);
	struct pal_file_sig *s = (struct pal_file_sig *)(image + size);
	memset(h, 0, sizeof(*h));
	memset(s, 0, sizeof(*s));
	public_key(key_path, key, s->pub);
	memcpy(h->magic, PAL_FILE_MAGIC, sizeof(PAL_FILE_MAGIC));
	h->version = PAL_FILE_VERSION;
	h->header_size = sizeof(*h);
	memcpy(h->uuid, image + 8, 16);
	memcpy(h->name, image + 24, 16);
	h->pal_version = version;
	h->svn = svn;
	h->image_size = (uint32_t)size;
	h->mem_size = get32(image + 64);
	sha256(s->pub, PUB_SIZE, h->signer);
	sha256(file, sizeof(*h) + size, hash);
	br_ec_private_key sk = {BR_EC_secp256r1, key, KEY_SIZE};
	br_ec_public_key pk = {BR_EC_secp256r1, s->pub, PUB_SIZE};
	if (br_ecdsa_i31_sign_raw(br_ec_get_default(), &br_sha256_vtable, hash, &sk, s->sig) != 64)
		die(out, "BearSSL could not sign");
	memset(key, 0, sizeof(key));
	if (br_ecdsa_i31_vrfy_raw(br_ec_get_default(), hash, SHA256_SIZE, &pk, s->sig, 64) != 1)
		die(out, "the signature just made does not verify");
	write_if_changed(out, file, sizeof(*h) + size + sizeof(*s), 0644);
	/* what a verifier pins (tzv-verify --expect-pal UUID:MEASUREMENT) */
	char m[2 * SHA256_SIZE + 1];
	hex(m, hash, SHA256_SIZE);
	printf("tzv-sign: %s: PAL %.16s version %u svn %u measurement %s\n", out, h->name, version,
	       svn, m);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("%s\n", USAGE);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "keys") == 0)
		return cmd_keys(argv[2]);
	if (argc == 5 && strcmp(argv[1], "manifest") == 0)
		return cmd_manifest(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "signer-key") == 0)
		return cmd_signer_key(argv[2], argv[3]);
	if (argc >= 8 && strcmp(argv[1], "pal") == 0)
		return cmd_pal(argc - 2, argv + 2);
	usage();
}
