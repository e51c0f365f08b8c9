// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapd's STATUS document (docs/rheapd-uapi.md, "STATUS"). Written with
 * the JSON writer of src/util/json.h into a memory stream; when it does
 * not fit in a datagram the buffer list is cut (halved until it fits) and
 * "buffers_truncated" says so.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/use_case.h>

#include "kheap.h"
#include "ksec.h"
#include "rheapd_internal.h"
#include "util/json.h"

static void rheapd_status_heaps(const struct rheapd *d, struct json_writer *w)
{
	json_write_key(w, "heaps");
	json_write_array_begin(w);
	for (uint32_t i = 0; i < kheap_heap_count(d->heap); i++) {
		struct kheap_heap_info hi = { 0 };
		const char *uc = NULL;

		(void)kheap_heap_info(d->heap, i, &hi);
		uc = hi.use_case ? rheap_use_case_name(hi.use_case) : "";
		json_write_object_begin(w);
		json_write_member_u64(w, "id", i);
		json_write_member_string(w, "name", hi.name);
		json_write_member_bool(w, "restricted", hi.restricted);
		json_write_member_string(w, "use_case", uc ? uc : "");
		json_write_member_u64(w, "capacity", hi.capacity);
		json_write_member_u64(w, "used", hi.used);
		json_write_member_u64(w, "buffers", hi.buffers);
		json_write_member_u64(w, "alloc_failures", hi.alloc_failures);
		json_write_object_end(w);
	}
	json_write_array_end(w);
}

static int rheapd_status_pools(const struct rheapd *d, uint64_t now_ns,
			       struct json_writer *w)
{
	json_write_key(w, "pools");
	json_write_array_begin(w);
	for (uint32_t i = 0; i < kheap_pool_count(d->heap); i++) {
		struct kheap_pool_info pi = { 0 };
		struct kheap_heap_info hi = { 0 };
		int rc = kheap_pool_info(d->heap, i, &pi);

		if (rc) {
			return rc;
		}
		(void)kheap_heap_info(d->heap, pi.heap_id, &hi);
		json_write_object_begin(w);
		json_write_member_string(w, "heap", hi.name);
		json_write_member_string(w, "kind",
					 pi.dynamic ? "dynamic" : "static");
		json_write_member_u64(w, "base", pi.base);
		json_write_member_u64(w, "size", pi.size);
		json_write_member_u64(w, "used", pi.used);
		json_write_member_u64(w, "free", pi.free);
		json_write_member_u64(w, "largest_free", pi.largest_free);
		json_write_member_u64(w, "chunk_size", pi.chunk_size);
		json_write_member_u64(w, "regions_needed", pi.regions_needed);
		json_write_key(w, "chunks");
		json_write_array_begin(w);
		for (uint32_t c = 0; c < pi.chunk_count; c++) {
			struct kheap_chunk_info ci = { 0 };

			(void)kheap_chunk_info(d->heap, i, c, now_ns, &ci);
			if (!ci.lent) {
				continue;
			}
			json_write_object_begin(w);
			json_write_member_u64(w, "base", ci.base);
			json_write_member_u64(w, "size", ci.size);
			json_write_member_string(
				w, "state",
				pi.dynamic && ci.used == 0 ? "idle" : "lent");
			json_write_member_u64(w, "used", ci.used);
			json_write_member_u64(w, "handle", ci.handle);
			json_write_member_u64(w, "sdp_buf_id", ci.sdp_buf_id);
			json_write_member_u64(w, "idle_ms", ci.idle_ms);
			json_write_object_end(w);
		}
		json_write_array_end(w);
		json_write_object_end(w);
	}
	json_write_array_end(w);
	return 0;
}

static void rheapd_status_clients(const struct rheapd *d,
				  struct json_writer *w)
{
	json_write_key(w, "clients");
	json_write_array_begin(w);
	for (const struct rheapd_client *c = d->clients; c; c = c->next) {
		struct kheap_client_info ki = { 0 };

		(void)kheap_client_info(d->heap, c->id, &ki);
		json_write_object_begin(w);
		json_write_member_u64(w, "id", c->id);
		json_write_member_u64(w, "pid", (uint64_t)c->pid);
		json_write_member_u64(w, "uid", (uint64_t)c->uid);
		json_write_member_u64(w, "gid", (uint64_t)c->gid);
		json_write_member_u64(w, "buffers", ki.buffers);
		json_write_member_u64(w, "bytes", ki.bytes);
		json_write_member_u64(w, "quota", ki.quota);
		json_write_member_u64(w, "attachments", c->attachments);
		json_write_member_u64(w, "tee_sessions", c->tee_sessions);
		json_write_member_u64(w, "device_contexts",
				      c->device_contexts);
		json_write_member_u64(w, "registrations", c->registrations);
		json_write_object_end(w);
	}
	json_write_array_end(w);
}

/* Write up to @limit buffers; return whether some were left out. */
static bool rheapd_status_buffers(const struct rheapd *d, uint64_t limit,
				  struct json_writer *w)
{
	const struct kheap_buf *b = NULL;
	uint64_t n = 0;

