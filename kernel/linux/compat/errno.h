/* SPDX-License-Identifier: GPL-2.0-only */
/* <errno.h> for the rheap codecs built in the kernel: see rheap_compat.h. */
#include "rheap_compat.h"
