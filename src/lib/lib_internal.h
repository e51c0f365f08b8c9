/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * librheap internals: the backend ops table, the rheapd connection shared
 * by the rheapd backend and the TEE Client API, and the pure decoders of
 * rheapd's responses (fuzzed by tests/fuzz/fuzz_lib_resp.c).
 */
#ifndef RHEAP_SRC_LIB_LIB_INTERNAL_H
#define RHEAP_SRC_LIB_LIB_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/rheap.h>
#include <rheap/rheapd_uapi.h>

/* The size of Linux's struct dma_heap_allocation_data. */
#define LIB_ALLOC_DATA_SIZE 24u

/**
 * struct lib_conn - one SOCK_SEQPACKET connection to rheapd
 * @lock: serialises lib_conn_call() (one request and its response)
 * @sock: the socket; -1 when closed
 * @seq:  the last sequence number used (under @lock)
 * @dead: rheapd closed the connection (or it broke); every later call
 *        fails with -ENOENT (under @lock)
 */
struct lib_conn {
	pthread_mutex_t lock;
	int sock;
	uint32_t seq;
	bool dead;
};

/* The virtio backend's socket: $RHEAP_GUEST_SOCKET, else this name in the
 * run directory: the first VM's guest kernel (rheap-vmm numbers its VMs
 * from 0, endpoint 0x0002 + i). */
#define LIB_GUEST_SOCKET_ENV "RHEAP_GUEST_SOCKET"
#define LIB_GUEST_SOCKET_NAME "vm0/rheapd.sock"

/**
 * lib_conn_open() - connect to rheapd ($RHEAPD_SOCKET or the run dir's),
 * or with $RHEAP_BACKEND=virtio to the guest kernel's socket
 * @conn: out
 *
 * Return: 0; -ENOENT nothing listens there; -EPERM the socket's
 * permissions; -ENOMEM.
 */
int lib_conn_open(struct lib_conn *conn);

/**
 * lib_conn_open_backend() - connect to the socket of a UAPI backend
 * @conn:    out
 * @backend: LIB_BACKEND_RHEAPD or LIB_BACKEND_VIRTIO
 *
 * Return: as lib_conn_open(); -EINVAL another backend.
 */
int lib_conn_open_backend(struct lib_conn *conn, int backend);

/**
 * lib_conn_open_path() - connect to a socket at @path
 * @conn: out
 * @path: the socket's path
 *
 * Return: as lib_conn_open(); -EINVAL a path too long.
 */
int lib_conn_open_path(struct lib_conn *conn, const char *path);

/**
 * lib_conn_dead() - whether the connection broke (rheapd went away)
 * @conn: the connection
 */
bool lib_conn_dead(struct lib_conn *conn);

/** lib_conn_close() - close the connection (safe on a closed one) */
void lib_conn_close(struct lib_conn *conn);

/**
 * lib_socket_path() - where rheapd's socket is
 * @buf: out
 * @cap: bytes at @buf
 *
 * Return: 0; -ENOSPC.
 */
int lib_socket_path(char *buf, size_t cap);

/**
 * lib_guest_socket_path() - where the guest kernel's socket is (virtio)
 * @buf: out
 * @cap: bytes at @buf
 *
 * Return: 0; -ENOSPC.
 */
int lib_guest_socket_path(char *buf, size_t cap);

/**
 * struct lib_call - one request/response exchange
 * @op:        RHEAPD_OP_*
 * @req:       request payload (after the header), may be NULL if empty
 * @req_len:   its bytes
 * @send_fd:   fd to pass with the request, or -1 (not consumed)
 * @resp:      out: response payload
 * @resp_cap:  bytes at @resp
 * @resp_len:  out: payload bytes received
 * @want_fd:   the response may carry an fd
 * @cloexec:   receive it with MSG_CMSG_CLOEXEC
 * @recv_fd:   out: the fd received, or -1 (the caller owns it)
 */
struct lib_call {
	uint16_t op;
	const void *req;
	size_t req_len;
	int send_fd;
	void *resp;
	size_t resp_cap;
	size_t resp_len;
	bool want_fd;
	bool cloexec;
	int recv_fd;
};

/**
 * lib_conn_call() - send one request, read its response (thread-safe)
 * @conn: the connection
 * @call: in/out
 *
 * A response with the wrong magic, version, op or seq, shorter than the
 * header, larger than the buffer, or carrying an fd that was not expected
 * (or more than one) is -EINVAL and its fds are closed. On any error
 * @call->recv_fd is -1.
 *
 * Return: the response header's status (0 or a negative errno), or -ENOENT
 * if rheapd closed the connection, -EINVAL malformed response, -ENOMEM no
 * fd slot for the passed handle.
 */
int lib_conn_call(struct lib_conn *conn, struct lib_call *call);

/**
 * lib_resp_check() - validate a response datagram's header (pure)
 * @msg:         the datagram (untrusted)
 * @len:         its bytes
 * @op:          the op that was sent
 * @seq:         the seq that was sent
 * @status:      out: the header's status
 *
 * Return: 0; -EINVAL (short, magic, version, op, seq, or a status that is
 * positive or outside the closed errno set).
 */
int lib_resp_check(const void *msg, size_t len, uint16_t op, uint32_t seq,
		   int *status);

/**
 * struct lib_heap_entry - a decoded HEAP_LIST entry
 * @desc:    the public description
 * @heap_id: what ALLOC takes
 */
struct lib_heap_entry {
	struct rheap_heap_desc desc;
	uint32_t heap_id;
};

/**
 * lib_heap_list_decode() - decode a HEAP_LIST payload (pure)
 * @p:       payload (untrusted)
 * @len:     its bytes
 * @out:     up to @cap entries; may be NULL if @cap is 0
 * @cap:     entries at @out
 * @count:   out: the list's count
 *
 * Return: 0; -EINVAL (size disagrees with count, reserved non-zero, a
 * name without NUL or empty, unknown flags).
 */
