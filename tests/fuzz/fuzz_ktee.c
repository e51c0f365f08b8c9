// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target for rheapd's TEE driver (src/kernel/ktee.c): the requests
 * a hostile client sends (RHEAPD_OP_TEE_* payloads and fds), over a real
 * ksec and board.
 *
 * World, built once per process: the default board (RHEAP_DEFAULT_TL)
 * served by a thread on a socket in a temporary directory, a ksec with
 * two secure-video chunks lent and assigned, and a fake buffer layer with
 * four handles: a restricted buffer spanning both chunks, a restricted
 * one-page buffer, a system memfd, and a handle whose heap the policy
 * refuses. Each input gets a fresh ktee.
 *
 * Input: a sequence of operations, one selector byte each: OPEN, CLOSE,
 * REGISTER, RELEASE, CANCEL (fields picked from small tables and the IDs
 * seen so far), INVOKE (a structured invocation: command incl. DECRYPT,
 * four parameters with types, IDs, offsets and sizes from the input, a
 * data area: a counting pattern, or bytes from the input when the command
 * byte's bit 7 is set, so that a DECRYPT info and map can be written; the
 * board has one key, KID all zero), RAW (op,
 * length and bytes straight from the input, with or without an fd), and
 * CLIENT_GONE, for two clients.
 *
 * Properties: every return is 0 or an errno of ktee.h's list; a response
 * fits its buffer and has the op's size; TEEC results come from the known
 * set with a known origin; after the input (client teardown, destroy)
 * every buffer reference taken was dropped; the board is not wedged and
 * the partition still holds exactly the two chunks, unattached.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>
#include <rheap/sdp_ta.h>
#include <rheap/tee_client_api.h>
#include <rheap/use_case.h>

#include "board/board.h"
#include "board/board_server.h"
#include "board/nw_client.h"
#include "hw/hw_dram.h"
#include "kernel/ksec.h"
#include "kernel/ktee.h"

#ifndef RHEAP_DEFAULT_TL
#error "RHEAP_DEFAULT_TL must name the default board's Transfer List"
#endif

#define PAGE 4096u
#define SV_DYN_BASE UINT64_C(0x8ef000000)
#define CHUNK (64u * PAGE)
#define RESP_CAP (RHEAPD_MSG_MAX - 16u)
#define MAX_IDS 16u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t k_sdp_uuid[16] = { 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
					 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
					 0xab, 0xab, 0xab, 0x01 };
static const uint8_t k_basic_uuid[16] = { 0x12, 0x34, 0x56, 0x78, 0x5b, 0x69,
					   0x11, 0xe4, 0x9d, 0xbb, 0x10, 0x1f,
					   0x74, 0xf0, 0x00, 0x99 };

struct fake_buf {
	int fd;
	struct ktee_mem mem;
	struct ktee_extent ext[2];
	bool forbidden;
};

static struct {
	bool ready;
	struct board *b;
	struct board_server *srv;
	pthread_t th;
	struct ksec *sec;
	uint32_t chunk_id[2];
	struct fake_buf bufs[4];
	uint32_t gets;
	uint32_t puts;
	uint8_t *resp;
	uint8_t *req;
} W;

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static int fake_get(void *ctx, uint32_t client, int fd, struct ktee_mem *mem,
		    void **ref)
{
	(void)ctx;
	(void)client;
	for (uint32_t i = 0; i < 4; i++) {
		if (W.bufs[i].fd == fd) {
			if (W.bufs[i].forbidden) {
				return -EPERM;
			}
			*mem = W.bufs[i].mem;
			*ref = &W.bufs[i];
			W.gets++;
			return 0;
		}
	}
	return -EINVAL;
}

static void fake_put(void *ctx, void *ref)
{
	(void)ctx;
	check(ref != NULL);
	W.puts++;
}

static void *serve(void *arg)
{
	(void)board_server_run(arg);
	return NULL;
}

