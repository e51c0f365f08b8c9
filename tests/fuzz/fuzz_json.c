// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target for the tools' JSON reader. Property: any accepted document,
 * written back by the writer, parses again to a structurally equal tree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc *first = NULL;
	struct json_doc *again = NULL;
	struct json_writer w = { 0 };
	char *buf = NULL;
	size_t buf_size = 0;
	FILE *f = NULL;

	if (json_parse((const char *)data, size, &first, NULL) != 0) {
		return 0; /* rejecting is fine; crashing or hanging is not */
	}
	f = open_memstream(&buf, &buf_size);
	if (!f) {
		abort();
	}
	json_writer_init(&w, f);
	json_write_value(&w, json_root(first));
	if (json_writer_finish(&w) != 0) {
		abort();
	}
	fclose(f);
	if (json_parse(buf, buf_size, &again, NULL) != 0) {
		abort();
	}
	if (!json_value_eq(json_root(first), json_root(again))) {
		abort();
	}
	json_free(again);
	json_free(first);
	free(buf);
	return 0;
}
