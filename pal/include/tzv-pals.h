/* The trusted applets (PALs) and pseudo-PALs tzvisor ships: their UUIDs and
 * command numbers. Shared by the PALs, the STK and the normal-world client
 * (tzv-client); plain C with no dependencies. UUIDs are given as the fields
 * of a GlobalPlatform TEEC_UUID (timeLow, timeMid, timeHiAndVersion,
 * clockSeqAndNode[8]). */
#ifndef TZV_PALS_H
#define TZV_PALS_H

/* hello: a7e1f0c1-7a76-4c30-9a00-68656c6c6f00 */
#define TZV_UUID_HELLO                                                                             \
	{                                                                                          \
		0xa7e1f0c1, 0x7a76, 0x4c30,                                                        \
		{                                                                                  \
			0x9a, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00                             \
		}                                                                                  \
	}
/* p0 VALUE_INOUT: a -> a + 1, b -> b + 2 */
#define HELLO_CMD_INC 0
/* p0 MEMREF_INPUT (may be NULL / 0 bytes), p1 MEMREF_OUTPUT (NULL when p0 is),
 * p2 VALUE_OUTPUT. Writes p1[i] = p0[i] ^ 0x5a for the p0.size bytes, sets
 * p1.size = p0.size (TEEC_ERROR_SHORT_BUFFER when p1 is smaller), and
 * p2.a = sum of the input bytes (mod 2^32), p2.b = p0.size. */
#define HELLO_CMD_XOR 1

/* rng: the UUID and commands of OP-TEE's RNG TA, which Linux's optee-rng
 * driver binds to: ab7a617c-b8e7-4d8f-8301-d09b61036b64 */
#define TZV_UUID_RNG                                                                               \
	{                                                                                          \
		0xab7a617c, 0xb8e7, 0x4d8f,                                                        \
		{                                                                                  \
			0x83, 0x01, 0xd0, 0x9b, 0x61, 0x03, 0x6b, 0x64                             \
		}                                                                                  \
	}
#define RNG_CMD_GET_ENTROPY  0 /* p0 MEMREF_INOUT: filled, size = bytes given */
#define RNG_CMD_GET_RNG_INFO 1 /* p0 VALUE_OUTPUT: a = bytes/s, b = quality (/1024) */

/* keystore: per-VM ECDSA P-256 keys; a7e1f0c1-7a76-4c30-9a00-6b657973746f */
#define TZV_UUID_KEYSTORE                                                                          \
	{                                                                                          \
		0xa7e1f0c1, 0x7a76, 0x4c30,                                                        \
		{                                                                                  \
			0x9a, 0x00, 0x6b, 0x65, 0x79, 0x73, 0x74, 0x6f                             \
		}                                                                                  \
	}
#define KEYSTORE_SLOTS 8
/* p0 VALUE_INPUT a = slot: makes a new key (replacing the slot's) */
#define KEYSTORE_CMD_GENERATE 0
/* p0 VALUE_INPUT a = slot, p1 MEMREF_OUTPUT >= 65 bytes: the public key as
 * an uncompressed point (0x04 || X || Y) */
#define KEYSTORE_CMD_GET_PUBLIC 1
/* p0 VALUE_INPUT a = slot, p1 MEMREF_INPUT 32-byte SHA-256 digest,
 * p2 MEMREF_OUTPUT >= 64 bytes: the signature as raw r || s */
#define KEYSTORE_CMD_SIGN 2

/* selftest: misbehaving on purpose, for the containment tests;
 * a7e1f0c1-7a76-4c30-9a00-746573740000 */
#define TZV_UUID_SELFTEST                                                                          \
	{                                                                                          \
		0xa7e1f0c1, 0x7a76, 0x4c30,                                                        \
		{                                                                                  \
			0x9a, 0x00, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00                             \
		}                                                                                  \
	}
#define SELFTEST_CMD_SPIN  0 /* p0 VALUE_INOUT a = ms to spin; out b = loops done */
#define SELFTEST_CMD_NULL  1 /* store through a NULL pointer */
#define SELFTEST_CMD_UNDEF 2 /* an undefined instruction */
#define SELFTEST_CMD_OOM   3 /* allocate until the heap is exhausted */
#define SELFTEST_CMD_STACK 4 /* unbounded recursion into the stack guard */
#define SELFTEST_CMD_STKMEM                                                                        \
	5 /* system calls with pointers into the STK and the                                       \
	   like: BAD_PARAMETERS if each was refused */
/* The PAL TPM-like operations (docs/pal-abi.md), for the tests: */
#define SELFTEST_SEAL_MAX 1024
/* p0 VALUE_INPUT a = flags (2: bound to the exact measurement too),
 * p1 MEMREF_INPUT data (<= 1 KiB), p2 MEMREF_OUTPUT blob (data + 44 bytes) */
#define SELFTEST_CMD_SEAL 6
/* p0 MEMREF_INPUT blob, p1 MEMREF_OUTPUT data; TEEC_ERROR_SECURITY when
 * the blob is not this PAL's in this VM (and build, if sealed so) */
