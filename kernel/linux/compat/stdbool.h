/* SPDX-License-Identifier: GPL-2.0-only */
/* <stdbool.h> for the rheap codecs built in the kernel: see rheap_compat.h. */
#include "rheap_compat.h"
