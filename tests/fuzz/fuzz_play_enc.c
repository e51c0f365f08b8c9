// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for rheap-play's CENC side-data check (play_enc.c): the
 * AV_PKT_DATA_ENCRYPTION_INFO bytes a hostile MP4 makes libavformat attach
 * to a sample, turned into the SDP partition's DECRYPT parameter.
 *
 * Input: 4 bytes of sample size (little-endian, taken modulo 2^20), then
 * the side data. Properties, else abort():
 *  - the result is 0, -EINVAL or -EOPNOTSUPP (-ENOMEM is impossible at
 *    these sizes), always with a reason sentence when non-zero;
 *  - an accepted parameter is well formed: 40 + 8 x subsample_count bytes,
 *    subsample_count <= SDP_MAX_SUBSAMPLES, IV size 8 or 16 with zeros
 *    after it, the map adding up to the sample size when present, every
 *    clear part <= 65535;
 *  - round trip: the parameter rebuilt as an AVEncryptionInfo, serialised
 *    by libavutil and checked again gives the same parameter bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/encryption_info.h>
#include <libavutil/mem.h>

#include <rheap/err.h>

#include "play_enc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct play_enc g_a;
static struct play_enc g_b;

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static void roundtrip(size_t sample_size)
{
	struct sdp_ta_decrypt_info ti = { 0 };
	AVEncryptionInfo *info = NULL;
	const char *why = NULL;
	uint8_t *side = NULL;
	size_t len = 0;

	memcpy(&ti, g_a.param, sizeof(ti));
	info = av_encryption_info_alloc(ti.subsample_count, SDP_KID_SIZE,
					ti.iv_size);
	check(info != NULL);
	info->scheme = PLAY_ENC_SCHEME_CENC;
	memcpy(info->key_id, ti.kid, SDP_KID_SIZE);
	memcpy(info->iv, ti.iv, ti.iv_size);
	for (uint32_t i = 0; i < ti.subsample_count; i++) {
		struct sdp_abi_subsample s = { 0 };

		memcpy(&s, g_a.param + sizeof(ti) + i * sizeof(s), sizeof(s));
		info->subsamples[i].bytes_of_clear_data = s.clear_size;
		info->subsamples[i].bytes_of_protected_data = s.protected_size;
	}
	side = av_encryption_info_add_side_data(info, &len);
	av_encryption_info_free(info);
	check(side != NULL);
	check(play_enc_decode(side, len, sample_size, &g_b, &why) == 0);
	check(g_b.param_size == g_a.param_size);
	check(memcmp(g_b.param, g_a.param, g_a.param_size) == 0);
	av_free(side);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdp_ta_decrypt_info ti = { 0 };
	const char *why = NULL;
	uint64_t sum = 0;
	size_t sample_size = 0;
	int rc = 0;

	if (size < 4) {
		return 0;
	}
	sample_size = ((size_t)data[0] | (size_t)data[1] << 8 |
		       (size_t)data[2] << 16 | (size_t)data[3] << 24) &
		      0xfffffu;
	rc = play_enc_decode(data + 4, size - 4, sample_size, &g_a, &why);
	check(rc == 0 || rc == -EINVAL || rc == -EOPNOTSUPP);
	check(why != NULL && (rc == 0 || why[0] != '\0'));
	if (rc != 0) {
		return 0;
	}
	memcpy(&ti, g_a.param, sizeof(ti));
	check(ti.subsample_count == g_a.subsample_count);
	check(ti.subsample_count <= SDP_MAX_SUBSAMPLES);
	check(g_a.param_size ==
	      sizeof(ti) + ti.subsample_count * sizeof(struct sdp_abi_subsample));
	check(ti.iv_size == 8 || ti.iv_size == 16);
	for (uint32_t i = ti.iv_size; i < sizeof(ti.iv); i++) {
		check(ti.iv[i] == 0);
	}
	check(memcmp(ti.kid, g_a.kid, SDP_KID_SIZE) == 0);
	for (uint32_t i = 0; i < ti.subsample_count; i++) {
		struct sdp_abi_subsample s = { 0 };

		memcpy(&s, g_a.param + sizeof(ti) + i * sizeof(s), sizeof(s));
		check(s.clear_size <= 65535u);
		sum += (uint64_t)s.clear_size + s.protected_size;
	}
	check(ti.subsample_count == 0 || sum == sample_size);
	roundtrip(sample_size);
	return 0;
}
