/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * GlobalPlatform TEE Client API v1.0, source-compatible with the
 * tee_client_api.h that OP-TEE's libteec ships: the same type, field,
 * function and constant names and values, so that an existing libteec
 * client (for example the client side of OP-TEE's xtest sdp_basic) builds
 * and runs unchanged against librheap. Written from the GP specification
 * and OP-TEE's documented values; no code is shared with either.
 *
 * The TEE behind it is rheapd's TEE driver (src/kernel/ktee.h): the only
 * trusted application is the SDP partition, reachable by its own UUID or
 * by OP-TEE's sdp_basic TA UUID 12345678-5b69-11e4-9dbb-101f74f00099
 * (commands INJECT 0, TRANSFORM 1, DUMP 2). docs/tee.md maps every call to
 * rheapd messages (include/rheap/rheapd_uapi.h) and SDP commands.
 *
 * The "imp" members are implementation-defined (as in the GP spec and in
 * OP-TEE): their contents are librheap's, described next to each struct.
 * Client code must not touch them.
 */
#ifndef RHEAP_TEE_CLIENT_API_H
#define RHEAP_TEE_CLIENT_API_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Memory references per operation payload. */
#define TEEC_CONFIG_PAYLOAD_REF_COUNT 4

/* Largest shared memory block, as OP-TEE: no limit beyond size_t. */
#define TEEC_CONFIG_SHAREDMEM_MAX_SIZE ULONG_MAX

/* Parameter types (TEEC_Operation.paramTypes nibbles). */
#define TEEC_NONE 0x00000000
#define TEEC_VALUE_INPUT 0x00000001
#define TEEC_VALUE_OUTPUT 0x00000002
#define TEEC_VALUE_INOUT 0x00000003
#define TEEC_MEMREF_TEMP_INPUT 0x00000005
#define TEEC_MEMREF_TEMP_OUTPUT 0x00000006
#define TEEC_MEMREF_TEMP_INOUT 0x00000007
#define TEEC_MEMREF_WHOLE 0x0000000C
#define TEEC_MEMREF_PARTIAL_INPUT 0x0000000D
#define TEEC_MEMREF_PARTIAL_OUTPUT 0x0000000E
#define TEEC_MEMREF_PARTIAL_INOUT 0x0000000F

/* TEEC_SharedMemory.flags */
#define TEEC_MEM_INPUT 0x00000001
#define TEEC_MEM_OUTPUT 0x00000002

/* TEEC_Result values. */
#define TEEC_SUCCESS 0x00000000
#define TEEC_ERROR_STORAGE_NOT_AVAILABLE 0xF0100003
#define TEEC_ERROR_GENERIC 0xFFFF0000
#define TEEC_ERROR_ACCESS_DENIED 0xFFFF0001
#define TEEC_ERROR_CANCEL 0xFFFF0002
#define TEEC_ERROR_ACCESS_CONFLICT 0xFFFF0003
#define TEEC_ERROR_EXCESS_DATA 0xFFFF0004
#define TEEC_ERROR_BAD_FORMAT 0xFFFF0005
#define TEEC_ERROR_BAD_PARAMETERS 0xFFFF0006
#define TEEC_ERROR_BAD_STATE 0xFFFF0007
#define TEEC_ERROR_ITEM_NOT_FOUND 0xFFFF0008
#define TEEC_ERROR_NOT_IMPLEMENTED 0xFFFF0009
#define TEEC_ERROR_NOT_SUPPORTED 0xFFFF000A
#define TEEC_ERROR_NO_DATA 0xFFFF000B
#define TEEC_ERROR_OUT_OF_MEMORY 0xFFFF000C
#define TEEC_ERROR_BUSY 0xFFFF000D
#define TEEC_ERROR_COMMUNICATION 0xFFFF000E
#define TEEC_ERROR_SECURITY 0xFFFF000F
#define TEEC_ERROR_SHORT_BUFFER 0xFFFF0010
#define TEEC_ERROR_EXTERNAL_CANCEL 0xFFFF0011
#define TEEC_ERROR_TARGET_DEAD 0xFFFF3024
#define TEEC_ERROR_STORAGE_NO_SPACE 0xFFFF3041

/* Where a TEEC_Result came from (returnOrigin). */
#define TEEC_ORIGIN_API 0x00000001
#define TEEC_ORIGIN_COMMS 0x00000002
#define TEEC_ORIGIN_TEE 0x00000003
#define TEEC_ORIGIN_TRUSTED_APP 0x00000004

/* Login methods (connectionMethod of TEEC_OpenSession). rheapd accepts
 * PUBLIC and USER; the others get TEEC_ERROR_NOT_SUPPORTED. */
#define TEEC_LOGIN_PUBLIC 0x00000000
#define TEEC_LOGIN_USER 0x00000001
#define TEEC_LOGIN_GROUP 0x00000002
#define TEEC_LOGIN_APPLICATION 0x00000004
#define TEEC_LOGIN_USER_APPLICATION 0x00000005
#define TEEC_LOGIN_GROUP_APPLICATION 0x00000006

/* Value of an unused TEEC_Value field (GP v1.0 errata). */
#define TEEC_VALUE_UNDEF 0xFFFFFFFF

/* Encode four parameter types into paramTypes; read one back. */
#define TEEC_PARAM_TYPES(p0, p1, p2, p3) \
	((p0) | ((p1) << 4) | ((p2) << 8) | ((p3) << 12))
#define TEEC_PARAM_TYPE_GET(p, i) (((p) >> ((i) * 4)) & 0xF)

typedef uint32_t TEEC_Result;

/**
 * typedef TEEC_UUID - a UUID as GP spells it (RFC 4122 fields, host order)
 * @timeLow:          bytes 0..3 of the RFC 4122 form
 * @timeMid:          bytes 4..5
 * @timeHiAndVersion: bytes 6..7
 * @clockSeqAndNode:  bytes 8..15
 */
typedef struct {
	uint32_t timeLow;
	uint16_t timeMid;
	uint16_t timeHiAndVersion;
	uint8_t clockSeqAndNode[8];
} TEEC_UUID;

/**
 * typedef TEEC_Context - a connection to the TEE (to rheapd)
 * @imp.fd:       librheap's SOCK_SEQPACKET connection to rheapd, or the
 *                Linux TEE device's fd; -1 once finalized
 * @imp.next_seq: next rheapd_hdr.seq to use
 * @imp.priv:     librheap's private state (lock, backend), or NULL
 */
typedef struct {
	struct {
		int fd;
		uint32_t next_seq;
		void *priv;
	} imp;
} TEEC_Context;

/**
 * typedef TEEC_Session - an open session
 * @imp.ctx:        the context it was opened in
 * @imp.session_id: rheapd's session ID (struct rheapd_tee_open_resp)
 */
typedef struct {
	struct {
		TEEC_Context *ctx;
		uint32_t session_id;
	} imp;
} TEEC_Session;

/**
 * typedef TEEC_SharedMemory - a block of shared memory
 * @buffer: the client's mapping; NULL for a restricted buffer registered
 *          with TEEC_RegisterSharedMemoryFileDescriptor() (it cannot be
 *          mapped)
 * @size:   bytes
 * @flags:  TEEC_MEM_INPUT | TEEC_MEM_OUTPUT
 * @imp.ctx:          the context it belongs to
 * @imp.shm_id:       rheapd's registration ID (struct rheapd_tee_shm_resp),
 *                    0 when the block is not registered with rheapd (then
 *                    memrefs to it travel as TEMP memrefs by value)
 * @imp.alloced_size: bytes librheap mapped for TEEC_AllocateSharedMemory()
 *                    (0 otherwise): unmapped at release
 * @imp.registered_fd: true for a TEEC_RegisterSharedMemoryFileDescriptor()
 *                    registration
 * @imp.restricted:   the registered buffer is restricted (no CPU access)
 * @imp.allocated:    the block came from TEEC_AllocateSharedMemory()
 * @imp.tee_shm_fd:   Linux TEE backend: the tee_shm's file descriptor of
 *                    a registration or allocation (shm_id != 0); unused
 *                    with rheapd
 */
typedef struct {
	void *buffer;
	size_t size;
	uint32_t flags;
	struct {
		TEEC_Context *ctx;
		uint32_t shm_id;
		size_t alloced_size;
		bool registered_fd;
		bool restricted;
		bool allocated;
		int tee_shm_fd;
	} imp;
} TEEC_SharedMemory;

/**
 * typedef TEEC_TempMemoryReference - a memref to client memory, by value
 * @buffer: first byte (may be NULL with @size 0)
 * @size:   bytes; an output memref's size is updated on return
 */
typedef struct {
	void *buffer;
	size_t size;
} TEEC_TempMemoryReference;

/**
 * typedef TEEC_RegisteredMemoryReference - a memref into shared memory
 * @parent: the block
 * @size:   bytes (PARTIAL types; WHOLE uses the parent's size)
 * @offset: first byte inside @parent (PARTIAL types)
 */
typedef struct {
	TEEC_SharedMemory *parent;
	size_t size;
	size_t offset;
} TEEC_RegisteredMemoryReference;

/**
 * typedef TEEC_Value - two 32-bit values
 * @a: first
 * @b: second
 */
typedef struct {
	uint32_t a;
	uint32_t b;
} TEEC_Value;

/**
 * typedef TEEC_Parameter - one operation parameter; the type in
 * TEEC_Operation.paramTypes says which member is used
 */
typedef union {
	TEEC_TempMemoryReference tmpref;
	TEEC_RegisteredMemoryReference memref;
	TEEC_Value value;
} TEEC_Parameter;

/**
 * typedef TEEC_Operation - the payload of an open or invoke
 * @started:    set to 0 by the client before the call; a non-zero value
 *              is not a request to cancel (see TEEC_RequestCancellation)
 * @paramTypes: TEEC_PARAM_TYPES() of the four parameters
 * @params:     the parameters
 * @imp.session:   the session the operation runs in, while it runs
 * @imp.cancel_id: rheapd_tee_invoke.cancel_id librheap gave it (0: none)
 */
typedef struct {
	uint32_t started;
	uint32_t paramTypes;
	TEEC_Parameter params[TEEC_CONFIG_PAYLOAD_REF_COUNT];
	struct {
		TEEC_Session *session;
		uint32_t cancel_id;
	} imp;
} TEEC_Operation;

/* Zero-initialises a TEEC_Operation (OP-TEE's xtest uses it). */
#define TEEC_OPERATION_INITIALIZER { 0 }

/**
 * TEEC_InitializeContext() - connect to the TEE
 * @name:    NULL or "" for the default TEE: rheapd's socket (see
 *           include/rheap/rheapd_uapi.h), or the Linux TEE device
 *           $RHEAP_TEE_DEVICE / /dev/tee0 when librheap's backend is Linux
 *           (no rheapd socket, or $RHEAP_BACKEND=linux); a name starting
 *           with "/dev/" is a Linux TEE device (the rheap module's);
 *           anything else names a rheapd socket path
 * @context: out
 *
 * Return: TEEC_SUCCESS; TEEC_ERROR_BAD_PARAMETERS; TEEC_ERROR_ITEM_NOT_FOUND
 * (no rheapd); TEEC_ERROR_COMMUNICATION; TEEC_ERROR_OUT_OF_MEMORY.
 */
TEEC_Result TEEC_InitializeContext(const char *name, TEEC_Context *context);

/**
 * TEEC_FinalizeContext() - disconnect; rheapd drops the context's sessions
 * and registrations that are still open
 * @context: the context, or NULL
 */
void TEEC_FinalizeContext(TEEC_Context *context);

/**
 * TEEC_OpenSession() - open a session to a trusted application
 * @context:          the context
 * @session:          out
 * @destination:      the TA's UUID
 * @connectionMethod: TEEC_LOGIN_*
 * @connectionData:   NULL for PUBLIC/USER
 * @operation:        optional payload (the SDP TA takes none)
 * @returnOrigin:     out, optional
 *
 * Return: TEEC_SUCCESS; TEEC_ERROR_ITEM_NOT_FOUND (unknown UUID, origin
 * TEE); TEEC_ERROR_BAD_PARAMETERS; TEEC_ERROR_NOT_SUPPORTED (login);
 * TEEC_ERROR_COMMUNICATION.
 */
TEEC_Result TEEC_OpenSession(TEEC_Context *context, TEEC_Session *session,
			     const TEEC_UUID *destination,
			     uint32_t connectionMethod,
			     const void *connectionData,
			     TEEC_Operation *operation, uint32_t *returnOrigin);

/**
 * TEEC_CloseSession() - close a session
 * @session: the session, or NULL
 */
void TEEC_CloseSession(TEEC_Session *session);

/**
 * TEEC_InvokeCommand() - run a TA command
 * @session:      the session
 * @commandID:    the TA's command ID
 * @operation:    optional payload
 * @returnOrigin: out, optional
 *
 * Return: the TA's or the TEE's result; TEEC_ERROR_BAD_PARAMETERS (origin
 * API or TEE) for a memref outside its shared memory, before any byte
 * moves.
 */
TEEC_Result TEEC_InvokeCommand(TEEC_Session *session, uint32_t commandID,
			       TEEC_Operation *operation,
			       uint32_t *returnOrigin);

/**
 * TEEC_RegisterSharedMemory() - share client memory with the TEE
 * @context:   the context
 * @sharedMem: buffer, size and flags set by the caller
 *
 * Return: TEEC_SUCCESS; TEEC_ERROR_BAD_PARAMETERS; TEEC_ERROR_OUT_OF_MEMORY.
 */
TEEC_Result TEEC_RegisterSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem);

