/* The calling CPU and MPIDR affinities, the same at every level. */
#ifndef TZV_CPU_H
#define TZV_CPU_H
#include <board.h>
#include <stdbool.h>
#include <stdint.h>
#include <tzv/sysreg.h>

/* Aff3..Aff0 of an MPIDR: what names a CPU (bit 31 reads as one, and a
 * caller may pass it, U and MT say nothing about which CPU it is). */
#define MPIDR_AFF_MASK 0xff00ffffffUL

static inline uint64_t mpidr_affinity(uint64_t mpidr)
{
	return mpidr & MPIDR_AFF_MASK;
}

/* This CPU's index in the board's numbering (board_cpu_index). */
static inline unsigned cpu_index(void)
{
	return board_cpu_index(read_sysreg(mpidr_el1));
}

/* 64 bits from the CPU's random number generator (FEAT_RNG's RNDR), or
 * false when it has had no entropy to give for 100 tries. */
static inline bool cpu_random64(uint64_t *v)
{
	for (unsigned tries = 0; tries < 100; tries++) {
		uint64_t ok;
		/* NZCV.Z is set when the hardware had no entropy to give */
		__asm__ volatile("mrs %0, S3_3_C2_C4_0\n cset %1, ne" : "=r"(*v), "=r"(ok)::"cc");
		if (ok)
			return true;
	}
	return false;
}

#endif