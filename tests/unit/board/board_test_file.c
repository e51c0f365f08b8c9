// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>

#include "board_test_file.h"

uint8_t *board_test_read_file(const char *path, size_t *size)
{
	FILE *f = path ? fopen(path, "rb") : NULL;
	uint8_t *buf = NULL;
	long n = 0;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0) {
		if (f) {
			fclose(f);
		}
		return NULL;
	}
	rewind(f);
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}
