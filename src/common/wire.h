/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/*
 * Little-endian field access and checked arithmetic for the pure codecs.
 *
 * Wire structs are read and written byte by byte at explicit offsets, never
 * through a cast of the input pointer: inputs may be unaligned, and the
 * codecs must give the same answer on big-endian hosts. Everything here is
 * static inline and freestanding.
 */
#ifndef RHEAP_SRC_COMMON_WIRE_H
#define RHEAP_SRC_COMMON_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/diag.h>
#include <rheap/err.h>

static inline uint16_t wire_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t wire_get24(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static inline uint32_t wire_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t wire_get64(const uint8_t *p)
{
	return (uint64_t)wire_get32(p) | (uint64_t)wire_get32(p + 4) << 32;
}

static inline void wire_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void wire_put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
}

static inline void wire_put32(uint8_t *p, uint32_t v)
{
	wire_put16(p, (uint16_t)v);
	wire_put16(p + 2, (uint16_t)(v >> 16));
}

static inline void wire_put64(uint8_t *p, uint64_t v)
{
	wire_put32(p, (uint32_t)v);
	wire_put32(p + 4, (uint32_t)(v >> 32));
}

/* Value of one hex digit (either case), or -1: for UUIDs, keys and JSON. */
static inline int wire_hex_digit(int c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* Byte loops instead of libc: the codecs link into freestanding images. */
static inline void wire_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dst[i] = src[i];
	}
}

static inline void wire_move(uint8_t *dst, const uint8_t *src, size_t n)
{
	if (dst < src) {
		wire_copy(dst, src, n);
	} else {
		for (size_t i = n; i > 0; i--) {
			dst[i - 1] = src[i - 1];
		}
	}
}

static inline void wire_zero(uint8_t *dst, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dst[i] = 0;
	}
}

static inline bool wire_is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		acc |= p[i];
	}
	return acc == 0;
}

static inline bool wire_aligned(uint64_t v, uint64_t align)
{
	return (v & (align - 1)) == 0;
}

/* Round @v up to a multiple of the power of two @align; false on wrap. */
static inline bool wire_align_up(uint64_t v, uint64_t align, uint64_t *out)
{
	uint64_t t = 0;

	if (__builtin_add_overflow(v, align - 1, &t)) {
		return false;
	}
	*out = t & ~(align - 1);
	return true;
}

/*
 * Record a rejection in @diag (which may be NULL) and evaluate to -EINVAL.
 * `wire_reject_lim` also records the bound the value broke.
 */
static inline int wire_reject_err(struct rheap_diag *diag, int err,
				  const char *field, uint32_t index,
				  uint64_t value, const char *reason,
				  bool has_limit, uint64_t limit)
{
	if (diag) {
		diag->field = field;
		diag->reason = reason;
		diag->index = index;
		diag->value = value;
		diag->has_limit = has_limit;
		diag->limit = limit;
	}
	return err;
}

#define wire_reject(diag, field, value, reason)                               \
	wire_reject_err((diag), -EINVAL, (field), RHEAP_DIAG_NO_INDEX,        \
			(uint64_t)(value), (reason), false, 0)
#define wire_reject_lim(diag, field, value, reason, limit)                    \
	wire_reject_err((diag), -EINVAL, (field), RHEAP_DIAG_NO_INDEX,        \
			(uint64_t)(value), (reason), true, (uint64_t)(limit))
#define wire_reject_at(diag, field, index, value, reason)                     \
	wire_reject_err((diag), -EINVAL, (field), (uint32_t)(index),          \
			(uint64_t)(value), (reason), false, 0)
#define wire_reject_at_lim(diag, field, index, value, reason, limit)          \
	wire_reject_err((diag), -EINVAL, (field), (uint32_t)(index),          \
			(uint64_t)(value), (reason), true, (uint64_t)(limit))

#endif /* RHEAP_SRC_COMMON_WIRE_H */
