/* Freestanding string helpers; word-wise only from 8-byte aligned
 * addresses, byte-wise otherwise (and for a tail), so they are safe with
 * the MMU off (strict alignment). The compiler may emit calls to these itself. */
#include <tzv/string.h>

/* Four words a turn (ldp/stp, a quarter of the loop's branches): all four
 * loaded before any is stored, which the compiler may not assume of d[i] = s[i]. */
static inline void copy4(unsigned long *d, const unsigned long *s)
{
	unsigned long a = s[0], b = s[1], c = s[2], e = s[3];

	d[0] = a, d[1] = b, d[2] = c, d[3] = e;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((size_t)d | (size_t)s) & 7U) == 0) { /* the words, then any tail of bytes */
		unsigned long *dw = dst;
		const unsigned long *sw = src;
		size_t i = 0;
		for (; i + 4 <= n / 8; i += 4)
			copy4(dw + i, sw + i);
		for (; i < n / 8; i++)
			dw[i] = sw[i];
		d += n & ~7UL, s += n & ~7UL, n &= 7U;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	if (c == 0 && ((size_t)d & 7U) == 0) {
		unsigned long *dw = dst;
		size_t i = 0;
		for (; i + 4 <= n / 8; i += 4)
			dw[i] = dw[i + 1] = dw[i + 2] = dw[i + 3] = 0;
		for (; i < n / 8; i++)
			dw[i] = 0;
		d += n & ~7UL, n &= 7U;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}
