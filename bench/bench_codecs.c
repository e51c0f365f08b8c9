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

#include "bench_harness.h"

#define MAX_RANGES 3038u /* a 4K NV12 frame as 4 KiB pages */
#define MAX_VARIANTS 3
/* Header, one v1.2 EMAD, composite header, constituents. */
#define DESC_MAX (48u + 32u + 16u + 16u * MAX_RANGES)

static volatile uint64_t bench_sink;

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
		struct bench_variant vs[3] = {
			{ "read-pass", ffa_read_pass, &ffa, NULL },
			{ "decode", ffa_decode, &ffa, NULL },
			{ "encode", ffa_encode, &ffa, NULL },
		};
		char what[64];

		if (ffa_setup(&ffa, sizes[s]) != 0) {
			return 1;
		}
		bench_measure(vs, 3, rounds, p50);
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
		struct bench_variant vs[2] = {
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
		bench_measure(vs, 2, rounds, p50);
		print_row("tl validate (checksum)", "byte-sum", p50[0],
			  "validate", p50[1]);
		printf("%-26s list of %u bytes used\n", "", tl.used_size);
	}

	dtb.fdt = bench_read_file(dtb_path, &dtb.size);
	if (!dtb.fdt) {
		return 1;
	}
	{
		struct bench_variant vs[2] = {
			{ "fdt_check_full", dtb_check_full, &dtb, NULL },
			{ "decode", dtb_decode, &dtb, NULL },
		};

		bench_measure(vs, 2, rounds, p50);
		print_row("dtb platform decode", "fdt_check_full", p50[0],
			  "decode", p50[1]);
	}
	free(dtb.fdt);
	return 0;
}
