// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for rheap_platform_decode() (src/boot/platform.c).
 *
 * Properties, abort() on violation:
 *  - an accepted description satisfies the output invariants: counts within
 *    the tables, names NUL-terminated and unique, pools 4 KiB aligned, inside
 *    one DRAM range and pairwise disjoint, DRAM ranges disjoint, stream IDs
 *    unique, partition IDs secure and unique;
 *  - decoding is deterministic: the same bytes decode to a field-wise equal
 *    value a second time, and the rejection (errno, field) is the same too;
 *  - a rejected input leaves the output all zero.
 * The description has no encoder, so determinism stands in for the
 * round-trip property of the other codecs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/diag.h>
#include <rheap/err.h>
#include <rheap/platform.h>

#define FUZZ_MAX (256 * 1024)

#define CHECK(x)                                                              \
	do {                                                                  \
		if (!(x)) {                                                   \
			abort();                                              \
		}                                                             \
	} while (0)

/* libfdt wants an 8-byte aligned blob; libFuzzer's buffer usually is. */
static uint64_t aligned[FUZZ_MAX / 8];
static struct rheap_platform first;
static struct rheap_platform second;

static bool str_ok(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static bool overlap(uint64_t b1, uint64_t s1, uint64_t b2, uint64_t s2)
{
	return b1 < b2 + s2 && b2 < b1 + s1;
}

static void check_dram(const struct rheap_platform *p)
{
	CHECK(p->dram_count >= 1 && p->dram_count <= RHEAP_PLAT_MAX_DRAM);
	for (uint32_t i = 0; i < p->dram_count; i++) {
		uint64_t end = 0;

		CHECK(p->dram[i].size != 0);
		CHECK(!__builtin_add_overflow(p->dram[i].base, p->dram[i].size,
					      &end));
		for (uint32_t j = 0; j < i; j++) {
			CHECK(!overlap(p->dram[i].base, p->dram[i].size,
				       p->dram[j].base, p->dram[j].size));
		}
	}
}

static void check_pools(const struct rheap_platform *p)
{
	CHECK(p->pool_count <= RHEAP_PLAT_MAX_POOLS);
	for (uint32_t i = 0; i < p->pool_count; i++) {
		const struct rheap_plat_pool *a = &p->pools[i];
		bool inside = false;

		CHECK(str_ok(a->name, sizeof(a->name)) && a->name[0] != '\0');
		CHECK(a->size != 0 && a->size % 4096 == 0);
		CHECK(a->alignment >= 4096 &&
		      (a->alignment & (a->alignment - 1)) == 0);
		CHECK(a->base % a->alignment == 0);
		CHECK(a->kind == RHEAP_POOL_STATIC ||
		      a->kind == RHEAP_POOL_DYNAMIC);
		CHECK(!a->placed || a->kind == RHEAP_POOL_DYNAMIC);
		CHECK(a->use_case >= RHEAP_USE_CASE_SECURE_VIDEO &&
		      a->use_case <= RHEAP_USE_CASE_SECURE_VIDEO_RECORD);
		for (uint32_t d = 0; d < p->dram_count; d++) {
			if (a->base >= p->dram[d].base &&
			    a->base - p->dram[d].base <= p->dram[d].size &&
			    a->size <= p->dram[d].size -
						(a->base - p->dram[d].base)) {
				inside = true;
			}
		}
		CHECK(inside);
		for (uint32_t j = 0; j < i; j++) {
			CHECK(!overlap(a->base, a->size, p->pools[j].base,
				       p->pools[j].size));
			CHECK(strcmp(a->name, p->pools[j].name) != 0);
		}
		if (a->kind == RHEAP_POOL_STATIC) {
			CHECK(p->tzasc.region_count >= 1);
		}
	}
}

static void check_rest(const struct rheap_platform *p)
{
	CHECK(str_ok(p->model, sizeof(p->model)));
	CHECK(p->device_count <= RHEAP_PLAT_MAX_DEVICES);
	for (uint32_t i = 0; i < p->device_count; i++) {
		const struct rheap_plat_device *a = &p->devices[i];

		CHECK(str_ok(a->name, sizeof(a->name)) && a->name[0] != '\0');
		CHECK(a->secure ? a->use_case_mask != 0
				: a->use_case_mask == 0);
		CHECK((a->use_case_mask & ~UINT32_C(0xe)) == 0);
		for (uint32_t j = 0; j < i; j++) {
			CHECK(a->stream_id != p->devices[j].stream_id);
			CHECK(strcmp(a->name, p->devices[j].name) != 0);
		}
	}
	CHECK(p->tzasc.region_count <= 64);
	CHECK(p->partition_count <= RHEAP_PLAT_MAX_PARTITIONS);
	for (uint32_t i = 0; i < p->partition_count; i++) {
		const struct rheap_plat_partition *a = &p->partitions[i];

		CHECK(str_ok(a->name, sizeof(a->name)) && a->name[0] != '\0');
		CHECK((a->id & 0x8000u) != 0);
		for (uint32_t j = 0; j < i; j++) {
			CHECK(a->id != p->partitions[j].id);
			CHECK(memcmp(a->uuid, p->partitions[j].uuid,
				     sizeof(a->uuid)) != 0);
		}
	}
}

/* Field-wise equality; never memcmp on structs (padding). */
static bool plat_eq(const struct rheap_platform *a,
		    const struct rheap_platform *b)
{
	bool eq = strcmp(a->model, b->model) == 0 &&
		  a->dram_count == b->dram_count &&
		  a->pool_count == b->pool_count &&
		  a->device_count == b->device_count &&
		  a->partition_count == b->partition_count &&
		  a->tzasc.base == b->tzasc.base &&
		  a->tzasc.size == b->tzasc.size &&
		  a->tzasc.region_count == b->tzasc.region_count;

	for (uint32_t i = 0; eq && i < a->dram_count; i++) {
		eq = a->dram[i].base == b->dram[i].base &&
		     a->dram[i].size == b->dram[i].size;
	}
	for (uint32_t i = 0; eq && i < a->pool_count; i++) {
		const struct rheap_plat_pool *x = &a->pools[i];
		const struct rheap_plat_pool *y = &b->pools[i];

		eq = strcmp(x->name, y->name) == 0 && x->base == y->base &&
		     x->size == y->size && x->alignment == y->alignment &&
		     x->kind == y->kind && x->use_case == y->use_case &&
		     x->phandle == y->phandle && x->placed == y->placed;
	}
	for (uint32_t i = 0; eq && i < a->device_count; i++) {
		const struct rheap_plat_device *x = &a->devices[i];
		const struct rheap_plat_device *y = &b->devices[i];

		eq = strcmp(x->name, y->name) == 0 &&
		     x->stream_id == y->stream_id && x->secure == y->secure &&
		     x->use_case_mask == y->use_case_mask;
	}
	for (uint32_t i = 0; eq && i < a->partition_count; i++) {
		const struct rheap_plat_partition *x = &a->partitions[i];
		const struct rheap_plat_partition *y = &b->partitions[i];

		eq = strcmp(x->name, y->name) == 0 && x->id == y->id &&
		     memcmp(x->uuid, y->uuid, sizeof(x->uuid)) == 0;
	}
	return eq;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		acc |= b[i];
	}
	return acc == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rheap_diag d1 = { 0 };
	struct rheap_diag d2 = { 0 };
	int rc1 = 0;
	int rc2 = 0;

	if (size > sizeof(aligned)) {
		return 0;
	}
	memcpy(aligned, data, size);
	rc1 = rheap_platform_decode(aligned, size, &first, &d1);
	rc2 = rheap_platform_decode(aligned, size, &second, &d2);
	CHECK(rc1 == rc2);
	if (rc1 != 0) {
		CHECK(rc1 == -EINVAL || rc1 == -ENOSPC);
		CHECK(d1.field != NULL && d2.field != NULL);
		CHECK(strcmp(d1.field, d2.field) == 0);
		CHECK(strcmp(d1.subject, d2.subject) == 0);
		CHECK(all_zero(&first, sizeof(first)));
		return 0;
	}
	CHECK(d1.field == NULL);
	check_dram(&first);
	check_pools(&first);
	check_rest(&first);
	CHECK(plat_eq(&first, &second));
	return 0;
}
