// SPDX-License-Identifier: BSD-2-Clause
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rheap/err.h>

#include "bench_harness.h"

void bench_pin_to_one_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (CPU_ISSET(cpu, &set)) {
				CPU_ZERO(&set);
				CPU_SET(cpu, &set);
				break;
			}
		}
	}
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		fprintf(stderr, "bench: cannot pin to one CPU; figures are "
				"cross-CPU\n");
	}
}

double bench_now_ns(void)
{
	struct timespec ts = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x > y) - (x < y);
}

static void bench_check(const struct bench_variant *v, int rc)
{
	if (rc != 0) {
		fprintf(stderr, "bench: %s failed: %s\n", v->name,
			rheap_err_name(rc));
		exit(1);
	}
}

/* Timed nanoseconds of @batch runs of @v (preparation excluded). */
static double bench_batch(const struct bench_variant *v, unsigned int batch)
{
	double t = 0;

	if (!v->prepare) {
		double t0 = bench_now_ns();

		for (unsigned int i = 0; i < batch; i++) {
			bench_check(v, v->run(v->ctx));
		}
		return bench_now_ns() - t0;
	}
	for (unsigned int i = 0; i < batch; i++) {
		double t0 = 0;
		int rc = 0;

		v->prepare(v->ctx);
		t0 = bench_now_ns();
		rc = v->run(v->ctx);
		t += bench_now_ns() - t0;
		bench_check(v, rc);
	}
	return t;
}

/* A batch size so one sample takes about 200 microseconds of timed work. */
static unsigned int bench_calibrate(const struct bench_variant *v)
{
	unsigned int batch = 1;

	while (bench_batch(v, batch) < 200e3 && batch < (1u << 24)) {
		batch *= 2;
	}
	return batch;
}

void bench_measure(const struct bench_variant *vs, size_t count,
		   unsigned int rounds, double *p50)
{
	unsigned int *batch = calloc(count, sizeof(*batch));
	double *samples = calloc((size_t)rounds * count, sizeof(*samples));

	if (!batch || !samples || rounds == 0) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < count; i++) {
		batch[i] = bench_calibrate(&vs[i]);
	}
	for (unsigned int r = 0; r < rounds; r++) {
		for (size_t k = 0; k < count; k++) {
			size_t i = (k + r) % count; /* rotate the order */

			samples[i * rounds + r] =
				bench_batch(&vs[i], batch[i]) / batch[i];
		}
	}
	for (size_t i = 0; i < count; i++) {
		double *v = &samples[i * rounds];

		qsort(v, rounds, sizeof(*v), cmp_double);
		p50[i] = v[(rounds - 1) / 2];
	}
	free(samples);
	free(batch);
}

void *bench_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n = 0;

	if (!f) {
		perror(path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*size = (size_t)n;
	} else {
		fprintf(stderr, "bench: cannot read %s\n", path);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}
