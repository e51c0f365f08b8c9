// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target for the guest driver's decoders of what the virtio-rheap
 * device writes into guest memory (src/hyp/guest_drv.c, guest_drv.h:
 * guest_drv_resp_check() and the HEAP_INFO, ALLOC, QUERY, ATTACH and FFA
 * body decoders; docs/virtio-rheap.md section 11.2).
 *
 * Input: byte 0 picks the decoder (mod 6), bytes 1..8 a little-endian
 * parameter (the request's tag, heap index, len, buffer ID, or ATTACH's
 * config.max_segs), byte 9 flags: bit 7 takes the parameter from the
 * response itself (its tag, heap_index or buffer_id, so that accepted
 * responses are reached at once), bit 6 makes max_segs the parameter's low
 * byte, bits 0..3 the response type's minimum (check) or ATTACH's
 * segment capacity (0..8). The rest is the response, exactly as long as
 * the device's used.len: libFuzzer's input ends there, so ASan reports
 * any read past the length.
 *
 * Properties (abort() on a violation):
 *  - every decoder returns 0 or -EINVAL (ATTACH also -ENOSPC), and a
 *    rejection names a field in the diag;
 *  - guest_drv_resp_check() agrees with an independent model of the
 *    rules (header length, tag, reserved, status known, OK length), and a
 *    status it accepts maps to an errno of the closed set;
 *  - HEAP_INFO: an accepted name is NUL-terminated, 1..63 bytes, the
 *    response's bytes; flags only RESTRICTED; index echoed; numbers read
 *    from their offsets; the output is untouched on a rejection;
 *  - ALLOC: accepted ID non-zero, size >= len; the ID is reported for
 *    undoing even on a rejection (0 only when the response is short);
 *  - QUERY: the buffer echoed, reserved 0, fields from their offsets, the
 *    output untouched on a rejection;
 *  - ATTACH: accepted or -ENOSPC: ID non-zero, 1 <= count <= the whole
 *    segments in the length and <= max_segs (when set), every segment
 *    non-empty; 0 means count <= cap; the first min(count, cap) segments
 *    are the response's and nothing past cap is written;
 *  - FFA: accepted exactly from 160 bytes, the registers from offset 16.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/diag.h>
#include <rheap/err.h>
#include <rheap/virtio_rheap.h>

#include "hyp/guest_drv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_HEAD 10u
#define FUZZ_SEG_CAP 8u
#define FUZZ_GUARD 0xA5u

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i > 0; i--) {
		v = (v << 8) | p[i - 1u];
	}
	return v;
}

static void must(bool cond)
{
	if (!cond) {
		abort();
	}
}

static bool all_guard(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != FUZZ_GUARD) {
			return false;
		}
	}
	return true;
}

/* A rejection names its field; an acceptance leaves the diag empty. */
static void diag_agrees(int rc, const struct rheap_diag *diag)
{
	must(rc == -EINVAL ? diag->field != NULL : diag->field == NULL);
}

/* Response minimums the driver uses, and odd ones. */
static const size_t resp_mins[16] = {
	16, 32, 48, 112, 160, 32, 0, 1, 15, 17, 64, 3840, 16, 48, 112, 160,
};

