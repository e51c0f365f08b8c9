/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DRAM model: the board's physical memory, backed by host memory.
 *
 * Backings. Each DRAM range of the platform (struct rheap_plat_dram) is one
 * normal-world (NW) backing: a memfd of the range's size, sparse (created
 * with ftruncate only, so the default board's 2 x 2 GiB costs nothing until
 * touched), mapped MAP_SHARED into the board lazily on the first access.
 * Its fd can be passed to NW processes (hw_dram_nw_range_get()); file
 * offset = PA - range base.
 *
 * Each static pool (RHEAP_POOL_STATIC) is a carve-out with its own backing
 * that NW processes never receive: a memfd_secret(2) mapping (the kernel
 * removes it from its own direct map), or, when memfd_secret is not
 * available (ENOSYS under valgrind or without CONFIG_SECRETMEM, EPERM or
 * ENOMEM/EAGAIN from RLIMIT_MEMLOCK), a private anonymous mapping. The
 * fallback is recorded as a one-line reason (hw_dram_backing_desc()) for
 * the board to log. Carve-outs are mapped at create, so the choice is made
 * (and any failure seen) once, at boot.
 *
 * Claims (lent and donated memory). hw_dram_claim() takes a page range of
 * a NW memfd away from the normal world: its bytes move into a secure
 * shadow (a private anonymous mirror of the NW range that no NW process
 * can map), and the range is punched out of the memfd, so every NW mapping
 * of it reads zeros and NW writes land in fresh pages the secure side never
 * reads. PAs inside a claim resolve to the shadow. hw_dram_unclaim() copies
 * the shadow back over whatever the NW wrote meanwhile and frees it.
 * Claims are kept sorted (binary search); thousands are cheap. The shadow
 * is private anonymous memory (MADV_DONTDUMP, MADV_DONTFORK), not
 * memfd_secret: secretmem cannot free single pages (no hole punch) and is
 * charged to RLIMIT_MEMLOCK, while lent memory comes and goes in any size.
 *
 * PA resolution. A carve-out's PA range sits inside a DRAM range; there it
 * resolves to the carve-out backing, never to the NW memfd (whose pages at
 * those offsets stay an untouched, all-zero hole that the NW kernel must
 * not hand out). A PA range must lie entirely inside one backing:
 * hw_dram_ptr() rejects a range that leaves DRAM or crosses from NW memory
 * into a carve-out, or from a claimed page to an unclaimed one (adjacent
 * claims form one shadow run). Backing and claim boundaries are 4 KiB
 * aligned, so no 4 KiB page ever spans two backings.
 *
 * External windows (NS memory outside DRAM). hw_dram_ext_map() maps a
 * caller's memfd (a `system` buffer of the normal world) MAP_SHARED and
 * gives it a PA window in the external region, which starts at
 * HW_DRAM_EXT_BASE (or at the first 1 GiB boundary above the platform's
 * highest DRAM byte, if that is higher) and lies outside DRAM and every
 * pool. Windows are placed first fit at 4 KiB granularity. They are NS
 * memory: the TZASC never covers them, so NS devices and CPUs reach them
 * through the bus; they are never claimed, lent or carved out. A range
 * must lie inside one window (like any backing). hw_dram_ext_unmap()
 * removes one; hw_dram_destroy() removes all. The memfd must be sealed
 * against shrinking (F_SEAL_SHRINK), so the mapping can never lose pages
 * under the board (a SIGBUS); the board keeps the mapping only, not the
 * fd.
 *
 * Life cycle:
 *
 *   hw_dram_create() --> READY (carve-outs mapped, NW ranges unmapped)
 *   READY --first hw_dram_ptr()/scrub on a NW range--> that range mapped
 *   a NW page range: OPEN --hw_dram_claim()--> CLAIMED (shadow holds the
 *        bytes, memfd hole) --hw_dram_unclaim()--> OPEN (bytes back in the
 *        memfd, shadow pages freed)
 *   an external window: (none) --hw_dram_ext_map()--> MAPPED (PA window
 *        -> the memfd's pages) --hw_dram_ext_unmap()--> (none)
 *   READY --hw_dram_destroy()--> gone (every mapping and fd closed; a fd
 *        already passed to another process keeps its memory alive there)
 *
 * Pointers returned by hw_dram_ptr() stay valid until hw_dram_destroy().
 * Not thread-safe: the board serialises calls (the lazy mapping mutates).
 */
#ifndef RHEAP_SRC_HW_HW_DRAM_H
#define RHEAP_SRC_HW_HW_DRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/platform.h>

/** hw_dram_create() flag: skip memfd_secret, use the fallback (tests). */
#define HW_DRAM_NO_SECRET (1u << 0)

/** Where the external region starts (unless DRAM reaches higher). */
#define HW_DRAM_EXT_BASE UINT64_C(0x10000000000)
/** Size of the external region. */
#define HW_DRAM_EXT_SIZE UINT64_C(0x10000000000)
/** Largest external window. */
#define HW_DRAM_EXT_MAX_SIZE (UINT64_C(1) << 30)
/** Most external windows at once. */
#define HW_DRAM_EXT_MAX 4096u

/** Longest backing description, including the NUL. */
#define HW_DRAM_DESC_MAX 160u

/**
 * enum hw_dram_kind - how a backing is provided
 * @HW_DRAM_NW_MEMFD:     NW DRAM range, shareable memfd
 * @HW_DRAM_SECRET_MEMFD: carve-out in memfd_secret memory
 * @HW_DRAM_PRIVATE:      carve-out in a private anonymous mapping (the
 *                        fallback)
 * @HW_DRAM_EXT:          external window (a caller's memfd, NS)
 */
enum hw_dram_kind {
	HW_DRAM_NW_MEMFD = 0,
	HW_DRAM_SECRET_MEMFD = 1,
	HW_DRAM_PRIVATE = 2,
	HW_DRAM_EXT = 3,
};

/**
 * struct hw_dram_nw_range - a NW DRAM range as handed to NW processes
 * @fd:   the memfd (owned by the DRAM model: dup() it to keep it)
 * @base: PA of file offset 0
 * @size: bytes (the file size)
 */
struct hw_dram_nw_range {
	int fd;
	uint64_t base;
	uint64_t size;
};

/**
 * struct hw_dram_backing_info - one backing, for listings and logs
 * @kind: enum hw_dram_kind
 * @base: first PA
 * @size: bytes
 * @name: the pool name for a carve-out, "dram" for a NW range
 */
struct hw_dram_backing_info {
	enum hw_dram_kind kind;
	uint64_t base;
	uint64_t size;
	const char *name;
};

struct hw_dram;

/**
 * hw_dram_create() - back a platform's DRAM and carve-outs with host memory
 * @plat:  decoded platform (copied what is needed; not referenced later)
 * @flags: 0 or HW_DRAM_NO_SECRET
 * @out:   the new model; untouched on failure
 *
 * Return: 0; -EINVAL for unknown @flags, a platform without DRAM, a DRAM
 * range or static pool that is not 4 KiB aligned or whose size does not
 * fit the host's address space, or a static pool outside DRAM; -ENOMEM if
 * host memory, a memfd or a mapping cannot be had.
 */
int hw_dram_create(const struct rheap_platform *plat, uint32_t flags,
		   struct hw_dram **out);

/**
 * hw_dram_destroy() - unmap and close every backing
 * @dram: the model, or NULL (no-op)
 *
 * Carve-out pages go back to the host kernel, which zeroes them before any
 * reuse; callers scrub what they need scrubbed before this (the SPMC does
 * at reclaim).
 */
void hw_dram_destroy(struct hw_dram *dram);

/**
 * hw_dram_ptr() - host address of a PA range
 * @dram: the model
 * @pa:   first byte (untrusted)
 * @size: bytes, non-zero (untrusted)
 * @ptr:  out, host address of @pa; untouched on failure
 *
 * No access control: that is the bus's job (TZASC, SMMU). Maps a NW range
 * on first use.
 *
 * Return: 0; -EINVAL if @size is 0 or the range is not inside one backing
 * (outside DRAM and every external window, crossing into or out of a
 * carve-out or a window, or covering both claimed and unclaimed pages); -EOVERFLOW if @pa + @size wraps past 2^64;
 * -ENOMEM if the lazy mapping fails.
 */
int hw_dram_ptr(struct hw_dram *dram, uint64_t pa, uint64_t size, void **ptr);

/**
 * hw_dram_is_carveout() - does a PA range touch a carve-out?
 * @dram: the model
 * @pa:   first byte
 * @size: bytes; 0 or a wrapping range yields false
 *
 * Return: true if any byte of the range lies in a static pool's backing.
 */
bool hw_dram_is_carveout(const struct hw_dram *dram, uint64_t pa,
			 uint64_t size);

/**
 * hw_dram_scrub() - zero a PA range so the zeroing cannot be optimised away
 * @dram: the model
 * @pa:   first byte
 * @size: bytes, non-zero
 *
 * Uses explicit_bzero() through the secure-side mapping: the cost of a
 * memset of @size (bench/bench_board.c measures it against one). This is
 * what the SPMC calls on every reclaim, so it stays on the fast path.
 *
 * A range may cover claimed and unclaimed pages (each part is zeroed where
 * it lives). Whole pages of a claimed range live in the private anonymous
 * shadow and are scrubbed with MADV_DONTNEED: they read as zero from then
 * on, and the host kernel zeroes them before giving them to anyone else.
 * Partial pages, unclaimed NW pages and carve-outs are written with
 * explicit_bzero().
 *
 * Return: 0; errors as hw_dram_ptr(), except that mixing claimed and
 * unclaimed pages is allowed. Nothing is zeroed on error.
 */
int hw_dram_scrub(struct hw_dram *dram, uint64_t pa, uint64_t size);

/**
 * hw_dram_release() - zero a PA range and give its whole pages back to the host
 * @dram: the model
 * @pa:   first byte
 * @size: bytes, non-zero
 *
 * Like hw_dram_scrub(), but on a NW memfd whole 4 KiB pages are released
 * with fallocate(FALLOC_FL_PUNCH_HOLE) (they read back as zero in every
 * mapping); explicit_bzero covers partial pages, carve-outs and any range
 * where the hole punch is refused; claimed pages are zeroed in the shadow
 * (whole pages freed with MADV_DONTNEED; the claim stays). Several times
 * slower than a memset for small ranges (a syscall and later refaults):
 * for shutdown and for idle memory, not for every reclaim.
 *
 * Return: 0; errors as hw_dram_scrub(). Nothing is zeroed on error.
 */
int hw_dram_release(struct hw_dram *dram, uint64_t pa, uint64_t size);

/**
 * hw_dram_claim() - take a NW page range away from the normal world
 * @dram: the model
 * @pa:   first byte, 4 KiB aligned
 * @size: bytes, a non-zero multiple of 4 KiB
 *
 * For FF-A LEND and DONATE. The range must lie inside one NW DRAM range,
 * touch no carve-out and no existing claim. Its current bytes are copied
 * into the secure shadow (LEND keeps contents), then the memfd range is
 * punched (FALLOC_FL_PUNCH_HOLE): every NW mapping, present or future,
 * reads zeros there, and what the NW writes there is never read by the
 * secure side. From then on hw_dram_ptr(), hw_dram_scrub() and
 * hw_dram_release() on the range use the shadow.
 *
 * Cost: a copy of the range's data extents (holes, e.g. a pool chunk the
 * NW never wrote, are found with SEEK_DATA and skipped) and a hole punch.
 *
 * Return: 0; -EINVAL for a zero or misaligned @pa/@size or a range not
 * inside one NW DRAM range (outside DRAM, touching a carve-out, crossing
 * two DRAM ranges); -EOVERFLOW if @pa + @size wraps past 2^64; -EBUSY if
 * the range overlaps a claim; -ENOMEM if host memory or the copy or hole
 * punch fails. On error nothing changed.
 */
int hw_dram_claim(struct hw_dram *dram, uint64_t pa, uint64_t size);

/**
 * hw_dram_unclaim() - give a claimed range back to the normal world
 * @dram: the model
 * @pa:   first byte of a claim
 * @size: its size
 *
 * @pa/@size must name exactly one earlier hw_dram_claim() (no sub-range
 * or union of claims: the SPMC unprotects exactly what it protected). The
 * memfd range is punched again (dropping anything the NW wrote while the
 * range was claimed) and the shadow's non-zero pages are written back
 * (a scrubbed range writes nothing), then the shadow pages are freed
 * (MADV_DONTNEED: they read as zero and the host zeroes them before any
 * reuse). Scrub first if the NW must not see the contents.
 *
 * Return: 0; -EINVAL for a zero or misaligned @pa/@size; -EOVERFLOW if
 * @pa + @size wraps; -ENOENT if no claim is exactly @pa/@size; -ENOMEM if
 * the write-back fails (then the memfd range is punched again and the
 * claim stays: nothing changed for either side).
 */
int hw_dram_unclaim(struct hw_dram *dram, uint64_t pa, uint64_t size);

/**
 * hw_dram_is_claimed() - does a PA range touch a claim?
 * @dram: the model
 * @pa:   first byte
 * @size: bytes; 0 or a wrapping range yields false
 *
 * Return: true if any byte of the range lies in a claimed range.
 */
bool hw_dram_is_claimed(const struct hw_dram *dram, uint64_t pa,
			uint64_t size);

/**
 * hw_dram_claim_count() - number of live claims
 * @dram: the model
 *
 * Return: the count.
 */
uint32_t hw_dram_claim_count(const struct hw_dram *dram);

/**
 * hw_dram_claim_fail_inject() - test hook: fail the next claims' allocation
 * @dram:  the model
 * @count: how many following hw_dram_claim() calls fail with -ENOMEM at
 *         their host-allocation step (after argument checks, before any
 *         change); 0 disables
 */
void hw_dram_claim_fail_inject(struct hw_dram *dram, uint32_t count);

/**
 * hw_dram_nw_count() - number of NW DRAM ranges
 * @dram: the model
 *
 * Return: the count (the platform's dram_count).
 */
uint32_t hw_dram_nw_count(const struct hw_dram *dram);

/**
 * hw_dram_nw_range_get() - a NW range's memfd, base and size
 * @dram:  the model
 * @index: 0 .. hw_dram_nw_count() - 1
 * @out:   the range
 *
 * Return: 0; -ENOENT if @index is out of range.
 */
int hw_dram_nw_range_get(const struct hw_dram *dram, uint32_t index,
			 struct hw_dram_nw_range *out);

/**
 * hw_dram_nw_adopt() - back a NW range by a caller's file instead of its
 * memfd (rheap-board --guest-ram: the file QEMU maps as guest RAM)
 * @dram: the model, as hw_dram_create() returned it (no claim made, no
 *        NW range touched yet)
 * @base: the NW range's base PA
 * @fd:   an O_RDWR fd of a regular file or memfd whose size equals the
 *        range's (borrowed: the model keeps a dup())
 *
 * The range's memfd is closed and every later access, claim (copy into
 * the shadow, hole punch) and unclaim goes through the file. The file
 * system must support FALLOC_FL_PUNCH_HOLE (tmpfs, ext4, xfs, btrfs do);
 * without it a claim of data pages fails with -ENOMEM.
 *
 * Return: 0; -ENOENT if no NW range starts at @base; -EINVAL if the size
 * differs, @fd is not a regular file or the range was used already;
 * -ENOMEM if the fd cannot be duplicated.
 */
int hw_dram_nw_adopt(struct hw_dram *dram, uint64_t base, int fd);

/**
 * hw_dram_backing_count() - NW ranges plus carve-outs
 * @dram: the model
 *
 * Return: the count.
 */
uint32_t hw_dram_backing_count(const struct hw_dram *dram);

/**
 * hw_dram_backing_get() - one backing (NW ranges first, then carve-outs)
 * @dram:  the model
 * @index: 0 .. hw_dram_backing_count() - 1
 * @out:   the backing; @out->name lives as long as @dram
 *
 * Return: 0; -ENOENT if @index is out of range.
 */
int hw_dram_backing_get(const struct hw_dram *dram, uint32_t index,
			struct hw_dram_backing_info *out);

/**
 * hw_dram_backing_desc() - how the carve-outs are backed, in one line
 * @dram: the model
 *
 * For example "carve-outs: memfd_secret", "carve-outs: private anonymous
 * mapping (memfd_secret: ENOSYS)", or "carve-outs: none".
 *
 * Return: a NUL-terminated string that lives as long as @dram.
 */
const char *hw_dram_backing_desc(const struct hw_dram *dram);

/**
 * hw_dram_secret() - are all carve-outs in memfd_secret memory?
 * @dram: the model
 *
 * Return: true if every carve-out uses memfd_secret (also true without
 * carve-outs); false if any fell back.
 */
bool hw_dram_secret(const struct hw_dram *dram);

/**
 * hw_dram_ext_map() - map a memfd as an external NS window
 * @dram: the model
 * @fd:   the memfd (untrusted; borrowed: the caller closes it, the
 *        window keeps only the mapping)
 * @size: bytes, a non-zero multiple of 4 KiB, at most HW_DRAM_EXT_MAX_SIZE
 *        (untrusted)
 * @pa:   out: the window's first PA; untouched on failure
 *
 * Checks, in order: @size (-EINVAL); @fd is a memfd (F_GET_SEALS works)
 * and a regular file at least @size bytes long (-EINVAL); it is sealed
 * with F_SEAL_SHRINK (-EPERM); a window count below HW_DRAM_EXT_MAX and a
 * free PA range (-ENOSPC); the read-write shared mapping (-EPERM when the
 * fd or its seals refuse writing, e.g. an O_RDONLY fd or F_SEAL_WRITE;
 * -ENOMEM otherwise). Nothing changed on failure.
 *
 * Return: 0; the errors above.
 */
int hw_dram_ext_map(struct hw_dram *dram, int fd, uint64_t size,
		    uint64_t *pa);

/**
 * hw_dram_ext_unmap() - remove one external window
 * @dram: the model
 * @pa:   the window's first PA (untrusted)
 *
 * The caller checks that nothing still uses it (the board refuses while
 * an SMMU mapping points into it).
 *
 * Return: 0; -ENOENT if no window starts at @pa.
 */
int hw_dram_ext_unmap(struct hw_dram *dram, uint64_t pa);

/**
 * hw_dram_ext_count() - number of external windows
 * @dram: the model
 *
 * Return: the count.
 */
uint32_t hw_dram_ext_count(const struct hw_dram *dram);

/**
 * hw_dram_ext_get() - one external window, in PA order
 * @dram:  the model
 * @index: 0 .. hw_dram_ext_count() - 1
 * @base:  out: first PA
 * @size:  out: bytes
 *
 * Return: 0; -ENOENT if @index is out of range.
 */
int hw_dram_ext_get(const struct hw_dram *dram, uint32_t index,
		    uint64_t *base, uint64_t *size);

#endif /* RHEAP_SRC_HW_HW_DRAM_H */
