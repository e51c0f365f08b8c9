// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapd's policy file (kpolicy.h has the format and the contract). The
 * document is parsed with the strict reader of src/util/json.h and copied
 * into fixed tables, so lookups need no JSON afterwards.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>

#include "kpolicy.h"
#include "util/json.h"

struct kpolicy_heap {
	char name[KPOLICY_HEAP_NAME_MAX];
	uint32_t uids[KPOLICY_MAX_IDS];
	uint32_t uid_count;
	uint32_t gids[KPOLICY_MAX_IDS];
	uint32_t gid_count;
};

struct kpolicy_quota_uid {
	uint32_t uid;
	uint64_t bytes;
};

struct kpolicy {
	struct kpolicy_heap heaps[KPOLICY_MAX_HEAPS];
	uint32_t heap_count;
	uint64_t quota_default;
	struct kpolicy_quota_uid quota_uids[KPOLICY_MAX_IDS];
	uint32_t quota_uid_count;
};

static int kpolicy_fail(struct kpolicy_error *err, const struct json_value *v,
			int rc, const char *what, const char *detail)
{
	if (err) {
		err->line = v ? v->line : 0;
		err->column = v ? v->column : 0;
		snprintf(err->message, sizeof(err->message), "%s: %s", what,
			 detail);
	}
	return rc;
}

/* Whether member @m's key is exactly @key (keys may hold NULs). */
static bool kpolicy_key_is(const struct json_value *m, const char *key)
{
	size_t len = strlen(key);

	return m->key_len == len && memcmp(m->key, key, len) == 0;
}

static int kpolicy_ids(const struct json_value *arr, uint32_t *ids,
		       uint32_t *count, const char *what,
		       struct kpolicy_error *err)
{
	const struct json_value *e = NULL;
	uint32_t n = 0;

	if (arr->type != JSON_ARRAY) {
		return kpolicy_fail(err, arr, -EINVAL, what,
				    "must be an array of ids");
	}
	for (e = arr->child; e; e = e->next) {
		uint32_t id = 0;
		int rc = json_get_u32(e, &id);

		if (rc) {
			return kpolicy_fail(err, e, -EINVAL, what,
					    "ids are integers 0..4294967295");
		}
		if (n == KPOLICY_MAX_IDS) {
			return kpolicy_fail(err, e, -ENOSPC, what,
					    "more than 256 ids");
		}
		ids[n++] = id;
	}
	*count = n;
	return 0;
}

static int kpolicy_heaps(struct kpolicy *p, const struct json_value *heaps,
			 struct kpolicy_error *err)
{
	const struct json_value *m = NULL;

	if (heaps->type != JSON_OBJECT) {
		return kpolicy_fail(err, heaps, -EINVAL, "\"heaps\"",
				    "must be an object");
	}
	for (m = heaps->child; m; m = m->next) {
		struct kpolicy_heap *h = NULL;
		const struct json_value *f = NULL;

		if (m->key_len == 0 || m->key_len >= KPOLICY_HEAP_NAME_MAX ||
		    memchr(m->key, '\0', m->key_len)) {
			return kpolicy_fail(err, m, -EINVAL, "heap name",
					    "1..63 bytes, no NUL");
		}
		if (m->type != JSON_OBJECT) {
			return kpolicy_fail(err, m, -EINVAL, m->key,
					    "must be an object");
		}
		if (p->heap_count == KPOLICY_MAX_HEAPS) {
			return kpolicy_fail(err, m, -ENOSPC, "\"heaps\"",
					    "more than 16 heaps");
		}
		h = &p->heaps[p->heap_count];
		memcpy(h->name, m->key, m->key_len);
		h->name[m->key_len] = '\0';
		for (f = m->child; f; f = f->next) {
			int rc = 0;

			if (kpolicy_key_is(f, "uids")) {
				rc = kpolicy_ids(f, h->uids, &h->uid_count,
						 "\"uids\"", err);
			} else if (kpolicy_key_is(f, "gids")) {
				rc = kpolicy_ids(f, h->gids, &h->gid_count,
						 "\"gids\"", err);
			} else {
				rc = kpolicy_fail(err, f, -EINVAL, f->key,
						  "unknown key (uids, gids)");
			}
			if (rc) {
				return rc;
			}
		}
		p->heap_count++;
	}
	return 0;
}

