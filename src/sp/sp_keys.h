/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * Content-key store of the SDP partition: AES-128 keys addressed by their
 * 16-byte key ID (KID, the `default_KID` of a 'tenc' box or a KID of a
 * 'pssh' box).
 *
 * Keys are provisioned from a text file that the board reads; this module
 * only ever sees the bytes (pure, no I/O, no allocation). The format, one
 * key per line:
 *
 *   # comment
 *   <KID> <KEY>
 *
 * KID: 32 hex digits, or the same 16 bytes in UUID form
 *      (8-4-4-4-12 hex digits with dashes, as `mp4dump` and DASH
 *      manifests print them). KEY: 32 hex digits. Either case. The two are
 * separated by spaces or tabs; leading and trailing blanks, "\r\n" line
 * ends, blank lines and lines whose first non-blank is '#' are allowed.
 * Anything else (a third field, a comment after a key, a short or long
 * field, a non-hex digit, a KID given twice, more than `SP_KEYS_MAX` keys)
 * rejects the whole file.
 *
 * Life cycle of a `struct sp_keys`:
 *
 *   sp_keys_init() ---------------------------> EMPTY (count 0)
 *   EMPTY/LOADED --sp_keys_decode() ok--------> LOADED (old keys wiped)
 *   EMPTY/LOADED --sp_keys_decode() rejects---> unchanged
 *   LOADED --sp_keys_add() ok-----------------> LOADED (one more key)
 *   any --sp_keys_fini()----------------------> EMPTY, every byte wiped
 *
 * A store may be initialised again after sp_keys_fini(). Key bytes are
 * wiped with `mbedtls_platform_zeroize()`, which the compiler may not drop,
 * whenever they leave the store (fini, replacement, scratch copies).
 */
#ifndef RHEAP_SRC_SP_SP_KEYS_H
#define RHEAP_SRC_SP_SP_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>

#include "sp/sp_cenc.h"

/* Most keys one store holds: a few titles' worth of tracks and periods. */
#define SP_KEYS_MAX 64u
#define SP_KID_SIZE 16u
/* Bytes of one line written by sp_keys_encode(): 32 + 1 + 32 + '\n'. */
#define SP_KEYS_LINE_SIZE 66u

/**
 * struct sp_key_entry - one provisioned key
 * @kid: the key ID (public)
 * @key: the content key (secret)
 */
struct sp_key_entry {
	uint8_t kid[SP_KID_SIZE];
	struct sp_cenc_key key;
};

/**
 * struct sp_keys - the key store
 * @entries: the keys; entries at and after @count are all zero
 * @count:   number of keys, at most `SP_KEYS_MAX`; KIDs are unique
 */
struct sp_keys {
	struct sp_key_entry entries[SP_KEYS_MAX];
	uint32_t count;
};

/**
 * sp_keys_init() - make an empty store
 * @ks: caller-owned storage; must not be NULL
 */
void sp_keys_init(struct sp_keys *ks);

/**
 * sp_keys_fini() - wipe every key and leave the store empty
 * @ks: the store; must not be NULL
 */
void sp_keys_fini(struct sp_keys *ks);

/**
 * sp_keys_decode() - replace the store's keys with those of a key file
 * @ks:   the store; must not be NULL
 * @text: the file's bytes (untrusted; secret); need not be NUL-terminated
 * @size: number of bytes in @text
 * @diag: optional; on rejection field "line", value = the 1-based line
 *        number, reason = what is wrong with it (never the line's bytes)
 *
 * The file is parsed into scratch storage; only a fully valid file
 * replaces the store (whose old keys are wiped), and the scratch copy is
 * wiped on every path. An empty file, or one of only comments, is valid
 * and empties the store.
 *
 * Return: the number of keys loaded (>= 0); -EINVAL if any line breaks the
 * format (see the top of this file), including a KID seen on an earlier
 * line and a key beyond `SP_KEYS_MAX` (limit set to `SP_KEYS_MAX`).
 */
int sp_keys_decode(struct sp_keys *ks, const uint8_t *text, size_t size,
		   struct rheap_diag *diag);

/**
 * sp_keys_encode() - write the store as a key file
 * @ks:   the store; must not be NULL
 * @buf:  output; receives secrets, which the caller must wipe
 * @size: size of @buf in bytes
 *
 * Writes one "<kid> <key>\n" line per key, lower-case hex, in store order,
 * with no NUL terminator: `SP_KEYS_LINE_SIZE * count` bytes.
 * sp_keys_decode() of the result yields an equal store.
 *
 * Return: the number of bytes written; -ENOSPC if @size is too small
 * (nothing is written then).
 */
int sp_keys_encode(const struct sp_keys *ks, uint8_t *buf, size_t size);

/**
 * sp_keys_add() - add one key
 * @ks:  the store; must not be NULL
 * @kid: the key ID, 16 bytes
 * @key: the key; copied
 *
 * Return: 0; -EINVAL if @kid is already in the store; -ENOSPC if the store
 * holds `SP_KEYS_MAX` keys.
 */
int sp_keys_add(struct sp_keys *ks, const uint8_t kid[SP_KID_SIZE],
		const struct sp_cenc_key *key);

/**
 * sp_keys_find() - look a key up by its KID
 * @ks:  the store; must not be NULL
 * @kid: the key ID (untrusted), 16 bytes
 * @key: out: points into the store, valid until the next decode, add or
 *       fini; left untouched on failure
 *
 * Return: 0; -ENOENT if no key has that KID.
 */
int sp_keys_find(const struct sp_keys *ks, const uint8_t kid[SP_KID_SIZE],
		 const struct sp_cenc_key **key);

/**
 * sp_keys_eq() - field-wise comparison of two stores (tests, fuzzing)
 * @a: a store
 * @b: another
 *
 * Not constant-time: do not use it to compare a secret with an
 * attacker-chosen value.
 *
 * Return: true if both hold the same KIDs and keys in the same order.
 */
bool sp_keys_eq(const struct sp_keys *a, const struct sp_keys *b);

#endif /* RHEAP_SRC_SP_SP_KEYS_H */
