/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The measuring loop every rheap benchmark shares (PERFORMANCE.md §5.1):
 * variants run interleaved, their order rotated every round; each sample is
 * the mean of a batch calibrated to about 200 microseconds of timed work;
 * the result is the p50 of the rounds. A variant whose run fails ends the
 * benchmark: a candidate that fails must never look fast.
 */
#ifndef RHEAP_BENCH_HARNESS_H
#define RHEAP_BENCH_HARNESS_H

#include <stddef.h>

/**
 * struct bench_variant - one thing to time
 * @name:    printed if @run fails
 * @run:     the timed operation; returns 0 or a negative errno
 * @ctx:     argument of @run and @prepare
 * @prepare: optional, untimed, called before every @run. Variants with a
 *           @prepare are timed run by run (the clock read is part of each
 *           sample); the others batch by batch, so that operations of a
 *           few nanoseconds are not swamped by the clock.
 */
struct bench_variant {
	const char *name;
	int (*run)(void *ctx);
	void *ctx;
	void (*prepare)(void *ctx);
};

/**
 * bench_pin_to_one_cpu() - run this process (and children forked later) on
 * the first CPU it may use; prints a line if the kernel refuses.
 */
void bench_pin_to_one_cpu(void);

/** bench_now_ns() - CLOCK_MONOTONIC in nanoseconds. */
double bench_now_ns(void);

/**
 * bench_measure() - time @count variants interleaved over @rounds rounds
 * @p50: out, the median nanoseconds per operation of each variant
 *
 * Exits the process (status 1) if a run fails or memory runs out.
 */
void bench_measure(const struct bench_variant *vs, size_t count,
		   unsigned int rounds, double *p50);

/**
 * bench_read_file() - a whole file in a malloc'ed buffer
 * Return: the buffer (free() it), or NULL after printing why.
 */
void *bench_read_file(const char *path, size_t *size);

#endif /* RHEAP_BENCH_HARNESS_H */