/* A canonical decimal uid: digits, no leading zero, <= UINT32_MAX. */
static int kpolicy_uid_key(const char *key, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10 || (len > 1 && key[0] == '0')) {
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (key[i] < '0' || key[i] > '9') {
			return -EINVAL;
		}
		v = v * 10u + (uint64_t)(key[i] - '0');
	}
	if (v > UINT32_MAX) {
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int kpolicy_quota_parse(struct kpolicy *p, const struct json_value *q,
			       struct kpolicy_error *err)
{
	const struct json_value *m = NULL;

	if (q->type != JSON_OBJECT) {
		return kpolicy_fail(err, q, -EINVAL, "\"quota\"",
				    "must be an object");
	}
	for (m = q->child; m; m = m->next) {
		if (kpolicy_key_is(m, "default")) {
			if (json_get_u64(m, &p->quota_default) != 0) {
				return kpolicy_fail(err, m, -EINVAL,
						    "\"default\"",
						    "bytes, an integer >= 0");
			}
		} else if (kpolicy_key_is(m, "uids")) {
			const struct json_value *u = NULL;

			if (m->type != JSON_OBJECT) {
				return kpolicy_fail(err, m, -EINVAL,
						    "quota \"uids\"",
						    "must be an object");
			}
			for (u = m->child; u; u = u->next) {
				struct kpolicy_quota_uid *qu = NULL;

				if (p->quota_uid_count == KPOLICY_MAX_IDS) {
					return kpolicy_fail(err, u, -ENOSPC,
							    "quota \"uids\"",
							    "more than 256");
				}
				qu = &p->quota_uids[p->quota_uid_count];
				if (kpolicy_uid_key(u->key, u->key_len,
						    &qu->uid) != 0) {
					return kpolicy_fail(
						err, u, -EINVAL, "quota uid key",
						"decimal uid 0..4294967295");
				}
				if (json_get_u64(u, &qu->bytes) != 0) {
					return kpolicy_fail(
						err, u, -EINVAL, "quota",
						"bytes, an integer >= 0");
				}
				p->quota_uid_count++;
			}
		} else {
			return kpolicy_fail(err, m, -EINVAL, m->key,
					    "unknown key (default, uids)");
		}
	}
	return 0;
}

int kpolicy_parse(const char *text, size_t size, struct kpolicy **out,
		  struct kpolicy_error *err)
{
	struct json_doc *doc = NULL;
	struct json_error jerr = { 0 };
	const struct json_value *root = NULL;
	const struct json_value *m = NULL;
	struct kpolicy *p = NULL;
	int rc = json_parse(text, size, &doc, &jerr);

	if (rc) {
		if (err) {
			err->line = jerr.line;
			err->column = jerr.column;
			snprintf(err->message, sizeof(err->message), "JSON: %s",
				 jerr.message);
		}
		return rc;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		rc = -ENOMEM;
		goto err_doc;
	}
	root = json_root(doc);
	if (root->type != JSON_OBJECT) {
		rc = kpolicy_fail(err, root, -EINVAL, "policy",
				  "must be an object");
		goto err_policy;
	}
	for (m = root->child; m; m = m->next) {
		if (kpolicy_key_is(m, "heaps")) {
			rc = kpolicy_heaps(p, m, err);
		} else if (kpolicy_key_is(m, "quota")) {
			rc = kpolicy_quota_parse(p, m, err);
		} else {
			rc = kpolicy_fail(err, m, -EINVAL, m->key,
					  "unknown key (heaps, quota)");
		}
		if (rc) {
			goto err_policy;
		}
	}
	json_free(doc);
	*out = p;
	return 0;

err_policy:
	free(p);
err_doc:
	json_free(doc);
	return rc;
}

void kpolicy_destroy(struct kpolicy *p)
{
	free(p);
}

static bool kpolicy_id_listed(const uint32_t *ids, uint32_t count,
			      uint32_t id)
{
	for (uint32_t i = 0; i < count; i++) {
		if (ids[i] == id) {
			return true;
		}
	}
	return false;
}

bool kpolicy_heap_allowed(const struct kpolicy *p, const char *heap,
			  uint32_t uid, const uint32_t *gids,
			  uint32_t gid_count)
{
	const struct kpolicy_heap *h = NULL;

	if (!p) {
		return true;
	}
	for (uint32_t i = 0; i < p->heap_count; i++) {
		if (strcmp(p->heaps[i].name, heap) == 0) {
			h = &p->heaps[i];
			break;
		}
	}
	if (!h) {
		return true;
	}
	if (kpolicy_id_listed(h->uids, h->uid_count, uid)) {
		return true;
	}
	for (uint32_t i = 0; i < gid_count; i++) {
		if (kpolicy_id_listed(h->gids, h->gid_count, gids[i])) {
			return true;
		}
	}
	return false;
}

uint64_t kpolicy_quota(const struct kpolicy *p, uint32_t uid)
{
	if (!p) {
		return 0;
	}
	for (uint32_t i = 0; i < p->quota_uid_count; i++) {
		if (p->quota_uids[i].uid == uid) {
			return p->quota_uids[i].bytes;
		}
	}
	return p->quota_default;
}

uint32_t kpolicy_heap_count(const struct kpolicy *p)
{
	return p ? p->heap_count : 0;
}

const char *kpolicy_heap_name(const struct kpolicy *p, uint32_t index)
{
	if (!p || index >= p->heap_count) {
		return NULL;
	}
	return p->heaps[index].name;
}