static void world_init(void)
{
	static char dir[] = "/tmp/rheap-fuzz-ktee-XXXXXX";
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET,
				   .quiet = true, .debug_dump = true };
	char sock[96] = { 0 };
	char keys[96] = { 0 };
	FILE *kf = NULL;
	struct nw_client *c = NULL;
	struct ksec_cfg cfg = { 0 };
	FILE *f = fopen(RHEAP_DEFAULT_TL, "rb");
	uint8_t *tl = NULL;
	long n = 0;

	check(f != NULL);
	check(fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0);
	rewind(f);
	tl = malloc((size_t)n);
	check(tl && fread(tl, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	opts.log = fopen("/dev/null", "w");
	check(mkdtemp(dir) != NULL);
	/* One content key, KID all zero, for DECRYPT. */
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	kf = fopen(keys, "w");
	check(kf != NULL);
	fprintf(kf, "%032x 000102030405060708090a0b0c0d0e0f\n", 0u);
	fclose(kf);
	opts.keys_path = keys;
	check(board_create(tl, (size_t)n, &opts, &W.b) == 0);
	(void)unlink(keys);
	free(tl);
	snprintf(sock, sizeof(sock), "%s/board.sock", dir);
	check(board_server_create(W.b, sock, &W.srv) == 0);
	check(pthread_create(&W.th, NULL, serve, W.srv) == 0);
	check(nw_client_connect(sock, BOARD_CONN_NW, &c) == 0);
	(void)unlink(sock);
	(void)rmdir(dir);
	cfg.client = c;
	cfg.sdp_id = 0x8001;
	cfg.scratch_pa = UINT64_C(0x80000000);
	check(ksec_create(&cfg, &W.sec) == 0);
	for (uint32_t i = 0; i < 2; i++) {
		struct rheap_ffa_range r = {
			.address = SV_DYN_BASE + 2u * 0x200000u * i,
			.page_count = CHUNK / PAGE,
		};
		uint64_t h = 0;

		check(ksec_chunk_lend(W.sec, RHEAP_USE_CASE_SECURE_VIDEO, &r, 1,
				      &h, &W.chunk_id[i]) == 0);
	}
	/* 0: 3 pages of chunk 0's end + 2 of chunk 1; 1: one page; 2: a
	 * 64 KiB system memfd; 3: refused by policy. */
	for (uint32_t i = 0; i < 4; i++) {
		struct fake_buf *b = &W.bufs[i];

		b->mem.extents = b->ext;
		b->mem.extent_count = 1;
		b->fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		check(b->fd >= 0);
	}
	W.bufs[0].ext[0] = (struct ktee_extent){ W.chunk_id[0], CHUNK - 3 * PAGE,
						 3 * PAGE };
	W.bufs[0].ext[1] = (struct ktee_extent){ W.chunk_id[1], 0, 2 * PAGE };
	W.bufs[0].mem.extent_count = 2;
	W.bufs[0].mem.size = 5 * PAGE;
	W.bufs[0].mem.restricted = true;
	W.bufs[1].ext[0] = (struct ktee_extent){ W.chunk_id[0], 0, PAGE };
	W.bufs[1].mem.size = PAGE;
	W.bufs[1].mem.restricted = true;
	close(W.bufs[2].fd);
	W.bufs[2].fd = memfd_create("fuzz-ktee", MFD_CLOEXEC);
	check(W.bufs[2].fd >= 0 && ftruncate(W.bufs[2].fd, 16 * PAGE) == 0);
	W.bufs[2].ext[0].size = 16 * PAGE;
	W.bufs[2].mem.size = 16 * PAGE;
	W.bufs[3].forbidden = true;
	W.resp = malloc(RESP_CAP);
	W.req = malloc(RHEAPD_MSG_MAX);
	check(W.resp && W.req);
	W.ready = true;
}

/* ---- input reader ---- */

struct reader {
	const uint8_t *p;
	size_t left;
};

static uint8_t rd8(struct reader *r)
{
	uint8_t v = 0;

	if (r->left) {
		v = *r->p++;
		r->left--;
	}
	return v;
}

static uint16_t rd16(struct reader *r)
{
	return (uint16_t)(rd8(r) | rd8(r) << 8);
}

static uint64_t rd64(struct reader *r)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < 8; i++) {
		v |= (uint64_t)rd8(r) << (8 * i);
	}
	return v;
}

