/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * rheap error convention.
 *
 * Every rheap function that can fail returns an `int`: 0 (or a value >= 0)
 * on success, or a negative errno from the closed set below. Each code has
 * exactly one meaning across the tree; translation to other vocabularies
 * (FF-A status codes, process exit codes) happens once, at the boundary.
 *
 *   -EINVAL      malformed input (a wire field, an argument, a file)
 *   -ENOSPC      the caller's buffer or table is too small
 *   -ENOMEM      out of memory
 *   -ENOENT      unknown handle, tag, node or name
 *   -EBUSY       still in use
 *   -EPERM       caller not allowed
 *   -EOVERFLOW   arithmetic on input values would overflow
 *   -EOPNOTSUPP  version or feature not supported
 *
 * The values are the Linux ones so that they can cross the kernel UAPI
 * unchanged; they are spelled out here because the pure codecs build
 * freestanding, without <errno.h>.
 */
#ifndef RHEAP_ERR_H
#define RHEAP_ERR_H

#define RHEAP_EPERM 1
#define RHEAP_ENOENT 2
#define RHEAP_ENOMEM 12
#define RHEAP_EBUSY 16
#define RHEAP_EINVAL 22
#define RHEAP_ENOSPC 28
#define RHEAP_EOVERFLOW 75
#define RHEAP_EOPNOTSUPP 95

#if !defined(__STDC_HOSTED__) || __STDC_HOSTED__ == 0 || defined(RHEAP_FREESTANDING)
#ifndef EPERM
#define EPERM RHEAP_EPERM
#define ENOENT RHEAP_ENOENT
#define ENOMEM RHEAP_ENOMEM
#define EBUSY RHEAP_EBUSY
#define EINVAL RHEAP_EINVAL
#define ENOSPC RHEAP_ENOSPC
#define EOVERFLOW RHEAP_EOVERFLOW
#define EOPNOTSUPP RHEAP_EOPNOTSUPP
#endif
#else
#include <errno.h>
#endif

#include <stdbool.h>
#include <stdint.h>

/**
 * rheap_strerror() - describe an rheap error code
 * @err: a value returned by an rheap function (negative errno, or 0)
 *
 * Return: a static, human-readable sentence; never NULL. Unknown codes get
 * a generic text.
 */
const char *rheap_strerror(int err);

/**
 * rheap_err_name() - the symbolic name of an rheap error code
 * @err: a value returned by an rheap function (negative errno, or 0)
 *
 * Return: "EINVAL", "ENOSPC", ... for the closed set, "OK" for 0, and
 * "EUNKNOWN" for anything else; never NULL.
 */
const char *rheap_err_name(int err);

/**
 * rheap_err_known() - whether a status is 0 or one of the closed set
 * @err: a status read from a peer (untrusted)
 *
 * For decoders of replies: a status outside the set is a malformed reply.
 *
 * Return: true for 0 and the errnos listed at the top of this file.
 */
bool rheap_err_known(int64_t err);

#endif /* RHEAP_ERR_H */
