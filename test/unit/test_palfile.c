/* Host tests of the STK's checks of a signed PAL file (tee/core/palfile.c),
 * built with the sanitizers: the build's selftest.ta passes; every
 * truncation and a flipped bit in each byte of the header and signature
 * and in sampled image bytes are refused; and files re-signed with the
 * build's provider key whose fields lie are refused for the reason the STK
 * logs. TZV_BUILD_DIR is the build directory (the Makefile's). */
#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stk.h>

static int failures;
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("  FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                   \
			printf(__VA_ARGS__);                                                       \
			printf("\n");                                                              \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define FILE_MAX (sizeof(struct pal_file_header) + PAL_MAX_MEM + sizeof(struct pal_file_sig))

static uint8_t good[FILE_MAX], buf[FILE_MAX + 1];
static size_t good_len;
static uint8_t key[32], uuid[16];
static struct pal_signers signers;

static size_t slurp(const char *name, uint8_t *out, size_t max)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", TZV_BUILD_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("test_palfile: %s missing (make first)\n", path);
		exit(1);
	}
	size_t n = fread(out, 1, max, f);
	fclose(f);
	return n;
}

static const char *str(const char *why)
{
	return why ? why : "(accepted)";
}

static const char *check(const uint8_t *file, size_t len)
{
	uint8_t m[32];
	return pal_file_check(file, len, uuid, &signers, m);
}

static struct pal_file_header *hdr(void)
{
	return (struct pal_file_header *)(void *)buf;
}

static struct pal_header *img(void)
{
	return (struct pal_header *)(void *)(buf + sizeof(struct pal_file_header));
}

/* The provider signs buf again, as tzv-sign would have (header fields and
 * all), so that only the check under test can refuse it. */
static void resign(size_t len)
{
	size_t signed_len = len - sizeof(struct pal_file_sig);
	uint8_t hash[32];
	br_sha256_context h;
	br_ec_private_key sk = {BR_EC_secp256r1, key, sizeof(key)};

	br_sha256_init(&h);
	br_sha256_update(&h, buf, signed_len);
	br_sha256_out(&h, hash);
	if (br_ecdsa_i31_sign_raw(br_ec_get_default(), &br_sha256_vtable, hash, &sk,
				  buf + len - 64) != 64) {
		printf("test_palfile: cannot sign\n");
		exit(1);
	}
}

static void test_the_builds_file_passes(void)
{
	uint8_t m[32], want[32];
	br_sha256_context h;

	CHECK(check(good, good_len) == NULL, "%s", str(check(good, good_len)));
	pal_file_check(good, good_len, uuid, &signers, m);
	br_sha256_init(&h);
	br_sha256_update(&h, good, good_len - sizeof(struct pal_file_sig));
	br_sha256_out(&h, want);
	CHECK(!memcmp(m, want, 32), "the measurement is SHA-256 of header and image");
	memcpy(buf, good, good_len);
	resign(good_len); /* the re-signing itself changes nothing checked */
	CHECK(check(buf, good_len) == NULL, "re-signed: %s", str(check(buf, good_len)));
}

static void test_every_truncation_is_refused(void)
{
	for (size_t n = 0; n < good_len; n++) {
		/* a fresh heap copy of exactly n bytes: ASan sees any read past it */
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, good, n);
		const char *why = check(p, n);
		CHECK(why != NULL, "%zu bytes accepted", n);
		free(p);
	}
}

static void test_flipped_bits_are_refused(void)
{
	size_t image_end = good_len - sizeof(struct pal_file_sig);

	for (size_t i = 0; i < good_len; i++) {
		if (i >= sizeof(struct pal_file_header) && i < image_end && i % 61)
			continue; /* the image: sampled, each costs an ECDSA verify */
		memcpy(buf, good, good_len);
		buf[i] ^= 0x10;
		CHECK(check(buf, good_len) != NULL, "byte %zu flipped accepted", i);
	}
}

static void test_another_signer_or_uuid_is_refused(void)
{
	struct pal_signers none = signers;
	uint8_t m[32], other[16];

	none.count = 0;
	CHECK(!strcmp(str(pal_file_check(good, good_len, uuid, &none, m)),
		      "a signer the platform does not authorize"),
	      "no signer authorized");
	memcpy(other, uuid, 16);
	other[15] ^= 1;
	CHECK(
	    !strcmp(str(pal_file_check(good, good_len, other, &signers, m)), "another PAL's UUID"),
	    "asked for another UUID");
	memcpy(buf, good, good_len);
	buf[good_len - sizeof(struct pal_file_sig) + 66] = 1; /* the signature block's padding */
	CHECK(!strcmp(str(check(buf, good_len)), "a signer that is not the key in it"), "pad");
}

