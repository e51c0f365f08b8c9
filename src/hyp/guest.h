/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest VM's kernel: what a guest process forked by rheap-vmm runs.
 * It drives the VM's virtio-rheap device (guest_drv.h) and serves the
 * guest's programs the rheapd UAPI (include/rheap/rheapd_uapi.h) at
 * env->uapi_path, so that librheap (RHEAP_BACKEND=virtio, or its rheapd
 * backend with RHEAPD_SOCKET pointed there) and the tests written against
 * rheapd run unchanged inside the guest. docs/virtio-rheap.md, "Driver
 * implementation: the guest", describes the mapping of each op.
 *
 * What the guest kernel serves:
 *   - HEAP_LIST: the device's restricted heaps (HEAP_INFO); heap_id is the
 *     device's heap index; capacity is the host heap's, used is this VM's.
 *   - ALLOC: decoded exactly as rheapd (rheapd_alloc_decode(): Linux's
 *     dma_heap_ioctl() rules), then a virtio ALLOC; the program gets a
 *     restricted handle (khandle.c: a removed directory). When its last
 *     copy is closed (inotify) and no attachment is left the guest sends
 *     FREE. Non-restricted heaps (the host's `system`) are not offered: a
 *     guest's system memory is its own RAM, not the host's (-EOPNOTSUPP).
 *   - IMPORT, ATTACH (virtio ATTACH; segments as the device gives them),
 *     DETACH: as rheapd; attachments belong to the connection that made
 *     them and are detached when it closes.
 *   - STATUS: JSON {"guest": {...}, "heaps", "buffers", "attachments"}.
 *   - DEVICE and the TEE ops: -EOPNOTSUPP (the guest has no device jobs
 *     or TEE driver yet).
 */
#ifndef RHEAP_SRC_HYP_GUEST_H
#define RHEAP_SRC_HYP_GUEST_H

#include "hyp/vtransport.h"

/**
 * guest_main() - the guest kernel: initialise the device, serve programs
 * @env: the guest's environment (its fds are used, not closed)
 *
 * Prints "guest <vm_id>: serving <uapi_path>" on stderr once listening.
 * Runs until SIGTERM/SIGINT (blocked and read through a signalfd in the
 * calling thread) or until the vmm closes the register socket. On the
 * way out: every attachment detached and every buffer freed over virtio
 * (when the device still answers), the device reset, the socket removed.
 *
 * Return: 0 after a stop; -ENOENT no virtio-rheap device or the vmm went
 * away during start-up; -EINVAL a bad @uapi_path; any guest_drv_init()
 * error; -ENOMEM.
 */
int guest_main(const struct vt_guest_env *env);

#endif /* RHEAP_SRC_HYP_GUEST_H */
