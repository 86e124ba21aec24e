/* The string functions the PAL runtime provides (pal/lib/string.c). Only on
 * the PALs' include path: BearSSL's headers include <string.h>, and the
 * cross toolchain has no libc headers for a freestanding target. */
#ifndef PAL_STRING_H
#define PAL_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);

#endif