static void fuzz_check(const uint8_t *resp, size_t len, uint64_t param,
		       uint8_t flags)
{
	struct rheap_diag diag = { 0 };
	size_t resp_min = resp_mins[flags & 15u];
	uint64_t tag = param;
	uint32_t status = 0xDEADu;
	int want = 0;
	int rc = 0;

	if ((flags & 0x80u) && len >= 16) {
		tag = get_le(resp + 8, 8);
	}
	/* The model, written from docs/virtio-rheap.md section 11.2. */
	if (len < 16 || get_le(resp + 8, 8) != tag ||
	    get_le(resp + 4, 4) != 0 ||
	    get_le(resp, 4) > VIRTIO_RHEAP_S_NOTSUPP ||
	    (get_le(resp, 4) == VIRTIO_RHEAP_S_OK && len < resp_min)) {
		want = -EINVAL;
	}
	rc = guest_drv_resp_check(resp, len, tag, resp_min, &status, &diag);
	must(rc == want);
	diag_agrees(rc, &diag);
	if (rc == 0) {
		must(status == get_le(resp, 4));
		must(rheap_err_known(virtio_rheap_status_to_errno(status)));
		return;
	}
	/* The status is reported once the header is whole and its own. */
	if (len >= 16 && get_le(resp + 8, 8) == tag &&
	    get_le(resp + 4, 4) == 0) {
		must(status == get_le(resp, 4));
	} else {
		must(status == VIRTIO_RHEAP_S_OK);
	}
}

static void fuzz_heap_info(const uint8_t *resp, size_t len, uint64_t param,
			   uint8_t flags)
{
	struct rheap_diag diag = { 0 };
	struct guest_heap_info hi;
	uint32_t index = (uint32_t)param;
	size_t n = 0;
	int rc = 0;

	if ((flags & 0x80u) && len >= 84) {
		index = (uint32_t)get_le(resp + 80, 4);
	}
	memset(&hi, FUZZ_GUARD, sizeof(hi));
	rc = guest_drv_heap_info_decode(resp, len, index, &hi, &diag);
	must(rc == 0 || rc == -EINVAL);
	diag_agrees(rc, &diag);
	if (rc) {
		must(all_guard(&hi, sizeof(hi)));
		return;
	}
	must(len >= sizeof(struct virtio_rheap_heap_info_resp));
	n = strnlen(hi.name, sizeof(hi.name));
	must(n >= 1 && n < sizeof(hi.name));
	must(memcmp(hi.name, resp + 16, n) == 0 && resp[16 + n] == 0);
	for (size_t i = n; i < sizeof(hi.name); i++) {
		must(hi.name[i] == 0);
	}
	must(get_le(resp + 80, 4) == index);
	must((hi.flags & ~VIRTIO_RHEAP_HEAP_RESTRICTED) == 0);
	must(hi.flags == get_le(resp + 84, 4));
	must(hi.granule == get_le(resp + 88, 8));
	must(hi.capacity == get_le(resp + 96, 8));
	must(hi.vm_used == get_le(resp + 104, 8));
}

static void fuzz_alloc(const uint8_t *resp, size_t len, uint64_t param)
{
	struct rheap_diag diag = { 0 };
	uint64_t id = 1;
	uint64_t sz = 7;
	int rc = guest_drv_alloc_decode(resp, len, param, &id, &sz, &diag);

	must(rc == 0 || rc == -EINVAL);
	diag_agrees(rc, &diag);
	must(id == (len >= 32 ? get_le(resp + 16, 8) : 0));
	if (rc == 0) {
		must(id != 0 && sz >= param && sz == get_le(resp + 24, 8));
	} else {
		must(sz == 7);
		must(len < 32 || id == 0 || get_le(resp + 24, 8) < param);
	}
}

static void fuzz_query(const uint8_t *resp, size_t len, uint64_t param,
		       uint8_t flags)
{
	struct rheap_diag diag = { 0 };
	struct virtio_rheap_query_resp q;
	uint64_t id = param;
	int rc = 0;

	if ((flags & 0x80u) && len >= 24) {
		id = get_le(resp + 16, 8);
	}
	memset(&q, FUZZ_GUARD, sizeof(q));
	rc = guest_drv_query_decode(resp, len, id, &q, &diag);
	must(rc == 0 || rc == -EINVAL);
	diag_agrees(rc, &diag);
	if (rc) {
		must(all_guard(&q, sizeof(q)));
		return;
	}
	must(len >= sizeof(q) && get_le(resp + 44, 4) == 0);
	must(q.buffer_id == id && q.hdr.status == get_le(resp, 4) &&
	     q.hdr.tag == get_le(resp + 8, 8) &&
	     q.size == get_le(resp + 24, 8) &&
	     q.heap_index == get_le(resp + 32, 4) &&
	     q.flags == get_le(resp + 36, 4) &&
	     q.attach_count == get_le(resp + 40, 4));
}

