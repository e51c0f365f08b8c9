// SPDX-License-Identifier: BSD-2-Clause
/*
 * CENC side data to the SDP partition's DECRYPT parameter (play_enc.h).
 * libavutil parses the serialised AVEncryptionInfo (it bounds the key ID,
 * IV and subsample arrays by the side data's size); everything the SDP
 * partition relies on is checked again here, so a hostile file gets a
 * clear refusal before anything is sent.
 */
#include <stdio.h>
#include <string.h>

#include <libavutil/encryption_info.h>

#include <rheap/err.h>

#include "play_enc.h"

/* The 'senc' box's BytesOfClearData field is 16 bits wide. */
#define PLAY_ENC_CLEAR_MAX 65535u

static int enc_check(const AVEncryptionInfo *info, size_t sample_size,
		     const char **why)
{
	uint64_t sum = 0;

	if (info->scheme != PLAY_ENC_SCHEME_CENC) {
		*why = "the encryption scheme is not 'cenc' (AES-128-CTR)";
		return -EOPNOTSUPP;
	}
	if (info->crypt_byte_block != 0 || info->skip_byte_block != 0) {
		*why = "'cenc' with a pattern (crypt/skip blocks) is not CENC's 'cenc' scheme";
		return -EOPNOTSUPP;
	}
	if (info->key_id_size != SDP_KID_SIZE || !info->key_id) {
		*why = "the key ID is not 16 bytes";
		return -EINVAL;
	}
	if ((info->iv_size != 8 && info->iv_size != 16) || !info->iv) {
		*why = "the IV is not 8 or 16 bytes";
		return -EINVAL;
	}
	if (info->subsample_count > SDP_MAX_SUBSAMPLES) {
		*why = "the sample has more subsamples than the SDP partition takes (256)";
		return -EINVAL;
	}
	if (info->subsample_count > 0 && !info->subsamples) {
		*why = "the subsample map is missing";
		return -EINVAL;
	}
	for (uint32_t i = 0; i < info->subsample_count; i++) {
		const AVSubsampleEncryptionInfo *s = &info->subsamples[i];

		if (s->bytes_of_clear_data > PLAY_ENC_CLEAR_MAX) {
			*why = "a subsample's clear part is above 65535 bytes";
			return -EINVAL;
		}
		sum += (uint64_t)s->bytes_of_clear_data +
		       s->bytes_of_protected_data;
	}
	if (info->subsample_count > 0 && sum != sample_size) {
		*why = "the subsamples do not add up to the sample's size";
		return -EINVAL;
	}
	return 0;
}

int play_enc_decode(const uint8_t *side, size_t side_size, size_t sample_size,
		    struct play_enc *out, const char **why)
{
	struct sdp_ta_decrypt_info ti = { 0 };
	AVEncryptionInfo *info = NULL;
	size_t off = sizeof(ti);
	int rc = 0;

	*why = "";
	if (!side || side_size == 0) {
		*why = "the encryption side data is empty";
		return -EINVAL;
	}
	info = av_encryption_info_get_side_data(side, side_size);
	if (!info) {
		/* libavutil answers NULL for malformed data and for ENOMEM;
		 * bounded sizes make the latter unlikely: call it malformed. */
		*why = "the encryption side data does not parse";
		return -EINVAL;
	}
	out->scheme = info->scheme;
	rc = enc_check(info, sample_size, why);
	if (rc != 0) {
		goto out_free;
	}
	memcpy(ti.kid, info->key_id, SDP_KID_SIZE);
	memcpy(ti.iv, info->iv, info->iv_size);
	ti.iv_size = info->iv_size;
	ti.subsample_count = info->subsample_count;
	memcpy(out->param, &ti, sizeof(ti));
	for (uint32_t i = 0; i < info->subsample_count; i++) {
		struct sdp_abi_subsample s = {
			.clear_size = info->subsamples[i].bytes_of_clear_data,
			.protected_size = info->subsamples[i].bytes_of_protected_data,
		};

		memcpy(out->param + off, &s, sizeof(s));
		off += sizeof(s);
	}
	out->param_size = off;
	memcpy(out->kid, ti.kid, SDP_KID_SIZE);
	out->subsample_count = info->subsample_count;
out_free:
	av_encryption_info_free(info);
	return rc;
}

void play_enc_kid_hex(const uint8_t *kid, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (cap == 0) {
		return;
	}
	for (size_t i = 0; i < SDP_KID_SIZE && n + 2 < cap; i++) {
		buf[n++] = hex[kid[i] >> 4];
		buf[n++] = hex[kid[i] & 0xfu];
	}
	buf[n] = '\0';
}

void play_enc_scheme_name(uint32_t scheme, char *buf, size_t cap)
{
	size_t n = 0;

	if (cap == 0) {
		return;
	}
	for (int shift = 24; shift >= 0 && n + 1 < cap; shift -= 8) {
		unsigned int c = (scheme >> shift) & 0xffu;

		buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[n] = '\0';
}