/**
 * TEEC_RegisterSharedMemoryFileDescriptor() - register a buffer handle
 * (OP-TEE extension)
 * @context:   the context
 * @sharedMem: @flags set by the caller; @size and @buffer set on return
 *             (@buffer NULL for a restricted buffer)
 * @fd:        a handle from librheap or rheapd's ALLOC; the caller may
 *             close it afterwards: the registration keeps the buffer
 *
 * Return: TEEC_SUCCESS; TEEC_ERROR_BAD_PARAMETERS (not a handle);
 * TEEC_ERROR_ACCESS_DENIED (policy); TEEC_ERROR_COMMUNICATION.
 */
TEEC_Result TEEC_RegisterSharedMemoryFileDescriptor(TEEC_Context *context,
						    TEEC_SharedMemory *sharedMem,
						    int fd);

/**
 * TEEC_AllocateSharedMemory() - allocate memory shared with the TEE
 * @context:   the context
 * @sharedMem: size and flags set by the caller; buffer set on return
 *
 * Return: TEEC_SUCCESS; TEEC_ERROR_BAD_PARAMETERS; TEEC_ERROR_OUT_OF_MEMORY.
 */
TEEC_Result TEEC_AllocateSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem);

/**
 * TEEC_ReleaseSharedMemory() - undo a register or allocate
 * @sharedMemory: the block, or NULL
 */
void TEEC_ReleaseSharedMemory(TEEC_SharedMemory *sharedMemory);

/**
 * TEEC_RequestCancellation() - ask that an operation be cancelled
 * @operation: the operation
 *
 * rheapd runs every request synchronously: an operation that is pending
 * or finished is not affected. The call is accepted and has no effect.
 */
void TEEC_RequestCancellation(TEEC_Operation *operation);

#ifdef __cplusplus
}
#endif

#endif /* RHEAP_TEE_CLIENT_API_H */
