// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-board in-process: boot from the default Transfer List, drive the
 * FF-A ABI through board_call() (the in-process conduit), and check the
 * hardware models and the SPMC's accounting after every step.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>
#include <rheap/tl.h>
#include <rheap/use_case.h>

#include "board/board.h"
#include "board/board_internal.h"
#include "hw/hw_bus.h"
#include "hw/hw_dram.h"
#include "hw/hw_tzasc.h"
#include "spmc/spmc.h"
#include "util/json.h"
#include "board_test_file.h"

#define SDP_ID 0x8001u
#define SV_DYN_BASE UINT64_C(0x8ef000000)
#define SV_STATIC_BASE UINT64_C(0xe0000000)
#define DRAM0_BASE UINT64_C(0x80000000)
#define TX_PA DRAM0_BASE
#define RX_PA (DRAM0_BASE + FFA_PAGE_SIZE)
#define CHUNK_PAGES 4u

static uint8_t *tl_buf;
static size_t tl_size;

struct fixture {
	struct board *b;
	uint8_t *dram0; /* test's own mapping of NW DRAM range 0 */
	uint8_t *dram1; /* and range 1 */
	uint64_t dram1_base;
	uint64_t size0;
	uint64_t size1;
	FILE *log;
};

static int load_tl(void **state)
{
	(void)state;
	tl_buf = board_test_read_file(getenv("RHEAP_DEFAULT_TL"), &tl_size);
	return tl_buf ? 0 : -1;
}

static int free_tl(void **state)
{
	(void)state;
	free(tl_buf);
	return 0;
}

static uint8_t *map_range(struct board *b, uint32_t i, uint64_t *base,
			  uint64_t *size)
{
	struct board_dram_range r = { 0 };
	void *p = NULL;

	assert_int_equal(board_dram_get(b, i, &r), 0);
	p = mmap(NULL, r.size, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	assert_true(p != MAP_FAILED);
	*base = r.base;
	*size = r.size;
	return p;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET, .quiet = true };
	uint64_t base0 = 0;

	assert_non_null(fx);
	fx->log = tmpfile();
	opts.log = fx->log;
	assert_int_equal(board_create(tl_buf, tl_size, &opts, &fx->b), 0);
	fx->dram0 = map_range(fx->b, 0, &base0, &fx->size0);
	assert_int_equal(base0, DRAM0_BASE);
	fx->dram1 = map_range(fx->b, 1, &fx->dram1_base, &fx->size1);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	munmap(fx->dram0, fx->size0);
	munmap(fx->dram1, fx->size1);
	board_destroy(fx->b);
	fclose(fx->log);
	free(fx);
	return 0;
}

static void check_invariants(struct fixture *fx)
{
	struct rheap_diag diag = { 0 };

	assert_int_equal(spmc_check_invariants(board_spmc(fx->b), &diag), 0);
}

static void call(struct fixture *fx, const struct rheap_ffa_call *c,
		 struct rheap_ffa_regs *resp)
{
	struct rheap_ffa_regs req = { 0 };

	assert_int_equal(rheap_ffa_call_pack(c, &req), 0);
	assert_int_equal(board_call(fx->b, BOARD_NW_ENDPOINT, &req, resp), 0);
	check_invariants(fx);
}

static int32_t ffa_status(const struct rheap_ffa_regs *r)
{
	return (uint32_t)r->x[0] == FFA_ERROR ? (int32_t)(uint32_t)r->x[2] : 0;
}

static void connect_and_map(struct fixture *fx)
{
	struct rheap_ffa_call c = { .func = FFA_RXTX_MAP_64 };
	struct rheap_ffa_regs resp = { 0 };
	uint16_t ep = 0;

	assert_int_equal(board_nw_connect(fx->b, &ep), 0);
	assert_int_equal(ep, BOARD_NW_ENDPOINT);
	c.args.rxtx_map.tx_address = TX_PA;
	c.args.rxtx_map.rx_address = RX_PA;
	c.args.rxtx_map.page_count = 1;
	call(fx, &c, &resp);
	assert_int_equal(ffa_status(&resp), 0);
}

static uint8_t *pa_ptr(struct fixture *fx, uint64_t pa)
{
	if (pa >= fx->dram1_base) {
		return fx->dram1 + (pa - fx->dram1_base);
	}
	return fx->dram0 + (pa - DRAM0_BASE);
}

