/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel shim for the freestanding rheap codecs (src/ffa/ *.c): the few
 * C library names they use, mapped onto the kernel's own types and
 * constants. The standard headers in this directory include this file,
 * so that `#include <stdint.h>` in a codec source resolves here (the
 * kernel builds with -nostdinc and -I of this directory).
 */
#ifndef RHEAP_KERNEL_COMPAT_H
#define RHEAP_KERNEL_COMPAT_H

#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

#ifndef UINT8_MAX
#define UINT8_MAX U8_MAX
#define UINT16_MAX U16_MAX
#define UINT32_MAX U32_MAX
#define UINT64_MAX U64_MAX
#define INT32_MAX S32_MAX
#define INT32_MIN S32_MIN
#define INT64_MAX S64_MAX
#endif

#ifndef UINT32_C
#define UINT8_C(v) ((u8)(v))
#define UINT16_C(v) ((u16)(v))
#define UINT32_C(v) (v##U)
#define UINT64_C(v) (v##ULL)
#define INT32_C(v) (v)
#define INT64_C(v) (v##LL)
#endif

#endif /* RHEAP_KERNEL_COMPAT_H */
