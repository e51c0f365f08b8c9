// SPDX-License-Identifier: BSD-2-Clause
/*
 * The platform's STATUS documents, read for rheap-play (play_status.h).
 */
#include <string.h>

#include <rheap/err.h>

#include "play_status.h"
#include "util/json.h"

static int status_u64(const struct json_value *obj, const char *key,
		      uint64_t *out)
{
	const struct json_value *v = json_object_get(obj, key);

	if (!v) {
		return -EINVAL;
	}
	return json_get_u64(v, out);
}

int play_status_counters(const char *json, size_t len,
			 struct play_counters *out)
{
	struct play_counters c = { 0 };
	struct json_doc *doc = NULL;
	const struct json_value *ctr = NULL;
	int rc = json_parse(json, len, &doc, NULL);

	if (rc != 0) {
		return rc;
	}
	ctr = json_object_get(json_root(doc), "counters");
	if (!ctr || ctr->type != JSON_OBJECT) {
		rc = -EINVAL;
		goto out_free;
	}
	rc = status_u64(ctr, "allocs", &c.allocs);
	if (rc == 0) {
		rc = status_u64(ctr, "lends", &c.lends);
	}
	if (rc == 0) {
		*out = c;
	}
out_free:
	json_free(doc);
	return rc;
}

int play_status_board(const char *json, size_t len,
		      struct play_board_status *out)
{
	struct json_doc *doc = NULL;
	const struct json_value *faults = NULL;
	const struct json_value *sink = NULL;
	const char *dir = "";
	uint64_t total = 0;
	int rc = json_parse(json, len, &doc, NULL);

	if (rc != 0) {
		return rc;
	}
	faults = json_object_get(json_root(doc), "faults");
	if (!faults || faults->type != JSON_OBJECT) {
		rc = -EINVAL;
		goto out_free;
	}
	rc = status_u64(faults, "total", &total);
	if (rc != 0) {
		goto out_free;
	}
	sink = json_object_get(json_root(doc), "sink_dir");
	if (sink) {
		rc = json_get_string(sink, &dir);
		if (rc != 0) {
			goto out_free;
		}
		if (strlen(dir) >= sizeof(out->sink_dir)) {
			rc = -ENOSPC;
			goto out_free;
		}
	}
	out->faults_total = total;
	memcpy(out->sink_dir, dir, strlen(dir) + 1u);
out_free:
	json_free(doc);
	return rc;
}
