/* test_crypto.c's known answers on the SHA-256 the monitor uses: Nettle's
 * (built with TZV_SHA256_NETTLE; see the Makefile). */
#include "test_crypto.c"
