// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only
/*
 * SDP_TA_CMD_DECRYPT's parameter 2 and its split into SDP_CMD_DECRYPT
 * pieces (API and rules: include/rheap/sdp_decrypt.h). Built into rheapd
 * (meson) and into the kernel module (kernel/linux/rheap_sdp_decrypt.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rheap/sdp_decrypt.h>

enum { PLAN_START = 0, PLAN_WALK = 1, PLAN_DONE = 2, PLAN_FAILED = 3 };

int sdp_decrypt_parse(struct sdp_decrypt *dc, const uint8_t *info,
		      uint64_t size, uint64_t n)
{
	struct sdp_ta_decrypt_info h = { .iv_size = 0 };
	uint64_t total = 0;

	if (size < sizeof(h)) {
		return -EINVAL;
	}
	memcpy(&h, info, sizeof(h));
	if (h.subsample_count > SDP_MAX_SUBSAMPLES ||
	    size != sizeof(h) + (uint64_t)h.subsample_count *
					sizeof(struct sdp_abi_subsample)) {
		return -EINVAL;
	}
	if (h.iv_size != 8u && h.iv_size != 16u) {
		return -EINVAL;
	}
	for (uint32_t i = h.iv_size; i < sizeof(h.iv); i++) {
		if (h.iv[i] != 0) {
			return -EINVAL;
		}
	}
	memcpy(dc->kid, h.kid, sizeof(dc->kid));
	memcpy(dc->iv, h.iv, sizeof(dc->iv));
	dc->iv_size = h.iv_size;
	dc->sub_count = h.subsample_count;
	memcpy(dc->subs, info + sizeof(h),
	       h.subsample_count * sizeof(struct sdp_abi_subsample));
	for (uint32_t i = 0; i < h.subsample_count; i++) {
		if (dc->subs[i].clear_size > SDP_DECRYPT_CLEAR_MAX) {
			return -EINVAL;
		}
		total += (uint64_t)dc->subs[i].clear_size +
			 dc->subs[i].protected_size;
	}
	if (h.subsample_count == 0) {
		dc->subs[0].clear_size = 0;
		dc->subs[0].protected_size = (uint32_t)n;
		return n <= UINT32_MAX ? 0 : -EINVAL;
	}
	/* 256 x (2^16 + 2^32) cannot wrap 64 bits. */
	return total == n ? 0 : -EINVAL;
}

static uint32_t sdp_decrypt_runs(const struct sdp_decrypt *dc)
{
	return dc->sub_count ? dc->sub_count : 1u;
}

uint64_t sdp_decrypt_prot_before(const struct sdp_decrypt *dc, uint64_t pos)
{
	uint32_t runs = sdp_decrypt_runs(dc);
	uint64_t start = 0;
	uint64_t prot = 0;

	for (uint32_t i = 0; i < runs && start < pos; i++) {
		uint64_t c = dc->subs[i].clear_size;
		uint64_t p = dc->subs[i].protected_size;

		if (pos >= start + c + p) {
			prot += p;
		} else if (pos > start + c) {
			prot += pos - (start + c);
		}
		start += c + p;
	}
	return prot;
}

/* The position of the protected byte with index @k (0-based). */
static uint64_t sdp_decrypt_prot_pos(const struct sdp_decrypt *dc, uint64_t k)
{
	uint32_t runs = sdp_decrypt_runs(dc);
	uint64_t start = 0;

	for (uint32_t i = 0; i < runs; i++) {
		uint64_t c = dc->subs[i].clear_size;
		uint64_t p = dc->subs[i].protected_size;

		if (k < p) {
			return start + c + k;
		}
		k -= p;
		start += c + p;
	}
	return start;
}

void sdp_decrypt_plan_init(struct sdp_decrypt_plan *plan,
			   const struct sdp_decrypt *dc, uint64_t n,
			   uint64_t cap)
{
	memset(plan, 0, sizeof(*plan));
	plan->dc = dc;
	plan->n = n;
	plan->cap = cap;
	plan->state = PLAN_START;
}

/* Set @plan's piece [@s, ...): its end and its IV. */
static void sdp_decrypt_plan_piece(struct sdp_decrypt_plan *plan, uint64_t s)
{
	const struct sdp_decrypt *dc = plan->dc;
	uint64_t n = plan->n;

	plan->start = s;
	plan->end = n - s > plan->cap ? s + plan->cap : n;
	memcpy(plan->iv, dc->iv, sizeof(plan->iv));
	plan->iv_size = dc->iv_size;
	if (s > 0) {
		uint64_t low = 0;

		for (uint32_t i = 8; i < 16; i++) {
			low = low << 8 | plan->iv[i];
		}
		low += sdp_decrypt_prot_before(dc, s) / SDP_DECRYPT_BLOCK;
		for (uint32_t i = 16; i-- > 8;) {
			plan->iv[i] = (uint8_t)low;
			low >>= 8;
		}
		plan->iv_size = 16;
	}
}

int sdp_decrypt_plan_next(struct sdp_decrypt_plan *plan)
{
	uint64_t prot = 0;
	uint64_t next = 0;

	switch (plan->state) {
	case PLAN_START:
		plan->state = PLAN_WALK;
		sdp_decrypt_plan_piece(plan, 0);
		return 1;
	case PLAN_WALK:
		break;
	case PLAN_DONE:
		return 0;
	default:
		return -EOVERFLOW;
	}
	if (plan->end == plan->n) {
		plan->state = PLAN_DONE;
		return 0;
	}
	prot = sdp_decrypt_prot_before(plan->dc, plan->end);
	next = prot % SDP_DECRYPT_BLOCK == 0 ?
		       plan->end :
		       sdp_decrypt_prot_pos(plan->dc,
					    prot - prot % SDP_DECRYPT_BLOCK);
	if (next <= plan->start) {
		plan->state = PLAN_FAILED;
		return -EOVERFLOW;
	}
	sdp_decrypt_plan_piece(plan, next);
	return 1;
}

static void sdp_decrypt_put32(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

uint32_t sdp_decrypt_piece_map(const struct sdp_decrypt *dc, uint64_t s,
			       uint64_t e, uint8_t *m)
{
	uint32_t runs = sdp_decrypt_runs(dc);
	uint64_t start = 0;
	uint32_t n = 0;

	for (uint32_t i = 0; i < runs && start < e; i++) {
		uint64_t c0 = start;
		uint64_t c1 = start + dc->subs[i].clear_size;
		uint64_t p1 = c1 + dc->subs[i].protected_size;
		uint64_t clear = 0;
		uint64_t prot = 0;

		if (c1 > s && c0 < e) {
			clear = (c1 < e ? c1 : e) - (c0 > s ? c0 : s);
		}
		if (p1 > s && c1 < e) {
			prot = (p1 < e ? p1 : e) - (c1 > s ? c1 : s);
		}
		if (clear || prot) {
			sdp_decrypt_put32(m + n * 8u, clear);
			sdp_decrypt_put32(m + n * 8u + 4u, prot);
			n++;
		}
		start = p1;
	}
	return n;
}
