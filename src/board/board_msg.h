/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The board transport's messages (docs/board-transport.md).
 *
 * Every message on the socket, in either direction, is exactly
 * BOARD_MSG_SIZE bytes: the 18 registers x0..x17 of an SMC conduit, each a
 * little-endian u64. After the handshake a NW connection carries FF-A
 * calls and their replies unchanged; the board's own messages (below) use
 * x0 values with bit 31 clear, which no FF-A function ID has (SMCCC fast
 * calls set it), so the two can never be confused.
 *
 *   HELLO   client -> board: x1 = BOARD_PROTO_VERSION, x2 = enum
 *           board_conn_kind; x3 = the VM's endpoint ID for BOARD_CONN_VM
 *           (BOARD_VM_ID_MIN..BOARD_VM_ID_MAX of board.h), else MBZ;
 *           x4..x17 MBZ.
 *           board -> client: x1 = BOARD_PROTO_VERSION, x2 = status (0 or a
 *           negative errno, sign-extended: for a VM -EINVAL an ID out of
 *           range, -EBUSY a VM with that ID is connected, -ENOMEM
 *           BOARD_MAX_VMS connected or the SPMC's endpoint table full),
 *           x3 = the FF-A endpoint ID given (NW: 0x0001; VM: x3 of the
 *           request) or 0, x4 = kind, x5 = DRAM messages that follow (0 for
 *           a VM: its hypervisor maps NW DRAM through its own host
 *           connection), x6 = BOARD_HELLO_FLAG_*.
 *           BOARD_CONN_HYP (x3..x17 MBZ; -EBUSY while another hypervisor
 *           is connected): x3 = 0 (no endpoint), x5 = the DRAM messages
 *           that follow, as for NW.
 *   DRAM    board -> client, one per NW DRAM range after a NW HELLO:
 *           x1 = index, x2 = base PA, x3 = size; carries the range's memfd
 *           (SCM_RIGHTS, exactly one).
 *   STATUS  operator -> board: x1..x17 MBZ.
 *           board -> operator: x1 = status, x2 = JSON length; carries one
 *           sealed memfd holding the JSON text.
 *   FAULTS  operator -> board: x1..x17 MBZ.
 *           board -> operator: as STATUS; the JSON lists the bus fault
 *           log's held records (board_faults_json()). The log is read,
 *           not emptied.
 *   DEVICE  NW -> board: x1 = the device's stream ID, x2 = command
 *           (enum device_cmd, include/rheap/device_abi.h), x3..x10 =
 *           args[0..7] (board-side slots); x11..x17 MBZ.
 *           board -> NW: x1 = status (0 or a negative errno,
 *           sign-extended), x2..x9 = res[0..7]; x10..x17 zero.
 *   EXT_MAP NW -> board: x1 = size (a non-zero multiple of 4 KiB, at most
 *           BOARD_EXT_MAX_SIZE); x2..x17 MBZ; carries exactly one fd
 *           (SCM_RIGHTS): a memfd sealed against shrinking, opened
 *           read-write, at least x1 bytes long. The board maps it
 *           MAP_SHARED as an external non-secure window of PAs outside
 *           DRAM and every pool (NS memory a NW kernel gives a device).
 *           board -> NW: x1 = status, x2 = the window's PA; x3..x17 zero.
 *   EXT_UNMAP NW -> board: x1 = a window's PA; x2..x17 MBZ.
 *           board -> NW: x1 = status (-EBUSY while any SMMU mapping
 *           points into the window); x2..x17 zero.
 *   SMMU_NS NW -> board: x1 = stream ID, x2 = IOVA, x3 = PA, x4 = size,
 *           x5 = BOARD_SMMU_NS_* flags; x6..x17 MBZ. Programs the
 *           device's non-secure SMMU context (map or unmap), as a NW
 *           kernel's IOMMU driver does; any PA is accepted (the TZASC
 *           refuses NS access to secure memory at access time).
 *           board -> NW: x1 = status; x2..x17 zero.
 *   HYP_RECLAIM hypervisor -> board: x1 = a dead VM's endpoint ID;
 *           x2..x17 MBZ. The board reclaims, as the hypervisor (0x0000),
 *           every orphan the VM left when its connection closed (an
 *           orphaned LEND is always scrubbed before it goes back to the
 *           NW), then the ID leaves the SPMC if none is left.
 *           board -> hypervisor: x1 = status (-EINVAL a set MBZ register
 *           or an ID outside BOARD_VM_ID_MIN..BOARD_VM_ID_MAX, -ENOENT no
 *           such VM configured, -EBUSY that VM is connected or the SPMC
 *           is wedged, else board_hyp_reclaim()'s), x2 = orphans
 *           reclaimed, x3 = orphans still held; x4..x17 zero. On a NW or
 *           VM connection it is answered x1 = -EPERM (x2..x17 zero); on an
 *           operator connection it closes the connection.
 *
 * A VM connection carries the same frames as the host's (FF-A calls,
 * DEVICE, EXT_*, SMMU_NS), served as the VM's own endpoint.
 *
 * EXT_* windows and SMMU_NS mappings belong to the endpoint (host or VM)
 * that made them: only it may unmap them, and when its connection closes
 * its mappings are removed, then its windows.
 */
