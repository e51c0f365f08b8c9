// SPDX-License-Identifier: BSD-2-Clause
/*
 * The in-process board fixture of the ksec/ktee tests (ks_fixture.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hw/hw_bus.h"
#include "hw/hw_dram.h"
#include "ks_fixture.h"

static uint8_t *ks_tl;
static size_t ks_tl_size;

int ks_tl_load(void **state)
{
	const char *path = getenv("RHEAP_DEFAULT_TL");
	FILE *f = NULL;
	long n = 0;

	(void)state;
	if (!path) {
		return -1;
	}
	f = fopen(path, "rb");
	if (!f) {
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0) {
		fclose(f);
		return -1;
	}
	rewind(f);
	ks_tl = malloc((size_t)n);
	ks_tl_size = (size_t)n;
	if (!ks_tl || fread(ks_tl, 1, ks_tl_size, f) != ks_tl_size) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

int ks_tl_free(void **state)
{
	(void)state;
	free(ks_tl);
	ks_tl = NULL;
	return 0;
}

static void *ks_serve(void *arg)
{
	struct ks_fixture *fx = arg;

	(void)board_server_run(fx->srv);
	return NULL;
}

struct nw_client *ks_connect(struct ks_fixture *fx)
{
	struct nw_client *c = NULL;

	assert_int_equal(nw_client_connect(fx->sock, BOARD_CONN_NW, &c), 0);
	return c;
}

struct ks_fixture *ks_start(int with_ksec)
{
	return ks_start_keys(with_ksec, NULL);
}

struct ks_fixture *ks_start_keys(int with_ksec, const char *keys_path)
{
	struct ks_fixture *fx = calloc(1, sizeof(*fx));
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET,
				   .quiet = true,
				   .debug_dump = true,
				   .keys_path = keys_path };

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/rheap-ks-XXXXXX");
	fx->log = tmpfile();
	assert_non_null(fx->log);
	opts.log = fx->log;
	assert_int_equal(board_create(ks_tl, ks_tl_size, &opts, &fx->b), 0);
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->sock, sizeof(fx->sock), "%s/board.sock", fx->dir);
	assert_int_equal(board_server_create(fx->b, fx->sock, &fx->srv), 0);
	assert_int_equal(pthread_create(&fx->thread, NULL, ks_serve, fx), 0);
	if (with_ksec) {
		struct ksec_cfg cfg = { .client = ks_connect(fx),
					.sdp_id = KS_SDP_ID,
					.scratch_pa = KS_SCRATCH_PA };

		assert_int_equal(ksec_create(&cfg, &fx->sec), 0);
	}
	return fx;
}

void ks_server_kill(struct ks_fixture *fx)
{
	if (!fx->srv) {
		return;
	}
	board_server_stop(fx->srv);
	assert_int_equal(pthread_join(fx->thread, NULL), 0);
	board_server_destroy(fx->srv);
	fx->srv = NULL;
}

void ks_stop(struct ks_fixture *fx)
{
	ksec_destroy(fx->sec);
	ks_server_kill(fx);
	board_destroy(fx->b);
	(void)rmdir(fx->dir);
	fclose(fx->log);
	free(fx);
}

void ks_status(struct ks_fixture *fx, struct board_status *st)
{
	board_status(fx->b, st);
}

static const struct spmc_ep_stats *ks_nw_stats(const struct board_status *st)
{
	for (uint32_t i = 0; i < st->endpoint_count; i++) {
		if (st->endpoints[i].id == BOARD_NW_ENDPOINT) {
			return &st->endpoints[i].stats;
		}
	}
	fail_msg("no NW endpoint in the status");
	return NULL;
}

uint64_t ks_nw_pages_lent(struct ks_fixture *fx)
{
	struct board_status st = { 0 };

	ks_status(fx, &st);
	return ks_nw_stats(&st)->pages_lent;
}

uint32_t ks_nw_live_handles(struct ks_fixture *fx)
{
	struct board_status st = { 0 };

	ks_status(fx, &st);
	return ks_nw_stats(&st)->live_handles;
}

void ks_secure_read(struct ks_fixture *fx, uint64_t pa, void *buf,
		    size_t size)
{
	assert_int_equal(hw_bus_cpu_read(board_bus(fx->b), true, pa, buf, size),
			 0);
}

void ks_secure_write(struct ks_fixture *fx, uint64_t pa, const void *buf,
		     size_t size)
{
	assert_int_equal(hw_bus_cpu_write(board_bus(fx->b), true, pa, buf,
					  size), 0);
}
