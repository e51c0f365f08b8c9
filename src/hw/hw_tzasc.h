/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TZASC model: a TZC-400-like TrustZone address-space controller.
 *
 * Pure state in caller-owned storage: no allocation, no I/O, no libc call
 * beyond what a freestanding build provides, so the same code could program
 * (or shadow) a real controller from firmware.
 *
 * Regions. Slot 0 is the background region: the whole 64-bit physical
 * address space, open to every stream class. Slots 1..region_count are
 * the programmable regions; `region_count` is the DT's `rheap,regions`
 * (struct rheap_plat_tzasc.region_count, 8 by default), counted as TZC-400
 * counts them: the background region is extra, so the default board has
 * 1 + 8 slots. A programmable region is [base, last], 4 KiB aligned at both
 * ends, and carries an access mask of enum hw_access bits. Programmable
 * regions never overlap one another, so an address is governed by the
 * region that contains it, else by the background (TZC-400 would pick the
 * highest-numbered region; with no overlaps the answer is the same).
 *
 * Operations (all leave the state untouched when they fail):
 *
 *   protect(base, size)    make [base, base + size) secure-only
 *                          (HW_ACCESS_SECURE). Touching an existing
 *                          secure region on either side coalesces into
 *                          it, and a range that fills the gap between two
 *                          regions bridges them into one (freeing a slot),
 *                          so adjacent pools cost one region. Overlapping
 *                          an existing region: -EBUSY. No free slot when
 *                          one is needed: -ENOSPC.
 *   unprotect(base, size)  return a range to the background. It must lie
 *                          entirely inside one region (-ENOENT if it
 *                          touches no region, -EINVAL if it straddles a
 *                          region edge or spans several). Trimming either
 *                          end shrinks the region; the whole region frees
 *                          the slot; a hole in the middle splits the
 *                          region and needs a free slot (-ENOSPC if none).
 *   check(pa, size, class) 0 if every byte is open to the stream class,
 *                          -EPERM otherwise.
 *
 * Life cycle of a programmable slot:
 *
 *   FREE --protect (no neighbour)--> ENABLED
 *   FREE --unprotect (split)--> ENABLED     (takes the upper part)
 *   ENABLED --protect (adjacent)--> ENABLED (grown)
 *   ENABLED --unprotect (edge)--> ENABLED   (shrunk)
 *   ENABLED --unprotect (whole) / protect (bridge, upper slot)--> FREE
 *
 * Invariants, checked by hw_tzasc_validate() and after every mutation in
 * the unit tests: slot 0 is [0, UINT64_MAX] with HW_ACCESS_ALL; enabled
 * programmable slots are 4 KiB aligned, non-empty, pairwise disjoint and
 * never adjacent with equal access (they would have been coalesced); free
 * slots are all-zero. Slot numbers are stable: a region keeps its slot
 * while it grows or shrinks, which is what an operator listing expects.
 *
 * Snapshots: struct hw_tzasc is a plain value. Copy it (`snap = *tz`) to
 * take a snapshot and compare with hw_tzasc_eq() (never memcmp).
 *
 * Not thread-safe: the owner (the SPMC) serialises calls.
 */
#ifndef RHEAP_SRC_HW_HW_TZASC_H
#define RHEAP_SRC_HW_HW_TZASC_H

#include <stdbool.h>
#include <stdint.h>

#include <rheap/platform.h>

/** Most programmable regions a TZASC may have (the DT binding's limit). */
#define HW_TZASC_MAX_REGIONS 64u
/** Region granule: bases and sizes are multiples of this. */
#define HW_TZASC_GRANULE 4096u

/**
 * enum hw_access - stream classes, as bits of an access mask
 * @HW_ACCESS_NS_CPU: a non-secure CPU access (the normal world)
 * @HW_ACCESS_NS_DEV: a non-secure device access (DMA, any stream)
 * @HW_ACCESS_S_CPU:  a secure CPU access (SPMC, secure partitions)
 * @HW_ACCESS_S_DEV:  a secure device access (secure-capable stream in a
 *                    secure transaction)
 */
enum hw_access {
	HW_ACCESS_NS_CPU = 1u << 0,
	HW_ACCESS_NS_DEV = 1u << 1,
	HW_ACCESS_S_CPU = 1u << 2,
	HW_ACCESS_S_DEV = 1u << 3,
};

/** Every class: the background region's mask. */
#define HW_ACCESS_ALL                                                       \
	((uint32_t)(HW_ACCESS_NS_CPU | HW_ACCESS_NS_DEV | HW_ACCESS_S_CPU | \
		    HW_ACCESS_S_DEV))
/** Secure classes only: the mask hw_tzasc_protect() programs. */
#define HW_ACCESS_SECURE ((uint32_t)(HW_ACCESS_S_CPU | HW_ACCESS_S_DEV))

/**
 * struct hw_tzasc_region - one slot
 * @base:    first byte; 4 KiB aligned; 0 for slot 0 and for free slots
 * @last:    last byte (inclusive, so slot 0 can span all 2^64 bytes);
 *           `last + 1` is 4 KiB aligned for programmable slots
 * @access:  enum hw_access bits allowed; 0 for free slots
 * @enabled: the slot is in use (always true for slot 0)
 */