#ifndef RHEAP_SRC_BOARD_BOARD_MSG_H
#define RHEAP_SRC_BOARD_BOARD_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <rheap/ffa_regs.h>

/** Bytes of every message: 18 little-endian u64 registers. */
#define BOARD_MSG_SIZE (8u * RHEAP_FFA_REG_COUNT)

/** Protocol version carried by HELLO. */
#define BOARD_PROTO_VERSION 1u

/* x0 of the board's own messages ("RH" << 16 | n; bit 31 clear). */
#define BOARD_MSG_HELLO UINT64_C(0x52480001)
#define BOARD_MSG_DRAM UINT64_C(0x52480002)
#define BOARD_MSG_STATUS UINT64_C(0x52480003)
#define BOARD_MSG_FAULTS UINT64_C(0x52480004)
#define BOARD_MSG_DEVICE UINT64_C(0x52480005)
#define BOARD_MSG_EXT_MAP UINT64_C(0x52480006)
#define BOARD_MSG_EXT_UNMAP UINT64_C(0x52480007)
#define BOARD_MSG_SMMU_NS UINT64_C(0x52480008)
#define BOARD_MSG_HYP_RECLAIM UINT64_C(0x52480009)

/** SMMU_NS x5 bit: map (set) or unmap (clear). */
#define BOARD_SMMU_NS_MAP (UINT64_C(1) << 0)
/** SMMU_NS x5 bit: the device may write (map only). */
#define BOARD_SMMU_NS_WRITE (UINT64_C(1) << 1)
/** Largest EXT_MAP window. */
#define BOARD_EXT_MAX_SIZE (UINT64_C(1) << 30)

/** HELLO reply x6 bit: protection is enforced in hardware. */
#define BOARD_HELLO_FLAG_ENFORCED (UINT64_C(1) << 0)
/** HELLO reply x6 bit: every carve-out is in memfd_secret memory. */
#define BOARD_HELLO_FLAG_SECRET (UINT64_C(1) << 1)

/**
 * enum board_conn_kind - what a connection is for (HELLO x2)
 * @BOARD_CONN_NW:       the host NW kernel's FF-A endpoint (one at a time)
 * @BOARD_CONN_OPERATOR: STATUS and FAULTS queries only; not an FF-A
 *                       endpoint
 * @BOARD_CONN_VM:       a VM's FF-A endpoint (HELLO x3), opened by its
 *                       hypervisor; up to BOARD_MAX_VMS at once
 * @BOARD_CONN_HYP:      the hypervisor (rheap-vmm): receives the NW DRAM
 *                       memfds like the host, to map its guests' RAM;
 *                       no FF-A endpoint (STATUS and FAULTS as an
 *                       operator, and HYP_RECLAIM); one at a time
 */
enum board_conn_kind {
	BOARD_CONN_NW = 1,
	BOARD_CONN_OPERATOR = 2,
	BOARD_CONN_VM = 3,
	BOARD_CONN_HYP = 4,
};

/**
 * board_msg_encode() - registers to wire bytes
 * @regs: the registers
 * @buf:  out, BOARD_MSG_SIZE bytes
 */
void board_msg_encode(const struct rheap_ffa_regs *regs,
		      uint8_t buf[BOARD_MSG_SIZE]);

/**
 * board_msg_decode() - wire bytes to registers
 * @buf:  BOARD_MSG_SIZE bytes (untrusted; any value is a valid register)
 * @regs: out
 */
void board_msg_decode(const uint8_t buf[BOARD_MSG_SIZE],
		      struct rheap_ffa_regs *regs);

#endif /* RHEAP_SRC_BOARD_BOARD_MSG_H */
