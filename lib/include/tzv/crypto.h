/* Hashes, MACs and signature checks for the secure world (monitor, STK),
 * from Debian's BearSSL; nothing here is hand-written cryptography. */
#ifndef TZV_CRYPTO_H
#define TZV_CRYPTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_SIZE 32

/* An incremental SHA-256 (BearSSL's context, kept opaque here). */
struct sha256 {
	uint64_t opaque[16];
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
void sha256_final(struct sha256 *h, uint8_t out[SHA256_SIZE]);
void sha256(const void *data, size_t len, uint8_t out[SHA256_SIZE]);
/* HMAC-SHA-256 of the concatenation of two parts */
void hmac_sha256(const void *key, size_t key_len, const void *a, size_t a_len, const void *b,
		 size_t b_len, uint8_t out[SHA256_SIZE]);
/* ECDSA P-256: pub = 0x04 || X || Y, sig = r || s (32 bytes each) */
bool ecdsa_p256_verify(const uint8_t pub[65], const uint8_t hash[SHA256_SIZE],
		       const uint8_t sig[64]);

#endif