struct hw_tzasc_region {
	uint64_t base;
	uint64_t last;
	uint32_t access;
	bool enabled;
};

/**
 * struct hw_tzasc - controller state
 * @region_count: programmable slots, 0..HW_TZASC_MAX_REGIONS; fixed at
 *                init
 * @regions:      [0] background, [1..region_count] programmable; entries
 *                past region_count stay zero
 */
struct hw_tzasc {
	uint32_t region_count;
	struct hw_tzasc_region regions[1 + HW_TZASC_MAX_REGIONS];
};

/**
 * hw_tzasc_init() - reset a controller: background only, every slot free
 * @tz:           caller storage
 * @region_count: programmable slots (0 is allowed: a board without a
 *                TZASC can then protect nothing)
 *
 * Return: 0; -EINVAL if @region_count > HW_TZASC_MAX_REGIONS (@tz is then
 * left untouched).
 */
int hw_tzasc_init(struct hw_tzasc *tz, uint32_t region_count);

/**
 * hw_tzasc_init_platform() - hw_tzasc_init() with the platform's count
 * @tz:   caller storage
 * @plat: a decoded platform (its tzasc.region_count is used)
 *
 * Return: as hw_tzasc_init().
 */
int hw_tzasc_init_platform(struct hw_tzasc *tz,
			   const struct rheap_platform *plat);

/**
 * hw_tzasc_protect() - make a range secure-only
 * @tz:   the controller
 * @base: first byte, 4 KiB aligned
 * @size: bytes, a non-zero multiple of 4 KiB
 *
 * Coalesces with a secure region that ends at @base or starts at
 * @base + @size (both: the two merge and the upper slot is freed).
 *
 * Return: 0; -EINVAL for a zero or misaligned @base/@size; -EOVERFLOW if
 * @base + @size wraps past 2^64; -EBUSY if the range overlaps a
 * programmable region; -ENOSPC if a new slot is needed and none is free.
 * On error nothing changes.
 */
int hw_tzasc_protect(struct hw_tzasc *tz, uint64_t base, uint64_t size);

/**
 * hw_tzasc_unprotect() - return a range to the background (non-secure)
 * @tz:   the controller
 * @base: first byte, 4 KiB aligned
 * @size: bytes, a non-zero multiple of 4 KiB
 *
 * Return: 0; -EINVAL for a zero or misaligned @base/@size, or a range that
 * is not inside a single region; -EOVERFLOW if @base + @size wraps;
 * -ENOENT if no programmable region overlaps the range; -ENOSPC if the
 * range is strictly inside a region (a split) and no slot is free. On
 * error nothing changes.
 */
int hw_tzasc_unprotect(struct hw_tzasc *tz, uint64_t base, uint64_t size);

/**
 * hw_tzasc_check() - may a stream class access a range?
 * @tz:     the controller
 * @pa:     first byte (any alignment)
 * @size:   bytes, non-zero
 * @access: exactly one enum hw_access bit
 *
 * Return: 0 if every byte of [@pa, @pa + @size) allows @access; -EPERM if
 * any byte does not; -EINVAL if @size is 0 or @access is not a single
 * class bit; -EOVERFLOW if the range wraps past 2^64 (a range may end
 * exactly at 2^64).
 */
int hw_tzasc_check(const struct hw_tzasc *tz, uint64_t pa, uint64_t size,
		   uint32_t access);

/**
 * hw_tzasc_is_secure() - does any byte of a range sit in a secure region?
 * @tz:   the controller
 * @pa:   first byte
 * @size: bytes; 0 or a wrapping range yields false
 *
 * Return: true if some programmable region overlaps the range.
 */
bool hw_tzasc_is_secure(const struct hw_tzasc *tz, uint64_t pa,
			uint64_t size);

/**
 * hw_tzasc_regions_used() - programmable slots in use
 * @tz: the controller
 *
 * Return: 0..region_count (the background slot is not counted).
 */
uint32_t hw_tzasc_regions_used(const struct hw_tzasc *tz);

/**
 * hw_tzasc_region_get() - read one slot, for listings
 * @tz:    the controller
 * @index: 0 (background) .. region_count
 * @out:   the slot's value (free slots read as all-zero, enabled false)
 *
 * Return: 0; -ENOENT if @index > region_count.
 */
int hw_tzasc_region_get(const struct hw_tzasc *tz, uint32_t index,
			struct hw_tzasc_region *out);

/**
 * hw_tzasc_eq() - field-wise equality of two controller states
 * @a: one state
 * @b: the other
 *
 * Compares region_count and every slot up to it.
 *
 * Return: true if equal.
 */
bool hw_tzasc_eq(const struct hw_tzasc *a, const struct hw_tzasc *b);

/**
 * hw_tzasc_validate() - check the invariants listed at the top of this file
 * @tz: the controller
 *
 * Return: 0 if they hold; -EINVAL on the first broken one (internal
 * corruption; the caller treats it as fatal).
 */
int hw_tzasc_validate(const struct hw_tzasc *tz);

#endif /* RHEAP_SRC_HW_HW_TZASC_H */
