/* lib/include/tzv/crypto.h over BearSSL (libbearssl-dev:arm64), plus the
 * few C library symbols the Debian build of it expects. An image built with
 * TZV_SHA256_NETTLE (the monitor, which hashes every image) takes SHA-256
 * from Nettle (nettle-dev:arm64) instead: its arm64 code uses the CPU's
 * SHA-256 instructions, about 2 instructions a byte against BearSSL's 40. */
#include <bearssl.h>
#include <tzv/console.h>
#include <tzv/crypto.h>
#include <tzv/string.h>
#include <tzv/sysreg.h>

#ifdef TZV_SHA256_NETTLE
#include <nettle/sha2.h>
/* (its header renames the plain names to its own) */
#undef sha256_init
#undef sha256_update

_Static_assert(sizeof(struct sha256) >= sizeof(struct sha256_ctx), "sha256 context too small");

void sha256_init(struct sha256 *h)
{
	nettle_sha256_init((struct sha256_ctx *)(void *)h);
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	nettle_sha256_update((struct sha256_ctx *)(void *)h, len, data);
}

void sha256_final(struct sha256 *h, uint8_t out[SHA256_SIZE])
{
	nettle_sha256_digest((struct sha256_ctx *)(void *)h, SHA256_SIZE, out);
}

#ifndef TZV_HOST_TEST /* (the host's libnettle makes its own choice) */
/* Nettle's Debian build picks its compression function at run time from
 * what libc's getauxval says the CPU has. This image has no libc: the
 * choice is made here, from the CPU's ID register (FEAT_SHA256). */
typedef void compress_fn(uint32_t *state, const uint8_t *input, const uint32_t *k);
compress_fn _nettle_sha256_compress, _nettle_sha256_compress_arm64, _nettle_sha256_compress_c;

void _nettle_sha256_compress(uint32_t *state, const uint8_t *input, const uint32_t *k)
{
	if ((read_sysreg(id_aa64isar0_el1) >> 12) & 0xfU)
		_nettle_sha256_compress_arm64(state, input, k);
	else
		_nettle_sha256_compress_c(state, input, k);
}

/* Nettle checks its arguments with assert(). */
void __assert_fail(const char *what, const char *file, unsigned line, const char *fn);
void __assert_fail(const char *what, const char *file, unsigned line, const char *fn)
{
	panic("crypto: %s:%u: %s: assertion '%s' failed\n", file, line, fn, what);
}
#endif
#else
_Static_assert(sizeof(struct sha256) >= sizeof(br_sha256_context), "sha256 context too small");

void sha256_init(struct sha256 *h)
{
	br_sha256_init((br_sha256_context *)(void *)h);
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	br_sha256_update((br_sha256_context *)(void *)h, data, len);
}

void sha256_final(struct sha256 *h, uint8_t out[SHA256_SIZE])
{
	br_sha256_out((br_sha256_context *)(void *)h, out);
}
#endif

void sha256(const void *data, size_t len, uint8_t out[SHA256_SIZE])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, data, len);
	sha256_final(&h, out);
}

void hmac_sha256(const void *key, size_t key_len, const void *a, size_t a_len, const void *b,
		 size_t b_len, uint8_t out[SHA256_SIZE])
{
	br_hmac_key_context kc;
	br_hmac_context c;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, key_len);
	br_hmac_init(&c, &kc, 0);
	br_hmac_update(&c, a, a_len);
	br_hmac_update(&c, b, b_len);
	br_hmac_out(&c, out);
}

bool ecdsa_p256_verify(const uint8_t pub[65], const uint8_t hash[SHA256_SIZE],
		       const uint8_t sig[64])
{
	br_ec_public_key pk = {BR_EC_secp256r1, (unsigned char *)(uintptr_t)pub, 65};

	return br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, hash, SHA256_SIZE, &pk, sig, 64) == 1;
}

#ifndef TZV_HOST_TEST /* (the host's C library has them) */
/* What Debian's hardened build of BearSSL links against. */
void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len);
void *__memmove_chk(void *dst, const void *src, size_t n, size_t dst_len);
void *__memset_chk(void *dst, int c, size_t n, size_t dst_len);
void __stack_chk_fail(void);
uintptr_t __stack_chk_guard = 0x2f8e1d4c6b5a7930UL;

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
	if (n > dst_len)
		panic("crypto: memcpy overflow\n");
	return memcpy(dst, src, n);
}

void *__memmove_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
	if (n > dst_len)
		panic("crypto: memmove overflow\n");
	return memmove(dst, src, n);
}

void *__memset_chk(void *dst, int c, size_t n, size_t dst_len)
{
	if (n > dst_len)
		panic("crypto: memset overflow\n");
	return memset(dst, c, n);
}

void __stack_chk_fail(void)
{
	panic("crypto: stack smashed\n");
}
#endif
