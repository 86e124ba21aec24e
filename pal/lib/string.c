/* Freestanding string functions for the PALs and BearSSL, and the fortify
 * (__*_chk) variants Debian's libbearssl.a calls. Built with
 * -fno-tree-loop-distribute-patterns so these loops stay loops. */
#include <string.h>

#include "pal.h"

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen);
void *__memmove_chk(void *dst, const void *src, size_t n, size_t dstlen);
void *__memset_chk(void *dst, int c, size_t n, size_t dstlen);

/* may_alias: the word loops access buffers of any type */
typedef uint64_t __attribute__((may_alias)) word_t;

#define WORD	   sizeof(word_t)
#define ALIGNED(x) (((uintptr_t)(x) & (WORD - 1)) == 0)

void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (ALIGNED(d) && ALIGNED(s)) {
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(word_t *)d = *(const word_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	if (ALIGNED(d)) {
		word_t w = (uint8_t)c * 0x0101010101010101ull;

		for (; n >= WORD; n -= WORD, d += WORD)
			*(word_t *)d = w;
	}
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
	if (n > dstlen)
		pal_panic(PAL_PANIC_FORTIFY);
	return memcpy(dst, src, n);
}

void *__memmove_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
	if (n > dstlen)
		pal_panic(PAL_PANIC_FORTIFY);
	return memmove(dst, src, n);
}

void *__memset_chk(void *dst, int c, size_t n, size_t dstlen)
{
	if (n > dstlen)
		pal_panic(PAL_PANIC_FORTIFY);
	return memset(dst, c, n);
}

void pal_wipe(void *buf, size_t len)
{
	memset(buf, 0, len);
	/* the compiler must assume buf is read afterwards */
	__asm__ volatile("" : : "r"(buf) : "memory");
}
