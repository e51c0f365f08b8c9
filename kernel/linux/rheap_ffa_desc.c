// SPDX-License-Identifier: GPL-2.0-only
/*
 * The FF-A codec src/ffa/ffa_desc.c, built into the module unchanged: its
 * libc names resolve to compat/ (see Kbuild).
 */
#include "compat/rheap_compat.h"
#include "ffa/ffa_desc.c"
