// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the SDP partition's key-file decoder (src/sp).
 *
 * The input is a key file. These properties must hold, else abort():
 *  - a rejection is -EINVAL naming field "line" with a line number that
 *    exists in the input, and leaves the store exactly as it was;
 *  - an accepted file yields at most SP_KEYS_MAX keys with distinct KIDs,
 *    each found by sp_keys_find();
 *  - round trip: encode, decode again, and the two stores are equal; the
 *    encoding is canonical (encoding the second store gives the same bytes).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/diag.h>
#include <rheap/err.h>

#include "sp/sp_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sp_keys g_a;
static struct sp_keys g_b;
static struct sp_keys g_seed;
static uint8_t g_text[SP_KEYS_MAX * SP_KEYS_LINE_SIZE];
static uint8_t g_text2[SP_KEYS_MAX * SP_KEYS_LINE_SIZE];

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static uint64_t count_lines(const uint8_t *data, size_t size)
{
	uint64_t n = size > 0 ? 1 : 0;

	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\n' && i + 1 < size) {
			n++;
		}
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t seed_kid[SP_KID_SIZE] = { 0x5e, 0xed };
	static const struct sp_cenc_key seed_key = { { 0x4b, 0x45, 0x59 } };
	struct rheap_diag diag = { 0 };
	const struct sp_cenc_key *k = NULL;
	int rc = 0;
	int len = 0;

	sp_keys_init(&g_a);
	check(sp_keys_add(&g_a, seed_kid, &seed_key) == 0);
	g_seed = g_a;

	rc = sp_keys_decode(&g_a, data, size, &diag);
	if (rc < 0) {
		check(rc == -EINVAL);
		check(diag.field != NULL && strcmp(diag.field, "line") == 0);
		check(diag.value >= 1 && diag.value <= count_lines(data, size));
		check(sp_keys_eq(&g_a, &g_seed));
		sp_keys_fini(&g_a);
		return 0;
	}
	check((uint32_t)rc == g_a.count && g_a.count <= SP_KEYS_MAX);
	for (uint32_t i = 0; i < g_a.count; i++) {
		check(sp_keys_find(&g_a, g_a.entries[i].kid, &k) == 0);
		check(k == &g_a.entries[i].key);
	}

	len = sp_keys_encode(&g_a, g_text, sizeof(g_text));
	check(len == (int)(g_a.count * SP_KEYS_LINE_SIZE));
	sp_keys_init(&g_b);
	check(sp_keys_decode(&g_b, g_text, (size_t)len, NULL) == rc);
	check(sp_keys_eq(&g_a, &g_b));
	check(sp_keys_encode(&g_b, g_text2, sizeof(g_text2)) == len);
	check(memcmp(g_text, g_text2, (size_t)len) == 0);

	sp_keys_fini(&g_a);
	sp_keys_fini(&g_b);
	return 0;
}
