// SPDX-License-Identifier: BSD-2-Clause
/*
 * TZASC model. The contract and the region life cycle are in hw_tzasc.h.
 *
 * Every mutating operation first decides, without writing, what the new
 * state will be (which slots change and how), and only then writes it, so
 * a failure can never leave a half-applied change. With at most 64 slots a
 * linear scan is both the simplest and the fastest structure.
 */
#include <stdbool.h>
#include <stdint.h>

#include <rheap/err.h>
#include <rheap/platform.h>

#include "hw_tzasc.h"

#define TZASC_NONE UINT32_MAX

static const struct hw_tzasc_region tzasc_free_slot = { 0 };

static bool tzasc_aligned(uint64_t v)
{
	return (v & (HW_TZASC_GRANULE - 1u)) == 0;
}

/* Validate a protect/unprotect range; on success *last is its last byte. */
static int tzasc_range(uint64_t base, uint64_t size, uint64_t *last)
{
	uint64_t end = 0;

	if (size == 0 || !tzasc_aligned(base) || !tzasc_aligned(size)) {
		return -EINVAL;
	}
	/* `end` may be exactly 2^64 (wraps to 0); then last is UINT64_MAX. */
	if (__builtin_add_overflow(base, size, &end) && end != 0) {
		return -EOVERFLOW;
	}
	*last = base + (size - 1u);
	if (*last < base) {
		return -EOVERFLOW;
	}
	return 0;
}

static bool tzasc_overlaps(const struct hw_tzasc_region *r, uint64_t base,
			   uint64_t last)
{
	return r->enabled && r->base <= last && base <= r->last;
}

static uint32_t tzasc_free_index(const struct hw_tzasc *tz)
{
	for (uint32_t i = 1; i <= tz->region_count; i++) {
		if (!tz->regions[i].enabled) {
			return i;
		}
	}
	return TZASC_NONE;
}

int hw_tzasc_init(struct hw_tzasc *tz, uint32_t region_count)
{
	if (region_count > HW_TZASC_MAX_REGIONS) {
		return -EINVAL;
	}
	tz->region_count = region_count;
	for (uint32_t i = 0; i <= HW_TZASC_MAX_REGIONS; i++) {
		tz->regions[i] = tzasc_free_slot;
	}
	tz->regions[0].base = 0;
	tz->regions[0].last = UINT64_MAX;
	tz->regions[0].access = HW_ACCESS_ALL;
	tz->regions[0].enabled = true;
	return 0;
}

int hw_tzasc_init_platform(struct hw_tzasc *tz,
			   const struct rheap_platform *plat)
{
	return hw_tzasc_init(tz, plat->tzasc.region_count);
}

int hw_tzasc_protect(struct hw_tzasc *tz, uint64_t base, uint64_t size)
{
	uint64_t last = 0;
	uint32_t below = TZASC_NONE; /* secure region ending at base - 1 */
	uint32_t above = TZASC_NONE; /* secure region starting at last + 1 */
	uint32_t slot = TZASC_NONE;
	int rc = tzasc_range(base, size, &last);

	if (rc) {
		return rc;
	}
	for (uint32_t i = 1; i <= tz->region_count; i++) {
		const struct hw_tzasc_region *r = &tz->regions[i];

		if (!r->enabled) {
			continue;
		}
		if (tzasc_overlaps(r, base, last)) {
			return -EBUSY;
		}
		if (r->access != HW_ACCESS_SECURE) {
			continue; /* only equal masks may merge */
		}
		if (base != 0 && r->last == base - 1u) {
			below = i;
		}
		if (last != UINT64_MAX && r->base == last + 1u) {
			above = i;
		}
	}

	/* Decided; from here on nothing fails. */
	if (below != TZASC_NONE && above != TZASC_NONE) {
		/* Bridge: the lower slot absorbs the range and the upper one. */
		tz->regions[below].last = tz->regions[above].last;
		tz->regions[above] = tzasc_free_slot;
		return 0;
	}
	if (below != TZASC_NONE) {
		tz->regions[below].last = last;
		return 0;
	}
	if (above != TZASC_NONE) {
		tz->regions[above].base = base;
		return 0;
	}
	slot = tzasc_free_index(tz);
	if (slot == TZASC_NONE) {
		return -ENOSPC;
	}
	tz->regions[slot].base = base;
	tz->regions[slot].last = last;
	tz->regions[slot].access = HW_ACCESS_SECURE;
	tz->regions[slot].enabled = true;
	return 0;
}

