// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapctl status / faults / map: the running platform, as tables, JSON or
 * an SVG drawing. The state comes from rheapd's STATUS and the board's
 * operator requests (live.h), or, with --from FILE, from a saved
 * `status --json` (`faults --json`) document, so a report can be
 * rendered later or elsewhere.
 *
 * Exit status: 0 rendered; 1 nothing reachable, or the state was
 * rejected (one line names the member); 2 usage or an unwritable file.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>

#include "args.h"
#include "live.h"
#include "render.h"
#include "rheapctl.h"

/*
 * struct live_state - what one command works from
 * @rheapd_doc, @board_doc: parsed answers (live), or NULL
 * @file_doc:  the --from document, or NULL
 * @rheapd:    rheapd's STATUS object, or NULL when it did not answer
 * @board:     the board's STATUS (or FAULTS) object, or NULL
 */
struct live_state {
	struct json_doc *rheapd_doc;
	struct json_doc *board_doc;
	struct json_doc *file_doc;
	const struct json_value *rheapd;
	const struct json_value *board;
};

static void live_state_fini(struct live_state *st)
{
	json_free(st->rheapd_doc);
	json_free(st->board_doc);
	json_free(st->file_doc);
	*st = (struct live_state){ 0 };
}

/* Parses an answer; reports and returns CTL_EXIT_REJECT when malformed. */
static int live_parse(const char *who, const char *text, size_t len,
		      struct json_doc **doc)
{
	struct json_error jerr = { 0 };

	if (json_parse(text, len, doc, &jerr) != 0) {
		ctl_error(who, "malformed JSON at %u:%u: %s", jerr.line,
			  jerr.column, jerr.message);
		return CTL_EXIT_REJECT;
	}
	return CTL_EXIT_OK;
}

/*
 * Asks rheapd (@want_rheapd) and the board for their state. A process that
 * does not answer leaves its object NULL and one line on stderr.
 */
static int live_query(bool want_rheapd, bool faults, struct live_state *st)
{
	char path[CTL_PATH_MAX] = "";
	char *json = NULL;
	size_t len = 0;
	int rc = 0;

	if (want_rheapd) {
		rc = ctl_live_rheapd_path(path, sizeof(path));
		if (rc == 0) {
			rc = ctl_live_rheapd_status(path, &json, &len);
		}
		if (rc != 0) {
			ctl_error("rheapd", "not reachable at %s: %s", path,
				  rheap_err_name(rc));
		} else {
			rc = live_parse("rheapd", json, len, &st->rheapd_doc);
			free(json);
			json = NULL;
			if (rc != CTL_EXIT_OK) {
				return rc;
			}
			st->rheapd = json_root(st->rheapd_doc);
		}
	}
	rc = ctl_live_board_path(path, sizeof(path));
	if (rc == 0) {
		rc = ctl_live_board_query(path, faults, &json, &len);
	}
	if (rc != 0) {
		ctl_error("board", "not reachable at %s: %s", path,
			  rheap_err_name(rc));
		return CTL_EXIT_OK;
	}
	rc = live_parse("board", json, len, &st->board_doc);
	free(json);
	if (rc != CTL_EXIT_OK) {
		return rc;
	}
	st->board = json_root(st->board_doc);
	return CTL_EXIT_OK;
}

/* --from FILE: a saved {"rheapd": ..., "board": ...} (or a FAULTS object). */
static int live_load(const char *file, bool faults, struct live_state *st)
{
	const struct json_value *root = NULL;
	uint8_t *buf = NULL;
	size_t size = 0;
	int rc = ctl_read_file(file, &buf, &size);

	if (rc != CTL_EXIT_OK) {
		return rc;
	}
	rc = live_parse(file, (const char *)buf, size, &st->file_doc);
	free(buf);
	if (rc != CTL_EXIT_OK) {
		return rc;
	}
	root = json_root(st->file_doc);
	if (root->type != JSON_OBJECT) {
		ctl_error(file, "not a JSON object");
		return CTL_EXIT_REJECT;
	}
	if (faults) {
		st->board = root;
		return CTL_EXIT_OK;
	}
	st->rheapd = json_object_get(root, "rheapd");
	st->board = json_object_get(root, "board");
	if (st->rheapd && st->rheapd->type == JSON_NULL) {
		st->rheapd = NULL;
	}
	if (st->board && st->board->type == JSON_NULL) {
		st->board = NULL;
	}
	return CTL_EXIT_OK;
}

enum live_view {
	LIVE_STATUS,
	LIVE_FAULTS,
	LIVE_MAP,
};

