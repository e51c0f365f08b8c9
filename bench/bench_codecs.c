// SPDX-License-Identifier: BSD-2-Clause
/*
 * Codec benchmark: each decoder against a baseline measured in the same run.
 *
 *   FF-A decode/encode of a LEND with N constituents   vs  one read pass
 *                                                          over the bytes
 *   Transfer List validate (checksummed, 3 entries)     vs  the byte sum
 *   platform decode of a DTB                            vs  fdt_check_full()
 *
 * Variants run interleaved, rotating their order every round, and each
 * sample is the mean of a batch long enough to dwarf the clock's cost. The
 * printed ratio is candidate p50 / baseline p50: machines here are noisy,
 * so only ratios are meaningful (../shared/docs/PERFORMANCE.md §5.1).
 *
 *   bench_codecs [--quick] DTB
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libfdt.h>

#include <rheap/err.h>
#include <rheap/ffa_desc.h>
#include <rheap/platform.h>
#include <rheap/tl.h>

#define MAX_RANGES 3038u /* a 4K NV12 frame as 4 KiB pages */
#define MAX_VARIANTS 3
/* Header, one v1.2 EMAD, composite header, constituents. */
#define DESC_MAX (48u + 32u + 16u + 16u * MAX_RANGES)

struct variant {
	const char *name;
	int (*run)(void *ctx);
	void *ctx;
	double *samples; /* ns per operation, one per round */
};

static volatile uint64_t bench_sink;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x > y) - (x < y);
}

static double percentile(double *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(size_t)((double)(n - 1) * p)];
}

/* Calibrate a batch size so one sample takes about 200 microseconds. */
static unsigned int calibrate(struct variant *v)
{
	unsigned int batch = 1;

	for (;;) {
		double t0 = now_ns();

		for (unsigned int i = 0; i < batch; i++) {
			if (v->run(v->ctx) != 0) {
				fprintf(stderr, "bench: %s failed\n", v->name);
				exit(1);
			}
		}
		if (now_ns() - t0 > 200e3 || batch >= (1u << 24)) {
			return batch;
		}
		batch *= 2;
	}
}

/* Runs the variants interleaved; returns the p50 of each in @p50. */
static void measure(struct variant *vs, size_t count, unsigned int rounds,
		    double *p50)
{
	unsigned int batch[MAX_VARIANTS] = { 0 };

	for (size_t i = 0; i < count; i++) {
		batch[i] = calibrate(&vs[i]);
		vs[i].samples = calloc(rounds, sizeof(double));
		if (!vs[i].samples) {
			exit(1);
		}
	}
	for (unsigned int r = 0; r < rounds; r++) {
		for (size_t k = 0; k < count; k++) {
			size_t i = (k + r) % count; /* rotate the order */
			double t0 = now_ns();

			for (unsigned int b = 0; b < batch[i]; b++) {
				vs[i].run(vs[i].ctx);
			}
			vs[i].samples[r] = (now_ns() - t0) / batch[i];
		}
	}
	for (size_t i = 0; i < count; i++) {
		p50[i] = percentile(vs[i].samples, rounds, 0.5);
		free(vs[i].samples);
	}
}

/* ---- FF-A ---- */

struct ffa_ctx {
	uint8_t desc[DESC_MAX];
	size_t desc_size;
	struct rheap_ffa_receiver rx[1];
	struct rheap_ffa_range ranges[MAX_RANGES];
	struct rheap_ffa_range out_ranges[MAX_RANGES];
	struct rheap_ffa_mem mem;
	uint8_t out[DESC_MAX];
};

static int ffa_read_pass(void *p)
{
	struct ffa_ctx *c = p;
	uint64_t sum = 0;

	/* The least a decoder must do: read each 8-byte word once. */
	for (size_t i = 0; i + 8 <= c->desc_size; i += 8) {
		uint64_t w = 0;

		memcpy(&w, c->desc + i, sizeof(w));
		sum += w;
	}
	bench_sink += sum;
	return 0;
}

static int ffa_decode(void *p)
{
	struct ffa_ctx *c = p;
	struct rheap_ffa_receiver rx[1];
	struct rheap_ffa_mem m = {
		.receivers = rx,
		.receiver_cap = 1,
		.ranges = c->out_ranges,
		.range_cap = MAX_RANGES,
	};

	return rheap_ffa_mem_decode(RHEAP_FFA_ABI_LEND, c->desc, c->desc_size,
				    &m, NULL);
}

static int ffa_encode(void *p)
{
	struct ffa_ctx *c = p;
	int n = rheap_ffa_mem_encode(&c->mem, c->out, sizeof(c->out), NULL);

	return n > 0 ? 0 : n;
}

static int ffa_setup(struct ffa_ctx *c, uint32_t n)
{
	int len = 0;

	memset(&c->mem, 0, sizeof(c->mem));
	c->rx[0] = (struct rheap_ffa_receiver){
		.endpoint_id = 0x8001,
		.permissions = FFA_DATA_ACCESS_RW,
	};
	/* Scattered pages in ascending order, one hole between each. */
	for (uint32_t i = 0; i < n; i++) {
		c->ranges[i].address = UINT64_C(0x880000000) + (uint64_t)i * 2 * FFA_PAGE_SIZE;
		c->ranges[i].page_count = 1;
	}
	c->mem.abi = RHEAP_FFA_ABI_LEND;
	c->mem.version = FFA_VERSION_1_2;
	c->mem.sender_id = 0x0001;
	c->mem.tag = 1;
	c->mem.receiver_count = 1;
	c->mem.receivers = c->rx;
	c->mem.receiver_cap = 1;
	c->mem.total_page_count = n;
	c->mem.range_count = n;
	c->mem.ranges = c->ranges;
	c->mem.range_cap = MAX_RANGES;
	len = rheap_ffa_mem_encode(&c->mem, c->desc, sizeof(c->desc), NULL);
	if (len <= 0) {
		fprintf(stderr, "bench: encode failed: %s\n", rheap_err_name(len));
		return -1;
	}
	c->desc_size = (size_t)len;
	return 0;
}

