// SPDX-License-Identifier: BSD-2-Clause
/*
 * SMMU model. The contract, the data structure choice and the mapping life
 * cycle are in hw_smmu.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/platform.h>

#include "hw_smmu.h"

/*
 * struct smmu_ctx - one translation context
 * @maps:     extents sorted by iova; [0, count) valid, pairwise disjoint
 *            in IOVA (PAs may alias: two IOVAs may reach one page)
 * @count:    valid extents, <= cap <= HW_SMMU_MAX_MAPPINGS
 * @cap:      allocated entries of @maps (0 with @maps NULL)
 */
struct smmu_ctx {
	struct hw_smmu_mapping *maps;
	uint32_t count;
	uint32_t cap;
};

/*
 * struct smmu_stream - one stream table entry
 * @info: ID and capability, fixed at create
 * @ctx:  [HW_SMMU_CTX_NS] always usable; [HW_SMMU_CTX_S] stays empty
 *        unless @info.secure
 */
struct smmu_stream {
	struct hw_smmu_stream_info info;
	struct smmu_ctx ctx[HW_SMMU_CTX_COUNT];
};

/*
 * Streams in platform order; stream IDs unique. @map_fail: test hook,
 * map calls left to fail at the allocation step (hw_smmu_fail_inject()).
 */
struct hw_smmu {
	struct smmu_stream streams[RHEAP_PLAT_MAX_DEVICES];
	uint32_t stream_count;
	uint32_t map_fail;
};

static bool smmu_aligned(uint64_t v)
{
	return (v & (HW_SMMU_PAGE_SIZE - 1u)) == 0;
}

int hw_smmu_create(const struct rheap_platform *plat, struct hw_smmu **out)
{
	struct hw_smmu *smmu = NULL;

	if (plat->device_count > RHEAP_PLAT_MAX_DEVICES) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < plat->device_count; i++) {
		for (uint32_t j = i + 1u; j < plat->device_count; j++) {
			if (plat->devices[i].stream_id ==
			    plat->devices[j].stream_id) {
				return -EINVAL;
			}
		}
	}
	smmu = calloc(1, sizeof(*smmu));
	if (!smmu) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < plat->device_count; i++) {
		smmu->streams[i].info.stream_id = plat->devices[i].stream_id;
		smmu->streams[i].info.secure = plat->devices[i].secure;
	}
	smmu->stream_count = plat->device_count;
	*out = smmu;
	return 0;
}

void hw_smmu_destroy(struct hw_smmu *smmu)
{
	if (!smmu) {
		return;
	}
	for (uint32_t i = 0; i < smmu->stream_count; i++) {
		for (uint32_t c = 0; c < HW_SMMU_CTX_COUNT; c++) {
			free(smmu->streams[i].ctx[c].maps);
		}
	}
	free(smmu);
}

uint32_t hw_smmu_stream_count(const struct hw_smmu *smmu)
{
	return smmu->stream_count;
}

int hw_smmu_stream_get(const struct hw_smmu *smmu, uint32_t index,
		       struct hw_smmu_stream_info *out)
{
	if (index >= smmu->stream_count) {
		return -ENOENT;
	}
	*out = smmu->streams[index].info;
	return 0;
}

static const struct smmu_stream *smmu_stream(const struct hw_smmu *smmu,
					     uint32_t stream_id)
{
	for (uint32_t i = 0; i < smmu->stream_count; i++) {
		if (smmu->streams[i].info.stream_id == stream_id) {
			return &smmu->streams[i];
		}
	}
	return NULL;
}

int hw_smmu_stream_find(const struct hw_smmu *smmu, uint32_t stream_id,
			struct hw_smmu_stream_info *out)
{
	const struct smmu_stream *s = smmu_stream(smmu, stream_id);

	if (!s) {
		return -ENOENT;
	}
	if (out) {
		*out = s->info;
	}
	return 0;
}

/*
 * Resolve (stream, ctx) with the shared error rules (ctx already checked
 * against HW_SMMU_CTX_COUNT). Return: the stream's index, -ENOENT, -EPERM.
 */