/* Renders @view into memory; prints nothing unless it succeeded. */
static int live_render(const char *cmd, struct live_state *st,
		       enum live_view view, const char *out_path)
{
	char err[CTL_RENDER_ERR_MAX] = "";
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	int rc = 0;

	if (!f) {
		ctl_error(cmd, "out of memory");
		return CTL_EXIT_REJECT;
	}
	switch (view) {
	case LIVE_STATUS:
		rc = ctl_render_status(f, st->rheapd, st->board, err, sizeof(err));
		break;
	case LIVE_FAULTS:
		rc = ctl_render_faults(f, st->board, err, sizeof(err));
		break;
	case LIVE_MAP:
	default:
		rc = ctl_render_map_svg(f, st->rheapd, st->board, err, sizeof(err));
		break;
	}
	if (fclose(f) != 0 && rc == 0) {
		rc = -ENOMEM;
		snprintf(err, sizeof(err), "out of memory");
	}
	if (rc != 0) {
		ctl_error(cmd, "%s", err);
		free(text);
		return CTL_EXIT_REJECT;
	}
	rc = ctl_write_output(out_path, text, size);
	free(text);
	return rc;
}

/* {"rheapd": ..., "board": ...} (or the FAULTS object) on stdout. */
static int live_json(struct live_state *st, bool faults)
{
	struct json_writer w = { 0 };

	json_writer_init(&w, stdout);
	if (faults) {
		json_write_value(&w, st->board);
	} else {
		json_write_object_begin(&w);
		json_write_key(&w, "rheapd");
		if (st->rheapd) {
			json_write_value(&w, st->rheapd);
		} else {
			json_write_null(&w);
		}
		json_write_key(&w, "board");
		if (st->board) {
			json_write_value(&w, st->board);
		} else {
			json_write_null(&w);
		}
		json_write_object_end(&w);
	}
	if (json_writer_finish(&w) != 0) {
		ctl_error("json", "cannot write standard output");
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

int ctl_status(int argc, char **argv)
{
	struct live_state st = { 0 };
	const char *from = NULL;
	bool json = false;
	const struct ctl_opt opts[] = {
		{ "--json", NULL, &json },
		{ "--from", &from, NULL },
	};
	int rc = ctl_opts_parse(argc, argv, "status", opts, 2, NULL, 0);

	if (rc != 0) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	rc = from ? live_load(from, false, &st) : live_query(true, false, &st);
	if (rc == CTL_EXIT_OK && !st.rheapd && !st.board) {
		ctl_error("status", "neither rheapd nor the board answered (is the platform up? see `rheapctl up`)");
		rc = CTL_EXIT_REJECT;
	}
	if (rc == CTL_EXIT_OK) {
		rc = json ? live_json(&st, false) : live_render("status", &st, LIVE_STATUS, NULL);
	}
	live_state_fini(&st);
	return rc;
}

int ctl_faults(int argc, char **argv)
{
	struct live_state st = { 0 };
	const char *from = NULL;
	bool json = false;
	const struct ctl_opt opts[] = {
		{ "--json", NULL, &json },
		{ "--from", &from, NULL },
	};
	int rc = ctl_opts_parse(argc, argv, "faults", opts, 2, NULL, 0);

	if (rc != 0) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	rc = from ? live_load(from, true, &st) : live_query(false, true, &st);
	if (rc == CTL_EXIT_OK && !st.board) {
		rc = CTL_EXIT_REJECT; /* reported by live_query() */
	}
	if (rc == CTL_EXIT_OK) {
		rc = json ? live_json(&st, true) : live_render("faults", &st, LIVE_FAULTS, NULL);
	}
	live_state_fini(&st);
	return rc;
}

int ctl_map(int argc, char **argv)
{
	struct live_state st = { 0 };
	const char *from = NULL;
	const char *svg = NULL;
	const struct ctl_opt opts[] = {
		{ "--svg", &svg, NULL },
		{ "--from", &from, NULL },
	};
	int rc = ctl_opts_parse(argc, argv, "map", opts, 2, NULL, 0);

	if (rc != 0) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	if (!svg) {
		return ctl_usage_error("map: --svg FILE is required");
	}
	rc = from ? live_load(from, false, &st) : live_query(true, false, &st);
	if (rc == CTL_EXIT_OK && !st.rheapd && !st.board) {
		ctl_error("map", "neither rheapd nor the board answered (is the platform up? see `rheapctl up`)");
		rc = CTL_EXIT_REJECT;
	}
	if (rc == CTL_EXIT_OK) {
		rc = live_render("map", &st, LIVE_MAP, svg);
	}
	if (rc == CTL_EXIT_OK && strcmp(svg, "-") != 0) {
		printf("map written to %s\n", svg);
	}
	live_state_fini(&st);
	return rc;
}