/* LEND of @count constituents to the SDP partition; FF-A status. */
static int32_t lend_ranges_status(struct fixture *fx,
				  const struct rheap_ffa_range *ranges,
				  uint32_t count, uint64_t *handle)
{
	struct rheap_ffa_receiver rx = { .endpoint_id = SDP_ID,
					 .permissions = FFA_DATA_ACCESS_RW };
	struct rheap_ffa_range r[8] = { 0 };
	struct rheap_ffa_mem m = {
		.abi = RHEAP_FFA_ABI_LEND,
		.version = FFA_VERSION_1_1,
		.sender_id = BOARD_NW_ENDPOINT,
		.tag = RHEAP_USE_CASE_SECURE_VIDEO,
		.receiver_count = 1,
		.receivers = &rx,
		.receiver_cap = 1,
		.range_count = count,
		.ranges = r,
		.range_cap = 8,
	};
	struct rheap_ffa_call c = { .func = FFA_MEM_LEND_64 };
	struct rheap_ffa_regs resp = { 0 };
	int len = 0;

	assert_true(count >= 1 && count <= 8);
	for (uint32_t i = 0; i < count; i++) {
		r[i] = ranges[i];
		m.total_page_count += ranges[i].page_count;
	}
	len = rheap_ffa_mem_encode(&m, pa_ptr(fx, TX_PA), FFA_PAGE_SIZE, NULL);
	assert_true(len > 0);
	c.args.mem_xfer.total_length = (uint32_t)len;
	c.args.mem_xfer.fragment_length = (uint32_t)len;
	call(fx, &c, &resp);
	if (ffa_status(&resp) == 0) {
		assert_int_equal((uint32_t)resp.x[0], FFA_SUCCESS_32);
		*handle = (resp.x[2] & UINT32_MAX) | (resp.x[3] & UINT32_MAX) << 32;
	}
	return ffa_status(&resp);
}

static int32_t lend_status(struct fixture *fx, uint64_t pa, uint32_t pages,
			   uint64_t *handle)
{
	struct rheap_ffa_range r = { .address = pa, .page_count = pages };

	return lend_ranges_status(fx, &r, 1, handle);
}

static uint64_t lend(struct fixture *fx, uint64_t pa, uint32_t pages)
{
	uint64_t handle = 0;

	assert_int_equal(lend_status(fx, pa, pages, &handle), 0);
	return handle;
}

static int32_t reclaim(struct fixture *fx, uint64_t handle)
{
	struct rheap_ffa_call c = { .func = FFA_MEM_RECLAIM };
	struct rheap_ffa_regs resp = { 0 };

	c.args.reclaim.handle = handle;
	call(fx, &c, &resp);
	return ffa_status(&resp);
}

/* ---- boot ---- */

static const struct create_case {
	const char *name;
	int mutate; /* 0 none, 1 truncate, 2 signature, 3 empty list */
	const char *keys;
	int want;
} create_cases[] = {
	{ "ok_default", 0, NULL, 0 },
	{ "rej_tl_truncated", 1, NULL, -EINVAL },
	{ "rej_tl_signature", 2, NULL, -EINVAL },
	{ "rej_tl_without_fdt", 3, NULL, -ENOENT },
	{ "rej_keys_missing", 0, "/nonexistent/keys", -ENOENT },
	{ "rej_keys_malformed", 0, "bad", -EINVAL },
	{ "ok_keys", 0, "good", 0 },
};

static void test_create(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(create_cases) / sizeof(create_cases[0]); i++) {
		const struct create_case *cc = &create_cases[i];
		struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET,
					   .quiet = true };
		uint8_t *buf = malloc(tl_size);
		struct board *b = NULL;
		char keys[] = "/tmp/rheap-board-keys-XXXXXX";
		size_t size = tl_size;
		int fd = -1;
		int rc = 0;

		assert_non_null(buf);
		memcpy(buf, tl_buf, tl_size);
		opts.log = tmpfile();
		if (cc->mutate == 1) {
			size = 16;
		} else if (cc->mutate == 2) {
			buf[0] ^= 0xFF;
		} else if (cc->mutate == 3) {
			assert_int_equal(rheap_tl_init(buf, 4096, 0), 0);
			size = 4096;
		}
		if (cc->keys && cc->keys[0] != '/') {
			const char *text = strcmp(cc->keys, "good") == 0 ?
				"00112233445566778899aabbccddeeff 000102030405060708090a0b0c0d0e0f\n" :
				"not a key\n";

			fd = mkstemp(keys);
			assert_true(fd >= 0);
			assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
			close(fd);
			opts.keys_path = keys;
		} else {
			opts.keys_path = cc->keys;
		}
		rc = board_create(buf, size, &opts, &b);
		if (rc != cc->want) {
			fail_msg("%s: got %s, want %s", cc->name, rheap_err_name(rc),
				 rheap_err_name(cc->want));
		}
		board_destroy(b);
		if (fd >= 0) {
			unlink(keys);
		}
		fclose(opts.log);
		free(buf);
	}
}

/* ---- endpoints ---- */

