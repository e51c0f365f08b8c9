/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * SDP_TA_CMD_DECRYPT's pure part, shared by rheapd's TEE driver
 * (src/kernel/ktee.c) and the kernel module's (kernel/linux/rheap_tee.c,
 * which builds src/common/sdp_decrypt.c through rheap_sdp_decrypt.c):
 * parameter 2 (struct sdp_ta_decrypt_info, then the subsample map)
 * decoded and checked, and the split of a sample into SDP_CMD_DECRYPT
 * pieces that fit the parameter area (docs/tee.md).
 *
 * The partition takes a whole sample per call (no keystream offset), so a
 * piece starts where the protected bytes before it are a multiple of 16:
 * the next piece restarts at the last such point inside the previous one
 * (rewriting up to 15 bytes with the same plaintext), its IV advanced by
 * the keystream blocks before it (bytes 8..15 as one big-endian 64-bit
 * counter, modulo 2^64, as sp_cenc counts).
 *
 * No allocation, no C library beyond stdint/stddef/stdbool/errno/string.
 */
#ifndef RHEAP_SDP_DECRYPT_H
#define RHEAP_SDP_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/sdp_abi.h>
#include <rheap/sdp_ta.h>

/* CENC: AES blocks, and the widest BytesOfClearData ('senc'). */
#define SDP_DECRYPT_BLOCK 16u
#define SDP_DECRYPT_CLEAR_MAX 65535u

/* Parameter 2 at its largest: the info, then SDP_MAX_SUBSAMPLES entries. */
#define SDP_DECRYPT_INFO_MAX                   \
	(sizeof(struct sdp_ta_decrypt_info) +  \
	 SDP_MAX_SUBSAMPLES * sizeof(struct sdp_abi_subsample))

/* Bytes a piece's map takes at most (sdp_decrypt_piece_map). */
#define SDP_DECRYPT_MAP_MAX \
	(SDP_MAX_SUBSAMPLES * sizeof(struct sdp_abi_subsample))

/**
 * struct sdp_decrypt - a checked DECRYPT request
 * @kid:       key ID
 * @iv:        the IV, 16 bytes (an 8-byte IV zero-extended: the same
 *             counter block, sp_cenc.h)
 * @iv_size:   8 or 16, as sent
 * @sub_count: subsample entries (0: the whole sample is protected)
 * @subs:      the map; for @sub_count 0 one entry {0, sample size}
 */
struct sdp_decrypt {
	uint8_t kid[SDP_KID_SIZE];
	uint8_t iv[16];
	uint32_t iv_size;
	uint32_t sub_count;
	struct sdp_abi_subsample subs[SDP_MAX_SUBSAMPLES];
};

/**
 * struct sdp_decrypt_plan - the walk over a sample's pieces
 * @dc:      the request (sdp_decrypt_parse)
 * @n:       the sample's size
 * @cap:     the most data bytes one piece takes (the parameter area's)
 * @start:   the current piece: the sample's bytes [@start, @end)
 * @end:     see @start
 * @iv:      the current piece's IV
 * @iv_size: the current piece's IV size (16 once the counter moved)
 * @state:   0 before the first piece, 1 walking, 2 done (private)
 */
struct sdp_decrypt_plan {
	const struct sdp_decrypt *dc;
	uint64_t n;
	uint64_t cap;
	uint64_t start;
	uint64_t end;
	uint8_t iv[16];
	uint32_t iv_size;
	uint32_t state;
};

/**
 * sdp_decrypt_parse - decode and check DECRYPT's parameter 2
 * @dc:   receives the request
 * @info: parameter 2's bytes (the caller fetched them once)
 * @size: parameter 2's size
 * @n:    the sample's size (parameter 0)
 *
 * Return: 0, or -EINVAL for anything malformed (in this order): fewer
 * than 40 bytes; more than SDP_MAX_SUBSAMPLES entries or a size that is
 * not exactly 40 + 8 x count; an IV size other than 8/16; IV bytes past
 * it not zero; a clear size above 65535; sizes that do not add up to @n
 * (for count 0: @n above UINT32_MAX).
 */
int sdp_decrypt_parse(struct sdp_decrypt *dc, const uint8_t *info,
		      uint64_t size, uint64_t n);

/**
 * sdp_decrypt_prot_before - protected bytes of the sample before @pos
 * @dc:  the request
 * @pos: a position in the sample
 *
 * Return: the count.
 */
uint64_t sdp_decrypt_prot_before(const struct sdp_decrypt *dc, uint64_t pos);

/**
 * sdp_decrypt_plan_init - start a walk over the sample's pieces
 * @plan: the walk
 * @dc:   the request, from sdp_decrypt_parse with the same @n
 * @n:    the sample's size
 * @cap:  the most data bytes one piece takes
 */
void sdp_decrypt_plan_init(struct sdp_decrypt_plan *plan,
			   const struct sdp_decrypt *dc, uint64_t n,
			   uint64_t cap);

/**
 * sdp_decrypt_plan_next - the next piece
 * @plan: the walk
 *
 * The first call always yields a piece (of 0 bytes for an empty sample).
 *
 * Return: 1 with @plan's piece fields set; 0 when the sample is covered;
 * -EOVERFLOW when no split point makes progress (fewer than 16 protected
 * bytes in @cap bytes after a protected byte), and from then on.
 */
int sdp_decrypt_plan_next(struct sdp_decrypt_plan *plan);

/**
 * sdp_decrypt_piece_map - the subsample map of the sample's bytes [@s, @e)
 * @dc: the request (@dc->sub_count non-zero)
 * @s:  start
 * @e:  end
 * @m:  receives the entries (little-endian, at most SDP_DECRYPT_MAP_MAX
 *      bytes)
 *
 * Return: the entries written.
 */
uint32_t sdp_decrypt_piece_map(const struct sdp_decrypt *dc, uint64_t s,
			       uint64_t e, uint8_t *m);

#endif /* RHEAP_SDP_DECRYPT_H */