struct ids {
	uint32_t v[MAX_IDS];
	uint32_t count;
};

static void ids_add(struct ids *s, uint32_t id)
{
	if (s->count < MAX_IDS) {
		s->v[s->count++] = id;
	}
}

static uint32_t ids_pick(const struct ids *s, uint8_t sel)
{
	if (sel >= 0xF0 || s->count == 0) {
		return sel; /* a raw, probably unknown, ID */
	}
	return s->v[sel % s->count];
}

/* ---- properties ---- */

static bool errno_ok(int rc)
{
	return rc == 0 || rc == -EINVAL || rc == -EOPNOTSUPP ||
	       rc == -ENOENT || rc == -EPERM || rc == -ENOMEM ||
	       rc == -ENOSPC;
}

static void result_check(const struct rheapd_tee_result *r)
{
	static const uint32_t rets[] = {
		TEEC_SUCCESS, TEEC_ERROR_BAD_PARAMETERS,
		TEEC_ERROR_ACCESS_DENIED, TEEC_ERROR_ITEM_NOT_FOUND,
		TEEC_ERROR_OUT_OF_MEMORY, TEEC_ERROR_BUSY,
		TEEC_ERROR_SHORT_BUFFER, TEEC_ERROR_EXCESS_DATA,
		TEEC_ERROR_NOT_SUPPORTED, TEEC_ERROR_TARGET_DEAD,
		TEEC_ERROR_GENERIC,
	};
	bool known = false;

	for (size_t i = 0; i < sizeof(rets) / sizeof(rets[0]); i++) {
		known = known || rets[i] == r->ret;
	}
	check(known);
	check(r->origin >= TEEC_ORIGIN_API &&
	      r->origin <= TEEC_ORIGIN_TRUSTED_APP);
}

