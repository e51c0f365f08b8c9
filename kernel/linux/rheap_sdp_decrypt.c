// SPDX-License-Identifier: GPL-2.0-only
/*
 * DECRYPT's parameter parser and split plan src/common/sdp_decrypt.c (shared
 * with rheapd's ktee), built into the module unchanged: its libc names
 * resolve to compat/ (see Kbuild).
 */
#include "compat/rheap_compat.h"
#include "common/sdp_decrypt.c"