static void test_connect_states(void **state)
{
	struct fixture *fx = *state;
	struct rheap_ffa_call c = { .func = FFA_ID_GET };
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };
	struct board_status st = { 0 };
	uint16_t ep = 0;

	assert_int_equal(rheap_ffa_call_pack(&c, &req), 0);
	/* Not connected: refused before the ABI handler sees it. */
	assert_int_equal(board_call(fx->b, BOARD_NW_ENDPOINT, &req, &resp), -EPERM);
	assert_int_equal(ffa_status(&resp), FFA_DENIED);
	assert_int_equal(board_nw_connect(fx->b, &ep), 0);
	assert_int_equal(board_nw_connect(fx->b, &ep), -EBUSY);
	/* A partition ID is not a NW conduit. */
	assert_int_equal(board_call(fx->b, SDP_ID, &req, &resp), -EPERM);
	assert_int_equal(board_call(fx->b, ep, &req, &resp), 0);
	assert_int_equal((uint32_t)resp.x[0], FFA_SUCCESS_32);
	assert_int_equal(resp.x[2] & 0xFFFF, BOARD_NW_ENDPOINT);
	board_status(fx->b, &st);
	assert_true(st.nw_connected);
	assert_false(st.enforced);
	board_nw_disconnect(fx->b, ep);
	board_status(fx->b, &st);
	assert_false(st.nw_connected);
	assert_int_equal(board_nw_connect(fx->b, &ep), 0);
}

static const struct mailbox_case {
	const char *name;
	uint64_t tx;
	int32_t want;
} mailbox_cases[] = {
	{ "rej_static_carveout", SV_STATIC_BASE, FFA_DENIED },
	{ "rej_outside_dram", 0x1000, FFA_DENIED },
	{ "ok_nw_dram", TX_PA, 0 },
};

static void test_mailbox(void **state)
{
	struct fixture *fx = *state;
	uint16_t ep = 0;

	assert_int_equal(board_nw_connect(fx->b, &ep), 0);
	for (size_t i = 0; i < sizeof(mailbox_cases) / sizeof(mailbox_cases[0]); i++) {
		struct rheap_ffa_call c = { .func = FFA_RXTX_MAP_64 };
		struct rheap_ffa_regs resp = { 0 };

		c.args.rxtx_map.tx_address = mailbox_cases[i].tx;
		c.args.rxtx_map.rx_address = RX_PA;
		c.args.rxtx_map.page_count = 1;
		call(fx, &c, &resp);
		if (ffa_status(&resp) != mailbox_cases[i].want) {
			fail_msg("%s: status %d", mailbox_cases[i].name,
				 ffa_status(&resp));
		}
	}
}

/* ---- memory ---- */

/*
 * A NW process's own view of NW memory: dup the range's memfd (as the
 * SCM_RIGHTS hand-over does) and map it MAP_SHARED.
 */
static uint8_t *nw_view(struct fixture *fx, uint64_t pa, size_t size)
{
	struct board_dram_range r = { 0 };
	uint32_t i = pa >= fx->dram1_base ? 1u : 0u;
	void *p = NULL;
	int fd = -1;

	assert_int_equal(board_dram_get(fx->b, i, &r), 0);
	fd = dup(r.fd);
	assert_true(fd >= 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)(pa - r.base));
	close(fd); /* the mapping keeps the file */
	assert_true(p != MAP_FAILED);
	return p;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != v) {
			return false;
		}
	}
	return true;
}

static void test_lend_firewall_reclaim(void **state)
{
	struct fixture *fx = *state;
	struct hw_bus *bus = board_bus(fx->b);
	size_t len = CHUNK_PAGES * FFA_PAGE_SIZE;
	uint8_t buf[64] = { 0 };
	struct board_status st = { 0 };
	uint64_t handle = 0;
	uint64_t faults = 0;
	uint8_t *nw = NULL;

	connect_and_map(fx);
	nw = nw_view(fx, SV_DYN_BASE, len);
	memset(pa_ptr(fx, SV_DYN_BASE), 0xA5, len);
	assert_true(all_bytes(nw, len, 0xA5));
	handle = lend(fx, SV_DYN_BASE, CHUNK_PAGES);
	board_status(fx->b, &st);
	assert_int_equal(st.spmc.protected_pages, CHUNK_PAGES);
	assert_int_equal(st.endpoints[0].stats.pages_lent, CHUNK_PAGES);
	assert_int_equal(st.tzasc_used, 2);

	/* Firewall reality check (T16): the NW CPU is refused, and it faults. */
	faults = hw_bus_fault_total(bus);
	assert_int_equal(hw_bus_cpu_read(bus, false, SV_DYN_BASE, buf, sizeof(buf)),
			 -EPERM);
	assert_int_equal(hw_bus_fault_total(bus), faults + 1);
	assert_int_equal(hw_bus_cpu_read(bus, true, SV_DYN_BASE, buf, sizeof(buf)), 0);
	assert_int_equal(buf[0], 0xA5);
	/* And the range is gone from every NW mapping: it reads zeros. */
	assert_true(all_bytes(nw, len, 0));
	assert_true(all_bytes(pa_ptr(fx, SV_DYN_BASE), len, 0));
	/* A secure canary never shows up there; a NW write never gets in. */
	memset(buf, 0xC3, sizeof(buf));
	assert_int_equal(hw_bus_cpu_write(bus, true, SV_DYN_BASE + FFA_PAGE_SIZE,
					  buf, sizeof(buf)), 0);
	assert_true(all_bytes(nw, len, 0));
	memset(nw, 0x66, 16);
	assert_int_equal(hw_bus_cpu_read(bus, true, SV_DYN_BASE, buf, sizeof(buf)), 0);
	assert_true(all_bytes(buf, sizeof(buf), 0xA5));

	/* Lending the mailbox's neighbour is fine; lending it twice is not. */
	assert_int_equal(reclaim(fx, handle + 1), FFA_INVALID_PARAMETERS);
	assert_int_equal(reclaim(fx, handle), 0);
	board_status(fx->b, &st);
	assert_int_equal(st.spmc.protected_pages, 0);
	assert_int_equal(st.tzasc_used, 1);
	assert_int_equal(hw_bus_cpu_read(bus, false, SV_DYN_BASE, buf, sizeof(buf)), 0);
	for (size_t i = 0; i < CHUNK_PAGES * FFA_PAGE_SIZE; i++) {
		if (pa_ptr(fx, SV_DYN_BASE)[i] != 0) {
			fail_msg("byte %zu not scrubbed", i);
		}
	}
	/* Pool memory: scrubbed on reclaim, in the NW's own mapping too. */
	assert_true(all_bytes(nw, len, 0));
	munmap(nw, len);
}

