/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * The SDP partition's commands as a GlobalPlatform trusted application
 * (TEEC_InvokeCommand), for NW programs using the TEE Client API
 * (include/rheap/tee_client_api.h). Sessions open to the partition's UUID
 * (from the platform's DT) or to OP-TEE's sdp_basic TA UUID, which accepts
 * the same commands, so that xtest 1014's client runs unchanged.
 * docs/tee.md maps each command to the partition's direct requests.
 */
#ifndef RHEAP_SDP_TA_H
#define RHEAP_SDP_TA_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

#include <rheap/sdp_abi.h>

/* OP-TEE sdp_basic TA's UUID: 12345678-5b69-11e4-9dbb-101f74f00099. */
#define SDP_TA_SDP_BASIC_UUID                                               \
	{ 0x12345678, 0x5b69, 0x11e4,                                       \
	  { 0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99 } }

/* sdp_basic's commands (OP-TEE ta_sdp_basic.h values). */
#define SDP_TA_CMD_INJECT 0u    /* [0] TEMP/WHOLE/PARTIAL in (NS), [1] PARTIAL out (restricted) */
#define SDP_TA_CMD_TRANSFORM 1u /* [0] PARTIAL inout (restricted) */
#define SDP_TA_CMD_DUMP 2u      /* [0] PARTIAL in (restricted), [1] out (NS); debug boards */

/*
 * SDP_TA_CMD_DECRYPT - one CENC 'cenc' (AES-128-CTR) sample into a
 * restricted buffer.
 *   [0] MEMREF_TEMP_INPUT   the encrypted sample (NS); or
 *       MEMREF_PARTIAL_INPUT of a registered system buffer (rheapd's
 *                           TEMP bytes travel in its 128 KiB request:
 *                           larger samples come this way)
 *   [1] MEMREF_PARTIAL_OUTPUT  the restricted destination, inside ONE
 *                           extent (SDP piece) of its buffer; its size must
 *                           be >= the sample's; on success the size is set
 *                           to the bytes written (the sample's size)
 *   [2] MEMREF_TEMP_INPUT   struct sdp_ta_decrypt_info, then
 *                           subsample_count struct sdp_abi_subsample
 *   [3] NONE
 * Results: TEEC_ERROR_ITEM_NOT_FOUND no key for the KID (the board's key
 * file); TEEC_ERROR_BAD_PARAMETERS malformed info, subsamples not adding
 * up to the sample, memrefs out of bounds or of the wrong kind, an output
 * across two extents; TEEC_ERROR_SHORT_BUFFER output smaller than the
 * sample; TEEC_ERROR_EXCESS_DATA a sample that cannot be split at
 * keystream block boundaries to fit the parameter area (docs/tee.md);
 * TEEC_ERROR_ACCESS_DENIED the output is not restricted memory of a use
 * case the partition decrypts into (secure-video, secure-video-record).
 */
#define SDP_TA_CMD_DECRYPT 0x100u

/**
 * struct sdp_ta_decrypt_info - SDP_TA_CMD_DECRYPT's parameter 2 (40 bytes,
 * then the subsample map)
 * @kid:             key ID (never the key)
 * @iv:              the sample's IV; bytes past @iv_size MBZ
 * @iv_size:         8 or 16
 * @subsample_count: 0 (whole sample protected) .. SDP_MAX_SUBSAMPLES
 */
struct sdp_ta_decrypt_info {
	uint8_t kid[SDP_KID_SIZE];
	uint8_t iv[16];
	uint32_t iv_size;
	uint32_t subsample_count;
};

_Static_assert(sizeof(struct sdp_ta_decrypt_info) == 40,
	       "decrypt info is 40 bytes");

#endif /* RHEAP_SDP_TA_H */
