/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheapctl's renderers of the platform's live state: pure functions from
 * parsed JSON (rheapd's STATUS, docs/rheapd-uapi.md; the board's STATUS
 * and FAULTS, docs/board-transport.md) to text. No I/O but the output
 * stream; no clock; the same input always gives the same bytes, so unit
 * tests compare them against fixtures.
 *
 * The JSON comes from other processes: every member a renderer reads is
 * checked (type, range) and the first mismatch fails the whole render
 * with -EINVAL and a message naming the member's path
 * ("rheapd.pools[1].chunks[0].size: missing or not an unsigned
 * integer"). Members a renderer does not read are ignored, so newer
 * producers with extra keys still render. The caller writes to a memory
 * stream and prints it only on success (nothing half-printed).
 */
#ifndef RHEAP_TOOLS_RHEAPCTL_RENDER_H
#define RHEAP_TOOLS_RHEAPCTL_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/json.h"

/** Bytes of a renderer's error message buffer that are always enough. */
#define CTL_RENDER_ERR_MAX 192u

/**
 * ctl_render_status() - the operator's tables of `rheapctl status`
 * @out:      where the text goes
 * @rheapd:   rheapd's STATUS object, or NULL when rheapd did not answer
 * @board:    the board's STATUS object, or NULL when the board did not
 *            answer
 * @err:      out: the message on -EINVAL (NUL-terminated)
 * @err_size: bytes at @err
 *
 * Sections: a summary line for each process, then HEAPS (name,
 * restricted, capacity, used, buffers, alloc failures), POOLS (heap,
 * kind, base, size, used, free, largest free, chunk size, chunks lent /
 * idle, TZASC regions needed), TZASC (regions in use / total and the
 * secure ranges), CLIENTS (id, pid, uid, gid, buffers, bytes, quota,
 * attachments, TEE sessions, registrations), BUFFERS (id, heap, size,
 * client, attachments, registrations, extents), COUNTERS. Addresses are
 * hexadecimal; sizes are exact: "64M", "4K", or bytes when not a whole
 * number of KiB.
 *
 * Return: 0; -EINVAL both objects NULL or a member out of schema
 * (@err says which).
 */
int ctl_render_status(FILE *out, const struct json_value *rheapd,
		      const struct json_value *board, char *err,
		      size_t err_size);

/**
 * ctl_render_faults() - the table of `rheapctl faults`
 * @out:      where the text goes
 * @faults:   the board's FAULTS object
 * @err:      out: the message on -EINVAL
 * @err_size: bytes at @err
 *
 * A summary line (total, held, dropped), then one row per record, oldest
 * first: sequence, reason, master, device, stream, security, access,
 * address, PA ("-" when the fault came before translation); or "no
 * faults recorded".
 *
 * Return: 0; -EINVAL out of schema.
 */
int ctl_render_faults(FILE *out, const struct json_value *faults, char *err,
		      size_t err_size);

/**
 * ctl_render_map_svg() - the DRAM map of `rheapctl map --svg`, as SVG
 * @out:      where the SVG document goes
 * @rheapd:   rheapd's STATUS object, or NULL
 * @board:    the board's STATUS object, or NULL
 * @err:      out: the message on -EINVAL
 * @err_size: bytes at @err
 *
 * One overview row per DRAM range (from the board; without it, the span
 * of the pools) at linear scale: NW memory, the pools (static pools in
 * the secure colour; dynamic pools with their lent chunks secure and the
 * rest NS) and the programmed TZASC regions as outlined brackets. Then
 * one zoomed row per pool: its chunks (lent / idle / not lent), the
 * buffers' extents in a lane under them, and the TZASC regions that
 * cover it. Each row carries its start and end addresses; a legend
 * closes the picture. Every shape has a class ("dram", "pool static",
 * "chunk lent", "buffer", "tzasc", ...) and a <title> tooltip with its
 * exact numbers; text is XML-escaped. Shapes narrower than a pixel are
 * drawn one pixel wide.
 *
 * Return: 0; -EINVAL both objects NULL, a member out of schema, or
 * nothing to draw (no DRAM range and no pool).
 */
int ctl_render_map_svg(FILE *out, const struct json_value *rheapd,
		       const struct json_value *board, char *err,
		       size_t err_size);

/**
 * ctl_format_size() - exact compact size: "64M", "1G", "4K", "4097"
 * @buf:  out, NUL-terminated
 * @cap:  bytes at @buf (24 is always enough)
 * @size: bytes
 *
 * Return: @buf.
 */
char *ctl_format_size(char *buf, size_t cap, uint64_t size);

/**
 * ctl_parse_size() - a size with an optional K, M or G suffix (powers of
 * 1024; either case; an optional trailing "iB" or "B": "4K", "4KiB",
 * "1m", "4096")
 * @text: the argument (untrusted)
 * @out:  the bytes
 *
 * Return: 0; -EINVAL not a decimal number with a known suffix, or 0;
 * -EOVERFLOW does not fit in 64 bits.
 */
int ctl_parse_size(const char *text, uint64_t *out);

#endif /* RHEAP_TOOLS_RHEAPCTL_RENDER_H */