/* A field changed, then signed by the provider: the layout checks alone
 * must refuse it. */
struct lie {
	const char *what, *why;
	void (*change)(void);
};

static void big_image(void)
{
	hdr()->image_size = PAL_MAX_MEM + 4096U;
}
static void overflowing_image(void)
{
	hdr()->image_size = 0xfffff000U;
}
static void shorter_image(void)
{
	hdr()->image_size -= 4096U;
}
static void file_version(void)
{
	hdr()->version = 2;
}
static void header_size(void)
{
	hdr()->header_size = 64;
}
static void reserved(void)
{
	hdr()->reserved[31] = 1;
}
static void file_uuid(void)
{
	hdr()->uuid[0] ^= 1;
	uuid[0] ^= 1; /* asked for what the header says: the image disagrees */
}
static void file_name(void)
{
	hdr()->name[0] ^= 1;
}
static void file_mem(void)
{
	hdr()->mem_size += 4096U;
}
static void text_beyond_image(void)
{
	img()->text_size = img()->image_size + 4096U;
}
static void entry_beyond_text(void)
{
	img()->entry = img()->text_size;
}
static void memory_smaller_than_image(void)
{
	img()->mem_size = img()->image_size;
	hdr()->mem_size = img()->image_size;
}
static void memory_sums_overflow(void)
{
	img()->bss_size = 0xfffff000U;
}
static void no_stack(void)
{
	img()->stack_size = 0;
}
static void unaligned(void)
{
	img()->text_size += 8;
}
static void platform_flags(void)
{
	img()->flags = PAL_FLAG_ATTEST;
}
static void image_magic(void)
{
	img()->magic[0] = 'X';
}

static const struct lie lies[] = {
    {"image over PAL_MAX_MEM", "sizes that do not add up", big_image},
    {"image size overflowing", "sizes that do not add up", overflowing_image},
    {"image size shorter than the file", "sizes that do not add up", shorter_image},
    {"format version 2", "an unknown format version", file_version},
    {"header size", "an unknown format version", header_size},
    {"reserved bytes", "reserved bytes set", reserved},
    {"header UUID not the image's", "an image that is not the one the header describes", file_uuid},
    {"header name not the image's", "an image that is not the one the header describes", file_name},
    {"header memory not the image's", "an image that is not the one the header describes",
     file_mem},
    {"text beyond the image", "image layout", text_beyond_image},
    {"entry beyond the text", "image layout", entry_beyond_text},
    {"memory smaller than the image", "memory layout", memory_smaller_than_image},
    {"memory sums overflowing", "memory layout", memory_sums_overflow},
    {"no stack", "memory layout", no_stack},
    {"sizes not page multiples", "sizes not page multiples", unaligned},
    {"flags of the platform's PALs", "flags only the platform's own PALs may have", platform_flags},
    {"image magic", "bad magic", image_magic},
};

static void test_signed_lies_are_refused(void)
{
	uint8_t asked[16];

	memcpy(asked, uuid, 16);
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		memcpy(buf, good, good_len);
		lies[i].change();
		resign(good_len);
		const char *why = check(buf, good_len);
		CHECK(!strcmp(str(why), lies[i].why), "%s: '%s', not '%s'", lies[i].what, str(why),
		      lies[i].why);
		memcpy(uuid, asked, 16);
	}
}

int main(void)
{
	uint8_t pub[65];

	good_len = slurp("pal/selftest.ta", good, sizeof(good));
	if (slurp("keys/provider.key", key, sizeof(key)) != 32 ||
	    slurp("keys/provider.pub", pub, sizeof(pub)) != 65) {
		printf("test_palfile: the provider's key pair is not 32 + 65 bytes\n");
		return 1;
	}
	memcpy(uuid, ((const struct pal_file_header *)(void *)good)->uuid, 16);
	signers.count = 1;
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, pub, sizeof(pub));
	br_sha256_out(&h, signers.key[0]);

	test_the_builds_file_passes();
	test_every_truncation_is_refused();
	test_flipped_bits_are_refused();
	test_another_signer_or_uuid_is_refused();
	test_signed_lies_are_refused();
	printf("test_palfile: %s (%zu-byte file)\n", failures ? "FAILED" : "ok", good_len);
	return failures ? 1 : 0;
}
