/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * Diagnostics for rejected input.
 *
 * The pure codecs neither print nor allocate, yet a rejected descriptor,
 * Transfer List or DTB must be reported naming the offending field and its
 * value (STYLE.md rule 8). A codec therefore fills a caller-provided
 * `struct rheap_diag` with static strings and numbers; the caller, which may
 * do I/O, formats it. Buffer contents are never copied into a diagnostic.
 */
#ifndef RHEAP_DIAG_H
#define RHEAP_DIAG_H

#include <stddef.h>
#include <stdint.h>

/** No array index applies to the field. */
#define RHEAP_DIAG_NO_INDEX UINT32_MAX

/**
 * struct rheap_diag - why an input was rejected
 * @field:     static name of the offending field, spec spelling
 *             ("receivers.endpoint_id", "composite.page_count"); NULL if no
 *             rejection was recorded
 * @reason:    static sentence fragment ("must be zero", "exceeds")
 * @index:     index into the array that holds @field, or
 *             `RHEAP_DIAG_NO_INDEX`
 * @value:     the offending value as read from the input
 * @limit:     the bound or expected value that @value broke; meaningful
 *             only when @has_limit is set
 * @has_limit: whether @limit is meaningful
 * @subject:   optional NUL-terminated name of the object concerned (a DT
 *             node name, copied, at most 63 bytes); empty if none
 */
struct rheap_diag {
	const char *field;
	const char *reason;
	uint32_t index;
	uint64_t value;
	uint64_t limit;
	int has_limit;
	char subject[64];
};

/**
 * rheap_diag_format() - render a diagnostic as one line of text
 * @diag: a diagnostic filled by a codec (may be NULL or empty)
 * @buf:  output buffer
 * @size: size of @buf in bytes
 *
 * Writes "[subject: ]field[index]: value (hex) reason [limit (hex)]", e.g.
 * "composite.page_count: 5 (0x5) does not equal the constituent sum 4
 * (0x4)". Always NUL-terminates when @size > 0, truncating.
 *
 * Return: @buf.
 */
char *rheap_diag_format(const struct rheap_diag *diag, char *buf, size_t size);

#endif /* RHEAP_DIAG_H */
