// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target for librheap's decoders of rheapd's responses and of a
 * dma-buf's /proc fdinfo (src/lib/lib_wire.c, backend_linux.c). The first
 * byte picks the decoder, the second a parameter (op, seq, data size).
 * Properties: an accepted header has a status from the closed set; an
 * accepted heap list is exactly 8 + 88 * count bytes and every decoded
 * name is NUL-terminated and non-empty; an accepted buffer info or alloc
 * response has a non-zero size (a page multiple for ALLOC); an accepted
 * fdinfo has a non-zero size and a name shorter than the field; an
 * accepted ATTACH response is 16 + 16 * count bytes, count >= 1, a non-zero
 * ID and no empty segment; an accepted DEVICE response is 64 bytes, or
 * empty with an error status (then the results are zero).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>

#include "lib/lib_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void name_ok(const char *name, size_t cap)
{
	size_t n = strnlen(name, cap);

	if (n == 0 || n >= cap) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lib_heap_entry entries[4];
	struct rheap_buf_info info;
	struct rheapd_alloc_resp ar;
	uint8_t back[RHEAPD_ALLOC_DATA_MAX];
	const uint8_t *p = data + 2;
	size_t len = size >= 2 ? size - 2 : 0;
	size_t count = 0;
	int status = 0;

	if (size < 2) {
		return 0;
	}
	switch (data[0] % 7) {
	case 0:
		if (lib_resp_check(p, len, data[1], data[1], &status) == 0 &&
		    (status > 0 || status < -EOPNOTSUPP)) {
			abort();
		}
		break;
	case 1:
		if (lib_heap_list_decode(p, len, entries, data[1] % 5,
					 &count) == 0) {
			if (len != 8 + 88 * count) {
				abort();
			}
			for (size_t i = 0; i < count && i < data[1] % 5u;
			     i++) {
				name_ok(entries[i].desc.name,
					sizeof(entries[i].desc.name));
			}
		}
		break;
	case 2:
		if (lib_buf_info_decode(p, len, &info) == 0) {
			name_ok(info.heap, sizeof(info.heap));
			if (info.size == 0) {
				abort();
			}
		}
		break;
	case 3:
		if (lib_alloc_resp_decode(p, len, data[1], &ar, back) == 0 &&
		    (ar.size == 0 || ar.size % 4096 != 0 ||
		     len != sizeof(ar) + data[1])) {
			abort();
		}
		break;
	case 5: {
		struct rheap_device_seg segs[3];
		uint64_t id = 0;

		if (lib_attach_resp_decode(p, len, &id, segs, data[1] % 4u,
					   &count) == 0) {
			if (id == 0 || count == 0 || len != 16 + 16 * count) {
				abort();
			}
			for (size_t i = 0; i < count && i < data[1] % 4u; i++) {
				if (segs[i].size == 0) {
					abort();
				}
			}
		}
		break;
	}
	case 6: {
		uint64_t res[8];
		int st = -(int)(data[1] % 3u);

		if (lib_device_resp_decode(p, len, st, res) == 0) {
			if (len != 64 && !(len == 0 && st != 0)) {
				abort();
			}
			for (size_t i = 0; len == 0 && i < 8; i++) {
				if (res[i] != 0) {
					abort();
				}
			}
		}
		break;
	}
	default:
		if (linux_fdinfo_decode((const char *)p, len, &info) == 0) {
			name_ok(info.heap, sizeof(info.heap));
			if (info.size == 0) {
				abort();
			}
		}
		break;
	}
	return 0;
}
