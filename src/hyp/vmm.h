/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheap-vmm: the hypervisor process (docs/vmm.md). It connects to the
 * board as the hypervisor (BOARD_CONN_HYP: NW DRAM memfds, no endpoint),
 * gives each guest VM a slice of NW DRAM as its RAM, a VM board
 * connection as its FF-A endpoint (0x0002 + index), and a virtio-rheap
 * device (docs/virtio-rheap.md) served here over the transport of
 * src/hyp/vtransport.h; forks one process per guest, which keeps only its
 * slice and its transport fds and runs the guest function.
 *
 * Life cycle of the vmm:
 *
 *   vmm_create() --> RUNNING (every guest forked, "ready" printed)
 *   RUNNING --vmm_run(): SIGTERM/SIGINT, or vmm_stop()--> STOPPED
 *   any --vmm_destroy()--> guests stopped (SIGTERM, then SIGKILL after
 *                          2 s), every buffer/attachment/connection
 *                          released, slices zeroed, memory freed
 *
 * Life cycle of one VM (struct vmm_vm):
 *
 *   ALIVE --its process exits or is killed (pidfd readable)--> DEAD:
 *         buffers closed, device and heap connections closed (host
 *         rheapd frees and detaches), VM board connection closed (board
 *         teardown), RAM slice zeroed and kept; other VMs untouched.
 *   ALIVE --device NEEDS_RESET (broken ring or transport rule)--> ALIVE
 *         with the device refusing requests until the guest resets it
 *         (Status 0); buffers stay.
 */
#ifndef RHEAP_SRC_HYP_VMM_H
#define RHEAP_SRC_HYP_VMM_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/vtransport.h"

/** Most guests at once (the board's BOARD_MAX_VMS). */
#define VMM_MAX_VMS 8u

/** A guest's entry point, run in its own process; returns its exit code. */
typedef int (*vmm_guest_fn)(const struct vt_guest_env *env);

/**
 * struct vmm_cfg - what rheap-vmm starts with (trusted: the operator's)
 * @vm_count:        guests, 1..VMM_MAX_VMS
 * @board_path:      the board's socket
 * @rheapd_path:     host rheapd's socket
 * @run_dir:         directory of vmm.sock and vm<i>/ (created 0700)
 * @guest_mem:       bytes of RAM per guest (4 KiB multiple, >= 1 MiB)
 * @guest_base:      PA of guest 0's RAM; guest i at @guest_base + i *
 *                   @guest_mem; the hypervisor's mailbox area follows the
 *                   last guest (VMM_MBOX_AREA bytes per VM)
 * @quota_bytes:     restricted bytes a VM may hold at once
 * @quota_buffers:   buffers a VM may hold at once (1..65536)
 * @quota_attachments: attachments a VM may hold at once (1..65536)
 * @guest:           the guest function (guest_main, or a test driver)
 * @quiet:           no per-request info lines (denials are always logged)
 */
struct vmm_cfg {
	uint32_t vm_count;
	const char *board_path;
	const char *rheapd_path;
	const char *run_dir;
	uint64_t guest_mem;
	uint64_t guest_base;
	uint64_t quota_bytes;
	uint32_t quota_buffers;
	uint32_t quota_attachments;
	vmm_guest_fn guest;
	bool quiet;
};

struct vmm;

/**
 * vmm_create() - connect, lay out the guests and fork them
 * @cfg: configuration (copied; the strings must outlive the vmm)
 * @out: the vmm; untouched on failure
 *
 * Blocks SIGTERM, SIGINT and SIGCHLD (vmm_run() reads them from a
 * signalfd); the guests get the original mask back.
 *
 * Return: 0; -EINVAL a bad @cfg (counts, sizes, a slice outside NW DRAM
 * or overlapping a pool); -ENOENT no board or no rheapd; -EBUSY another
 * hypervisor is connected or a VM endpoint ID is taken; -ENOMEM.
 */
int vmm_create(const struct vmm_cfg *cfg, struct vmm **out);

/**
 * vmm_run() - serve until SIGTERM/SIGINT (or vmm_stop())
 * @vmm: the vmm
 *
 * Return: 0 on a stop request; -ENOMEM if epoll fails.
 */
int vmm_run(struct vmm *vmm);

/**
 * vmm_destroy() - stop the guests and release everything
 * @vmm: the vmm, or NULL
 */
void vmm_destroy(struct vmm *vmm);

/**
 * vmm_guest_pid() - a guest's process (0 once reaped)
 * @vmm:   the vmm
 * @index: 0 .. vm_count - 1
 *
 * Return: the pid, or 0.
 */
int vmm_guest_pid(const struct vmm *vmm, uint32_t index);

/**
 * vmm_main() - the rheap-vmm command line (tools/rheap-vmm/main.c)
 * @argc:  argument count
 * @argv:  arguments (docs/vmm.md "Command line")
 * @guest: the guest function
 *
 * Return: the process exit code (0 after SIGTERM; 1 on a start failure;
 * 2 on a usage error).
 */
int vmm_main(int argc, char **argv, vmm_guest_fn guest);

#endif /* RHEAP_SRC_HYP_VMM_H */
