/* The fortify (__*_chk) variants Debian's libbearssl.a calls, over the
 * shared freestanding string functions (lib/src/string.c, linked into every
 * PAL too), and pal_wipe. */
#include <string.h>

#include "pal.h"

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen);
void *__memmove_chk(void *dst, const void *src, size_t n, size_t dstlen);
void *__memset_chk(void *dst, int c, size_t n, size_t dstlen);

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
