/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Page-range allocator for rheapd's pools (pure: no I/O, no locks).
 *
 * It manages page numbers in [0, page_count). A page is either
 * UNAVAILABLE (the start state: e.g. a dynamic pool's chunk not lent yet),
 * FREE or ALLOCATED:
 *
 *   UNAVAILABLE --kalloc_add()--> FREE --kalloc_alloc()--> ALLOCATED
 *   ALLOCATED --kalloc_free()--> FREE --kalloc_remove()--> UNAVAILABLE
 *
 * Free space is kept as maximal extents (adjacent free extents always
 * merge), indexed by address and by size, so alloc and free are
 * O(log extents). Policy of kalloc_alloc():
 *   1. best fit: the smallest free extent that holds the whole request,
 *      lowest address among equals (keeps large extents whole and the
 *      busy part of a pool packed low, so idle chunks at the top empty);
 *   2. else, if the caller allows several extents, gather the largest
 *      free extents (lowest address among equals) until the request is
 *      met, taking only what is needed from the last one;
 *   3. else -ENOMEM, and nothing changed.
 * Every call either fully succeeds or changes nothing.
 */
#ifndef RHEAP_SRC_KERNEL_KALLOC_H
#define RHEAP_SRC_KERNEL_KALLOC_H

#include <stdbool.h>
#include <stdint.h>

/**
 * struct kalloc_extent - a run of pages
 * @first: first page number
 * @count: pages, non-zero
 */
struct kalloc_extent {
	uint64_t first;
	uint64_t count;
};

/**
 * struct kalloc_stats - free-space shape
 * @free_pages:     pages FREE
 * @free_extents:   maximal free extents
 * @largest_free:   pages in the largest one (0 if none)
 * @alloc_pages:    pages ALLOCATED
 */
struct kalloc_stats {
	uint64_t free_pages;
	uint64_t free_extents;
	uint64_t largest_free;
	uint64_t alloc_pages;
};

struct kalloc;

/**
 * kalloc_create() - an allocator over @page_count pages, all UNAVAILABLE
 * @page_count: 1..2^40
 * @out:        the allocator; untouched on failure
 *
 * Return: 0; -EINVAL @page_count out of range; -ENOMEM.
 */
int kalloc_create(uint64_t page_count, struct kalloc **out);

/**
 * kalloc_destroy() - free it (whatever its state)
 * @a: the allocator, or NULL
 */
void kalloc_destroy(struct kalloc *a);

/**
 * kalloc_add() - make UNAVAILABLE pages FREE
 * @a:     the allocator
 * @first: first page
 * @count: pages, non-zero
 *
 * Return: 0; -EINVAL range outside the allocator or not all UNAVAILABLE;
 * -ENOMEM.
 */
int kalloc_add(struct kalloc *a, uint64_t first, uint64_t count);

/**
 * kalloc_remove() - make FREE pages UNAVAILABLE
 * @a:     the allocator
 * @first: first page
 * @count: pages, non-zero
 *
 * Return: 0; -EBUSY if any page of it is ALLOCATED; -EINVAL range
 * outside the allocator or not all FREE otherwise; -ENOMEM (a split needs
 * a node; nothing changed).
 */
int kalloc_remove(struct kalloc *a, uint64_t first, uint64_t count);

/**
 * kalloc_alloc() - allocate @count pages as 1..@max_extents extents
 * @a:           the allocator
 * @count:       pages, non-zero
 * @max_extents: 1: contiguous only; more: scatter-gather allowed
 * @out:         caller storage for @max_extents extents, in the order
 *               taken (best fit: one extent)
 * @n_out:       out: extents written
 *
 * Return: 0; -EINVAL @count or @max_extents is 0; -ENOMEM not enough free
 * pages in at most @max_extents extents (nothing changed).
 */
int kalloc_alloc(struct kalloc *a, uint64_t count, uint32_t max_extents,
		 struct kalloc_extent *out, uint32_t *n_out);

/**
 * kalloc_free() - free one extent that kalloc_alloc() handed out
 * @a:     the allocator
 * @first: its first page
 * @count: its page count (the whole extent: no partial frees)
 *
 * Never fails for a valid extent: the allocator keeps a node per
 * allocated extent and reuses it for the free space.
 *
 * Return: 0; -EINVAL not an allocated extent of exactly that shape (a
 * double free, a guess).
 */
int kalloc_free(struct kalloc *a, uint64_t first, uint64_t count);

/**
 * kalloc_range_is_free() - whether every page of a range is FREE
 * @a:     the allocator
 * @first: first page
 * @count: pages
 *
 * Return: true if all FREE (false for an empty or out-of-range range).
 */
bool kalloc_range_is_free(const struct kalloc *a, uint64_t first,
			  uint64_t count);

/**
 * kalloc_stats() - free-space shape
 * @a:   the allocator
 * @out: the figures
 */
void kalloc_stats(const struct kalloc *a, struct kalloc_stats *out);

/**
 * kalloc_for_each_free() - visit free extents in address order
 * @a:   the allocator
 * @fn:  called per extent; a non-zero return stops the walk
 * @ctx: passed to @fn
 *
 * Return: what @fn stopped with, else 0.
 */
int kalloc_for_each_free(const struct kalloc *a,
			 int (*fn)(void *ctx, const struct kalloc_extent *e),
			 void *ctx);

#endif /* RHEAP_SRC_KERNEL_KALLOC_H */