	json_write_key(w, "buffers");
	json_write_array_begin(w);
	for (b = kheap_buf_next(d->heap, NULL); b && n < limit;
	     b = kheap_buf_next(d->heap, b), n++) {
		struct kheap_buf_info bi = { 0 };
		struct kheap_heap_info hi = { 0 };

		kheap_buf_info(b, &bi);
		(void)kheap_heap_info(d->heap, bi.heap_id, &hi);
		json_write_object_begin(w);
		json_write_member_u64(w, "id", bi.id);
		json_write_member_string(w, "heap", hi.name);
		json_write_member_u64(w, "size", bi.size);
		json_write_member_u64(w, "client", bi.client);
		json_write_member_bool(w, "handle_open",
				       bi.refs[KHEAP_REF_HANDLE] > 0);
		json_write_member_u64(w, "attachments",
				      bi.refs[KHEAP_REF_ATTACH]);
		json_write_member_u64(w, "registrations",
				      bi.refs[KHEAP_REF_TEE]);
		json_write_key(w, "extents");
		json_write_array_begin(w);
		for (uint32_t i = 0; i < bi.extent_count; i++) {
			json_write_object_begin(w);
			json_write_member_u64(w, "pa", bi.extents[i].pa);
			json_write_member_u64(w, "size", bi.extents[i].size);
			json_write_object_end(w);
		}
		json_write_array_end(w);
		json_write_object_end(w);
	}
	json_write_array_end(w);
	return b != NULL;
}

static void rheapd_status_devices(const struct rheapd *d,
				  struct json_writer *w)
{
	const struct rheap_platform *p = d->cfg->plat;

	json_write_key(w, "devices");
	json_write_array_begin(w);
	for (uint32_t i = 0; i < p->device_count; i++) {
		const struct rheap_plat_device *dev = &p->devices[i];

		json_write_object_begin(w);
		json_write_member_string(w, "name", dev->name);
		json_write_member_u64(w, "stream_id", dev->stream_id);
		json_write_member_bool(w, "secure", dev->secure);
		json_write_key(w, "use_cases");
		json_write_array_begin(w);
		for (uint32_t uc = 1; uc < RHEAP_USE_CASE_COUNT; uc++) {
			if (dev->use_case_mask & RHEAP_USE_CASE_BIT(uc)) {
				json_write_string(w, rheap_use_case_name(uc));
			}
		}
		json_write_array_end(w);
		json_write_object_end(w);
	}
	json_write_array_end(w);
}

static void rheapd_status_counters(const struct rheapd *d,
				   struct json_writer *w)
{
	struct kheap_counters k = { 0 };

	kheap_counters(d->heap, &k);
	json_write_key(w, "counters");
	json_write_object_begin(w);
	json_write_member_u64(w, "allocs", k.allocs);
	json_write_member_u64(w, "frees", k.frees);
	json_write_member_u64(w, "alloc_failures", k.alloc_failures);
	json_write_member_u64(w, "lends", k.lends);
	json_write_member_u64(w, "reclaims", k.reclaims);
	json_write_member_u64(w, "scrubbed_bytes", k.scrubbed_bytes);
	json_write_member_u64(w, "quarantined_bytes", k.quarantined_bytes);
	json_write_object_end(w);
}

static int rheapd_status_write(const struct rheapd *d, uint64_t now_ns,
			       uint64_t limit, char **text, size_t *len)
{
	struct json_writer w = { 0 };
	FILE *f = open_memstream(text, len);
	bool cut = false;
	int rc = 0;

	if (!f) {
		return -ENOMEM;
	}
	json_writer_init(&w, f);
	json_write_object_begin(&w);
	json_write_key(&w, "rheapd");
	json_write_object_begin(&w);
	json_write_member_u64(&w, "uapi_version", RHEAPD_UAPI_VERSION);
	json_write_member_u64(&w, "pid", (uint64_t)getpid());
	json_write_member_string(&w, "board",
				 d->board_gone ? "gone" : "connected");
	json_write_member_u64(&w, "idle_release_ms",
			      d->cfg->idle_ns / 1000000u);
	json_write_object_end(&w);
	rheapd_status_heaps(d, &w);
	rc = rheapd_status_pools(d, now_ns, &w);
	rheapd_status_clients(d, &w);
	cut = rheapd_status_buffers(d, limit, &w);
	json_write_member_bool(&w, "buffers_truncated", cut);
	rheapd_status_devices(d, &w);
	rheapd_status_counters(d, &w);
	json_write_object_end(&w);
	if (json_writer_finish(&w) != 0 && rc == 0) {
		rc = -ENOMEM;
	}
	fclose(f);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

int rheapd_status_json(const struct rheapd *d, uint64_t now_ns, uint8_t *buf,
		       size_t cap, size_t *len)
{
	uint64_t limit = UINT64_MAX;

	for (;;) {
		char *text = NULL;
		size_t n = 0;
		int rc = rheapd_status_write(d, now_ns, limit, &text, &n);

		if (rc) {
			return rc;
		}
		if (n <= cap) {
			memcpy(buf, text, n);
			free(text);
			*len = n;
			return 0;
		}
		free(text);
		if (limit == 0) {
			return -ENOSPC;
		}
		if (limit == UINT64_MAX) {
			limit = 0;
			for (const struct kheap_buf *b =
				     kheap_buf_next(d->heap, NULL);
			     b; b = kheap_buf_next(d->heap, b)) {
				limit++;
			}
		}
		limit /= 2;
	}
}