#define SELFTEST_CMD_UNSEAL 7
/* p0 MEMREF_INPUT data (<= 64 bytes), p1 MEMREF_OUTPUT the STK's statement
 * of this PAL's identity over it (208 bytes, for ATTEST_CMD_CERTIFY_PAL) */
#define SELFTEST_CMD_STATEMENT 8
/* More faults to contain (each must kill the instance): a write into its
 * own text, a jump into its bss, heap or stack, a write into p0 (a
 * MEMREF_INPUT, mapped read-only) */
#define SELFTEST_CMD_WTEXT  9
#define SELFTEST_CMD_XDATA  10
#define SELFTEST_CMD_XHEAP  11
#define SELFTEST_CMD_XSTACK 12
#define SELFTEST_CMD_WINPUT 13
/* p0 VALUE_OUTPUT a = pal_entry's address, b = the top of the stack */
#define SELFTEST_CMD_LAYOUT 14
/* p0 VALUE_INPUT a | b << 32 = a marker: FILL writes it through 8 KiB of
 * bss, 8 KiB of heap and 4 KiB of stack; SCAN (p1 VALUE_OUTPUT a = words
 * holding it, b = words read) reads the whole image, bss, heap and the
 * stack below its own frame */
#define SELFTEST_CMD_FILL 15
#define SELFTEST_CMD_SCAN 16
/* p0 VALUE_INOUT a = calls, b = seed; out a = calls made, b = results
 * other than the defined errors (NOT_SUPPORTED, BAD_PARAMETERS, and
 * ACCESS_DENIED for PCR_EXTEND): unknown numbers, and the known ones with
 * pointers that are never the PAL's own memory and random lengths */
#define SELFTEST_CMD_SYSFUZZ 17
/* p0 MEMREF_INPUT: these bytes, as they are, as one log line */
#define SELFTEST_CMD_LOG 18

/* objstore PAL: a7e1f0c1-7a76-4c30-9a00-6f626a730000 ("objs") */
#define TZV_UUID_OBJSTORE                                                                          \
	{                                                                                          \
		0xa7e1f0c1, 0x7a76, 0x4c30,                                                        \
		{                                                                                  \
			0x9a, 0x00, 0x6f, 0x62, 0x6a, 0x73, 0x00, 0x00                             \
		}                                                                                  \
	}
/* trusted storage through GlobalPlatform's persistent objects: p0
 * VALUE_INPUT a = OBJSTORE_*, b = a position or size; p1 MEMREF_INPUT
 * the object id; p2 MEMREF_INOUT data in (PUT, CREATE, WRITE: the data;
 * RENAME: the new id) or out (GET from position b, LIST: "id\tsize\n"
 * lines), size = bytes out; p3 VALUE_OUTPUT a = bytes out */
#define OBJSTORE_CMD_OBJ  0
#define OBJSTORE_PUT	  0 /* create or replace */
#define OBJSTORE_CREATE	  1 /* create; ACCESS_CONFLICT if it exists */
#define OBJSTORE_GET	  2
#define OBJSTORE_WRITE	  3 /* write at position b */
#define OBJSTORE_TRUNCATE 4 /* to size b */
#define OBJSTORE_RENAME	  5
#define OBJSTORE_DELETE	  6
#define OBJSTORE_LIST	  7
#define OBJSTORE_REE	  0x100	      /* or'ed in: in the VM's file system (REE FS) */
#define OBJSTORE_BOUND	  0x200	      /* or'ed in (PUT): bound to the VM's images */
#define OBJSTORE_BUF	  PAL_OBJ_MAX /* the most p2 carries */

/* stats pseudo-PAL, inside the STK: a7e1f0c1-7a76-4c30-9a00-737461747300
 * p0 VALUE_OUTPUT a = open sessions, b = registered shared buffers;
 * p1 VALUE_OUTPUT a = live PAL instances, b = calls in flight;
 * p2 VALUE_OUTPUT (or NONE) a = KiB of secure memory held, b = the quota
 * (all of the caller's own vTEE; the stats session itself counts) */
#define TZV_UUID_STATS                                                                             \
	{                                                                                          \
		0xa7e1f0c1, 0x7a76, 0x4c30,                                                        \
		{                                                                                  \
			0x9a, 0x00, 0x73, 0x74, 0x61, 0x74, 0x73, 0x00                             \
		}                                                                                  \
	}
#define STATS_CMD_GET 0

/* the PAL manager pseudo-PAL, inside the STK (commands and records:
 * lib/include/tzv/pal-abi.h); a7e1f0c1-7a76-4c30-9a00-70616c6d6772 */
#define TZV_UUID_PALMGR                                                                            \
	{                                                                                          \
		0xa7e1f0c1, 0x7a76, 0x4c30,                                                        \
		{                                                                                  \
			0x9a, 0x00, 0x70, 0x61, 0x6c, 0x6d, 0x67, 0x72                             \
		}                                                                                  \
	}

/* attest: measured-boot quotes, PCRs, the event log and sealing
 * (docs/secure-boot.md); a7e1f0c1-7a76-4c30-9a00-617474657374 */