static int smmu_context(const struct hw_smmu *smmu, uint32_t stream_id,
			uint32_t ctx)
{
	for (uint32_t i = 0; i < smmu->stream_count; i++) {
		const struct smmu_stream *s = &smmu->streams[i];

		if (s->info.stream_id != stream_id) {
			continue;
		}
		if (ctx == HW_SMMU_CTX_S && !s->info.secure) {
			return -EPERM;
		}
		return (int)i; /* < RHEAP_PLAT_MAX_DEVICES */
	}
	return -ENOENT;
}

/* Index of the first extent whose last byte is >= iova (count if none). */
static uint32_t smmu_lower_bound(const struct smmu_ctx *c, uint64_t iova)
{
	uint32_t lo = 0;
	uint32_t hi = c->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2u;
		const struct hw_smmu_mapping *m = &c->maps[mid];

		if (m->iova + (m->size - 1u) < iova) {
			lo = mid + 1u;
		} else {
			hi = mid;
		}
	}
	return lo;
}

/* The extent containing iova, or NULL. */
static const struct hw_smmu_mapping *smmu_lookup(const struct smmu_ctx *c,
						 uint64_t iova)
{
	uint32_t i = smmu_lower_bound(c, iova);

	if (i < c->count && c->maps[i].iova <= iova) {
		return &c->maps[i];
	}
	return NULL;
}

int hw_smmu_map(struct hw_smmu *smmu, uint32_t stream_id, uint32_t ctx,
		uint64_t iova, uint64_t pa, uint64_t size, uint32_t perms)
{
	struct smmu_ctx *c = NULL;
	uint64_t sum = 0;
	uint32_t at = 0;
	int rc = 0;

	if (ctx >= HW_SMMU_CTX_COUNT || perms == 0 ||
	    (perms & ~HW_SMMU_RW) != 0 || size == 0 || !smmu_aligned(iova) ||
	    !smmu_aligned(pa) || !smmu_aligned(size)) {
		return -EINVAL;
	}
	/* The ranges may end exactly at 2^64 but not beyond. */
	if ((__builtin_add_overflow(iova, size, &sum) && sum != 0) ||
	    (__builtin_add_overflow(pa, size, &sum) && sum != 0)) {
		return -EOVERFLOW;
	}
	rc = smmu_context(smmu, stream_id, ctx);
	if (rc < 0) {
		return rc;
	}
	c = &smmu->streams[rc].ctx[ctx];
	at = smmu_lower_bound(c, iova);
	if (at < c->count && c->maps[at].iova <= iova + (size - 1u)) {
		return -EBUSY;
	}
	if (c->count == HW_SMMU_MAX_MAPPINGS) {
		return -ENOSPC;
	}
	if (smmu->map_fail > 0) {
		/* Injected, whether or not the array would have grown. */
		smmu->map_fail--;
		return -ENOMEM;
	}
	if (c->count == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2u : 16u;
		struct hw_smmu_mapping *grown = NULL;

		if (cap > HW_SMMU_MAX_MAPPINGS) {
			cap = HW_SMMU_MAX_MAPPINGS;
		}
		grown = realloc(c->maps, (size_t)cap * sizeof(*grown));
		if (!grown) {
			return -ENOMEM;
		}
		c->maps = grown;
		c->cap = cap;
	}
	memmove(&c->maps[at + 1u], &c->maps[at],
		(size_t)(c->count - at) * sizeof(c->maps[0]));
	c->maps[at].iova = iova;
	c->maps[at].pa = pa;
	c->maps[at].size = size;
	c->maps[at].perms = perms;
	c->count++;
	return 0;
}

int hw_smmu_unmap(struct hw_smmu *smmu, uint32_t stream_id, uint32_t ctx,
		  uint64_t iova, uint64_t size)
{
	struct smmu_ctx *c = NULL;
	uint32_t at = 0;
	int rc = 0;

	if (ctx >= HW_SMMU_CTX_COUNT || size == 0) {
		return -EINVAL;
	}
	rc = smmu_context(smmu, stream_id, ctx);
	if (rc < 0) {
		return rc;
	}
	c = &smmu->streams[rc].ctx[ctx];
	at = smmu_lower_bound(c, iova);
	if (at >= c->count || c->maps[at].iova != iova ||
	    c->maps[at].size != size) {
		return -ENOENT;
	}
	memmove(&c->maps[at], &c->maps[at + 1u],
		(size_t)(c->count - at - 1u) * sizeof(c->maps[0]));
	c->count--;
	return 0;
}

