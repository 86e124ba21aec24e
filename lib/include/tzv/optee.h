/* OP-TEE SMC ABI values tzvisor speaks (../shared reference digest §2):
 * the normal world's view, shared by the hypervisor and the STK. */
#ifndef TZV_OPTEE_H
#define TZV_OPTEE_H
#include <stdint.h>

#define OPTEE_SMC_CALLS_UID		0xBF00FF01U
#define OPTEE_SMC_CALLS_REVISION	0xBF00FF03U
#define OPTEE_SMC_GET_OS_UUID		0xB2000000U
#define OPTEE_SMC_GET_OS_REVISION	0xB2000001U
#define OPTEE_SMC_EXCHANGE_CAPABILITIES 0xB2000009U
#define OPTEE_SMC_DISABLE_SHM_CACHE	0xB200000AU
#define OPTEE_SMC_ENABLE_SHM_CACHE	0xB200000BU
#define OPTEE_SMC_VM_CREATED		0xB200000DU
#define OPTEE_SMC_VM_DESTROYED		0xB200000EU
#define OPTEE_SMC_GET_THREAD_COUNT	0xB200000FU
#define OPTEE_SMC_RETURN_FROM_RPC	0x32000003U
#define OPTEE_SMC_CALL_WITH_ARG		0x32000004U

#define OPTEE_SMC_RETURN_OK		  0x0U
#define OPTEE_SMC_RETURN_ETHREAD_LIMIT	  0x1U
#define OPTEE_SMC_RETURN_EBUSY		  0x2U
#define OPTEE_SMC_RETURN_ERESUME	  0x3U
#define OPTEE_SMC_RETURN_EBADADDR	  0x4U
#define OPTEE_SMC_RETURN_EBADCMD	  0x5U
#define OPTEE_SMC_RETURN_ENOMEM		  0x6U
#define OPTEE_SMC_RETURN_ENOTAVAIL	  0x7U
#define OPTEE_SMC_RETURN_UNKNOWN_FUNCTION 0xFFFFFFFFU

#define OPTEE_SMC_RETURN_RPC_ALLOC	  0xFFFF0000U
#define OPTEE_SMC_RETURN_RPC_FREE	  0xFFFF0002U
#define OPTEE_SMC_RETURN_RPC_FOREIGN_INTR 0xFFFF0004U
#define OPTEE_SMC_RETURN_RPC_CMD	  0xFFFF0005U
#define OPTEE_SMC_RETURN_IS_RPC(a0)	  (((a0)&0xFFFF0000U) == 0xFFFF0000U && (a0) != 0xFFFFFFFFU)

#define OPTEE_SMC_SEC_CAP_DYNAMIC_SHM	 (1U << 2)
#define OPTEE_SMC_SEC_CAP_VIRTUALIZATION (1U << 3)
#define OPTEE_SMC_SEC_CAP_MEMREF_NULL	 (1U << 4)
#define OPTEE_SMC_NSEC_CAP_UNIPROCESSOR	 (1U << 0)

/* The normal world's client ids: 0 is the hypervisor, VM n is n + 1. */
#define TZV_CLIENT_HYP	    0U
#define TZV_CLIENT_OF_VM(n) ((n) + 1U)

/* Message protocol (optee_msg.h): one argument struct in a 4 KiB page. */
#define OPTEE_MSG_CMD_OPEN_SESSION   0U
#define OPTEE_MSG_CMD_INVOKE_COMMAND 1U
#define OPTEE_MSG_CMD_CLOSE_SESSION  2U
#define OPTEE_MSG_CMD_CANCEL	     3U
#define OPTEE_MSG_CMD_REGISTER_SHM   4U
#define OPTEE_MSG_CMD_UNREGISTER_SHM 5U

/* A parameter's type: a value, registered memory (a buffer the VM
 * registered, named by cookie) or temporary memory (a normal-world address),
 * each input, output or both. */
#define OPTEE_MSG_ATTR_TYPE_MASK	 0xffU
#define OPTEE_MSG_ATTR_TYPE_NONE	 0x0U
#define OPTEE_MSG_ATTR_TYPE_VALUE_INPUT	 0x1U
#define OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT 0x2U
#define OPTEE_MSG_ATTR_TYPE_VALUE_INOUT	 0x3U
#define OPTEE_MSG_ATTR_TYPE_RMEM_INPUT	 0x5U
#define OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT	 0x6U
#define OPTEE_MSG_ATTR_TYPE_RMEM_INOUT	 0x7U
#define OPTEE_MSG_ATTR_TYPE_TMEM_INPUT	 0x9U
#define OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT	 0xaU
#define OPTEE_MSG_ATTR_TYPE_TMEM_INOUT	 0xbU
#define OPTEE_MSG_ATTR_META		 (1U << 8)
#define OPTEE_MSG_ATTR_NONCONTIG	 (1U << 9)
/* the attrs Linux sends for OPEN_SESSION's two meta parameters, REGISTER_SHM
 * and UNREGISTER_SHM */
#define OPTEE_MSG_ATTR_OPEN_META  0x101U
#define OPTEE_MSG_ATTR_REGISTER	  0x20aU
#define OPTEE_MSG_ATTR_UNREGISTER 0x5U

/* RPC commands the vTEE sends the normal world (optee_rpc_cmd.h) in the
 * argument an RPC_ALLOC obtained: four parameters at most */
