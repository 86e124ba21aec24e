/* Host shim of lib/include/tzv/spinlock.h for the fuzz targets: the real
 * one is aarch64 exclusives. A fuzz target runs one CPU's code at a time,
 * so taking a lock that is held can only be the same CPU taking it twice,
 * which on the hardware spins forever: report it as a crash, and so a
 * release of a lock nobody holds. */
#ifndef TZV_SPINLOCK_H
#define TZV_SPINLOCK_H
#include <stdbool.h>

typedef struct {
	volatile unsigned int locked;
} spinlock_t;

void fuzz_deadlock(const spinlock_t *l) __attribute__((noreturn));
void fuzz_free_unlock(const spinlock_t *l) __attribute__((noreturn));

static inline void spin_lock(spinlock_t *l)
{
	if (l->locked)
		fuzz_deadlock(l);
	l->locked = 1;
}

static inline bool spin_trylock(spinlock_t *l)
{
	if (l->locked)
		return false;
	l->locked = 1;
	return true;
}

static inline void spin_unlock(spinlock_t *l)
{
	if (!l->locked)
		fuzz_free_unlock(l);
	l->locked = 0;
}

#endif