int hw_tzasc_unprotect(struct hw_tzasc *tz, uint64_t base, uint64_t size)
{
	uint64_t last = 0;
	uint32_t owner = TZASC_NONE;
	uint32_t slot = TZASC_NONE;
	struct hw_tzasc_region *r = NULL;
	int rc = tzasc_range(base, size, &last);

	if (rc) {
		return rc;
	}
	for (uint32_t i = 1; i <= tz->region_count; i++) {
		if (!tzasc_overlaps(&tz->regions[i], base, last)) {
			continue;
		}
		if (owner != TZASC_NONE) {
			return -EINVAL; /* spans two regions */
		}
		owner = i;
	}
	if (owner == TZASC_NONE) {
		return -ENOENT;
	}
	r = &tz->regions[owner];
	if (base < r->base || last > r->last) {
		return -EINVAL; /* straddles an edge of the region */
	}

	if (base == r->base && last == r->last) {
		*r = tzasc_free_slot;
		return 0;
	}
	if (base == r->base) {
		r->base = last + 1u; /* last < r->last: no wrap */
		return 0;
	}
	if (last == r->last) {
		r->last = base - 1u; /* base > r->base >= 0 */
		return 0;
	}
	/* A hole in the middle: the upper remainder needs its own slot. */
	slot = tzasc_free_index(tz);
	if (slot == TZASC_NONE) {
		return -ENOSPC;
	}
	tz->regions[slot].base = last + 1u;
	tz->regions[slot].last = r->last;
	tz->regions[slot].access = r->access;
	tz->regions[slot].enabled = true;
	r->last = base - 1u;
	return 0;
}

int hw_tzasc_check(const struct hw_tzasc *tz, uint64_t pa, uint64_t size,
		   uint32_t access)
{
	uint64_t last = 0;
	uint64_t covered = 0; /* bytes of the range inside programmable slots */

	if (size == 0 || access == 0 || (access & (access - 1u)) != 0 ||
	    (access & ~HW_ACCESS_ALL) != 0) {
		return -EINVAL;
	}
	last = pa + (size - 1u);
	if (last < pa) {
		return -EOVERFLOW;
	}
	for (uint32_t i = 1; i <= tz->region_count; i++) {
		const struct hw_tzasc_region *r = &tz->regions[i];
		uint64_t lo = 0;
		uint64_t hi = 0;

		if (!tzasc_overlaps(r, pa, last)) {
			continue;
		}
		if ((r->access & access) == 0) {
			return -EPERM;
		}
		lo = r->base > pa ? r->base : pa;
		hi = r->last < last ? r->last : last;
		covered += hi - lo + 1u; /* disjoint slots: sums to <= size */
	}
	/* Bytes no programmable slot covers fall to the background. */
	if (covered < size && (tz->regions[0].access & access) == 0) {
		return -EPERM;
	}
	return 0;
}

bool hw_tzasc_is_secure(const struct hw_tzasc *tz, uint64_t pa,
			uint64_t size)
{
	uint64_t last = pa + (size - 1u);

	if (size == 0 || last < pa) {
		return false;
	}
	for (uint32_t i = 1; i <= tz->region_count; i++) {
		if (tzasc_overlaps(&tz->regions[i], pa, last)) {
			return true;
		}
	}
	return false;
}

uint32_t hw_tzasc_regions_used(const struct hw_tzasc *tz)
{
	uint32_t used = 0;

	for (uint32_t i = 1; i <= tz->region_count; i++) {
		if (tz->regions[i].enabled) {
			used++;
		}
	}
	return used;
}

int hw_tzasc_region_get(const struct hw_tzasc *tz, uint32_t index,
			struct hw_tzasc_region *out)
{
	if (index > tz->region_count) {
		return -ENOENT;
	}
	*out = tz->regions[index];
	return 0;
}

static bool tzasc_region_eq(const struct hw_tzasc_region *a,
			    const struct hw_tzasc_region *b)
{
	return a->base == b->base && a->last == b->last &&
	       a->access == b->access && a->enabled == b->enabled;
}

bool hw_tzasc_eq(const struct hw_tzasc *a, const struct hw_tzasc *b)
{
	if (a->region_count != b->region_count) {
		return false;
	}
	for (uint32_t i = 0; i <= a->region_count; i++) {
		if (!tzasc_region_eq(&a->regions[i], &b->regions[i])) {
			return false;
		}
	}
	return true;
}

int hw_tzasc_validate(const struct hw_tzasc *tz)
{
	const struct hw_tzasc_region *bg = &tz->regions[0];

	if (tz->region_count > HW_TZASC_MAX_REGIONS) {
		return -EINVAL;
	}
	if (!bg->enabled || bg->base != 0 || bg->last != UINT64_MAX ||
	    bg->access != HW_ACCESS_ALL) {
		return -EINVAL;
	}
	for (uint32_t i = 1; i <= HW_TZASC_MAX_REGIONS; i++) {
		const struct hw_tzasc_region *r = &tz->regions[i];

		if (!r->enabled || i > tz->region_count) {
			if (!tzasc_region_eq(r, &tzasc_free_slot)) {
				return -EINVAL;
			}
			continue;
		}
		if (r->last < r->base || !tzasc_aligned(r->base) ||
		    (r->last != UINT64_MAX && !tzasc_aligned(r->last + 1u)) ||
		    r->access == 0 || (r->access & ~HW_ACCESS_ALL) != 0) {
			return -EINVAL;
		}
		for (uint32_t j = i + 1u; j <= tz->region_count; j++) {
			const struct hw_tzasc_region *o = &tz->regions[j];

			if (!o->enabled) {
				continue;
			}
			if (tzasc_overlaps(o, r->base, r->last)) {
				return -EINVAL;
			}
			if (o->access == r->access &&
			    ((r->last != UINT64_MAX && o->base == r->last + 1u) ||
			     (o->last != UINT64_MAX && r->base == o->last + 1u))) {
				return -EINVAL; /* should have coalesced */
			}
		}
	}
	return 0;
}