/* A plain LEND (no pool, no CLEAR) gives the lender its bytes back. */
static void test_lend_plain_restores(void **state)
{
	struct fixture *fx = *state;
	const uint64_t pa = DRAM0_BASE + 256 * FFA_PAGE_SIZE;
	size_t len = CHUNK_PAGES * FFA_PAGE_SIZE;
	struct board_status st = { 0 };
	uint8_t buf[32] = { 0 };
	uint64_t handle = 0;
	uint8_t *nw = NULL;

	connect_and_map(fx);
	nw = nw_view(fx, pa, len + FFA_PAGE_SIZE);
	for (size_t i = 0; i < len; i++) {
		nw[i] = (uint8_t)(i * 31u + 7u);
	}
	memset(nw + len, 0x12, FFA_PAGE_SIZE);
	handle = lend(fx, pa, CHUNK_PAGES);
	assert_true(all_bytes(nw, len, 0));
	assert_true(all_bytes(nw + len, FFA_PAGE_SIZE, 0x12)); /* not lent */
	assert_int_equal(hw_bus_cpu_read(board_bus(fx->b), true, pa + 5, buf,
					 sizeof(buf)), 0);
	for (size_t i = 0; i < sizeof(buf); i++) {
		assert_int_equal(buf[i], (uint8_t)((i + 5) * 31u + 7u));
	}
	memset(nw, 0x99, len); /* hostile: overwritten at reclaim */
	assert_int_equal(reclaim(fx, handle), 0);
	board_status(fx->b, &st);
	assert_int_equal(st.spmc.protected_pages, 0);
	assert_int_equal(st.tzasc_used, 1);
	for (size_t i = 0; i < len; i++) {
		if (nw[i] != (uint8_t)(i * 31u + 7u)) {
			fail_msg("byte %zu: 0x%02x, not the lent content", i,
				 nw[i]);
		}
	}
	munmap(nw, len + FFA_PAGE_SIZE);
}

/*
 * protect is TZASC + claim, all or nothing: when the claim fails the TZASC
 * region is removed again and the lender keeps its bytes and its access.
 */
static void test_lend_claim_fails(void **state)
{
	struct fixture *fx = *state;
	struct hw_dram *dram = fx->b->dram;
	const uint64_t pa = DRAM0_BASE + 512 * FFA_PAGE_SIZE;
	size_t len = CHUNK_PAGES * FFA_PAGE_SIZE;
	struct board_status st = { 0 };
	uint64_t handle = 0;
	uint8_t buf[8] = { 0 };
	uint8_t *nw = NULL;

	connect_and_map(fx);
	nw = nw_view(fx, pa, len);
	memset(nw, 0x4d, len);
	/* Host out of memory: NO_MEMORY, nothing changed. */
	hw_dram_claim_fail_inject(dram, 1);
	assert_int_equal(lend_status(fx, pa, CHUNK_PAGES, &handle), FFA_NO_MEMORY);
	/* Already claimed behind the SPMC's back: refused, nothing changed. */
	assert_int_equal(hw_dram_claim(dram, pa + FFA_PAGE_SIZE, FFA_PAGE_SIZE), 0);
	assert_int_equal(lend_status(fx, pa, CHUNK_PAGES, &handle),
			 FFA_INVALID_PARAMETERS);
	assert_int_equal(hw_dram_unclaim(dram, pa + FFA_PAGE_SIZE, FFA_PAGE_SIZE), 0);
	board_status(fx->b, &st);
	assert_int_equal(st.spmc.protected_pages, 0);
	assert_int_equal(st.tzasc_used, 1);
	assert_int_equal(hw_bus_cpu_read(board_bus(fx->b), false, pa, buf,
					 sizeof(buf)), 0);
	assert_true(all_bytes(nw, len, 0x4d));
	/* And the retry goes through. */
	handle = lend(fx, pa, CHUNK_PAGES);
	assert_true(all_bytes(nw, len, 0));
	assert_int_equal(reclaim(fx, handle), 0);
	assert_true(all_bytes(nw, len, 0x4d));
	munmap(nw, len);
}

