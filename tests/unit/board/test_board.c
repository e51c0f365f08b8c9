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
#include "spmc/spmc.h"
#include "util/json.h"

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
	const char *path = getenv("RHEAP_DEFAULT_TL");
	FILE *f = NULL;
	long n = 0;

	(void)state;
	if (!path) {
		return -1;
	}
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0) {
		return -1;
	}
	rewind(f);
	tl_buf = malloc((size_t)n);
	tl_size = (size_t)n;
	if (!tl_buf || fread(tl_buf, 1, tl_size, f) != tl_size) {
		return -1;
	}
	fclose(f);
	return 0;
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

static int32_t lend_status(struct fixture *fx, uint64_t pa, uint32_t pages,
			   uint64_t *handle)
{
	struct rheap_ffa_receiver rx = { .endpoint_id = SDP_ID,
					 .permissions = FFA_DATA_ACCESS_RW };
	struct rheap_ffa_range r = { .address = pa, .page_count = pages };
	struct rheap_ffa_mem m = {
		.abi = RHEAP_FFA_ABI_LEND,
		.version = FFA_VERSION_1_1,
		.sender_id = BOARD_NW_ENDPOINT,
		.tag = RHEAP_USE_CASE_SECURE_VIDEO,
		.receiver_count = 1,
		.receivers = &rx,
		.receiver_cap = 1,
		.total_page_count = pages,
		.range_count = 1,
		.ranges = &r,
		.range_cap = 1,
	};
	struct rheap_ffa_call c = { .func = FFA_MEM_LEND_64 };
	struct rheap_ffa_regs resp = { 0 };
	int len = rheap_ffa_mem_encode(&m, pa_ptr(fx, TX_PA), FFA_PAGE_SIZE, NULL);

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
	};

	return cmocka_run_group_tests(tests, load_tl, free_tl);
}
