// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target for rheapctl's renderers (tools/rheapctl/render.h), which
 * read STATUS and FAULTS documents from other processes. The input is
 * JSON text; an accepted document is rendered as the status table, the
 * faults table and the SVG map, with its "rheapd" and "board" members as
 * the two sides (or the whole document as rheapd's when they are absent).
 *
 * Properties: every renderer returns 0 or -EINVAL, and on -EINVAL a
 * non-empty message; an SVG that rendered starts with the XML declaration,
 * ends with "</svg>\n", and every '&' in it begins one of the five XML
 * entities (the escaping of names taken from the document).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>

#include "render.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_entities_ok(const char *s, size_t len)
{
	static const char *const ents[] = { "amp;", "lt;", "gt;", "quot;", "apos;" };

	for (size_t i = 0; i < len; i++) {
		bool ok = false;

		if (s[i] != '&') {
			continue;
		}
		for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
			size_t n = strlen(ents[k]);

			ok = ok || (len - i - 1 >= n && memcmp(s + i + 1, ents[k], n) == 0);
		}
		if (!ok) {
			return false;
		}
	}
	return true;
}

/* 0: status, 1: faults, 2: map. */
static void fuzz_render(int which, const struct json_value *a,
			const struct json_value *b)
{
	char err[CTL_RENDER_ERR_MAX] = "";
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc = 0;

	if (!f) {
		abort();
	}
	if (which == 0) {
		rc = ctl_render_status(f, a, b, err, sizeof(err));
	} else if (which == 1) {
		rc = ctl_render_faults(f, a, err, sizeof(err));
	} else {
		rc = ctl_render_map_svg(f, a, b, err, sizeof(err));
	}
	if (fclose(f) != 0) {
		abort();
	}
	if (rc != 0 && (rc != -EINVAL || err[0] == '\0')) {
		abort();
	}
	if (rc == 0 && which == 2 &&
	    (len < 7 || strncmp(text, "<?xml ", 6) != 0 ||
	     strcmp(text + len - 7, "</svg>\n") != 0 ||
	     !fuzz_entities_ok(text, len))) {
		abort();
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc *doc = NULL;
	const struct json_value *root = NULL;
	const struct json_value *rheapd = NULL;
	const struct json_value *board = NULL;

	if (json_parse((const char *)data, size, &doc, NULL) != 0) {
		return 0;
	}
	root = json_root(doc);
	rheapd = json_object_get(root, "rheapd");
	board = json_object_get(root, "board");
	if (!rheapd && !board) {
		rheapd = root;
	}
	fuzz_render(0, rheapd, board);
	fuzz_render(2, rheapd, board);
	fuzz_render(2, NULL, board ? board : root);
	fuzz_render(1, root, NULL);
	json_free(doc);
	return 0;
}
