// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapctl alloc HEAP SIZE [--hold SECONDS]: one allocation through
 * librheap (include/rheap/rheap.h), as an application would make it.
 * Prints the buffer (ID, size, heap, restricted), holds the handle for
 * SECONDS (default 0; the buffer is visible in `rheapctl status`
 * meanwhile), then closes it, which frees the buffer.
 *
 * Exit status: 0 allocated and freed; 1 refused (the errno's name and
 * meaning on stderr: no such heap, not allowed, no room); 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheap.h>

#include "args.h"
#include "render.h"
#include "rheapctl.h"

/* Longest --hold accepted (a day). */
#define CTL_ALLOC_HOLD_MAX 86400u

static const char *ctl_alloc_why(int rc)
{
	switch (rc) {
	case -ENOENT:
		return "no such heap, or rheapd is not reachable";
	case -EPERM:
		return "the policy does not allow this user the heap";
	case -ENOMEM:
		return "no room: larger than the heap can give now, or over quota";
	case -EINVAL:
		return "invalid request";
	default:
		return "refused";
	}
}

static int ctl_alloc_hold(const char *text, unsigned int *out)
{
	char *end = NULL;
	unsigned long v = 0;

	if (text[0] < '0' || text[0] > '9') {
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || v > CTL_ALLOC_HOLD_MAX) {
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

int ctl_alloc(int argc, char **argv)
{
	struct rheap_heap *heap = NULL;
	struct rheap_buf_info info = { 0 };
	const char *operands[2] = { NULL, NULL };
	const char *hold_arg = NULL;
	unsigned int hold = 0;
	uint64_t size = 0;
	char sz[24] = "";
	const struct ctl_opt opts[] = {
		{ "--hold", &hold_arg, NULL },
	};
	int fd = -1;
	int rc = ctl_opts_parse(argc, argv, "alloc", opts, 1, operands, 2);

	if (rc != 0) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	rc = ctl_parse_size(operands[1], &size);
	if (rc != 0) {
		return ctl_usage_error("alloc: SIZE '%s' %s", operands[1],
				       rc == -EOVERFLOW ? "does not fit in 64 bits" :
							  "is not a positive number with an optional K, M or G suffix");
	}
	if (hold_arg && ctl_alloc_hold(hold_arg, &hold) != 0) {
		return ctl_usage_error("alloc: --hold '%s' is not a number of seconds (0..%u)",
				       hold_arg, CTL_ALLOC_HOLD_MAX);
	}
	rc = rheap_heap_open(operands[0], 0, &heap);
	if (rc != 0) {
		ctl_error("alloc", "heap '%s': %s: %s", operands[0],
			  rheap_err_name(rc), ctl_alloc_why(rc));
		return CTL_EXIT_REJECT;
	}
	fd = rheap_heap_alloc(heap, size, O_RDWR | O_CLOEXEC, 0, &info);
	if (fd < 0) {
		ctl_error("alloc", "%s bytes from '%s': %s: %s",
			  ctl_format_size(sz, sizeof(sz), size), operands[0],
			  rheap_err_name(fd), ctl_alloc_why(fd));
		rheap_heap_close(heap);
		return CTL_EXIT_REJECT;
	}
	printf("buffer %" PRIu64 ": %" PRIu64 " bytes (%s) from %s, %s\n",
	       info.buf_id, info.size, ctl_format_size(sz, sizeof(sz), info.size),
	       info.heap, info.restricted ? "restricted" : "not restricted");
	if (hold > 0) {
		struct timespec ts = { .tv_sec = (time_t)hold };

		printf("holding it for %u s\n", hold);
		fflush(stdout);
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
		}
	}
	close(fd);
	rheap_heap_close(heap);
	printf("handle closed: the buffer is freed\n");
	return CTL_EXIT_OK;
}
