/* The calling CPU and MPIDR affinities, the same at every level. */
#ifndef TZV_CPU_H
#define TZV_CPU_H
#include <board.h>
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

#endif
