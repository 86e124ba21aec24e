/* lib/src/string.c on the host: every alignment of source and destination
 * and every length up to a few words, against a byte loop, with guard
 * bytes around the destination (the word paths and their byte tails). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define memcpy	tzv_memcpy
#define memmove tzv_memmove
#define memset	tzv_memset
#define memcmp	tzv_memcmp
#define strlen	tzv_strlen
#define strcmp	tzv_strcmp
#define strncmp tzv_strncmp
#include "../../lib/src/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strcmp
#undef strncmp

#define AREA  256
#define GUARD 0xA5

static uint8_t src[AREA], dst[AREA], want[AREA];

static void fail(const char *what, unsigned da, unsigned sa, unsigned n)
{
	printf("test_string: %s wrong at dst+%u src+%u n=%u\n", what, da, sa, n);
	exit(1);
}

static void check(const char *what, unsigned da, unsigned sa, unsigned n)
{
	for (unsigned i = 0; i < AREA; i++)
		if (dst[i] != want[i])
			fail(what, da, sa, n);
}

static void reset(void)
{
	for (unsigned i = 0; i < AREA; i++) {
		src[i] = (uint8_t)(i * 7 + 1);
		dst[i] = want[i] = GUARD;
	}
}

int main(void)
{
	for (unsigned da = 0; da < 16; da++)
		for (unsigned sa = 0; sa < 16; sa++)
			for (unsigned n = 0; n <= 100; n++) {
				reset();
				for (unsigned i = 0; i < n; i++)
					want[8 + da + i] = src[sa + i];
				if (tzv_memcpy(dst + 8 + da, src + sa, n) != dst + 8 + da)
					fail("memcpy's result", da, sa, n);
				check("memcpy", da, sa, n);
				for (int c = 0; c < 2; c++) {
					reset();
					for (unsigned i = 0; i < n; i++)
						want[8 + da + i] = (uint8_t)(c ? 0x5a : 0);
					tzv_memset(dst + 8 + da, c ? 0x5a : 0, n);
					check("memset", da, sa, n);
				}
			}
	/* overlapping moves, both ways, within one buffer */
	for (unsigned a = 0; a < 24; a++)
		for (unsigned b = 0; b < 24; b++)
			for (unsigned n = 0; n <= 100; n++) {
				reset();
				for (unsigned i = 0; i < AREA; i++)
					dst[i] = want[i] = (uint8_t)(i * 3 + 5);
				for (unsigned i = 0; i < n; i++)
					want[a + i] = (uint8_t)((b + i) * 3 + 5);
				tzv_memmove(dst + a, dst + b, n);
				check("memmove", a, b, n);
			}
	printf("test_string: ok\n");
	return 0;
}
