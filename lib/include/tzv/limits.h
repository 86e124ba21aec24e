/* Limits shared by every level and by tools/tzv-config, which reads the
 * #defines below (a configuration is checked against the same numbers the
 * firmware is built with). */
#ifndef TZV_LIMITS_H
#define TZV_LIMITS_H

#define TZV_MAX_VMS	      4 /* VMs in one system, each with its own vTEE */
#define TZV_SHMEM_MAX_MEMBERS 4 /* VMs sharing one memory region */
#define TZV_MAX_SHMEM	      8 /* shared memory regions in one system */
#define TZV_MAX_SIGNERS	      8 /* secure service providers whose PALs the STK loads */

/* What one vTEE holds at most; each VM's configured limits (tee_sessions,
 * tee_shm, tee_shm_pages, tee_pals) are at most these. Fixed slots per
 * vTEE: no VM can use up another's. */
#define TZV_TEE_MAX_SESSIONS  48 /* TZV_MAX_VMS of them take < 256 ASIDs */
#define TZV_TEE_MAX_SHM	      16
#define TZV_TEE_MAX_SHM_PAGES 512 /* pages of one registered buffer */
#define TZV_TEE_MAX_CALLS     4	  /* yielding calls in flight per VM */
#define TZV_TEE_MAX_PALS      8	  /* PALs one vTEE registers */
/* The STK's secure memory for what the vTEEs hold at run time (registered
 * PALs, PAL instances, files being loaded), 12 MiB in 4 KiB pages: each VM
 * has a quota of it (tee_secure_kib) and the quotas never add up to more,
 * so no VM can use up another's. */
#define TZV_TEE_POOL_PAGES 3072

#endif
