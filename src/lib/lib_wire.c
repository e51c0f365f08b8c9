// SPDX-License-Identifier: BSD-2-Clause
/*
 * Pure decoders of rheapd's responses. librheap trusts rheapd no more than
 * any other peer: every size, count, name and flag is checked before use,
 * and nothing here keeps a pointer into the message.
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>

#include "lib/lib_internal.h"

int lib_resp_check(const void *msg, size_t len, uint16_t op, uint32_t seq,
		   int *status)
{
	struct rheapd_hdr hdr = { 0 };

	if (len < sizeof(hdr)) {
		return -EINVAL;
	}
	memcpy(&hdr, msg, sizeof(hdr));
	if (hdr.magic != RHEAPD_UAPI_MAGIC ||
	    hdr.version != RHEAPD_UAPI_VERSION || hdr.op != op ||
	    hdr.seq != seq || !rheap_err_known(hdr.status)) {
		return -EINVAL;
	}
	/* An error response's payload, if any, is ignored. */
	*status = hdr.status;
	return 0;
}

/* A fixed-size name field: NUL inside, not empty. */
static bool name_field_ok(const char *name, size_t cap)
{
	size_t n = strnlen(name, cap);

	return n > 0 && n < cap;
}

int lib_heap_list_decode(const void *p, size_t len,
			 struct lib_heap_entry *out, size_t cap,
			 size_t *count)
{
	const uint8_t *bytes = p;
	struct rheapd_heap_list head = { 0 };
	struct rheapd_heap_info info = { 0 };

	if (len < sizeof(head)) {
		return -EINVAL;
	}
	memcpy(&head, bytes, sizeof(head));
	if (head.reserved != 0 ||
	    (len - sizeof(head)) / sizeof(info) != head.count ||
	    (len - sizeof(head)) % sizeof(info) != 0) {
		return -EINVAL;
	}
	for (size_t i = 0; i < head.count; i++) {
		memcpy(&info, bytes + sizeof(head) + i * sizeof(info),
		       sizeof(info));
		if (!name_field_ok(info.name, sizeof(info.name)) ||
		    (info.flags & ~RHEAPD_HEAP_RESTRICTED) != 0) {
			return -EINVAL;
		}
		if (i >= cap) {
			continue;
		}
		memset(&out[i], 0, sizeof(out[i]));
		memcpy(out[i].desc.name, info.name, sizeof(info.name));
		out[i].desc.restricted =
			(info.flags & RHEAPD_HEAP_RESTRICTED) != 0;
		out[i].desc.capacity = info.capacity;
		out[i].desc.used = info.used;
		out[i].heap_id = info.heap_id;
	}
	*count = head.count;
	return 0;
}

int lib_buf_info_decode(const void *p, size_t len,
			struct rheap_buf_info *info)
{
	struct rheapd_buf_info w = { 0 };

	if (len != sizeof(w)) {
		return -EINVAL;
	}
	memcpy(&w, p, sizeof(w));
	if (!name_field_ok(w.heap, sizeof(w.heap)) ||
	    (w.flags & ~RHEAPD_HEAP_RESTRICTED) != 0 || w.size == 0) {
		return -EINVAL;
	}
	memset(info, 0, sizeof(*info));
	info->buf_id = w.buf_id;
	info->size = w.size;
	info->restricted = (w.flags & RHEAPD_HEAP_RESTRICTED) != 0;
	memcpy(info->heap, w.heap, sizeof(w.heap));
	return 0;
}

int lib_alloc_resp_decode(const void *p, size_t len, uint32_t data_size,
			  struct rheapd_alloc_resp *resp, void *data)
{
	const uint8_t *bytes = p;
	struct rheapd_alloc_resp r = { 0 };
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	if (len < sizeof(r) || len - sizeof(r) != data_size) {
		return -EINVAL;
	}
	memcpy(&r, bytes, sizeof(r));
	if (r.data_size != data_size || r.reserved != 0 || r.size == 0 ||
	    r.size % page != 0) {
		return -EINVAL;
	}
	*resp = r;
	if (data != NULL && data_size != 0) {
		memcpy(data, bytes + sizeof(r), data_size);
	}
	return 0;
}

int lib_attach_resp_decode(const void *p, size_t len, uint64_t *attach_id,
			   struct rheap_device_seg *segs, size_t cap,
			   size_t *count)
{
	const uint8_t *bytes = p;
	struct rheapd_attach_resp r = { 0 };

	if (len < sizeof(r)) {
		return -EINVAL;
	}
	memcpy(&r, p, sizeof(r));
	if (r.reserved != 0 || r.attach_id == 0 || r.seg_count == 0 ||
	    (len - sizeof(r)) / sizeof(struct rheapd_attach_seg) !=
		    r.seg_count ||
	    (len - sizeof(r)) % sizeof(struct rheapd_attach_seg) != 0) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < r.seg_count; i++) {
		struct rheapd_attach_seg w = { 0 };

		memcpy(&w, bytes + sizeof(r) + i * sizeof(w), sizeof(w));
		if (w.size == 0) {
			return -EINVAL;
		}
		if (i < cap) {
			segs[i].iova = w.iova;
			segs[i].size = w.size;
		}
	}
	*attach_id = r.attach_id;
	*count = r.seg_count;
	return 0;
}

int lib_device_resp_decode(const void *p, size_t len, int status,
			   uint64_t res[8])
{
	struct rheapd_device_resp r = { { 0 } };

	memset(res, 0, 8 * sizeof(res[0]));
	if (len == 0 && status != 0) {
		return 0;
	}
	if (len != sizeof(r)) {
		return -EINVAL;
	}
	memcpy(&r, p, sizeof(r));
	memcpy(res, r.res, sizeof(r.res));
	return 0;
}
