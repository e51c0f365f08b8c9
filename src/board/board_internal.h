/* SPDX-License-Identifier: BSD-2-Clause */
/* The board's state, shared by board.c and board_status.c only. */
#ifndef RHEAP_SRC_BOARD_BOARD_INTERNAL_H
#define RHEAP_SRC_BOARD_BOARD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rheap/platform.h>

#include "board/board_inject.h"
#include "hw/hw_tzasc.h"
#include "sp/sp_keys.h"
#include "spmc/abi.h"

struct hw_bus;
struct hw_device;
struct hw_display;
struct hw_dram;
struct hw_vdec;
struct hw_smmu;
struct sdp_partition;
struct spmc;

/*
 * struct board_ns_map - one mapping a NW endpoint programmed with
 * BOARD_MSG_SMMU_NS (a device's non-secure context), removed when that
 * endpoint goes
 */
struct board_ns_map {
	uint32_t stream_id;
	uint64_t iova;
	uint64_t size;
	uint16_t ep;
};

/*
 * struct board_ext_owner - which endpoint made an external window
 * (BOARD_MSG_EXT_MAP); only it may unmap it, and it goes with it
 */
struct board_ext_owner {
	uint64_t base;
	uint16_t ep;
};

/*
 * struct board_vm - a VM ID the board configured in the SPMC
 * @id:        FF-A endpoint ID
 * @connected: a connection serves it; false: LINGERING (the SPMC keeps
 *             orphans it sent, board.h)
 */
struct board_vm {
	uint16_t id;
	bool connected;
};

/*
 * struct board - one booted board. Every pointer is owned by the board
 * and freed by board_destroy() in reverse creation order; the bus, the
 * devices, the SPMC and the SDP partition borrow the models created
 * before them.
 */
struct board {
	/** Decoded platform (the copy every model was built from). */
	struct rheap_platform plat;
	/** Log destination; NULL means stderr. */
	FILE *log;
	/** Only errors and the protection warning are logged. */
	bool quiet;
	/** TZASC state; the SPMC changes it only through board_plat_ops. */
	struct hw_tzasc tzasc;
	struct hw_dram *dram;
	struct hw_smmu *smmu;
	struct hw_bus *bus;
	/** One model per platform device; entries >= device_count NULL. */
	struct hw_device *devices[RHEAP_PLAT_MAX_DEVICES];
	uint32_t device_count;
	struct spmc *spmc;
	/** Content keys of the SDP partition; wiped at destroy. */
	struct sp_keys keys;
	/** The SDP partition; NULL when the platform has none. */
	struct sdp_partition *sdp;
	/** Its endpoint ID; meaningful when @sdp is set. */
	uint16_t sdp_id;
	/** Fault injection (--fault, debug boards only) is on. */
	bool inject_on;
	struct board_inject inject;
	/** What the ABI handler reports in FFA_PARTITION_INFO_GET. */
	struct spmc_abi_partition partitions[RHEAP_PLAT_MAX_PARTITIONS];
	struct spmc_abi *abi;
	/** BOARD_NW_ENDPOINT is connected (added to the ABI handler). */
	bool nw_connected;
	/*
	 * VM IDs configured in the SPMC, connected or lingering, in the
	 * order they were added; at most BOARD_MAX_VMS connected.
	 */
	struct board_vm vms[SPMC_MAX_ENDPOINTS];
	uint32_t vm_slots;
	/*
	 * Media devices (board_device.c), chosen by DT node name: the
	 * decoder on "vdec", the display on "display", GPU_READ on "gpu".
	 * NULL when the platform has no such (suitable) device.
	 */
	struct hw_vdec *vdec;
	uint32_t vdec_stream;
	struct hw_display *display;
	uint32_t display_stream;
	struct hw_device *gpu;
	uint32_t gpu_stream;
	/** GPU_READ jobs completed and refused by the bus. */
	uint64_t gpu_reads;
	uint64_t gpu_faults;
	/** SMMU_NS mappings of the NW endpoints (board_device.c). */
	struct board_ns_map *ns_maps;
	uint32_t ns_map_count;
	uint32_t ns_map_cap;
	/** The owner of each external window (board_device.c). */
	struct board_ext_owner *ext_owners;
	uint32_t ext_owner_count;
	uint32_t ext_owner_cap;
};

/**
 * board_ep_connected() - is @ep a NW endpoint a connection serves now?
 * @b:  the board
 * @ep: endpoint ID (from the transport)
 *
 * Return: true for the connected host (BOARD_NW_ENDPOINT) and for a
 * connected VM; false otherwise (lingering VMs, partitions, anything).
 */
bool board_ep_connected(const struct board *b, uint16_t ep);

/**
 * board_media_create() - the media devices on their device models
 * @b:        the board, devices created
 * @sink_dir: board_opts.sink_dir (created here when missing)
 *
 * Return: 0; -EINVAL / -EPERM for a sink directory that cannot be made
 * or is not ours (logged); -ENOMEM.
 */
int board_media_create(struct board *b, const char *sink_dir);

/**
 * board_media_destroy() - close every context and session, free models
 * @b: the board
 */
void board_media_destroy(struct board *b);

/**
 * board_media_disconnect() - close an endpoint's contexts and sessions,
 * then remove its SMMU_NS mappings and its external windows (those of
 * other endpoints stay)
 * @b:  the board
 * @ep: the endpoint that went away
 */
void board_media_disconnect(struct board *b, uint16_t ep);

#endif /* RHEAP_SRC_BOARD_BOARD_INTERNAL_H */