/* Disconnect keeps the memory secure; destroy scrubs it before release. */
static void test_disconnect_then_destroy_scrubs(void **state)
{
	struct fixture *fx = *state;
	struct board_status st = { 0 };
	struct board_dram_range r = { 0 };
	uint8_t *view = NULL;
	uint64_t off = SV_DYN_BASE - fx->dram1_base;
	int keep = -1;

	connect_and_map(fx);
	memset(pa_ptr(fx, SV_DYN_BASE), 0x5A, CHUNK_PAGES * FFA_PAGE_SIZE);
	(void)lend(fx, SV_DYN_BASE, CHUNK_PAGES);
	board_nw_disconnect(fx->b, BOARD_NW_ENDPOINT);
	check_invariants(fx);
	board_status(fx->b, &st);
	assert_int_equal(st.spmc.protected_pages, CHUNK_PAGES);
	assert_int_equal(st.endpoints[0].stats.live_handles, 1);
	assert_int_equal(st.tzasc_used, 2);

	assert_int_equal(board_dram_get(fx->b, 1, &r), 0);
	keep = dup(r.fd);
	assert_true(keep >= 0);
	munmap(fx->dram0, fx->size0);
	munmap(fx->dram1, fx->size1);
	board_destroy(fx->b);
	fx->b = NULL;
	view = mmap(NULL, CHUNK_PAGES * FFA_PAGE_SIZE, PROT_READ, MAP_SHARED, keep,
		    (off_t)off);
	assert_true(view != MAP_FAILED);
	for (size_t i = 0; i < CHUNK_PAGES * FFA_PAGE_SIZE; i++) {
		if (view[i] != 0) {
			fail_msg("byte %zu not scrubbed at destroy", i);
		}
	}
	munmap(view, CHUNK_PAGES * FFA_PAGE_SIZE);
	close(keep);
	/* teardown must not touch the destroyed board */
	fx->dram0 = NULL;
	fx->dram1 = NULL;
}

static int teardown_destroyed(void **state)
{
	struct fixture *fx = *state;

	if (fx->b) {
		return teardown(state);
	}
	fclose(fx->log);
	free(fx);
	return 0;
}

static void test_status_json(void **state)
{
	struct fixture *fx = *state;
	struct json_doc *doc = NULL;
	const struct json_value *root = NULL;
	const struct json_value *tz = NULL;
	char *json = NULL;
	size_t len = 0;
	uint64_t v = 0;
	bool enforced = true;

	connect_and_map(fx);
	(void)lend(fx, SV_DYN_BASE, CHUNK_PAGES);
	assert_int_equal(board_status_json(fx->b, &json, &len), 0);
	assert_int_equal(json_parse(json, len, &doc, NULL), 0);
	root = json_root(doc);
	assert_int_equal(json_get_bool(json_object_get(root, "enforced"), &enforced), 0);
	assert_false(enforced);
	assert_int_equal(json_get_u64(json_object_get(json_object_get(root, "spmc"),
						      "protected_pages"), &v), 0);
	assert_int_equal(v, CHUNK_PAGES);
	tz = json_object_get(json_object_get(root, "tzasc"), "secure");
	assert_non_null(tz);
	assert_int_equal(tz->count, 2);
	assert_int_equal(json_get_u64(json_object_get(tz->child, "base"), &v), 0);
	assert_int_equal(v, SV_STATIC_BASE);
	assert_int_equal(json_get_u64(json_object_get(tz->child, "size"), &v), 0);
	assert_int_equal(v, 80u << 20); /* both static pools, coalesced */
	json_free(doc);
	free(json);
}

/* ---- TZASC exhaustion ---- */

/*
 * Scattered chunks of the secure-video dynamic pool, three chunks apart:
 * SLOT(i) + CHUNK touches slot i only, [SLOT(i) + CHUNK, SLOT(i + 1))
 * bridges two slots.
 */
#define CHUNK_BYTES ((uint64_t)CHUNK_PAGES * FFA_PAGE_SIZE)
#define SLOT(i) (SV_DYN_BASE + (uint64_t)(i) * 3u * CHUNK_BYTES)
#define MAX_SLOTS 16u

