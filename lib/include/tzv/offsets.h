/* Emits "->NAME value" markers in the compiler's assembly output; the build
 * turns them into #defines so assembly uses offsets generated from C. */
#ifndef TZV_OFFSETS_H
#define TZV_OFFSETS_H
#include <stddef.h>
#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %0\"" : : "i"((long)(val)))
#endif