int lib_heap_list_decode(const void *p, size_t len,
			 struct lib_heap_entry *out, size_t cap,
			 size_t *count);

/**
 * lib_buf_info_decode() - decode an IMPORT payload (pure)
 * @p:    payload (untrusted)
 * @len:  its bytes
 * @info: out
 *
 * Return: 0; -EINVAL (size, name without NUL, unknown flags).
 */
int lib_buf_info_decode(const void *p, size_t len,
			struct rheap_buf_info *info);

/**
 * lib_alloc_resp_decode() - decode an ALLOC payload (pure)
 * @p:         payload (untrusted)
 * @len:       its bytes
 * @data_size: the request's data size
 * @resp:      out: the fixed part
 * @data:      out: the data copied back (@data_size bytes), may be NULL
 *
 * Return: 0; -EINVAL (size, data_size echo, reserved, size 0 or not a
 * page multiple).
 */
int lib_alloc_resp_decode(const void *p, size_t len, uint32_t data_size,
			  struct rheapd_alloc_resp *resp, void *data);

/**
 * lib_attach_resp_decode() - decode an ATTACH payload (pure)
 * @p:         payload (untrusted)
 * @len:       its bytes
 * @attach_id: out
 * @segs:      out: up to @cap segments; may be NULL if @cap is 0
 * @cap:       entries at @segs
 * @count:     out: the response's segment count
 *
 * Return: 0; -EINVAL (size disagrees with the count, count 0, reserved
 * non-zero, attach ID 0, a segment of size 0).
 */
int lib_attach_resp_decode(const void *p, size_t len, uint64_t *attach_id,
			   struct rheap_device_seg *segs, size_t cap,
			   size_t *count);

/**
 * lib_device_resp_decode() - decode a DEVICE payload (pure)
 * @p:      payload (untrusted)
 * @len:    its bytes: 64, or 0 when @status is an error
 * @status: the header's status
 * @res:    out: the 8 result slots (zero for an empty payload)
 *
 * Return: 0; -EINVAL.
 */
int lib_device_resp_decode(const void *p, size_t len, int status,
			   uint64_t res[8]);

/**
 * lib_name_valid() - a heap name: 1..RHEAP_HEAP_NAME_MAX-1 bytes, no '/'
 * @name: NUL-terminated
 */
bool lib_name_valid(const char *name);

/* Backend selection (pure: @env is $RHEAP_BACKEND, @sock_exists whether
 * rheapd's socket exists). Return: LIB_BACKEND_*, or -EINVAL. */
enum lib_backend {
	LIB_BACKEND_RHEAPD = 1,
	LIB_BACKEND_LINUX = 2,
	LIB_BACKEND_VIRTIO = 3, /* the rheapd UAPI at the guest's socket */
};
int lib_backend_choose(unsigned int flags, const char *env, bool sock_exists);

/* Which backend to use now (reads the environment and the socket). */
int lib_backend_pick(unsigned int flags);

/**
 * struct rheap_heap - an open heap
 * @backend: LIB_BACKEND_* (rheapd and virtio share the code: the UAPI)
 * @conn:    rheapd: the connection (its lock serialises requests)
 * @heap_id: rheapd: the heap's ID
 * @dev_fd:  linux: /dev/dma_heap/<name>, O_RDONLY|O_CLOEXEC
 * @desc:    name and restricted flag (fixed at open)
 */
struct rheap_heap {
	int backend;
	struct lib_conn conn;
	uint32_t heap_id;
	int dev_fd;
	struct rheap_heap_desc desc;
};

/* rheapd backend (backend_rheapd.c) */
int rheapd_backend_list(int backend, struct rheap_heap_desc *descs,
			size_t cap, size_t *count);
int rheapd_backend_open(struct rheap_heap *heap, const char *name);
int rheapd_backend_query(struct rheap_heap *heap,
			 struct rheap_heap_desc *desc);
int rheapd_backend_alloc(struct rheap_heap *heap, void *data,
			 size_t data_size, struct rheap_buf_info *info);
int rheapd_backend_import(struct lib_conn *conn, int fd,
			  struct rheap_buf_info *info);
int rheapd_backend_status(int backend, char *buf, size_t cap, size_t *len);

/* linux backend (backend_linux.c) */
int linux_backend_list(struct rheap_heap_desc *descs, size_t cap,
		       size_t *count);
int linux_backend_open(struct rheap_heap *heap, const char *name);
int linux_backend_alloc(struct rheap_heap *heap, void *data,
			size_t data_size, struct rheap_buf_info *info);
int linux_backend_import(int fd, struct rheap_buf_info *info);

/**
 * linux_heap_restricted() - the linux backend's rule: a heap whose name
 * starts with "protected," (Linux 6.18's TEE heaps) is restricted
 */
bool linux_heap_restricted(const char *name);

/**
 * linux_fdinfo_decode() - /proc/self/fdinfo/N of a dma-buf (pure)
 * @text: the file's bytes (not NUL-terminated)
 * @len:  its bytes
 * @info: out: size (the "size:" line), heap (the "exp_name:" line)
 *
 * Return: 0; -EINVAL (no exp_name or size line, a size that is not a
 * decimal number, 0, or overflows, a name too long).
 */
int linux_fdinfo_decode(const char *text, size_t len,
			struct rheap_buf_info *info);

/**
 * linux_errno() - translate an errno of the kernel's dma-heap ioctl or
 * open into the closed set (include/rheap/err.h)
 */
int linux_errno(int err);

#endif /* RHEAP_SRC_LIB_LIB_INTERNAL_H */
