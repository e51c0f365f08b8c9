/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheap-play: the few numbers it reads from the platform's STATUS JSON
 * documents (rheapd's, docs/rheapd-uapi.md; the board's operator STATUS,
 * docs/board-transport.md). Pure: text in, numbers out; the JSON reader
 * (src/util/json.h) is strict and fuzzed.
 */
#ifndef RHEAP_TOOLS_RHEAP_PLAY_PLAY_STATUS_H
#define RHEAP_TOOLS_RHEAP_PLAY_PLAY_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLAY_SINK_DIR_MAX 4096u /* with the NUL */

/**
 * struct play_counters - rheapd's STATUS "counters" that steady state must
 * not move
 * @allocs: buffers allocated since rheapd started
 * @lends:  chunks lent to the secure world since rheapd started
 */
struct play_counters {
	uint64_t allocs;
	uint64_t lends;
};

/**
 * struct play_board_status - from the board's STATUS
 * @faults_total: "faults"."total": bus faults since the board started
 * @sink_dir:     "sink_dir" (the display's protected sink), or ""
 */
struct play_board_status {
	uint64_t faults_total;
	char sink_dir[PLAY_SINK_DIR_MAX];
};

/**
 * play_status_counters() - read rheapd's counters
 * @json: rheapd's STATUS text (untrusted: not NUL-terminated necessarily)
 * @len:  bytes at @json
 * @out:  the counters
 *
 * Return: 0; -EINVAL not JSON, or "counters"."allocs"/"lends" missing or
 * not exact unsigned integers; -EOVERFLOW above 2^64 - 1; -ENOMEM.
 */
int play_status_counters(const char *json, size_t len,
			 struct play_counters *out);

/**
 * play_status_board() - read the board's fault total and sink directory
 * @json: the board's STATUS text (untrusted)
 * @len:  bytes at @json
 * @out:  the values; "sink_dir" may be absent (an older board): ""
 *
 * Return: 0; -EINVAL not JSON, "faults"."total" missing or malformed,
 * "sink_dir" not a string; -ENOSPC "sink_dir" longer than
 * PLAY_SINK_DIR_MAX - 1; -EOVERFLOW; -ENOMEM.
 */
int play_status_board(const char *json, size_t len,
		      struct play_board_status *out);

#endif /* RHEAP_TOOLS_RHEAP_PLAY_PLAY_STATUS_H */
