// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-mktl: build the Transfer List a board boots with.
 *
 *   rheap-mktl --dtb FILE.dtb [--size BYTES] [--no-checksum] [--no-pools]
 *              -o OUT.tl
 *
 * The list gets, in order:
 *   1. the FDT entry (tag 1) holding FILE.dtb, its payload 8-byte aligned
 *      (alignment log2 3: the DTB format requires 8, and 3 keeps the list
 *      free of VOID padding entries);
 *   2. unless --no-pools, rheap's vendor protected-pools entry
 *      (RHEAP_TL_TAG_PROTECTED_POOLS), built from the decoded platform so
 *      firmware without a DT parser learns the pools.
 * The DTB is decoded (and so validated) first: a list is never built from
 * a description the secure world would refuse. total_size defaults to
 * 64 KiB, or what the entries need rounded up to 4 KiB if more; --size sets
 * it (a multiple of 8). The checksum flag is set unless --no-checksum.
 * OUT holds total_size bytes, the free tail zeroed.
 *
 * Exit codes as rheapctl: 0 ok, 1 input rejected, 2 usage or I/O error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/platform.h>
#include <rheap/tl.h>

#include "rheapctl.h"

#define MKTL_DEFAULT_SIZE ((uint64_t)64 << 10)
#define MKTL_FDT_ALIGN_LOG2 3u
#define MKTL_POOLS_BUF_SIZE 4096u

const char *ctl_prog = "rheap-mktl";

struct mktl_opts {
	const char *dtb;
	const char *output;
	uint64_t size;
	bool checksum;
	bool pools;
};

static void mktl_usage(FILE *f)
{
	fputs("usage: rheap-mktl --dtb FILE.dtb [--size BYTES] [--no-checksum]"
	      " [--no-pools] -o OUT.tl\n"
	      "\n"
	      "Builds a Firmware Handoff Transfer List holding the DTB (FDT\n"
	      "entry, 8-byte aligned) and, unless --no-pools, rheap's\n"
	      "protected-pools entry. --size sets total_size (a multiple of 8;\n"
	      "default 64 KiB or what fits, rounded up to 4 KiB).\n"
	      "Exit status: 0 ok, 1 input rejected, 2 usage or I/O error.\n",
	      f);
}

static int mktl_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "rheap-mktl: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	mktl_usage(stderr);
	return CTL_EXIT_USAGE;
}

static int mktl_parse_size(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v = 0;

	if (s[0] < '0' || s[0] > '9') {
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v == 0 || v > UINT32_MAX ||
	    v % 8 != 0) {
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Return: 0, CTL_EXIT_USAGE, or -1 for --help. */
static int mktl_parse_args(int argc, char **argv, struct mktl_opts *o)
{
	o->checksum = true;
	o->pools = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			mktl_usage(stdout);
			return -1;
		} else if (strcmp(a, "--no-checksum") == 0) {
			o->checksum = false;
		} else if (strcmp(a, "--no-pools") == 0) {
			o->pools = false;
		} else if (strcmp(a, "--dtb") == 0 || strcmp(a, "-o") == 0 ||
			   strcmp(a, "--output") == 0 ||
			   strcmp(a, "--size") == 0) {
			if (!v) {
				return mktl_usage_error("option %s needs a value",
							a);
			}
			i++;
			if (strcmp(a, "--dtb") == 0) {
				o->dtb = v;
			} else if (strcmp(a, "--size") == 0) {
				if (mktl_parse_size(v, &o->size) != 0) {
					return mktl_usage_error(
						"--size %s: want a non-zero "
						"multiple of 8 below 4 GiB",
						v);
				}
			} else {
				o->output = v;
			}
		} else {
			return mktl_usage_error("unknown argument '%s'", a);
		}
	}
	if (!o->dtb) {
		return mktl_usage_error("missing %s", "--dtb FILE");
	}
	if (!o->output) {
		return mktl_usage_error("missing %s", "-o OUT");
	}
	return 0;
}

static uint64_t mktl_round_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) / align * align;
}

