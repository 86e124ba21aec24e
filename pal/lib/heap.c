/* A bump allocator over [__pal_heap_start, __pal_heap_end): end of bss to
 * the stack guard page (pal/linker.ld). It lives as long as the instance. */
#include <string.h>

#include "pal.h"

extern char __pal_heap_start[], __pal_heap_end[];

#define ALIGN 16

/* each block is preceded by ALIGN bytes holding its rounded size */
static uintptr_t heap_top;

void *malloc(size_t size)
{
	uintptr_t top = heap_top ? heap_top : (uintptr_t)__pal_heap_start;
	uintptr_t room = (uintptr_t)__pal_heap_end - top;
	size_t rounded = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);

	if (size > room || rounded + ALIGN > room)
		pal_panic(PAL_PANIC_OOM);
	*(size_t *)top = rounded;
	heap_top = top + ALIGN + rounded;
	return (void *)(top + ALIGN);
}

void *calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		pal_panic(PAL_PANIC_OOM);
	return memset(malloc(n * size), 0, n * size);
}

void free(void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;

	/* only the newest block can be given back */
	if (ptr && p + *(size_t *)(p - ALIGN) == heap_top)
		heap_top = p - ALIGN;
}
