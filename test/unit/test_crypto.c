/* Known-answer tests of the levels' crypto wrappers (lib/src/crypto.c, the
 * code the monitor and the STK link), with the published vectors: SHA-256
 * from FIPS 180-2's examples (and fed in pieces, as the boot's measurement
 * does), HMAC-SHA256 from RFC 4231 (its message split in two, as the
 * STK's key derivation passes it), and ECDSA P-256 verification from
 * RFC 6979 A.2.5, with the near misses a verifier must refuse. */
#include <stdio.h>
#include <string.h>

#include <tzv/crypto.h>

static int failures;
#define CHECK(cond, what)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, what);                    \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned b;
		sscanf(hex + 2 * i, "%2x", &b);
		out[i] = (uint8_t)b;
	}
}

static int same(const uint8_t *got, const char *hex)
{
	uint8_t want[SHA256_SIZE];
	unhex(hex, want, sizeof(want));
	return !memcmp(got, want, sizeof(want));
}

static void test_sha256(void)
{
	static const struct {
		const char *msg, *digest;
	} v[] = {
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	uint8_t d[SHA256_SIZE];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha256(v[i].msg, strlen(v[i].msg), d);
		CHECK(same(d, v[i].digest), v[i].msg);
	}
	/* a million 'a', in uneven pieces */
	static char a[1000];
	struct sha256 h;
	memset(a, 'a', sizeof(a));
	sha256_init(&h);
	for (size_t done = 0, n = 1; done < 1000000; done += n, n = n % 997 + 1) {
		if (n > 1000000 - done)
			n = 1000000 - done;
		sha256_update(&h, a, n);
	}
	sha256_final(&h, d);
	CHECK(same(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
	      "a million 'a'");
}

static void test_hmac_sha256(void)
{
	uint8_t key[131], d[SHA256_SIZE];
	const char *m;

	memset(key, 0x0b, 20);
	m = "Hi There";
	hmac_sha256(key, 20, m, 3, m + 3, strlen(m) - 3, d);
	CHECK(same(d, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
	      "RFC 4231 case 1");
	m = "what do ya want for nothing?";
	hmac_sha256("Jefe", 4, m, strlen(m), "", 0, d);
	CHECK(same(d, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
	      "RFC 4231 case 2");
	memset(key, 0xaa, sizeof(key)); /* a key longer than a block is hashed first */
	m = "Test Using Larger Than Block-Size Key - Hash Key First";
	hmac_sha256(key, sizeof(key), "", 0, m, strlen(m), d);
	CHECK(same(d, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
	      "RFC 4231 case 6");
}

/* RFC 6979 A.2.5: P-256, SHA-256, messages "sample" and "test" */
#define PUB_X "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
#define PUB_Y "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
#define SIG_SAMPLE                                                                                 \
	"efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"                         \
	"f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"
#define SIG_TEST                                                                                   \
	"f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367"                         \
	"019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083"
#define ORDER_N "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"

static void test_ecdsa_p256_verify(void)
{
	uint8_t pub[65] = {4}, sig[64], h_sample[SHA256_SIZE], h_test[SHA256_SIZE], bad[65];

	unhex(PUB_X PUB_Y, pub + 1, 64);
	sha256("sample", 6, h_sample);
	sha256("test", 4, h_test);

	unhex(SIG_SAMPLE, sig, 64);
	CHECK(ecdsa_p256_verify(pub, h_sample, sig), "\"sample\" verifies");
	CHECK(!ecdsa_p256_verify(pub, h_test, sig), "\"sample\"'s signature on \"test\"");
	unhex(SIG_TEST, sig, 64);
	CHECK(ecdsa_p256_verify(pub, h_test, sig), "\"test\" verifies");

	for (unsigned bit = 0; bit < 512; bit += 37) { /* r, then s */
		unhex(SIG_TEST, sig, 64);
		sig[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		CHECK(!ecdsa_p256_verify(pub, h_test, sig), "a flipped signature bit");
	}
	unhex(SIG_TEST, sig, 64);
	h_test[31] ^= 1;
	CHECK(!ecdsa_p256_verify(pub, h_test, sig), "a flipped hash bit");
	h_test[31] ^= 1;
	memcpy(bad, pub, sizeof(bad));
	bad[64] ^= 1; /* off the curve */
	CHECK(!ecdsa_p256_verify(bad, h_test, sig), "a public key off the curve");
	bad[64] ^= 1;
	bad[0] = 2; /* not an uncompressed point */
	CHECK(!ecdsa_p256_verify(bad, h_test, sig), "a compressed-point prefix");

	memset(sig, 0, 32); /* r = 0 */
	CHECK(!ecdsa_p256_verify(pub, h_test, sig), "r = 0");
	unhex(SIG_TEST, sig, 64);
	memset(sig + 32, 0, 32); /* s = 0 */
	CHECK(!ecdsa_p256_verify(pub, h_test, sig), "s = 0");
	unhex(ORDER_N, sig, 32); /* r = n */
	CHECK(!ecdsa_p256_verify(pub, h_test, sig), "r = n");
	unhex(SIG_TEST, sig, 64);
	unhex(ORDER_N, sig + 32, 32); /* s = n */
	CHECK(!ecdsa_p256_verify(pub, h_test, sig), "s = n");
}

int main(void)
{
	test_sha256();
	test_hmac_sha256();
	test_ecdsa_p256_verify();
	printf("test_crypto: %s\n", failures ? "FAILED" : "ok");
	return failures != 0;
}