/* Everything a refused call must leave as it was. */
struct board_snap {
	struct board_status st;
	struct hw_tzasc tz;
	uint64_t digest;
	uint32_t claims;
};

static void snap_take(struct fixture *fx, struct board_snap *s)
{
	memset(s, 0, sizeof(*s));
	board_status(fx->b, &s->st);
	s->tz = fx->b->tzasc;
	s->digest = spmc_state_digest(board_spmc(fx->b));
	s->claims = hw_dram_claim_count(fx->b->dram);
}

static void snap_assert_same(struct fixture *fx, const struct board_snap *a)
{
	struct board_snap b = { 0 };

	snap_take(fx, &b);
	assert_int_equal(b.st.spmc.live_shares, a->st.spmc.live_shares);
	assert_int_equal(b.st.spmc.total_ranges, a->st.spmc.total_ranges);
	assert_int_equal(b.st.spmc.protected_pages, a->st.spmc.protected_pages);
	assert_int_equal(b.st.spmc.pool_pages, a->st.spmc.pool_pages);
	assert_int_equal(b.st.spmc.scrubbed_pages, a->st.spmc.scrubbed_pages);
	assert_int_equal(b.st.wedged, a->st.wedged);
	assert_int_equal(b.st.tzasc_regions, a->st.tzasc_regions);
	assert_int_equal(b.st.tzasc_used, a->st.tzasc_used);
	assert_int_equal(b.st.faults_total, a->st.faults_total);
	assert_int_equal(b.st.smmu_mappings, a->st.smmu_mappings);
	assert_int_equal(b.st.endpoint_count, a->st.endpoint_count);
	for (uint32_t i = 0; i < a->st.endpoint_count; i++) {
		const struct spmc_ep_stats *x = &a->st.endpoints[i].stats;
		const struct spmc_ep_stats *y = &b.st.endpoints[i].stats;

		assert_int_equal(b.st.endpoints[i].id, a->st.endpoints[i].id);
		assert_int_equal(y->live_handles, x->live_handles);
		assert_int_equal(y->pending, x->pending);
		assert_int_equal(y->pages_shared, x->pages_shared);
		assert_int_equal(y->pages_lent, x->pages_lent);
		assert_int_equal(y->pages_donated, x->pages_donated);
		assert_int_equal(y->pages_borrowed, x->pages_borrowed);
		assert_int_equal(y->retrievals, x->retrievals);
	}
	assert_true(hw_tzasc_eq(&b.tz, &a->tz));
	assert_true(b.digest == a->digest);
	assert_int_equal(b.claims, a->claims);
}

static uint32_t tzasc_used(struct fixture *fx)
{
	struct board_status st = { 0 };

	board_status(fx->b, &st);
	return st.tzasc_used;
}

/*
 * Lend SLOT(first), SLOT(first + 1), ... until the TZASC has no free
 * region; returns how many were lent (handles in @h).
 */
static uint32_t fill_tzasc(struct fixture *fx, uint32_t first, uint64_t *h)
{
	struct board_status st = { 0 };
	uint32_t used = 0;
	uint32_t n = 0;

	board_status(fx->b, &st);
	used = st.tzasc_used;
	while (st.tzasc_used < st.tzasc_regions) {
		assert_true(first + n < MAX_SLOTS);
		h[n] = lend(fx, SLOT(first + n), CHUNK_PAGES);
		n++;
		board_status(fx->b, &st);
		assert_int_equal(st.tzasc_used, used + n); /* one region each */
	}
	return n;
}

static void reclaim_all(struct fixture *fx, const uint64_t *h, uint32_t n)
{
	struct board_status st = { 0 };

	for (uint32_t i = 0; i < n; i++) {
		if (h[i] != 0) {
			assert_int_equal(reclaim(fx, h[i]), 0);
		}
	}
	board_status(fx->b, &st);
	assert_int_equal(st.tzasc_used, 1);
	assert_int_equal(st.spmc.protected_pages, 0);
	assert_int_equal(st.spmc.live_shares, 0);
	assert_int_equal(hw_dram_claim_count(fx->b->dram), 0);
}

/*
 * The default board: 8 programmable regions, 1 taken at boot (the two
 * static pools, coalesced). Seven scattered LENDs fill it; the eighth is
 * NO_MEMORY and changes nothing: the lender keeps its bytes and its
 * access. After one reclaim the same LEND goes through.
 */