static void fuzz_attach(const uint8_t *resp, size_t len, uint64_t param,
			uint8_t flags)
{
	struct rheap_diag diag = { 0 };
	struct virtio_rheap_attach_seg segs[FUZZ_SEG_CAP + 2u];
	uint32_t cap = (flags & 15u) % (FUZZ_SEG_CAP + 1u);
	uint32_t max_segs = (flags & 0x40u) ? (uint32_t)(param & 0xFFu)
					    : (uint32_t)param;
	uint64_t id = 1;
	uint32_t count = 0xDEADu;
	uint64_t carried = 0;
	int rc = 0;

	memset(segs, FUZZ_GUARD, sizeof(segs));
	rc = guest_drv_attach_decode(resp, len, max_segs, &id,
				     cap ? segs : NULL, cap, &count, &diag);
	must(rc == 0 || rc == -EINVAL || rc == -ENOSPC);
	diag_agrees(rc, &diag);
	must(id == (len >= 32 ? get_le(resp + 16, 8) : 0));
	/* Nothing past @cap is ever written. */
	must(all_guard(segs + cap, sizeof(segs[0]) * (FUZZ_SEG_CAP + 2u - cap)));
	if (rc == -EINVAL) {
		must(count == 0xDEADu);
		return;
	}
	carried = (len - 32) / 16;
	must(len >= 32 && id != 0 && get_le(resp + 28, 4) == 0);
	must(count >= 1 && count <= carried && count == get_le(resp + 24, 4));
	must(max_segs == 0 || count <= max_segs);
	must(rc == 0 ? count <= cap : count > cap);
	for (uint32_t i = 0; i < count; i++) {
		must(get_le(resp + 32 + 16u * i + 8, 8) != 0);
		if (i < cap) {
			must(segs[i].iova == get_le(resp + 32 + 16u * i, 8));
			must(segs[i].size == get_le(resp + 40 + 16u * i, 8));
		}
	}
}

static void fuzz_ffa(const uint8_t *resp, size_t len)
{
	struct rheap_diag diag = { 0 };
	uint64_t x[VIRTIO_RHEAP_FFA_REGS + 1];
	int rc = 0;

	memset(x, FUZZ_GUARD, sizeof(x));
	rc = guest_drv_ffa_decode(resp, len, x, &diag);
	must(rc == (len >= 160 ? 0 : -EINVAL));
	diag_agrees(rc, &diag);
	must(all_guard(x + VIRTIO_RHEAP_FFA_REGS, sizeof(x[0])));
	for (uint32_t i = 0; rc == 0 && i < VIRTIO_RHEAP_FFA_REGS; i++) {
		must(x[i] == get_le(resp + 16 + 8u * i, 8));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *resp = data + FUZZ_HEAD;
	uint64_t param = 0;
	size_t len = 0;
	uint8_t flags = 0;

	if (size < FUZZ_HEAD) {
		return 0;
	}
	param = get_le(data + 1, 8);
	flags = data[9];
	len = size - FUZZ_HEAD;
	switch (data[0] % 6u) {
	case 0:
		fuzz_check(resp, len, param, flags);
		break;
	case 1:
		fuzz_heap_info(resp, len, param, flags);
		break;
	case 2:
		fuzz_alloc(resp, len, param);
		break;
	case 3:
		fuzz_query(resp, len, param, flags);
		break;
	case 4:
		fuzz_attach(resp, len, param, flags);
		break;
	default:
		fuzz_ffa(resp, len);
		break;
	}
	return 0;
}
