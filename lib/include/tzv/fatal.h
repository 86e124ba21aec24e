/* The fatal path every level shares: what went wrong, the syndrome
 * registers the level read, all general registers, then the CPU halts. */
#ifndef TZV_FATAL_H
#define TZV_FATAL_H
#include <stdint.h>

struct fatal_sysreg {
	const char *name;
	uint64_t value;
};

/* Prints "FATAL <level>: <kind of exception> on CPU <n>" (kind: the vector
 * slot, 0..7 as in the vector table), the system registers four to a line,
 * x0..x30 from the exception frame, "<level>: CPU halted"; halts. */
void fatal_dump(const char *level, unsigned kind, const struct fatal_sysreg *sys, unsigned nsys,
		const uint64_t x[31]) __attribute__((noreturn));

#endif