/* ---- Transfer List and DTB ---- */

struct tl_ctx {
	_Alignas(4096) uint8_t buf[64 * 1024];
	uint32_t used_size;
};

static int tl_byte_sum(void *p)
{
	struct tl_ctx *c = p;
	uint8_t sum = 0;

	for (uint32_t i = 0; i < c->used_size; i++) {
		sum += c->buf[i];
	}
	bench_sink += sum;
	return 0;
}

static int tl_validate(void *p)
{
	struct tl_ctx *c = p;

	return rheap_tl_validate(c->buf, sizeof(c->buf), NULL, NULL);
}

struct dtb_ctx {
	void *fdt;
	size_t size;
	struct rheap_platform plat;
};

static int dtb_check_full(void *p)
{
	struct dtb_ctx *c = p;

	return fdt_check_full(c->fdt, c->size);
}

static int dtb_decode(void *p)
{
	struct dtb_ctx *c = p;

	return rheap_platform_decode(c->fdt, c->size, &c->plat, NULL);
}

static void *read_file(const char *path, size_t *size)
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
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void print_row(const char *what, const char *base_name, double base,
		      const char *cand_name, double cand)
{
	printf("%-26s %-14s %10.1f ns   %-14s %10.1f ns   ratio %6.2f\n", what,
	       base_name, base, cand_name, cand, cand / base);
}

int main(int argc, char **argv)
{
	static struct ffa_ctx ffa;
	static struct tl_ctx tl;
	struct dtb_ctx dtb = { 0 };
	static const uint32_t sizes[] = { 1, 16, 256, MAX_RANGES };
	unsigned int rounds = 101;
	const char *dtb_path = NULL;
	double p50[MAX_VARIANTS] = { 0 };
	double per_range[2] = { 0 };

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			rounds = 21;
		} else {
			dtb_path = argv[i];
		}
	}
	if (!dtb_path) {
		fprintf(stderr, "usage: bench_codecs [--quick] DTB\n");
		return 2;
	}

	printf("# rheap codec benchmark: %u interleaved rounds, p50 per operation\n",
	       rounds);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct variant vs[3] = {
			{ "read-pass", ffa_read_pass, &ffa, NULL },
			{ "decode", ffa_decode, &ffa, NULL },
			{ "encode", ffa_encode, &ffa, NULL },
		};
		char what[64];

		if (ffa_setup(&ffa, sizes[s]) != 0) {
			return 1;
		}
		measure(vs, 3, rounds, p50);
		snprintf(what, sizeof(what), "ffa lend, %u ranges", sizes[s]);
		print_row(what, "read-pass", p50[0], "decode", p50[1]);
		print_row("", "read-pass", p50[0], "encode", p50[2]);
		if (s == 0) {
			per_range[0] = p50[1];
		} else if (sizes[s] == MAX_RANGES) {
			per_range[1] = (p50[1] - per_range[0]) / (MAX_RANGES - 1);
			printf("%-26s decode marginal cost per range %.2f ns "
			       "(%.3f x the 1-range decode)\n", "", per_range[1],
			       per_range[1] / per_range[0]);
		}
	}

	{
		static uint8_t fdt_payload[4096];
		struct variant vs[2] = {
			{ "byte-sum", tl_byte_sum, &tl, NULL },
			{ "validate", tl_validate, &tl, NULL },
		};
		struct rheap_tl_info info = { 0 };

		memset(fdt_payload, 0x5a, sizeof(fdt_payload));
		if (rheap_tl_init(tl.buf, sizeof(tl.buf),
				  RHEAP_TL_FLAG_HAS_CHECKSUM) != 0 ||
		    rheap_tl_add(tl.buf, RHEAP_TL_TAG_FDT, fdt_payload,
				 sizeof(fdt_payload), 12, NULL) != 0 ||
		    rheap_tl_add(tl.buf, RHEAP_TL_TAG_PROTECTED_POOLS,
				 fdt_payload, 144, 3, NULL) != 0 ||
		    rheap_tl_validate(tl.buf, sizeof(tl.buf), &info, NULL) != 0) {
			fprintf(stderr, "bench: cannot build the Transfer List\n");
			return 1;
		}
		tl.used_size = info.used_size;
		measure(vs, 2, rounds, p50);
		print_row("tl validate (checksum)", "byte-sum", p50[0],
			  "validate", p50[1]);
		printf("%-26s list of %u bytes used\n", "", tl.used_size);
	}

	dtb.fdt = read_file(dtb_path, &dtb.size);
	if (!dtb.fdt) {
		return 1;
	}
	{
		struct variant vs[2] = {
			{ "fdt_check_full", dtb_check_full, &dtb, NULL },
			{ "decode", dtb_decode, &dtb, NULL },
		};

		measure(vs, 2, rounds, p50);
		print_row("dtb platform decode", "fdt_check_full", p50[0],
			  "decode", p50[1]);
	}
	free(dtb.fdt);
	return 0;
}
