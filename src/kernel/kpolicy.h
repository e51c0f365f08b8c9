/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheapd's access policy: which uids and gids may use which heap, and
 * per-client quotas. Read once at start-up from a JSON file (--policy);
 * docs/rheapd-uapi.md ("Policy file") has the format:
 *
 *   {"heaps": {"<heap name>": {"uids": [1000, ...], "gids": [44, ...]}},
 *    "quota": {"default": BYTES, "uids": {"<uid>": BYTES}}}
 *
 * Both top-level members are optional. A heap not listed is open to
 * everyone; a listed heap admits a caller whose uid is in "uids" or whose
 * gid is in "gids" (a missing list is empty). A quota of 0 or an absent
 * one means unlimited; "uids" entries override "default".
 *
 * Parsing is strict: unknown keys, wrong types, negative or fractional
 * numbers, uids above UINT32_MAX, heap names of 64 bytes or more, and
 * uid keys that are not canonical decimal are -EINVAL with a line, column
 * and message.
 */
#ifndef RHEAP_SRC_KERNEL_KPOLICY_H
#define RHEAP_SRC_KERNEL_KPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KPOLICY_MAX_HEAPS 16u
#define KPOLICY_MAX_IDS 256u /* uids or gids per heap; quota uids */
#define KPOLICY_HEAP_NAME_MAX 64u

struct kpolicy;

/**
 * struct kpolicy_error - where and why a policy was refused
 * @line:    1-based line (0 when not positional)
 * @column:  1-based byte column
 * @message: NUL-terminated sentence naming the offending member
 */
struct kpolicy_error {
	uint32_t line;
	uint32_t column;
	char message[160];
};

/**
 * kpolicy_parse() - parse a policy document
 * @text: the bytes (untrusted); need not be NUL-terminated
 * @size: bytes at @text
 * @out:  the policy; untouched on failure
 * @err:  optional; filled on failure
 *
 * Return: 0; -EINVAL malformed JSON or policy; -ENOSPC more than
 * KPOLICY_MAX_HEAPS heaps or KPOLICY_MAX_IDS ids in one list; -ENOMEM.
 */
int kpolicy_parse(const char *text, size_t size, struct kpolicy **out,
		  struct kpolicy_error *err);

/**
 * kpolicy_destroy() - free a policy
 * @p: the policy, or NULL
 */
void kpolicy_destroy(struct kpolicy *p);

/**
 * kpolicy_heap_allowed() - may this caller use this heap?
 * @p:         the policy, or NULL (everything allowed)
 * @heap:      heap name
 * @uid:       the caller's uid (SO_PEERCRED)
 * @gids:      the caller's groups: its gid (SO_PEERCRED) and supplementary
 *             groups (SO_PEERGROUPS), in any order
 * @gid_count: entries in @gids
 *
 * A listed heap admits a caller whose uid is listed or any of whose groups
 * is listed, as file permissions do.
 *
 * Return: true if allowed.
 */
bool kpolicy_heap_allowed(const struct kpolicy *p, const char *heap,
			  uint32_t uid, const uint32_t *gids,
			  uint32_t gid_count);

/**
 * kpolicy_quota() - bytes a client of @uid may hold at once
 * @p:   the policy, or NULL
 * @uid: the caller's uid
 *
 * Return: the quota; 0 unlimited.
 */
uint64_t kpolicy_quota(const struct kpolicy *p, uint32_t uid);

/**
 * kpolicy_heap_count() - heaps the policy lists
 * @p: the policy, or NULL
 *
 * Return: the count.
 */
uint32_t kpolicy_heap_count(const struct kpolicy *p);

/**
 * kpolicy_heap_name() - the name of a listed heap (for start-up checks)
 * @p:     the policy
 * @index: 0 .. kpolicy_heap_count() - 1
 *
 * Return: the name, or NULL if @index is out of range.
 */
const char *kpolicy_heap_name(const struct kpolicy *p, uint32_t index);

#endif /* RHEAP_SRC_KERNEL_KPOLICY_H */
