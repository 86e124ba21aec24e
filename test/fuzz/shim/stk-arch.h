/* The STK fuzz targets' shims (shim/stk-arch.c): what tee/include/stk.h
 * declares for tee/arch/ and the hardware, on the host. */
#ifndef FUZZ_STK_ARCH_H
#define FUZZ_STK_ARCH_H
#include "fuzz.h"

#include <stk.h>

/* Normal-world RAM: a host buffer standing for the physical pages
 * [FUZZ_NS_PA, FUZZ_NS_PA + FUZZ_NS_PAGES * 4096); the harness gives the
 * VMs their ranges of it in the partition map. */
#define FUZZ_NS_PA    0x50000000UL
#define FUZZ_NS_PAGES 48U
extern uint8_t fuzz_ns[FUZZ_NS_PAGES * 4096U];
/* the host bytes of [pa, pa + len), or NULL when that is not all fuzz_ns */
void *fuzz_ns_ptr(uint64_t pa, uint64_t len);

/* The monitor's measurement area at MEASURE_BASE (mapped there at the
 * first call), where the STK reads the partition map and the signers. */
struct measure_area *fuzz_stk_area(void);

/* The client whose SMC (or whose PAL) the STK is running for: every
 * normal-world page it maps must be that VM's by the partition map. 0 (the
 * hypervisor) owns none. */
extern uint32_t fuzz_stk_client;
/* ns_map's window in use (mapped, not yet unmapped) */
extern bool fuzz_ns_mapped;
/* the message page mapped in each call slot of ns_map_call, 0 for none */
#define FUZZ_CALL_SLOTS (TZV_MAX_VMS * TZV_TEE_MAX_CALLS)
extern uint64_t fuzz_call_slot[FUZZ_CALL_SLOTS];

/* How the STK's last run ended: stk_exit's a0..a3, or pal_enter's context
 * (fuzz_exit_why says which). */
extern uint64_t fuzz_stk_ret[4];
extern struct pal_ctx *fuzz_pal_ctx;
/* what the CPU reports of a PAL's trap (cpu.c's el0_trap_*) */
extern bool fuzz_trap_svc;
extern uint64_t fuzz_trap_esr, fuzz_trap_far;
/* stk_monitor_call's answers, and stk_random's generator */
extern struct fuzz_in *fuzz_stk_in;
extern uint64_t fuzz_rng_state;

void fuzz_stk_reset(void);
/* whether [pa, pa + len) is client's by the map at MEASURE_BASE (its RAM,
 * its vTEE message pages, a shared region it is a member of) */
bool fuzz_client_holds(uint32_t client, uint64_t pa, uint64_t len);

#endif