int main(int argc, char **argv)
{
	struct mktl_opts o = { 0 };
	struct rheap_platform *plat = NULL;
	struct rheap_tl_pool pools[RHEAP_PLAT_MAX_POOLS] = { 0 };
	struct rheap_diag diag = { 0 };
	uint8_t pool_buf[MKTL_POOLS_BUF_SIZE] = { 0 };
	uint8_t *dtb = NULL;
	void *tl = NULL;
	size_t dtb_size = 0;
	uint64_t need = 0;
	uint64_t total = 0;
	uint32_t pool_count = 0;
	int pool_size = 0;
	int rc = mktl_parse_args(argc, argv, &o);

	if (rc) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	memset(&diag, 0, sizeof(diag));
	rc = ctl_read_file(o.dtb, &dtb, &dtb_size);
	if (rc) {
		return rc;
	}
	if (dtb_size > UINT32_MAX - 4096) {
		ctl_error("dtb", "%zu bytes do not fit a Transfer List entry",
			  dtb_size);
		rc = CTL_EXIT_REJECT;
		goto out;
	}
	plat = calloc(1, sizeof(*plat));
	if (!plat) {
		ctl_error(NULL, "out of memory");
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	rc = rheap_platform_decode(dtb, dtb_size, plat, &diag);
	if (rc) {
		ctl_error_diag("dtb", rc, &diag);
		rc = CTL_EXIT_REJECT;
		goto out;
	}

	need = RHEAP_TL_HDR_SIZE +
	       mktl_round_up(RHEAP_TL_ENTRY_HDR_SIZE + dtb_size, 8);
	if (o.pools) {
		pool_count = rheap_platform_pools_to_tl(plat, pools);
		memset(&diag, 0, sizeof(diag));
		pool_size = rheap_tl_pools_encode(pools, pool_count, pool_buf,
						  sizeof(pool_buf), &diag);
		if (pool_size < 0) {
			ctl_error_diag("pools", pool_size, &diag);
			rc = CTL_EXIT_REJECT;
			goto out;
		}
		need += mktl_round_up(RHEAP_TL_ENTRY_HDR_SIZE +
					      (uint64_t)pool_size,
				      8);
	}
	total = o.size;
	if (total == 0) {
		total = mktl_round_up(need, 4096);
		total = total > MKTL_DEFAULT_SIZE ? total : MKTL_DEFAULT_SIZE;
	}
	if (total > UINT32_MAX) {
		ctl_error("tl", "%" PRIu64 " bytes needed, above 4 GiB", need);
		rc = CTL_EXIT_REJECT;
		goto out;
	}
	/* The list base must be 8-aligned; zero so the free tail is too. */
	if (posix_memalign(&tl, 4096, (size_t)total) != 0) {
		ctl_error(NULL, "out of memory");
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	memset(tl, 0, (size_t)total);
	rc = rheap_tl_init(tl, (size_t)total,
			   o.checksum ? RHEAP_TL_FLAG_HAS_CHECKSUM : 0);
	if (rc) {
		ctl_error("tl", "%s: cannot create a %" PRIu64 "-byte list",
			  rheap_err_name(rc), total);
		rc = CTL_EXIT_REJECT;
		goto out;
	}
	rc = rheap_tl_add(tl, RHEAP_TL_TAG_FDT, dtb, (uint32_t)dtb_size,
			  MKTL_FDT_ALIGN_LOG2, NULL);
	if (rc) {
		ctl_error("tl", "%s: cannot add the %zu-byte FDT entry to a "
			  "%" PRIu64 "-byte list",
			  rheap_err_name(rc), dtb_size, total);
		rc = CTL_EXIT_REJECT;
		goto out;
	}
	if (o.pools) {
		rc = rheap_tl_add(tl, RHEAP_TL_TAG_PROTECTED_POOLS, pool_buf,
				  (uint32_t)pool_size, 3, NULL);
		if (rc) {
			ctl_error("tl", "%s: cannot add the %d-byte pools "
				  "entry to a %" PRIu64 "-byte list",
				  rheap_err_name(rc), pool_size, total);
			rc = CTL_EXIT_REJECT;
			goto out;
		}
	}
	rc = ctl_write_output(o.output, tl, (size_t)total);
out:
	free(tl);
	free(plat);
	free(dtb);
	return rc;
}
