/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheap-play: a demuxed sample's CENC encryption info (libavformat's
 * AV_PKT_DATA_ENCRYPTION_INFO side data, untrusted: it comes from the file)
 * turned into the SDP partition's DECRYPT parameter (include/rheap/sdp_ta.h):
 * key ID, IV, subsample map. Nothing here sees a key.
 */
#ifndef RHEAP_TOOLS_RHEAP_PLAY_PLAY_ENC_H
#define RHEAP_TOOLS_RHEAP_PLAY_PLAY_ENC_H

#include <stddef.h>
#include <stdint.h>

#include <rheap/sdp_ta.h>

/* The scheme the SDP partition decrypts: 'cenc' (AES-128-CTR), big-endian
 * fourcc as AVEncryptionInfo.scheme holds it. */
#define PLAY_ENC_SCHEME_CENC 0x63656e63u

/* DECRYPT parameter 2's largest size: the info and a full subsample map. */
#define PLAY_ENC_PARAM_MAX                                                  \
	(sizeof(struct sdp_ta_decrypt_info) +                               \
	 SDP_MAX_SUBSAMPLES * sizeof(struct sdp_abi_subsample))

/**
 * struct play_enc - one sample's decryption parameter
 * @scheme:     the fourcc from the file (PLAY_ENC_SCHEME_CENC once decoded)
 * @param:      SDP_TA_CMD_DECRYPT's parameter 2: struct sdp_ta_decrypt_info
 *              then @subsample_count struct sdp_abi_subsample, packed
 * @param_size: bytes used at @param
 * @kid:        the key ID (also inside @param), for messages
 * @subsample_count: entries of the map (0: the whole sample is protected)
 */
struct play_enc {
	uint32_t scheme;
	uint8_t param[PLAY_ENC_PARAM_MAX];
	size_t param_size;
	uint8_t kid[SDP_KID_SIZE];
	uint32_t subsample_count;
};

/**
 * play_enc_decode() - check a sample's encryption side data and build the
 * DECRYPT parameter
 * @side:        the AV_PKT_DATA_ENCRYPTION_INFO bytes (untrusted)
 * @side_size:   bytes at @side
 * @sample_size: the sample's bytes (the subsamples must add up to it)
 * @out:         the parameter; its @scheme is set whenever the side data
 *               parses, even when the scheme is refused
 * @why:         out: a sentence fragment naming what was refused
 *
 * Return: 0; -EOPNOTSUPP the scheme is not 'cenc' or uses pattern
 * encryption; -EINVAL side data that does not parse, a key ID that is not
 * 16 bytes, an IV that is not 8 or 16 bytes, more than SDP_MAX_SUBSAMPLES
 * subsamples, a clear part above 65535 bytes, subsamples that do not add
 * up to @sample_size; -ENOMEM.
 */
int play_enc_decode(const uint8_t *side, size_t side_size, size_t sample_size,
		    struct play_enc *out, const char **why);

/**
 * play_enc_kid_hex() - a key ID as 32 lowercase hex digits
 * @kid: SDP_KID_SIZE bytes
 * @buf: out: NUL-terminated, at least 33 bytes
 * @cap: bytes at @buf
 */
void play_enc_kid_hex(const uint8_t *kid, char *buf, size_t cap);

/**
 * play_enc_scheme_name() - a fourcc as 4 printable characters
 * @scheme: the fourcc (big-endian)
 * @buf:    out: NUL-terminated, at least 5 bytes ('?' for unprintable)
 * @cap:    bytes at @buf
 */
void play_enc_scheme_name(uint32_t scheme, char *buf, size_t cap);

#endif /* RHEAP_TOOLS_RHEAP_PLAY_PLAY_ENC_H */