int hw_smmu_unmap_all(struct hw_smmu *smmu, uint32_t stream_id, uint32_t ctx)
{
	struct smmu_ctx *c = NULL;
	int removed = 0;
	int rc = 0;

	if (ctx >= HW_SMMU_CTX_COUNT) {
		return -EINVAL;
	}
	rc = smmu_context(smmu, stream_id, ctx);
	if (rc < 0) {
		return rc;
	}
	c = &smmu->streams[rc].ctx[ctx];
	removed = (int)c->count; /* <= HW_SMMU_MAX_MAPPINGS */
	free(c->maps);
	c->maps = NULL;
	c->count = 0;
	c->cap = 0;
	return removed;
}

int hw_smmu_translate(const struct hw_smmu *smmu, uint32_t stream_id,
		      uint32_t ctx, uint64_t iova, uint64_t size,
		      uint32_t access, uint64_t *pa)
{
	const struct smmu_ctx *c = NULL;
	uint64_t last = 0;
	uint64_t cur = iova;
	uint64_t first_pa = 0;
	int rc = 0;

	if (ctx >= HW_SMMU_CTX_COUNT || access == 0 ||
	    (access & ~HW_SMMU_RW) != 0 || size == 0) {
		return -EINVAL;
	}
	last = iova + (size - 1u);
	if (last < iova) {
		return -EOVERFLOW;
	}
	rc = smmu_context(smmu, stream_id, ctx);
	if (rc < 0) {
		return rc;
	}
	c = &smmu->streams[rc].ctx[ctx];
	/*
	 * One extent at a time: inside an extent the PA run is contiguous,
	 * so only extent boundaries need the contiguity check. Checking
	 * every extent before answering keeps "mapped but denied" (-EPERM)
	 * and "partly unmapped" (-ENOENT) exact for the whole range.
	 */
	for (;;) {
		const struct hw_smmu_mapping *m = smmu_lookup(c, cur);
		uint64_t m_last = 0;
		uint64_t cur_pa = 0;

		if (!m) {
			return -ENOENT;
		}
		if ((m->perms & access) != access) {
			return -EPERM;
		}
		cur_pa = m->pa + (cur - m->iova);
		if (cur == iova) {
			first_pa = cur_pa;
		} else if (cur_pa != first_pa + (cur - iova)) {
			return -EINVAL;
		}
		m_last = m->iova + (m->size - 1u);
		if (m_last >= last) {
			break;
		}
		cur = m_last + 1u;
	}
	*pa = first_pa;
	return 0;
}

void hw_smmu_fail_inject(struct hw_smmu *smmu, uint32_t count)
{
	smmu->map_fail = count;
}

size_t hw_smmu_mapping_count(const struct hw_smmu *smmu)
{
	size_t total = 0;

	for (uint32_t i = 0; i < smmu->stream_count; i++) {
		for (uint32_t c = 0; c < HW_SMMU_CTX_COUNT; c++) {
			total += smmu->streams[i].ctx[c].count;
		}
	}
	return total;
}

int hw_smmu_context_mapping_count(const struct hw_smmu *smmu,
				  uint32_t stream_id, uint32_t ctx)
{
	const struct smmu_ctx *c = NULL;
	int rc = 0;

	if (ctx >= HW_SMMU_CTX_COUNT) {
		return -EINVAL;
	}
	rc = smmu_context(smmu, stream_id, ctx);
	if (rc < 0) {
		return rc;
	}
	c = &smmu->streams[rc].ctx[ctx];
	return (int)c->count;
}

int hw_smmu_mapping_get(const struct hw_smmu *smmu, uint32_t stream_id,
			uint32_t ctx, uint32_t index,
			struct hw_smmu_mapping *out)
{
	const struct smmu_ctx *c = NULL;
	int rc = 0;

	if (ctx >= HW_SMMU_CTX_COUNT) {
		return -EINVAL;
	}
	rc = smmu_context(smmu, stream_id, ctx);
	if (rc < 0) {
		return rc;
	}
	c = &smmu->streams[rc].ctx[ctx];
	if (index >= c->count) {
		return -ENOENT;
	}
	*out = c->maps[index];
	return 0;
}
