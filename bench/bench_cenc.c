// SPDX-License-Identifier: BSD-2-Clause
/*
 * CENC benchmark (PERFORMANCE.md G6): sp_cenc_decrypt() of a 'cenc' sample
 * into a destination buffer against raw Mbed TLS AES-128-CTR over the same
 * number of bytes, measured in the same run.
 *
 *   raw-ctr   mbedtls_aes_crypt_ctr() over all N bytes, key schedule made
 *             once outside the loop (the cheapest possible CTR pass)
 *   cenc      sp_cenc_decrypt() of an N-byte sample: subsamples of at most
 *             64 KiB, each 10 % clear (copied) and 90 % protected
 *             (decrypted); includes map validation and the per-sample key
 *             schedule
 *
 * Variants run interleaved, rotating their order every round, and each
 * sample is the mean of a batch long enough to dwarf the clock's cost. The
 * printed ratio is throughput(cenc) / throughput(raw-ctr) = raw p50 / cenc
 * p50; the goal is >= 0.8 for samples of 64 KiB and more. A 16-byte sample
 * shows the fixed cost per sample.
 *
 *   bench_cenc [--quick]
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/aes.h>

#include <rheap/err.h>

#include "sp/sp_cenc.h"

#include "bench_harness.h"

#define MAX_VARIANTS 2
#define SAMPLE_MAX (1u << 20)
#define SUBSAMPLE_MAX (64u * 1024u)
#define SUBS_MAX (SAMPLE_MAX / SUBSAMPLE_MAX + 1)

static volatile uint64_t bench_sink;

struct cenc_ctx {
	struct sp_cenc_key key;
	mbedtls_aes_context aes; /* raw-ctr: schedule made once */
	uint8_t iv[16];
	struct sp_cenc_subsample subs[SUBS_MAX];
	uint32_t sub_count;
	size_t size;
	uint8_t *in;
	uint8_t *out;
};

static int raw_ctr(void *p)
{
	struct cenc_ctx *c = p;
	uint8_t counter[16] = { 0 };
	uint8_t stream[16] = { 0 };
	size_t off = 0;

	memcpy(counter, c->iv, sizeof(counter));
	if (mbedtls_aes_crypt_ctr(&c->aes, c->size, &off, counter, stream,
				  c->in, c->out) != 0) {
		return -1;
	}
	bench_sink += c->out[c->size - 1];
	return 0;
}

static int cenc_decrypt(void *p)
{
	struct cenc_ctx *c = p;
	int rc = sp_cenc_decrypt(&c->key, c->iv, 8, c->subs, c->sub_count,
				 c->in, c->size, c->out, c->size, NULL);

	bench_sink += c->out[c->size - 1];
	return rc;
}

/* Subsamples of at most 64 KiB, 10 % of each clear, the rest protected. */
static void cenc_setup(struct cenc_ctx *c, size_t size)
{
	size_t left = size;

	c->size = size;
	c->sub_count = 0;
	while (left > 0) {
		size_t n = left < SUBSAMPLE_MAX ? left : SUBSAMPLE_MAX;
		size_t clear = n / 10;

		c->subs[c->sub_count].clear_size = (uint16_t)clear;
		c->subs[c->sub_count].protected_size = (uint32_t)(n - clear);
		c->sub_count++;
		left -= n;
	}
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {
		16, 1024, 4096, 16384, 65536, 262144, SAMPLE_MAX,
	};
	static struct cenc_ctx c;
	unsigned int rounds = 101;
	double p50[MAX_VARIANTS] = { 0 };
	double fixed_ns = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			rounds = 21;
		} else {
			fprintf(stderr, "usage: bench_cenc [--quick]\n");
			return 2;
		}
	}

	c.in = malloc(SAMPLE_MAX);
	c.out = malloc(SAMPLE_MAX);
	if (!c.in || !c.out) {
		return 1;
	}
	srand(1);
	for (size_t i = 0; i < SAMPLE_MAX; i++) {
		c.in[i] = (uint8_t)rand();
	}
	for (size_t i = 0; i < sizeof(c.key.bytes); i++) {
		c.key.bytes[i] = (uint8_t)(0x2b + 7 * i);
	}
	memcpy(c.iv, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
	mbedtls_aes_init(&c.aes);
	if (mbedtls_aes_setkey_enc(&c.aes, c.key.bytes, 128) != 0) {
		return 1;
	}

	printf("# rheap CENC benchmark: %u interleaved rounds, p50 per sample;\n"
	       "# ratio = throughput(cenc) / throughput(raw-ctr), goal >= 0.80 "
	       "from 64 KiB\n", rounds);
	printf("%-10s %6s %10s %9s %12s %9s %7s\n", "sample", "subs",
	       "raw-ctr ns", "GB/s", "cenc ns", "GB/s", "ratio");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct bench_variant vs[2] = {
			{ "raw-ctr", raw_ctr, &c, NULL },
			{ "cenc", cenc_decrypt, &c, NULL },
		};

		cenc_setup(&c, sizes[s]);
		bench_measure(vs, 2, rounds, p50);
		printf("%-10zu %6" PRIu32 " %10.0f %9.2f %12.0f %9.2f %7.2f\n",
		       sizes[s], c.sub_count, p50[0],
		       (double)sizes[s] / p50[0], p50[1],
		       (double)sizes[s] / p50[1], p50[0] / p50[1]);
		if (s == 0) {
			fixed_ns = p50[1] - p50[0];
		}
	}
	printf("# fixed cost per sample (16-byte sample, cenc - raw-ctr): "
	       "%.0f ns\n", fixed_ns);
	printf("# cenc: subsamples of <= 64 KiB, 10 %% clear (copied), 90 %% "
	       "protected; 8-byte IV\n");
	mbedtls_aes_free(&c.aes);
	free(c.in);
	free(c.out);
	return 0;
}
