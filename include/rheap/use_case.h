/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * Restricted-memory use cases. The numeric IDs are those of the OP-TEE
 * protected-memory ABI that Linux 6.18's TEE heaps use (0 reserved, 1 secure
 * video playback, 2 trusted UI, 3 secure video record), so an FF-A `tag`
 * written by rheap means the same thing to OP-TEE.
 */
#ifndef RHEAP_USE_CASE_H
#define RHEAP_USE_CASE_H

#include <stdint.h>

enum rheap_use_case {
	RHEAP_USE_CASE_NONE = 0,
	RHEAP_USE_CASE_SECURE_VIDEO = 1,
	RHEAP_USE_CASE_TRUSTED_UI = 2,
	RHEAP_USE_CASE_SECURE_VIDEO_RECORD = 3,
};

#define RHEAP_USE_CASE_COUNT 4 /* including NONE */
#define RHEAP_USE_CASE_BIT(uc) (UINT32_C(1) << (uc))

/**
 * rheap_use_case_name() - "secure-video", "trusted-ui",
 * "secure-video-record"; NULL for NONE or an unknown value.
 */
const char *rheap_use_case_name(enum rheap_use_case uc);

/**
 * rheap_use_case_from_name() - inverse of rheap_use_case_name()
 * @name: NUL-terminated name (untrusted)
 * @out:  the use case
 *
 * Return: 0, or -EINVAL for an unknown name.
 */
int rheap_use_case_from_name(const char *name, enum rheap_use_case *out);

#endif /* RHEAP_USE_CASE_H */
