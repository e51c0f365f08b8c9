/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * librheap: the normal-world client library of restricted (secure) dma-buf
 * heaps. What a media application calls instead of opening
 * /dev/dma_heap/<name> itself; the same calls run against the rheap
 * platform's `rheapd` or a real Linux kernel's dma-heap devices.
 *
 * Backends (chosen once, when a heap or connection is opened):
 *   - rheapd: a SOCK_SEQPACKET connection to rheapd
 *     (include/rheap/rheapd_uapi.h). Its socket is $RHEAPD_SOCKET, else
 *     "rheapd.sock" in the run directory ($RHEAP_RUN_DIR, /run/rheap for
 *     root, $XDG_RUNTIME_DIR/rheap, /tmp/rheap-<uid>).
 *   - linux: /dev/dma_heap/<name> and DMA_HEAP_IOCTL_ALLOC. The directory
 *     can be moved with $RHEAP_DMA_HEAP_DIR (tests point it at fakes).
 *   - virtio: inside a guest VM of rheap-vmm: the guest kernel's UAPI
 *     socket (the rheapd UAPI, served over the VM's virtio-rheap device),
 *     $RHEAP_GUEST_SOCKET, else "vm0/rheapd.sock" (the first VM) in the run
 *     directory.
 *     Everything the rheapd backend does; the devices' jobs and the TEE
 *     are not served in a guest (-EOPNOTSUPP), nor the `system` heap.
 * Selection: RHEAP_OPEN_RHEAPD, RHEAP_OPEN_LINUX or RHEAP_OPEN_VIRTIO in
 * @flags (at most one); with none, $RHEAP_BACKEND ("rheapd", "linux" or
 * "virtio"); with neither set, rheapd if its socket exists, else linux.
 * The device API and TEEC_InitializeContext(NULL) have no flags: they
 * follow $RHEAP_BACKEND (virtio: the guest socket), else rheapd.
 *
 * Handles. An allocation returns a file descriptor, the handle: pass it to
 * other processes (SCM_RIGHTS, fork), query or import it anywhere, close
 * it to let the buffer go. A restricted handle refuses mmap, read and
 * write; a `system` handle maps normally.
 *
 * Threads. Every function is thread-safe; calls on one struct rheap_heap
 * are serialised by its mutex (one request and its response at a time).
 *
 * Errors are negative errnos of include/rheap/err.h. Library-wide meanings:
 *   -ENOENT  no such heap, no backend reachable, or rheapd went away
 *   -EINVAL  malformed argument (or a malformed response from rheapd)
 *   -EPERM   the caller may not use the heap (policy, or the device's
 *            permissions)
 *   -ENOMEM  out of memory, out of pool space, over quota, or out of file
 *            descriptors
 *   -EOPNOTSUPP  the backend does not offer the operation
 */
#ifndef RHEAP_RHEAP_H
#define RHEAP_RHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Open flags (@flags of the functions that pick a backend). */
#define RHEAP_OPEN_RHEAPD 0x1u /* force the rheapd backend */
#define RHEAP_OPEN_LINUX 0x2u  /* force /dev/dma_heap */
#define RHEAP_OPEN_VIRTIO 0x4u /* force the guest kernel's socket (in a VM) */
#define RHEAP_OPEN_VALID_FLAGS                                               \
	(RHEAP_OPEN_RHEAPD | RHEAP_OPEN_LINUX | RHEAP_OPEN_VIRTIO)

#define RHEAP_HEAP_NAME_MAX 64u /* with the NUL */

/**
 * struct rheap_heap_desc - one heap as listed or queried
 * @name:       "protected,secure-video", ..., "system"; NUL-terminated
 * @restricted: its buffers refuse CPU access (mmap/read/write)
 * @capacity:   bytes its pools can hold; 0 when unbounded or unknown
 *              (system heap, linux backend)
 * @used:       bytes allocated now; 0 when unknown (linux backend)
 */
struct rheap_heap_desc {
	char name[RHEAP_HEAP_NAME_MAX];
	bool restricted;
	uint64_t capacity;
	uint64_t used;
};

/**
 * struct rheap_buf_info - what a handle refers to
 * @buf_id:     rheapd's buffer ID (linux backend: the dma-buf's inode
 *              number); for diagnostics, not a capability
 * @size:       bytes (the requested length rounded up to a page)
 * @restricted: from a restricted heap
 * @heap:       the heap's name; NUL-terminated
 */
struct rheap_buf_info {
	uint64_t buf_id;
	uint64_t size;
	bool restricted;
	char heap[RHEAP_HEAP_NAME_MAX];
};

/** struct rheap_heap - an open heap: a backend connection (opaque) */
struct rheap_heap;

/**
 * rheap_heap_list() - the heaps the caller may use
 * @flags: RHEAP_OPEN_* (backend choice)
 * @descs: out: up to @cap heaps; may be NULL when @cap is 0
 * @cap:   entries at @descs
 * @count: out: how many heaps exist (may exceed @cap)
 *
 * Return: 0 (entries beyond @cap are dropped, @count says how many there
 * were); -EINVAL bad @flags; -ENOENT no backend reachable; -ENOMEM.
 */
int rheap_heap_list(unsigned int flags, struct rheap_heap_desc *descs,
		    size_t cap, size_t *count);

/**
 * rheap_heap_open() - open a heap by name
 * @name:  the heap's name (NUL-terminated)
 * @flags: RHEAP_OPEN_*
 * @out:   the heap; untouched on failure
 *
 * Return: 0; -EINVAL bad @flags or a name that is empty or too long;
 * -ENOENT no such heap or no backend reachable; -EPERM not allowed;
 * -ENOMEM.
 */
int rheap_heap_open(const char *name, unsigned int flags,
		    struct rheap_heap **out);

/**
 * rheap_heap_close() - close a heap; buffers allocated from it live on
 * until their handles are closed
 * @heap: the heap, or NULL
 */
void rheap_heap_close(struct rheap_heap *heap);

/**
 * rheap_heap_query() - describe an open heap (usage is re-read)
 * @heap: the heap
 * @desc: out
 *
 * Return: 0; -ENOENT rheapd went away or the heap vanished; -ENOMEM.
 */
int rheap_heap_query(struct rheap_heap *heap, struct rheap_heap_desc *desc);

/**
 * rheap_heap_alloc() - allocate a buffer, as DMA_HEAP_IOCTL_ALLOC does
 * @heap:       the heap
 * @len:        bytes; rounded up to a page; 0 is -EINVAL
 * @fd_flags:   O_CLOEXEC and O_ACCMODE bits only (others: -EINVAL);
 *              O_CLOEXEC is set on the returned handle
 * @heap_flags: must be 0 (-EINVAL)
 * @info:       out, may be NULL: the new buffer
 *
 * Return: the handle (an fd >= 0; the caller owns it); -EINVAL bad
 * argument; -ENOMEM no room in the heap, over quota, or no fd; -EPERM;
 * -ENOENT the backend went away.
 */
int rheap_heap_alloc(struct rheap_heap *heap, uint64_t len, uint32_t fd_flags,
		     uint64_t heap_flags, struct rheap_buf_info *info);

/**
 * rheap_heap_alloc_raw() - allocate with a caller's struct of any size
 * @heap:      the heap
 * @data:      a struct dma_heap_allocation_data of @data_size bytes: the
 *             ioctl's argument (len at 0, fd at 8, fd_flags at 12,
 *             heap_flags at 16, all little-endian host order); bytes past
 *             24 are ignored, a shorter struct is zero-extended. On
 *             success the fd field is written back when it fits.
 * @data_size: its bytes (what the ioctl's size field would carry),
 *             0..RHEAP_ALLOC_DATA_MAX (256)
 * @info:      out, may be NULL
 *
 * For the compat cases of Linux's dmabuf-heaps selftest (a 16-byte older
 * struct, a larger one with garbage after 24 bytes).
 *
 * Return: the handle (fd >= 0); the errors of rheap_heap_alloc(); -EINVAL
 * also for @data_size above 256 or @data NULL with a non-zero size.
 */
int rheap_heap_alloc_raw(struct rheap_heap *heap, void *data, size_t data_size,
			 struct rheap_buf_info *info);

/**
 * rheap_heap_import() - identify a handle over an open heap's connection
 * @heap: any open heap (the buffer may come from another heap)
 * @fd:   the handle (not consumed), untrusted: any fd
 * @info: out
 *
 * Return: 0; -EINVAL @fd is not a handle; -EPERM the caller may not use the
 * buffer's heap; -ENOENT the backend went away.
 */
int rheap_heap_import(struct rheap_heap *heap, int fd,
		      struct rheap_buf_info *info);

/**
 * rheap_buf_import() - identify a handle without an open heap
 * @flags: RHEAP_OPEN_*
 * @fd:    the handle (not consumed), untrusted: any fd
 * @info:  out
 *
 * Opens (and closes) a backend connection for the call.
 *
 * Return: as rheap_heap_import(); -EINVAL also for bad @flags.
 */
int rheap_buf_import(unsigned int flags, int fd, struct rheap_buf_info *info);

/**
 * rheap_status() - rheapd's STATUS JSON (docs/rheapd-uapi.md)
 * @flags: RHEAP_OPEN_* (the linux backend has none: -EOPNOTSUPP)
 * @buf:   out: the JSON text, NUL-terminated
 * @cap:   bytes at @buf (RHEAPD_MSG_MAX is always enough)
 * @len:   out, may be NULL: bytes of JSON (without the NUL)
 *
 * Return: 0; -ENOSPC @cap too small; -EOPNOTSUPP linux backend; -ENOENT
 * rheapd not reachable; -EINVAL bad @flags.
 */
int rheap_status(unsigned int flags, char *buf, size_t cap, size_t *len);

/*
 * Devices (rheapd backend only). A struct rheap_device is its own
 * connection to rheapd: the attachments made and the decoder contexts /
 * display sessions opened through it belong to it and go when it is
 * closed (or the process dies). Commands, argument slots and results are
 * those of include/rheap/device_abi.h, rheapd side: buffers are named by
 * (attachment ID from rheap_device_attach() on the same device, offset).
 * docs/librheap.md has a decoder loop.
 */

#define RHEAP_DEVICE_NAME_MAX 32u      /* with the NUL */
#define RHEAP_DEVICE_ATTACH_WRITE 0x1u /* the device may write the buffer */
#define RHEAP_DEVICE_ARGS 8u

/**
 * struct rheap_device_seg - one piece of an attachment
 * @iova: the device's address (restricted: in its secure SMMU context;
 *        system buffers: in its non-secure one, the buffer's external
 *        window on the board, docs/rheapd-uapi.md ATTACH)
 * @size: bytes
 */
struct rheap_device_seg {
	uint64_t iova;
	uint64_t size;
};

/** struct rheap_device - a device opened through rheapd (opaque) */
struct rheap_device;

/**
 * rheap_device_open() - open a device by its DT name ("vdec", "display",
 * "gpu") over a new rheapd connection
 * @name: 1..RHEAP_DEVICE_NAME_MAX-1 bytes
 * @out:  the device; untouched on failure
 *
 * The name is checked by rheapd on every call (-ENOENT there for a device
 * the platform does not have).
 *
 * Return: 0; -EINVAL bad name; -ENOENT rheapd not reachable; -EPERM the
 * socket's permissions; -ENOMEM.
 */
int rheap_device_open(const char *name, struct rheap_device **out);

/**
 * rheap_device_close() - close the connection: rheapd closes the device's
 * contexts and sessions, then drops the attachments
 * @dev: the device, or NULL
 */
void rheap_device_close(struct rheap_device *dev);

/**
 * rheap_device_attach() - attach a buffer to the device
 * @dev:       the device
 * @fd:        the buffer's handle (not consumed)
 * @flags:     0 or RHEAP_DEVICE_ATTACH_WRITE (needed for decoder outputs)
 * @attach_id: out: names the attachment in commands and for detach
 * @segs:      out: up to @cap segments; may be NULL when @cap is 0
 * @cap:       entries at @segs
 * @count:     out, may be NULL: the attachment's segments (may exceed
 *             @cap). A buffer slot of a command must lie in one segment.
 *
 * Return: 0; -EINVAL not a handle or bad @flags; -EPERM the device may
 * not reach the buffer's heap (policy, non-secure device, use case);
 * -ENOENT no such device or rheapd/the board went away; -ENOMEM.
 */
int rheap_device_attach(struct rheap_device *dev, int fd, uint32_t flags,
			uint64_t *attach_id, struct rheap_device_seg *segs,
			size_t cap, size_t *count);

/**
 * rheap_device_detach() - undo an attachment
 * @dev:       the device
 * @attach_id: from rheap_device_attach() on @dev
 *
 * Return: 0; -ENOENT unknown; -EBUSY an open decoder context of @dev had
 * it queued as an output buffer (close the context first).
 */
int rheap_device_detach(struct rheap_device *dev, uint64_t attach_id);

/**
 * rheap_device_cmd() - one device command (include/rheap/device_abi.h)
 * @dev:  the device
 * @cmd:  enum device_cmd
 * @args: RHEAP_DEVICE_ARGS argument slots, rheapd side
 * @fd:   VDEC_OPEN: the codec config memfd (rheap_device_memfd()), or -1
 *        without config; GPU_READ: the buffer's handle; else -1. Not
 *        consumed.
 * @res:  out, may be NULL: the 8 result slots; set (zero if rheapd sent
 *        none) whatever the status, e.g. VDEC_RECEIVE's -ENOSPC tag
 *
 * Return: 0 or the negative errno of rheapd's checks or of the device
 * (docs/rheapd-uapi.md lists them in order); -ENOENT also when rheapd or
 * the board went away.
 */
int rheap_device_cmd(struct rheap_device *dev, uint32_t cmd,
		     const uint64_t args[8], int fd, uint64_t res[8]);

/**
 * rheap_device_memfd() - a sealed memfd holding @len bytes, e.g. a
 * decoder's codec config for VDEC_OPEN (args[3] = @len)
 * @data: the bytes
 * @len:  1..64 KiB
 *
 * Return: the fd (the caller closes it); -EINVAL bad @len or @data;
 * -ENOMEM.
 */
int rheap_device_memfd(const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* RHEAP_RHEAP_H */
