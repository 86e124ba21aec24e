#ifndef TZV_SPINLOCK_H
#define TZV_SPINLOCK_H
#include <stdbool.h>

typedef struct {
	volatile unsigned int locked;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
	unsigned int tmp, one = 1;

	__asm__ volatile("sevl\n"
			 "1: wfe\n"
			 "2: ldaxr %w0, [%1]\n"
			 "cbnz %w0, 1b\n"
			 "stxr %w0, %w2, [%1]\n"
			 "cbnz %w0, 2b\n"
			 : "=&r"(tmp)
			 : "r"(&l->locked), "r"(one)
			 : "memory");
}

/* One attempt: true if it took the lock. */
static inline bool spin_trylock(spinlock_t *l)
{
	unsigned int tmp, one = 1;

	__asm__ volatile("1: ldaxr %w0, [%1]\n"
			 "cbnz %w0, 2f\n"
			 "stxr %w0, %w2, [%1]\n"
			 "cbnz %w0, 1b\n"
			 "b 3f\n"
			 "2: clrex\n"
			 "3:\n"
			 : "=&r"(tmp)
			 : "r"(&l->locked), "r"(one)
			 : "memory");
	return tmp == 0;
}

static inline void spin_unlock(spinlock_t *l)
{
	__asm__ volatile("stlr wzr, [%0]" : : "r"(&l->locked) : "memory");
}

#endif
