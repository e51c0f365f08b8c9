// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rheap/err.h>

#include "util/rundir.h"

static int fit(int n, size_t cap)
{
	if (n < 0 || (size_t)n >= cap) {
		return -ENOSPC;
	}
	return 0;
}

int rheap_run_dir(char *buf, size_t cap)
{
	const char *dir = getenv("RHEAP_RUN_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (dir != NULL && dir[0] != '\0') {
		return fit(snprintf(buf, cap, "%s", dir), cap);
	}
	if (geteuid() == 0) {
		return fit(snprintf(buf, cap, "/run/rheap"), cap);
	}
	if (xdg != NULL && xdg[0] != '\0') {
		return fit(snprintf(buf, cap, "%s/rheap", xdg), cap);
	}
	return fit(snprintf(buf, cap, "/tmp/rheap-%u", (unsigned)geteuid()),
		   cap);
}

int rheap_run_path(const char *name, char *buf, size_t cap)
{
	char dir[256];
	int rc = rheap_run_dir(dir, sizeof(dir));

	if (rc != 0) {
		return rc;
	}
	return fit(snprintf(buf, cap, "%s/%s", dir, name), cap);
}