#define OPTEE_RPC_CMD_LOAD_TA	0U
#define OPTEE_RPC_CMD_SHM_ALLOC 6U
#define OPTEE_RPC_CMD_SHM_FREE	7U
#define OPTEE_RPC_SHM_TYPE_APPL 0U
/* the REE file system (tee-supplicant's tee_supp_fs.c): p0.a is one of */
#define OPTEE_RPC_CMD_FS     2U
#define OPTEE_MRF_OPEN	     0U
#define OPTEE_MRF_CREATE     1U
#define OPTEE_MRF_CLOSE	     2U
#define OPTEE_MRF_READ	     3U
#define OPTEE_MRF_WRITE	     4U
#define OPTEE_MRF_REMOVE     6U
#define OPTEE_MRF_RENAME     7U
#define OPTEE_RPC_ARG_PARAMS 4U
#define OPTEE_RPC_ARG_SIZE   (32U + 32U * OPTEE_RPC_ARG_PARAMS)

/* The most parameters a message may carry here: two meta parameters and the
 * four GlobalPlatform ones (Linux never sends more). */
#define OPTEE_MSG_MAX_PARAMS 6U
/* A registered buffer or page list is a list of 4 KiB pages */
#define OPTEE_MSG_PAGE_SIZE 4096UL

struct optee_msg_param {
	uint64_t attr;
	union {
		struct {
			uint64_t a, b, c;
		} value;
		struct {
			uint64_t buf_ptr, size, shm_ref;
		} tmem;
		struct {
			uint64_t offs, size, shm_ref;
		} rmem;
	} u;
};

struct optee_msg_arg {
	uint32_t cmd;
	uint32_t func;
	uint32_t session;
	uint32_t cancel_id;
	uint32_t pad;
	uint32_t ret;
	uint32_t ret_origin;
	uint32_t num_params;
	struct optee_msg_param params[];
};

/* The parameter-direction rules, written once for the hypervisor (which
 * copies results back to the guest) and the STK (which produces them):
 * which types are values, registered memory or temporary memory (which
 * carries a normal-world address), and which the secure side writes (a
 * value's a..c, a memory reference's size: types 2, 3, 6, 7, 0xa, 0xb). */
#define OPTEE_PARAM_TYPE(p)	((unsigned)((p)->attr & OPTEE_MSG_ATTR_TYPE_MASK))
#define OPTEE_TYPE_IS_VALUE(t)	((unsigned)(t)-OPTEE_MSG_ATTR_TYPE_VALUE_INPUT < 3U)
#define OPTEE_TYPE_IS_RMEM(t)	((unsigned)(t)-OPTEE_MSG_ATTR_TYPE_RMEM_INPUT < 3U)
#define OPTEE_TYPE_IS_TMEM(t)	((unsigned)(t)-OPTEE_MSG_ATTR_TYPE_TMEM_INPUT < 3U)
#define OPTEE_TYPE_IS_OUTPUT(t) ((unsigned)(t) <= OPTEE_MSG_ATTR_TYPE_TMEM_INOUT && ((t)&2U))

/* What goes back into the normal world's copy of a parameter of type t
 * when the call ends: only its output fields. */
static inline void optee_param_result(struct optee_msg_param *to,
				      const struct optee_msg_param *from, unsigned t)
{
	if (OPTEE_TYPE_IS_VALUE(t) && (t & 2U))
		to->u.value = from->u.value;
	else if (OPTEE_TYPE_IS_OUTPUT(t))
		to->u.rmem.size = from->u.rmem.size; /* tmem.size is the same field */
}

/* GlobalPlatform results and origins the vTEE returns */
#define TEEC_SUCCESS		    0x00000000U
#define TEEC_ERROR_GENERIC	    0xFFFF0000U
#define TEEC_ERROR_ACCESS_DENIED    0xFFFF0001U
#define TEEC_ERROR_BAD_PARAMETERS   0xFFFF0006U
#define TEEC_ERROR_BAD_STATE	    0xFFFF0007U
#define TEEC_ERROR_ITEM_NOT_FOUND   0xFFFF0008U
#define TEEC_ERROR_NOT_IMPLEMENTED  0xFFFF0009U
#define TEEC_ERROR_NOT_SUPPORTED    0xFFFF000AU
#define TEEC_ERROR_OUT_OF_MEMORY    0xFFFF000CU
#define TEEC_ERROR_BUSY		    0xFFFF000DU
#define TEEC_ERROR_COMMUNICATION    0xFFFF000EU
#define TEEC_ERROR_SECURITY	    0xFFFF000FU
#define TEEC_ERROR_SHORT_BUFFER	    0xFFFF0010U
#define TEEC_ERROR_TARGET_DEAD	    0xFFFF3024U
#define TEEC_ERROR_STORAGE_NO_SPACE 0xFFFF3041U
#define TEEC_ERROR_ACCESS_CONFLICT  0xFFFF0003U
/* GlobalPlatform's Internal Core API code: no trusted storage for this VM */
#define TEEC_ERROR_STORAGE_NOT_AVAILABLE 0xF0100003U
#define TEEC_ORIGIN_COMMS		 2U
#define TEEC_ORIGIN_TEE			 3U
#define TEEC_ORIGIN_TRUSTED_APP		 4U

#endif
