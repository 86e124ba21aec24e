/* System-call stubs: svc #0 with the number in x8 (docs/pal-abi.md). Real
 * functions rather than inline asm, so the compiler treats every
 * caller-saved register as clobbered whatever the STK leaves in them. */
#include "pal.h"

.macro syscall name, nr
	.section .text.\name, "ax"
	.globl \name
	.type \name, %function
	.balign 4
\name:
	mov	x8, #\nr
	svc	#0
	ret
	.size \name, . - \name
.endm

syscall pal_sys_return, PAL_SYS_RETURN
syscall pal_sys_panic, PAL_SYS_PANIC
syscall pal_sys_log, PAL_SYS_LOG
syscall pal_sys_random, PAL_SYS_RANDOM
syscall pal_sys_time, PAL_SYS_TIME
syscall pal_sys_store_put, PAL_SYS_STORE_PUT
syscall pal_sys_store_get, PAL_SYS_STORE_GET
syscall pal_sys_derive, PAL_SYS_DERIVE
syscall pal_sys_pcr_read, PAL_SYS_PCR_READ
syscall pal_sys_pcr_extend, PAL_SYS_PCR_EXTEND
syscall pal_sys_eventlog, PAL_SYS_EVENTLOG
syscall pal_sys_identity, PAL_SYS_IDENTITY
syscall pal_sys_statement, PAL_SYS_STATEMENT
syscall pal_sys_obj_put, PAL_SYS_OBJ_PUT
syscall pal_sys_obj_read, PAL_SYS_OBJ_READ
syscall pal_sys_obj_info, PAL_SYS_OBJ_INFO
syscall pal_sys_obj_delete, PAL_SYS_OBJ_DELETE
syscall pal_sys_obj_rename, PAL_SYS_OBJ_RENAME
syscall pal_sys_obj_enum, PAL_SYS_OBJ_ENUM
syscall pal_sys_ree_fs, PAL_SYS_REE_FS
