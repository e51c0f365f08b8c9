/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * CENC 'cenc' sample decryption for the SDP partition.
 *
 * ISO/IEC 23001-7 (Common Encryption) scheme 'cenc' is AES-128 in counter
 * mode. Each sample has an initialisation vector of 8 or 16 bytes and an
 * optional subsample map of {BytesOfClearData, BytesOfProtectedData}
 * pairs. Clear bytes are copied, protected bytes are decrypted, and the
 * protected bytes of all subsamples of one sample form ONE keystream: the
 * counter and the position inside the current 16-byte keystream block
 * carry from one subsample to the next.
 *
 * Counter block and counter width (a decision; see also sp_cenc.c):
 *  - an 8-byte IV is bytes 0..7 of the counter block, bytes 8..15 are 0;
 *  - a 16-byte IV is the whole initial counter block;
 *  - after each keystream block, bytes 8..15 are incremented as ONE
 *    big-endian 64-bit integer, modulo 2^64; bytes 0..7 never change.
 *    This is the block counter of ISO/IEC 23001-7 and what FFmpeg's
 *    decrypter does (its AES-CTR increments the low 64 bits only). Mbed TLS
 *    (`mbedtls_aes_crypt_ctr`) and BoringSSL instead increment the full
 *    128-bit block; the two agree except when a 16-byte IV's low half
 *    wraps inside one sample, and there we follow the CENC block counter.
 *    With an 8-byte IV the low half starts at 0 and cannot wrap.
 *
 * Only 'cenc' is implemented. The pattern schemes 'cens' (CTR with a
 * crypt/skip pattern) and 'cbcs'/'cbc1' (AES-CBC) are not supported.
 */
#ifndef RHEAP_SRC_SP_SP_CENC_H
#define RHEAP_SRC_SP_SP_CENC_H

#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>

#define SP_CENC_KEY_SIZE 16u
#define SP_CENC_BLOCK_SIZE 16u
#define SP_CENC_IV_SIZE_SHORT 8u
#define SP_CENC_IV_SIZE_FULL 16u

/**
 * struct sp_cenc_key - an AES-128 content key
 * @bytes: the key; secret. Whoever owns a copy wipes it when done
 *         (the key store does, see sp_keys.h).
 */
struct sp_cenc_key {
	uint8_t bytes[SP_CENC_KEY_SIZE];
};

/**
 * struct sp_cenc_subsample - one entry of a sample's subsample map
 * @clear_size:     BytesOfClearData: bytes copied unchanged
 * @protected_size: BytesOfProtectedData: bytes that follow the clear
 *                  bytes and are decrypted
 *
 * The field widths are those of the 'senc' box (ISO/IEC 23001-7, 7.2.2).
 */
struct sp_cenc_subsample {
	uint16_t clear_size;
	uint32_t protected_size;
};

/**
 * sp_cenc_validate_map() - check that a subsample map covers a sample
 * @subs:      the map (untrusted values), or NULL for "no map"
 * @sub_count: entries in @subs; must be 0 when @subs is NULL
 * @in_size:   size of the sample in bytes
 * @diag:      optional; names the rejected field on failure
 *
 * Without a map the whole sample is protected and any @in_size is valid.
 * With a map (even one of zero entries) the clear and protected sizes must
 * add up to exactly @in_size. Sums are computed in 64 bits with overflow
 * checks, and the walk stops at the first entry that goes past @in_size.
 *
 * Return: 0; -EINVAL if @subs is NULL with a non-zero @sub_count, or if the
 * map's total is shorter or longer than @in_size (field
 * "subsamples.bytes_of_protected_data" or "...bytes_of_clear_data" with the
 * index of the entry that overran, or "subsamples" with the total).
 */
int sp_cenc_validate_map(const struct sp_cenc_subsample *subs,
			 uint32_t sub_count, size_t in_size,
			 struct rheap_diag *diag);

/**
 * sp_cenc_decrypt() - decrypt one 'cenc' sample
 * @key:       the content key; must not be NULL
 * @iv:        the sample's IV (untrusted); @iv_size bytes are read
 * @iv_size:   8 or 16
 * @subs:      subsample map (untrusted), or NULL: whole sample protected
 * @sub_count: entries in @subs (0 when @subs is NULL)
 * @in:        the encrypted sample, @in_size bytes (untrusted contents)
 * @in_size:   sample size in bytes; 0 is a valid, empty sample
 * @out:       destination, at least @in_size bytes; may be exactly @in
 *             (in place), must not partially overlap @in
 * @out_size:  size of @out in bytes
 * @diag:      optional; names the rejected field on failure
 *
 * Everything is validated before the first byte of @out is written: on any
 * error @out is untouched. The AES key schedule lives on the stack for the
 * duration of the call and is wiped before return.
 *
 * Return: 0 with @in_size bytes of plaintext in @out; -EINVAL if @iv_size
 * is not 8 or 16 (field "iv_size"), the map is invalid (see
 * sp_cenc_validate_map()) or @out partially overlaps @in (field "out");
 * -ENOSPC if @out_size < @in_size (field "out_size").
 */
int sp_cenc_decrypt(const struct sp_cenc_key *key, const uint8_t *iv,
		    size_t iv_size, const struct sp_cenc_subsample *subs,
		    uint32_t sub_count, const uint8_t *in, size_t in_size,
		    uint8_t *out, size_t out_size, struct rheap_diag *diag);

#endif /* RHEAP_SRC_SP_SP_CENC_H */
