/* <string.h> for the PALs and BearSSL's headers (the cross toolchain has
 * no libc headers for a freestanding target): the shared freestanding
 * string functions, lib/src/string.c. Only on the PALs' include path. */
#ifndef PAL_STRING_H
#define PAL_STRING_H

#include <tzv/string.h>

#endif