static int send_req(struct ktee *t, uint32_t client, uint16_t op,
		    const void *req, size_t len, int fd, size_t want_len)
{
	size_t resp_len = 0;
	int rc = ktee_request(t, client, op, req, len, fd, W.resp, RESP_CAP,
			      &resp_len);

	check(errno_ok(rc));
	check(resp_len <= RESP_CAP);
	if (rc == 0 && want_len != SIZE_MAX) {
		check(resp_len == want_len);
	}
	if (rc != 0) {
		check(resp_len == 0);
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct ids sessions = { { 0 }, 0 };
	struct ids shms = { { 0 }, 0 };
	struct ktee_host_ops ops = { .buf_get = fake_get, .buf_put = fake_put };
	struct board_status st = { 0 };
	struct ktee *t = NULL;
	uint32_t ops_done = 0;

	if (!W.ready) {
		world_init();
	}
	W.gets = 0;
	W.puts = 0;
	check(ktee_create(W.sec, k_sdp_uuid, &ops, &t) == 0);
	while (r.left && ops_done++ < 64) {
		uint8_t sel = rd8(&r);
		uint32_t client = 1u + (sel >> 7);
		int rc = 0;

		switch (sel % 8) {
		case 0: { /* OPEN */
			struct rheapd_tee_open_req o = { 0 };
			struct rheapd_tee_open_resp out = { 0 };
			uint8_t u = rd8(&r);

			memcpy(o.uuid, u % 3 == 0 ? k_sdp_uuid : k_basic_uuid,
			       16);
			if (u % 3 == 2) {
				o.uuid[u % 16] ^= rd8(&r);
			}
			o.login = rd8(&r) % 8;
			o.reserved = rd8(&r) == 0xFF ? 1 : 0;
			rc = send_req(t, client, RHEAPD_OP_TEE_OPEN, &o,
				      sizeof(o), -1, sizeof(out));
			if (rc == 0) {
				memcpy(&out, W.resp, sizeof(out));
				result_check(&out.result);
				if (out.result.ret == TEEC_SUCCESS) {
					ids_add(&sessions, out.session);
				}
			}
			break;
		}
		case 1: { /* CLOSE */
			struct rheapd_tee_close_req c = { 0 };

			c.session = ids_pick(&sessions, rd8(&r));
			(void)send_req(t, client, RHEAPD_OP_TEE_CLOSE, &c,
				       sizeof(c), -1, 0);
			break;
		}
		case 2: { /* REGISTER */
			struct rheapd_tee_shm_resp out = { 0 };
			uint8_t b = rd8(&r);
			int fd = b % 5 == 4 ? -1 : W.bufs[b % 5].fd;

			rc = send_req(t, client, RHEAPD_OP_TEE_SHM_REGISTER_FD,
				      NULL, 0, fd, sizeof(out));
			if (rc == 0) {
				memcpy(&out, W.resp, sizeof(out));
				ids_add(&shms, out.shm_id);
			}
			break;
		}
		case 3: { /* RELEASE */
			struct rheapd_tee_shm_release_req rel = { 0 };

			rel.shm_id = ids_pick(&shms, rd8(&r));
			(void)send_req(t, client, RHEAPD_OP_TEE_SHM_RELEASE,
				       &rel, sizeof(rel), -1, 0);
			break;
		}
		case 4: { /* CANCEL */
			struct rheapd_tee_cancel_req c = { 0 };

			c.session = ids_pick(&sessions, rd8(&r));
			c.cancel_id = rd8(&r);
			(void)send_req(t, client, RHEAPD_OP_TEE_CANCEL, &c,
				       sizeof(c), -1, 0);
			break;
		}
		case 5: { /* INVOKE */
			struct rheapd_tee_invoke inv = { 0 };
			struct rheapd_tee_invoke out = { 0 };
			size_t data_size = rd16(&r) % 24000u;
			size_t len = sizeof(inv) + data_size;
			uint8_t cmd = 0;

			inv.session = ids_pick(&sessions, rd8(&r));
			cmd = rd8(&r);
			/* 0..3: sdp_basic's and an unknown one; 4: DECRYPT.
			 * Bit 7: the data area comes from the input. */
			inv.command = (cmd & 0x7Fu) % 5u == 4u ?
					      SDP_TA_CMD_DECRYPT :
					      (cmd & 0x7Fu) % 5u;
			for (uint32_t i = 0; i < RHEAPD_TEE_PARAMS; i++) {
				uint8_t ty = rd8(&r);
				uint8_t form = rd8(&r);

				inv.params[i].type = ty & 0xF;
				if (inv.params[i].type >= 0xD) {
					inv.params[i].shm_id =
						ids_pick(&shms, rd8(&r));
				}
				if (form & 1) {
					inv.params[i].a = rd64(&r);
					inv.params[i].b = rd64(&r);
				} else {
					inv.params[i].a = rd16(&r) & ~7u;
					inv.params[i].b = rd16(&r);
				}
			}
			memcpy(W.req, &inv, sizeof(inv));
			for (size_t i = 0; i < data_size; i++) {
				W.req[sizeof(inv) + i] =
					(cmd & 0x80u) ? rd8(&r) : (uint8_t)i;
			}
			rc = send_req(t, client, RHEAPD_OP_TEE_INVOKE, W.req,
				      len, -1, len);
			if (rc == 0) {
				memcpy(&out, W.resp, sizeof(out));
				result_check(&out.result);
			}
			break;
		}
		case 6: { /* RAW */
			uint16_t op = rd8(&r) % 0x18;
			size_t len = rd16(&r) % 512u;
			int fd = rd8(&r) % 4 == 0 ? W.bufs[1].fd : -1;

			for (size_t i = 0; i < len; i++) {
				W.req[i] = rd8(&r);
			}
			(void)send_req(t, client, op, W.req, len, fd,
				       SIZE_MAX);
			break;
		}
		default: /* CLIENT_GONE */
			ktee_client_gone(t, client);
			break;
		}
	}
	ktee_client_gone(t, 1);
	ktee_client_gone(t, 2);
	check(W.gets == W.puts);
	ktee_destroy(t);
	check(W.gets == W.puts);
	board_status(W.b, &st);
	check(!st.wedged);
	check(st.smmu_mappings == 0);
	check(!ksec_gone(W.sec));
	return 0;
}