static void test_tzasc_full_lend_no_memory(void **state)
{
	struct fixture *fx = *state;
	struct board_snap before = { 0 };
	struct board_status st = { 0 };
	uint64_t h[MAX_SLOTS] = { 0 };
	uint64_t extra = 0;
	uint8_t buf[16] = { 0 };
	uint8_t *nw = NULL;
	uint32_t n = 0;

	connect_and_map(fx);
	board_status(fx->b, &st);
	assert_int_equal(st.tzasc_regions, 8);
	assert_int_equal(st.tzasc_used, 1);
	n = fill_tzasc(fx, 0, h);
	assert_int_equal(n, 7);
	nw = nw_view(fx, SLOT(n), CHUNK_BYTES);
	memset(nw, 0x3c, CHUNK_BYTES);
	snap_take(fx, &before);
	assert_int_equal(lend_status(fx, SLOT(n), CHUNK_PAGES, &extra),
			 FFA_NO_MEMORY);
	snap_assert_same(fx, &before);
	assert_int_equal(before.st.endpoints[0].stats.live_handles, 7);
	assert_true(all_bytes(nw, CHUNK_BYTES, 0x3c));
	assert_int_equal(hw_bus_cpu_read(board_bus(fx->b), false, SLOT(n), buf,
					 sizeof(buf)),
			 0);
	assert_true(all_bytes(buf, sizeof(buf), 0x3c));
	/* Refused again, still nothing changed (no slot leaked). */
	assert_int_equal(lend_status(fx, SLOT(n), CHUNK_PAGES, &extra),
			 FFA_NO_MEMORY);
	snap_assert_same(fx, &before);

	/* One reclaim frees one region: the same LEND now succeeds. */
	assert_int_equal(reclaim(fx, h[3]), 0);
	h[3] = 0;
	assert_int_equal(tzasc_used(fx), 7);
	h[n] = lend(fx, SLOT(n), CHUNK_PAGES);
	assert_int_equal(tzasc_used(fx), 8);
	assert_true(all_bytes(nw, CHUNK_BYTES, 0));
	reclaim_all(fx, h, n + 1);
	munmap(nw, CHUNK_BYTES);
}

/*
 * A full TZASC still takes a LEND that needs no new region: one next to
 * a protected range grows it, one that fills a gap bridges two regions
 * and frees one.
 */
static void test_tzasc_full_lend_coalesces(void **state)
{
	struct fixture *fx = *state;
	struct board_snap before = { 0 };
	uint64_t h[MAX_SLOTS] = { 0 };
	uint64_t grow = 0;
	uint64_t bridge = 0;
	uint32_t n = 0;

	connect_and_map(fx);
	n = fill_tzasc(fx, 0, h);
	snap_take(fx, &before);
	assert_int_equal(lend_status(fx, SLOT(n), CHUNK_PAGES, &h[n]),
			 FFA_NO_MEMORY);
	snap_assert_same(fx, &before);
	grow = lend(fx, SLOT(0) + CHUNK_BYTES, CHUNK_PAGES);
	assert_int_equal(tzasc_used(fx), 8);
	bridge = lend(fx, SLOT(1) + CHUNK_BYTES, 2 * CHUNK_PAGES);
	assert_int_equal(tzasc_used(fx), 7);
	h[n] = lend(fx, SLOT(n), CHUNK_PAGES);
	assert_int_equal(tzasc_used(fx), 8);
	/* Edges first (trims need no region), then the rest. */
	assert_int_equal(reclaim(fx, grow), 0);
	assert_int_equal(reclaim(fx, h[1]), 0);
	h[1] = 0;
	assert_int_equal(reclaim(fx, bridge), 0);
	assert_int_equal(tzasc_used(fx), 8); /* trims: slot 2 stays */
	reclaim_all(fx, h, n + 1);
}

/*
 * One slot left and a LEND of two scattered constituents (two protect
 * runs): the first run takes the last region, the second finds none, and
 * the first is undone (TZASC and DRAM claim). NO_MEMORY, nothing changed,
 * the lender's bytes untouched; with one more region free it succeeds.
 */