#define TZV_UUID_ATTEST                                                                            \
	{                                                                                          \
		0xa7e1f0c1, 0x7a76, 0x4c30,                                                        \
		{                                                                                  \
			0x9a, 0x00, 0x61, 0x74, 0x74, 0x65, 0x73, 0x74                             \
		}                                                                                  \
	}
#define ATTEST_NUM_PCRS	     24
#define ATTEST_NONCE_MAX     64	  /* QUOTE's nonce: 1-64 bytes */
#define ATTEST_EVENT_MAX     256  /* EXTEND's event data: 1-256 bytes */
#define ATTEST_SEAL_MAX	     1024 /* SEAL's data */
#define ATTEST_SEAL_OVERHEAD 76	  /* a blob is the data plus this */
#define ATTEST_AK_STATEMENT  160  /* struct tzv_ak_statement */
#define ATTEST_SIGNATURE     72	  /* TPMT_SIGNATURE, ECDSA P-256 */
/* p0 VALUE_INPUT a = PCR mask (bit i = PCR i, < 2^24), p1 MEMREF_INPUT nonce
 * (1-64 bytes), p2 MEMREF_OUTPUT TPMS_ATTEST (113 + nonce bytes),
 * p3 MEMREF_OUTPUT TPMT_SIGNATURE (72 bytes) */
#define ATTEST_CMD_QUOTE 0
/* p0 MEMREF_OUTPUT the AK statement (160 bytes) */
#define ATTEST_CMD_GET_AK 1
/* p0 VALUE_INPUT a = mask, p1 MEMREF_OUTPUT 32 bytes per selected PCR,
 * ascending */
#define ATTEST_CMD_READ_PCRS 2
/* p0 VALUE_INPUT a = PCR (8-15), p1 MEMREF_INPUT event data (1-256 bytes),
 * measured as its SHA-256 */
#define ATTEST_CMD_EXTEND 3
/* p0 MEMREF_OUTPUT the VM's TCG event log */
#define ATTEST_CMD_GET_EVENTLOG 4
/* p0 VALUE_INPUT a = mask, p1 MEMREF_INPUT data (<= 1 KiB), p2 MEMREF_OUTPUT
 * the blob (data + 76 bytes) */
#define ATTEST_CMD_SEAL 5
/* p0 MEMREF_INPUT blob, p1 MEMREF_OUTPUT data; TEEC_ERROR_SECURITY when the
 * blob is not this VM's, or the PCRs differ, or it was changed */
#define ATTEST_CMD_UNSEAL 6
/* p0 MEMREF_INPUT a PAL's statement token from this VM (208 bytes,
 * SYS_STATEMENT), p1 MEMREF_OUTPUT the statement (176 bytes) and the
 * device key's ECDSA P-256 signature over it, r || s (64);
 * TEEC_ERROR_SECURITY for a token not the STK's for this VM */
#define ATTEST_CMD_CERTIFY_PAL 7
#define ATTEST_PAL_STATEMENT   240
/* p0 VALUE_INPUT a = PCR mask, p1 MEMREF_INPUT a PAL's statement token
 * from this VM (208 bytes), p2 MEMREF_OUTPUT TPMS_ATTEST (145 bytes), p3
 * MEMREF_OUTPUT TPMT_SIGNATURE: a quote like QUOTE's whose extraData is
 * SHA-256 of the statement (its 176 bytes), so that a verifier checks the
 * PAL's identity and the VM's measurements with one AK signature (stock
 * tpm2_checkquote -q); TEEC_ERROR_SECURITY as CERTIFY_PAL */
#define ATTEST_CMD_QUOTE_PAL 8

/* login: TZVisor's password service behind an attested channel
 * (docs/channel.md); a7e1f0c1-7a76-4c30-9a00-6c6f67696e00 ("login") */
#define TZV_UUID_LOGIN                                                                             \
	{                                                                                          \
		0xa7e1f0c1, 0x7a76, 0x4c30,                                                        \
		{                                                                                  \
			0x9a, 0x00, 0x6c, 0x6f, 0x67, 0x69, 0x6e, 0x00                             \
		}                                                                                  \
	}
#define LOGIN_HELLO_IN	 97  /* the client's nonce (32) and ephemeral key (65) */
#define LOGIN_HELLO_OUT	 273 /* the PAL's ephemeral key (65) and statement token (208) */
#define LOGIN_RECORD_MAX 512 /* a record on the wire, either way */
/* p0 MEMREF_INPUT the client's hello, p1 MEMREF_OUTPUT the PAL's: once
 * per session (a second: TEEC_ERROR_BAD_STATE) */
#define LOGIN_CMD_HELLO 0
/* p0 MEMREF_INPUT a record from the client, p1 MEMREF_OUTPUT the PAL's
 * answer record; TEEC_ERROR_SECURITY for a record that does not
 * authenticate or comes out of order (the channel ends: every later call
 * is TEEC_ERROR_BAD_STATE) */
#define LOGIN_CMD_RECORD 1

#endif