static void test_tzasc_full_second_run_undone(void **state)
{
	struct fixture *fx = *state;
	struct rheap_ffa_range r[2] = { { 0 } };
	struct board_snap before = { 0 };
	uint64_t h[MAX_SLOTS] = { 0 };
	uint64_t two = 0;
	uint8_t buf[16] = { 0 };
	uint8_t *nw0 = NULL;
	uint8_t *nw1 = NULL;
	uint32_t n = 0;

	connect_and_map(fx);
	for (n = 0; n < 6; n++) {
		h[n] = lend(fx, SLOT(n), CHUNK_PAGES);
	}
	assert_int_equal(tzasc_used(fx), 7);
	r[0].address = SLOT(n);
	r[0].page_count = CHUNK_PAGES;
	r[1].address = SLOT(n + 1);
	r[1].page_count = CHUNK_PAGES;
	nw0 = nw_view(fx, SLOT(n), CHUNK_BYTES);
	nw1 = nw_view(fx, SLOT(n + 1), CHUNK_BYTES);
	memset(nw0, 0x71, CHUNK_BYTES);
	memset(nw1, 0x72, CHUNK_BYTES);
	snap_take(fx, &before);
	assert_int_equal(lend_ranges_status(fx, r, 2, &two), FFA_NO_MEMORY);
	snap_assert_same(fx, &before);
	assert_int_equal(tzasc_used(fx), 7);
	assert_true(all_bytes(nw0, CHUNK_BYTES, 0x71));
	assert_true(all_bytes(nw1, CHUNK_BYTES, 0x72));
	/* The region of the first run is gone again: NS access is open. */
	assert_int_equal(hw_bus_cpu_read(board_bus(fx->b), false, SLOT(n), buf,
					 sizeof(buf)),
			 0);
	assert_true(all_bytes(buf, sizeof(buf), 0x71));
	/* Free one region: both runs fit. */
	assert_int_equal(reclaim(fx, h[0]), 0);
	h[0] = 0;
	assert_int_equal(lend_ranges_status(fx, r, 2, &two), 0);
	h[n] = two;
	assert_int_equal(tzasc_used(fx), 8);
	assert_true(all_bytes(nw0, CHUNK_BYTES, 0));
	assert_true(all_bytes(nw1, CHUNK_BYTES, 0));
	reclaim_all(fx, h, n + 1);
	munmap(nw0, CHUNK_BYTES);
	munmap(nw1, CHUNK_BYTES);
}

/*
 * Reachable through the SPMC's symmetric protect/unprotect: three
 * adjacent LENDs (three handles) coalesce into one TZASC region, so
 * reclaiming the middle one is an unprotect that splits the region and
 * needs a free slot. With the TZASC full it is NO_MEMORY: the handle
 * stays live, the memory stays secure and claimed, the accounting is as
 * before. Reclaiming an edge needs no slot and works when full; after a
 * slot is freed the middle reclaim goes through.
 */
static void test_tzasc_full_reclaim_split_no_memory(void **state)
{
	struct fixture *fx = *state;
	const uint64_t base = SV_DYN_BASE + 64u * CHUNK_BYTES;
	struct board_snap before = { 0 };
	uint64_t h[MAX_SLOTS] = { 0 };
	uint64_t abc[3] = { 0 };
	uint8_t buf[8] = { 0 };
	uint32_t n = 0;

	connect_and_map(fx);
	for (uint32_t i = 0; i < 3; i++) {
		abc[i] = lend(fx, base + i * CHUNK_BYTES, CHUNK_PAGES);
	}
	assert_int_equal(tzasc_used(fx), 2);
	n = fill_tzasc(fx, 0, h);
	assert_int_equal(n, 6);
	assert_int_equal(tzasc_used(fx), 8);

	snap_take(fx, &before);
	assert_int_equal(reclaim(fx, abc[1]), FFA_NO_MEMORY);
	snap_assert_same(fx, &before);
	assert_int_equal(hw_bus_cpu_read(board_bus(fx->b), false,
					 base + CHUNK_BYTES, buf, sizeof(buf)),
			 -EPERM);
	assert_true(hw_dram_is_claimed(fx->b->dram, base + CHUNK_BYTES,
				       CHUNK_BYTES));
	/* The refusal leaves no trace: refused again, same state. */
	snap_take(fx, &before);
	assert_int_equal(reclaim(fx, abc[1]), FFA_NO_MEMORY);
	snap_assert_same(fx, &before);

	/* An edge is a trim: no slot needed, fine when full. */
	assert_int_equal(reclaim(fx, abc[0]), 0);
	assert_int_equal(tzasc_used(fx), 8);
	abc[0] = lend(fx, base, CHUNK_PAGES); /* grows back, no slot */
	assert_int_equal(tzasc_used(fx), 8);

	/* One slot free: the split succeeds and takes it. */
	assert_int_equal(reclaim(fx, h[2]), 0);
	h[2] = 0;
	assert_int_equal(tzasc_used(fx), 7);
	assert_int_equal(reclaim(fx, abc[1]), 0);
	assert_int_equal(tzasc_used(fx), 8);
	assert_int_equal(hw_bus_cpu_read(board_bus(fx->b), false,
					 base + CHUNK_BYTES, buf, sizeof(buf)),
			 0);
	assert_int_equal(hw_bus_cpu_read(board_bus(fx->b), false, base, buf,
					 sizeof(buf)),
			 -EPERM);
	assert_int_equal(reclaim(fx, abc[0]), 0);
	assert_int_equal(reclaim(fx, abc[2]), 0);
	reclaim_all(fx, h, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test_setup_teardown(test_connect_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mailbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lend_firewall_reclaim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lend_plain_restores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lend_claim_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_then_destroy_scrubs, setup,
						teardown_destroyed),
		cmocka_unit_test_setup_teardown(test_status_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tzasc_full_lend_no_memory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tzasc_full_lend_coalesces, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tzasc_full_second_run_undone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tzasc_full_reclaim_split_no_memory,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, load_tl, free_tl);
}
