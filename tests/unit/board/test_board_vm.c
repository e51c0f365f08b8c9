// SPDX-License-Identifier: BSD-2-Clause
/*
 * The board's VM endpoints (issue 6, docs/board-transport.md "VM
 * endpoints"): the host and three VMs at once, each with its own mailbox,
 * its own LEND of a dynamic-pool chunk ASSIGNed by the SDP partition as
 * that endpoint, its own device context, window and SMMU_NS mapping; every
 * cross-endpoint attempt refused with its exact status; a VM killed while
 * the others keep working, their accounting exact, its lend secure; the
 * ID reused by a new VM that inherits nothing; the VM HELLO refusals, in
 * process and over the socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>
#include <rheap/ffa_regs.h>
#include <rheap/platform.h>
#include <rheap/sdp_abi.h>
#include <rheap/use_case.h>

#include "board/board.h"
#include "board/board_internal.h"
#include "board/board_msg.h"
#include "board/board_server.h"
#include "board/nw_client.h"
#include "hw/hw_dram.h"
#include "hw/hw_tzasc.h"
#include "spmc/spmc.h"
#include "util/json.h"
#include "board_test_file.h"

#define SDP_ID 0x8001u
#define SID_VDEC 0x10u
#define SID_DISPLAY 0x20u
#define HOST BOARD_NW_ENDPOINT
#define VM2 0x0002u
#define VM3 0x0003u
#define VM4 0x0004u
#define DRAM0_BASE UINT64_C(0x80000000)
#define CHUNK_PAGES 4u
#define NEP 4u /* host + 3 VMs */

#define A(...) ((const uint64_t[DEVICE_ARGS]){ __VA_ARGS__ })

static uint8_t *tl_buf;
static size_t tl_size;

static const uint16_t eps[NEP] = { HOST, VM2, VM3, VM4 };

struct fixture {
	struct board *b;
	uint8_t *dram0;
	uint64_t size0;
	uint64_t dyn_base; /* the secure-video dynamic pool */
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

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET,
				   .quiet = true };
	struct board_dram_range r = { 0 };
	const struct rheap_platform *plat = NULL;
	void *p = NULL;

	assert_non_null(fx);
	fx->log = tmpfile();
	opts.log = fx->log;
	assert_int_equal(board_create(tl_buf, tl_size, &opts, &fx->b), 0);
	assert_int_equal(board_dram_get(fx->b, 0, &r), 0);
	assert_int_equal(r.base, DRAM0_BASE);
	p = mmap(NULL, r.size, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	assert_true(p != MAP_FAILED);
	fx->dram0 = p;
	fx->size0 = r.size;
	plat = board_platform(fx->b);
	for (uint32_t i = 0; i < plat->pool_count; i++) {
		if (plat->pools[i].kind == RHEAP_POOL_DYNAMIC &&
		    plat->pools[i].use_case == RHEAP_USE_CASE_SECURE_VIDEO) {
			fx->dyn_base = plat->pools[i].base;
		}
	}
	assert_true(fx->dyn_base != 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	munmap(fx->dram0, fx->size0);
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

/* Each endpoint's TX/RX pair: 64 KiB apart in DRAM range 0. */
static uint64_t tx_pa(uint16_t ep)
{
	return DRAM0_BASE + (uint64_t)ep * 0x10000u;
}

static uint64_t chunk_pa(struct fixture *fx, uint32_t n)
{
	return fx->dyn_base + (uint64_t)n * CHUNK_PAGES * FFA_PAGE_SIZE;
}

static int32_t ffa_status(const struct rheap_ffa_regs *r)
{
	return (uint32_t)r->x[0] == FFA_ERROR ? (int32_t)(uint32_t)r->x[2] : 0;
}

static int32_t call_as(struct fixture *fx, uint16_t ep,
		       const struct rheap_ffa_call *c,
		       struct rheap_ffa_regs *resp)
{
	struct rheap_ffa_regs req = { 0 };

	assert_int_equal(rheap_ffa_call_pack(c, &req), 0);
	(void)board_call(fx->b, ep, &req, resp);
	check_invariants(fx);
	return ffa_status(resp);
}

static int32_t rxtx_map(struct fixture *fx, uint16_t ep)
{
	struct rheap_ffa_call c = { .func = FFA_RXTX_MAP_64 };
	struct rheap_ffa_regs resp = { 0 };

	c.args.rxtx_map.tx_address = tx_pa(ep);
	c.args.rxtx_map.rx_address = tx_pa(ep) + FFA_PAGE_SIZE;
	c.args.rxtx_map.page_count = 1;
	return call_as(fx, ep, &c, &resp);
}

/* LEND by @ep of @pages at @pa to the SDP partition, tag secure-video. */
static int32_t lend_as(struct fixture *fx, uint16_t ep, uint64_t pa,
		       uint32_t pages, uint64_t *handle)
{
	struct rheap_ffa_receiver rx = { .endpoint_id = SDP_ID,
					 .permissions = FFA_DATA_ACCESS_RW };
	struct rheap_ffa_range r = { .address = pa, .page_count = pages };
	struct rheap_ffa_mem m = {
		.abi = RHEAP_FFA_ABI_LEND,
		.version = FFA_VERSION_1_1,
		.sender_id = ep,
		.tag = RHEAP_USE_CASE_SECURE_VIDEO,
		.receiver_count = 1,
		.receivers = &rx,
		.receiver_cap = 1,
		.range_count = 1,
		.ranges = &r,
		.range_cap = 1,
		.total_page_count = pages,
	};
	struct rheap_ffa_call c = { .func = FFA_MEM_LEND_64 };
	struct rheap_ffa_regs resp = { 0 };
	uint8_t *tx = fx->dram0 + (tx_pa(ep) - DRAM0_BASE);
	int len = rheap_ffa_mem_encode(&m, tx, FFA_PAGE_SIZE, NULL);
	int32_t st = 0;

	assert_true(len > 0);
	c.args.mem_xfer.total_length = (uint32_t)len;
	c.args.mem_xfer.fragment_length = (uint32_t)len;
	st = call_as(fx, ep, &c, &resp);
	if (st == 0) {
		*handle = (resp.x[2] & UINT32_MAX) | (resp.x[3] & UINT32_MAX) << 32;
	}
	return st;
}

static int32_t reclaim_as(struct fixture *fx, uint16_t ep, uint64_t handle)
{
	struct rheap_ffa_call c = { .func = FFA_MEM_RECLAIM };
	struct rheap_ffa_regs resp = { 0 };

	c.args.reclaim.handle = handle;
	return call_as(fx, ep, &c, &resp);
}

/* A raw FF-A call with only w0 (and @handle in w1/w2 when non-zero). */
static int32_t raw_as(struct fixture *fx, uint16_t ep, uint32_t func,
		      uint64_t handle)
{
	struct rheap_ffa_regs req = { .x = { func } };
	struct rheap_ffa_regs resp = { 0 };

	req.x[1] = handle & UINT32_MAX;
	req.x[2] = handle >> 32;
	(void)board_call(fx->b, ep, &req, &resp);
	check_invariants(fx);
	return ffa_status(&resp);
}

/*
 * One SDP direct request as @ep: w3 = @cmd, w4..w7 = @w; returns the
 * partition's status (w3), results in @out (w4, w5) if given.
 */
static int32_t sdp_as(struct fixture *fx, uint16_t ep, uint32_t cmd,
		      const uint32_t w[4], uint32_t out[2])
{
	struct rheap_ffa_regs req = { 0 };
	struct rheap_ffa_regs resp = { 0 };

	req.x[0] = FFA_MSG_SEND_DIRECT_REQ_32;
	req.x[1] = (uint64_t)ep << 16 | SDP_ID;
	req.x[3] = cmd;
	for (uint32_t i = 0; i < 4; i++) {
		req.x[4 + i] = w[i];
	}
	assert_int_equal(board_call(fx->b, ep, &req, &resp), 0);
	assert_int_equal((uint32_t)resp.x[0], FFA_MSG_SEND_DIRECT_RESP_32);
	assert_int_equal((uint32_t)resp.x[1], (uint32_t)SDP_ID << 16 | ep);
	if (out) {
		out[0] = (uint32_t)resp.x[4];
		out[1] = (uint32_t)resp.x[5];
	}
	check_invariants(fx);
	return (int32_t)(uint32_t)resp.x[3];
}

static int32_t assign_as(struct fixture *fx, uint16_t ep, uint64_t handle,
			 uint32_t *buf_id)
{
	uint32_t out[2] = { 0 };
	int32_t st = sdp_as(fx, ep, SDP_CMD_ASSIGN,
			    (const uint32_t[4]){ (uint32_t)handle,
						 (uint32_t)(handle >> 32),
						 RHEAP_USE_CASE_SECURE_VIDEO, 0 },
			    out);

	if (st == 0) {
		*buf_id = out[0];
		assert_int_equal(out[1], CHUNK_PAGES);
	}
	return st;
}

static int32_t attach_as(struct fixture *fx, uint16_t ep, uint32_t buf_id,
			 uint64_t *iova)
{
	uint32_t out[2] = { 0 };
	int32_t st = sdp_as(fx, ep, SDP_CMD_ATTACH,
			    (const uint32_t[4]){ buf_id, 0, 1, SID_VDEC }, out);

	*iova = (uint64_t)out[1] << 32 | out[0];
	return st;
}

static int32_t detach_as(struct fixture *fx, uint16_t ep, uint64_t iova)
{
	return sdp_as(fx, ep, SDP_CMD_DETACH,
		      (const uint32_t[4]){ SID_VDEC, (uint32_t)iova,
					   (uint32_t)(iova >> 32), 0 },
		      NULL);
}

static int32_t scrub_as(struct fixture *fx, uint16_t ep, uint32_t buf_id)
{
	return sdp_as(fx, ep, SDP_CMD_SCRUB,
		      (const uint32_t[4]){ buf_id, 0, 1, 0 }, NULL);
}

static int32_t release_as(struct fixture *fx, uint16_t ep, uint64_t handle)
{
	return sdp_as(fx, ep, SDP_CMD_RELEASE,
		      (const uint32_t[4]){ (uint32_t)handle,
					   (uint32_t)(handle >> 32), 0, 0 },
		      NULL);
}

static int dcall_as(struct fixture *fx, uint16_t ep, uint64_t sid,
		    uint64_t cmd, const uint64_t *a, uint64_t *res)
{
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_DEVICE, sid, cmd } };
	struct rheap_ffa_regs resp = { 0 };
	int rc = 0;

	for (uint32_t i = 0; i < DEVICE_ARGS; i++) {
		req.x[3 + i] = a[i];
	}
	rc = board_device_call(fx->b, ep, &req, &resp);
	assert_int_equal((int64_t)resp.x[1], rc);
	if (res) {
		for (uint32_t i = 0; i < DEVICE_RESULTS; i++) {
			res[i] = resp.x[2 + i];
		}
	}
	return rc;
}

static int vdec_open_as(struct fixture *fx, uint16_t ep, uint64_t *ctx)
{
	uint64_t res[DEVICE_RESULTS] = { 0 };
	int rc = dcall_as(fx, ep, SID_VDEC, DEVICE_CMD_VDEC_OPEN,
			  A(DEVICE_CODEC_MPEG4, 0, 0, 0, 64, 64,
			    DEVICE_FMT_I420, 0),
			  res);

	*ctx = res[0];
	return rc;
}

static int vdec_close_as(struct fixture *fx, uint16_t ep, uint64_t ctx)
{
	return dcall_as(fx, ep, SID_VDEC, DEVICE_CMD_VDEC_CLOSE,
			A(ctx, 0, 0, 0, 0, 0, 0, 0), NULL);
}

static int sys_memfd(uint64_t size)
{
	int fd = memfd_create("h16-sys", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS,
			       F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
			 0);
	return fd;
}

static int ext_as(struct fixture *fx, uint16_t ep,
		  const struct rheap_ffa_regs *req, int fd, uint64_t *pa)
{
	struct rheap_ffa_regs resp = { 0 };
	int rc = board_ext_call(fx->b, ep, req, fd, &resp);

	assert_int_equal((int64_t)resp.x[1], rc);
	if (pa) {
		*pa = resp.x[2];
	}
	return rc;
}

static int ext_map_as(struct fixture *fx, uint16_t ep, uint64_t *pa)
{
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_EXT_MAP, 0x4000 } };
	int fd = sys_memfd(0x4000);
	int rc = ext_as(fx, ep, &req, fd, pa);

	close(fd);
	return rc;
}

static int ext_unmap_as(struct fixture *fx, uint16_t ep, uint64_t pa)
{
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_EXT_UNMAP, pa } };

	return ext_as(fx, ep, &req, -1, NULL);
}

static int smmu_ns_as(struct fixture *fx, uint16_t ep, uint64_t iova,
		      uint64_t pa, uint64_t flags)
{
	struct rheap_ffa_regs req = {
		.x = { BOARD_MSG_SMMU_NS, SID_DISPLAY, iova, pa, 0x4000, flags }
	};

	return ext_as(fx, ep, &req, -1, NULL);
}

static const struct board_ep_status *ep_status(const struct board_status *st,
					       uint16_t id)
{
	for (uint32_t i = 0; i < st->endpoint_count; i++) {
		if (st->endpoints[i].id == id) {
			return &st->endpoints[i];
		}
	}
	return NULL;
}

static void assert_ep(struct fixture *fx, uint16_t id, bool connected,
		      uint32_t handles, uint64_t lent)
{
	struct board_status st = { 0 };
	const struct board_ep_status *e = NULL;

	board_status(fx->b, &st);
	e = ep_status(&st, id);
	assert_non_null(e);
	assert_int_equal(e->connected, connected);
	assert_int_equal(e->kind, id == HOST ? BOARD_EP_HOST : BOARD_EP_VM);
	assert_int_equal(e->stats.live_handles, handles);
	assert_int_equal(e->stats.pages_lent, lent);
	assert_int_equal(e->stats.pending, 0);
}

/* The TZASC lets the NS CPU read the page at @pa (it is not secure). */
static bool ns_cpu_can_read(struct fixture *fx, uint64_t pa)
{
	return hw_tzasc_check(&fx->b->tzasc, pa, FFA_PAGE_SIZE,
			      HW_ACCESS_NS_CPU) == 0;
}

/* ---- HELLO refusals, in process ---- */

static void test_vm_connect_errors(void **state)
{
	struct fixture *fx = *state;
	struct board_status st = { 0 };
	uint16_t ep = 0;

	/* Range: not 0, not the host, not a partition or the SPMC. */
	assert_int_equal(board_vm_connect(fx->b, 0x0000), -EINVAL);
	assert_int_equal(board_vm_connect(fx->b, HOST), -EINVAL);
	assert_int_equal(board_vm_connect(fx->b, 0x8000), -EINVAL);
	assert_int_equal(board_vm_connect(fx->b, SDP_ID), -EINVAL);
	assert_int_equal(board_vm_connect(fx->b, 0xFFFF), -EINVAL);
	/* Not connected: every frame refused. */
	assert_int_equal(raw_as(fx, VM2, FFA_ID_GET, 0), FFA_DENIED);
	assert_int_equal(dcall_as(fx, VM2, SID_VDEC, DEVICE_CMD_VDEC_CLOSE,
				  A(1, 0, 0, 0, 0, 0, 0, 0), NULL),
			 -EPERM);
	assert_int_equal(ext_unmap_as(fx, VM2, 0x10000000000), -EPERM);

	/* Eight at once, both ends of the range; in use; the limit. */
	assert_int_equal(board_vm_connect(fx->b, BOARD_VM_ID_MIN), 0);
	assert_int_equal(board_vm_connect(fx->b, BOARD_VM_ID_MAX), 0);
	assert_int_equal(board_vm_connect(fx->b, BOARD_VM_ID_MIN), -EBUSY);
	for (uint16_t id = 0x10; id < 0x10 + BOARD_MAX_VMS - 2; id++) {
		assert_int_equal(board_vm_connect(fx->b, id), 0);
	}
	assert_int_equal(board_vm_connect(fx->b, 0x0100), -ENOMEM);
	assert_int_equal(board_vm_connect(fx->b, BOARD_VM_ID_MAX), -EBUSY);
	assert_int_equal(board_vm_connect(fx->b, 0x8002), -EINVAL);
	/* The host is not one of them. */
	assert_int_equal(board_nw_connect(fx->b, &ep), 0);
	assert_int_equal(ep, HOST);
	board_status(fx->b, &st);
	assert_int_equal(st.vm_count, BOARD_MAX_VMS);
	assert_true(st.nw_connected);
	board_vm_disconnect(fx->b, 0x10);
	board_vm_disconnect(fx->b, 0x10); /* ignored */
	board_vm_disconnect(fx->b, HOST); /* not a VM: ignored */
	board_status(fx->b, &st);
	assert_int_equal(st.vm_count, BOARD_MAX_VMS - 1);
	assert_true(st.nw_connected);
	assert_int_equal(board_vm_connect(fx->b, 0x0100), 0);
	board_status(fx->b, &st);
	assert_int_equal(st.vm_count, BOARD_MAX_VMS);
	/* Each answers as itself. */
	assert_int_equal(rxtx_map(fx, 0x0100), 0);
	check_invariants(fx);
}

/* ---- the host and three VMs at once ---- */

struct ep_state {
	uint64_t handle;
	uint32_t buf_id;
	uint64_t ctx;
	uint64_t win;
	uint64_t iova;
};

static void test_isolation(void **state)
{
	struct fixture *fx = *state;
	struct ep_state e[NEP] = { { 0 } };
	struct board_status st = { 0 };
	struct spmc_share_info info = { 0 };
	uint64_t iova = 0;
	uint64_t h3 = 0;
	uint64_t ctx3 = 0;
	uint16_t ep = 0;

	assert_int_equal(board_nw_connect(fx->b, &ep), 0);
	for (uint32_t i = 1; i < NEP; i++) {
		assert_int_equal(board_vm_connect(fx->b, eps[i]), 0);
	}
	for (uint32_t i = 0; i < NEP; i++) {
		uint16_t me = eps[i];
		uint16_t id = 0;
		struct rheap_ffa_call c = { .func = FFA_ID_GET };
		struct rheap_ffa_regs resp = { 0 };

		/* FFA_ID_GET answers the transport's ID, not the registers'. */
		assert_int_equal(call_as(fx, me, &c, &resp), 0);
		id = (uint16_t)resp.x[2];
		assert_int_equal(id, me);
		assert_int_equal(rxtx_map(fx, me), 0);
		assert_int_equal(lend_as(fx, me, chunk_pa(fx, i), CHUNK_PAGES,
					 &e[i].handle),
				 0);
		assert_int_equal(assign_as(fx, me, e[i].handle, &e[i].buf_id),
				 0);
		assert_int_equal(vdec_open_as(fx, me, &e[i].ctx), 0);
		assert_int_equal(ext_map_as(fx, me, &e[i].win), 0);
		/* Each its own IOVA in the display's NS context. */
		assert_int_equal(smmu_ns_as(fx, me, 0x100000u * (i + 1),
					    e[i].win,
					    BOARD_SMMU_NS_MAP),
				 0);
		assert_false(ns_cpu_can_read(fx, chunk_pa(fx, i)));
	}
	for (uint32_t i = 0; i < NEP; i++) {
		assert_ep(fx, eps[i], true, 1, CHUNK_PAGES);
	}
	board_status(fx->b, &st);
	assert_int_equal(st.vm_count, 3);
	assert_int_equal(st.spmc.live_shares, NEP);
	assert_int_equal(st.spmc.protected_pages, NEP * CHUNK_PAGES);
	assert_int_equal(st.devices.vdec_contexts, NEP);

	/* VM 2 against VM 3's things: every attempt refused, exactly. */
	h3 = e[2].handle;
	assert_int_equal(reclaim_as(fx, VM2, h3), FFA_DENIED);   /* -EPERM */
	assert_int_equal(reclaim_as(fx, HOST, h3), FFA_DENIED);  /* -EPERM */
	assert_int_equal(raw_as(fx, VM2, FFA_MEM_RETRIEVE_REQ_64, 0),
			 FFA_NOT_SUPPORTED);
	assert_int_equal(raw_as(fx, VM2, FFA_MEM_RELINQUISH, 0),
			 FFA_NOT_SUPPORTED);
	assert_int_equal(raw_as(fx, VM2, FFA_MEM_FRAG_RX, h3),
			 FFA_NOT_SUPPORTED);
	/* The partition holds it already (as VM 3's). */
	assert_int_equal(assign_as(fx, VM2, h3, &e[1].buf_id), -EBUSY);
	assert_int_equal(release_as(fx, VM2, h3), -EPERM);
	assert_int_equal(attach_as(fx, VM2, e[2].buf_id, &iova), -EPERM);
	assert_int_equal(scrub_as(fx, VM2, e[2].buf_id), -EPERM);
	/* docs/devices.md: another endpoint's context is -EPERM. */
	assert_int_equal(vdec_close_as(fx, VM2, e[2].ctx), -EPERM);
	assert_int_equal(vdec_close_as(fx, HOST, e[2].ctx), -EPERM);
	assert_int_equal(ext_unmap_as(fx, VM2, e[2].win), -ENOENT);
	assert_int_equal(smmu_ns_as(fx, VM2, 0x300000u, 0, 0), -ENOENT);
	/* VM 3's own: attached, detached, scrubbed; reclaim while held. */
	assert_int_equal(attach_as(fx, VM3, e[2].buf_id, &e[2].iova), 0);
	assert_int_equal(detach_as(fx, VM2, e[2].iova), -EPERM);
	assert_int_equal(reclaim_as(fx, VM3, h3), FFA_DENIED); /* -EBUSY */
	for (uint32_t i = 0; i < NEP; i++) {
		assert_ep(fx, eps[i], true, 1, CHUNK_PAGES);
	}

	/* VM 3 dies with an attachment, a context, a window, a mapping. */
	ctx3 = e[2].ctx;
	board_vm_disconnect(fx->b, VM3);
	board_status(fx->b, &st);
	assert_int_equal(st.vm_count, 2);
	assert_int_equal(st.devices.vdec_contexts, NEP - 1);
	assert_int_equal(st.spmc.live_shares, NEP);
	assert_int_equal(st.spmc.protected_pages, NEP * CHUNK_PAGES);
	assert_int_equal(spmc_share_find(board_spmc(fx->b), h3, &info), 0);
	assert_true(info.orphaned);
	assert_int_equal(info.retrieved[0], 0); /* the SDP partition let go */
	assert_false(ns_cpu_can_read(fx, chunk_pa(fx, 2)));
	assert_ep(fx, VM3, false, 1, CHUNK_PAGES); /* lingering */
	assert_int_equal(raw_as(fx, VM3, FFA_ID_GET, 0), FFA_DENIED);
	assert_int_equal(hw_dram_ext_count(fx->b->dram), NEP - 1);

	/* The host and VM 2 keep working, exactly accounted. */
	for (uint32_t i = 0; i < 2; i++) {
		uint16_t me = eps[i];

		assert_int_equal(attach_as(fx, me, e[i].buf_id, &iova), 0);
		assert_int_equal(detach_as(fx, me, iova), 0);
		assert_int_equal(scrub_as(fx, me, e[i].buf_id), 0);
		assert_int_equal(vdec_close_as(fx, me, e[i].ctx), 0);
		assert_int_equal(smmu_ns_as(fx, me, 0x100000u * (i + 1), 0, 0),
				 0);
		assert_int_equal(ext_unmap_as(fx, me, e[i].win), 0);
		assert_int_equal(release_as(fx, me, e[i].handle), 0);
		assert_int_equal(reclaim_as(fx, me, e[i].handle), 0);
		assert_true(ns_cpu_can_read(fx, chunk_pa(fx, i)));
		assert_ep(fx, me, true, 0, 0);
	}
	assert_ep(fx, VM4, true, 1, CHUNK_PAGES);

	/* ID 3 again: a new VM that inherits nothing but the count. */
	assert_int_equal(board_vm_connect(fx->b, VM3), 0);
	assert_ep(fx, VM3, true, 1, CHUNK_PAGES);
	assert_int_equal(rxtx_map(fx, VM3), 0);          /* fresh mailbox */
	assert_int_equal(reclaim_as(fx, VM3, h3), FFA_DENIED); /* orphan */
	assert_int_equal(attach_as(fx, VM3, e[2].buf_id, &iova), -ENOENT);
	assert_int_equal(scrub_as(fx, VM3, e[2].buf_id), -ENOENT);
	assert_int_equal(release_as(fx, VM3, h3), -ENOENT);
	assert_int_equal(vdec_close_as(fx, VM3, ctx3), -ENOENT);
	assert_int_equal(ext_unmap_as(fx, VM3, e[2].win), -ENOENT);
	assert_int_equal(smmu_ns_as(fx, VM3, 0x300000u, 0, 0), -ENOENT);
	/* Its predecessor's chunk is still lent (secure): not its to lend. */
	assert_int_equal(lend_as(fx, VM3, chunk_pa(fx, 2), CHUNK_PAGES,
				 &e[2].handle),
			 FFA_DENIED);
	assert_int_equal(lend_as(fx, VM3, chunk_pa(fx, 5), CHUNK_PAGES,
				 &e[2].handle),
			 0);
	/* Not yet assigned: another VM's chunk is refused by the SPMC. */
	assert_int_equal(assign_as(fx, VM2, e[2].handle, &e[1].buf_id),
			 -EINVAL);
	assert_int_equal(assign_as(fx, VM3, e[2].handle, &e[2].buf_id), 0);
	assert_ep(fx, VM3, true, 2, 2 * CHUNK_PAGES);
	assert_int_equal(release_as(fx, VM3, e[2].handle), 0);
	assert_int_equal(reclaim_as(fx, VM3, e[2].handle), 0);
	assert_ep(fx, VM3, true, 1, CHUNK_PAGES);

	/* VM 4 leaves with its chunk assigned: lingering beside VM 3's. */
	board_vm_disconnect(fx->b, VM4);
	assert_ep(fx, VM4, false, 1, CHUNK_PAGES);
	board_vm_disconnect(fx->b, VM3);
	assert_ep(fx, VM3, false, 1, CHUNK_PAGES);
	board_status(fx->b, &st);
	assert_int_equal(st.vm_count, 1);
	/* VM 2 leaves nothing behind: its ID leaves the SPMC. */
	board_vm_disconnect(fx->b, VM2);
	board_status(fx->b, &st);
	assert_int_equal(st.vm_count, 0);
	assert_null(ep_status(&st, VM2));
	assert_non_null(ep_status(&st, VM3));
	assert_int_equal(st.spmc.protected_pages, 2 * CHUNK_PAGES);
	assert_int_equal(st.devices.vdec_contexts, 0);
	assert_int_equal(hw_dram_ext_count(fx->b->dram), 0);
	/* board_destroy (teardown) scrubs the orphans. */
}

/*
 * VM IDs whose orphans keep them in the SPMC fill its endpoint table:
 * new IDs are then refused -ENOMEM, lingering IDs can still come back.
 */
static void test_lingering_fill(void **state)
{
	struct fixture *fx = *state;
	struct board_status st = { 0 };
	uint32_t lingering = 0;
	uint64_t h = 0;
	uint16_t id = 0x0020;
	int rc = 0;

	for (;; id++) {
		rc = board_vm_connect(fx->b, id);
		if (rc) {
			break;
		}
		assert_int_equal(rxtx_map(fx, id), 0);
		/* Adjacent pages: one TZASC region for all of them. */
		assert_int_equal(lend_as(fx, id,
					 fx->dyn_base +
						 (uint64_t)lingering * FFA_PAGE_SIZE,
					 1, &h),
				 0);
		board_vm_disconnect(fx->b, id);
		lingering++;
	}
	assert_int_equal(rc, -ENOMEM);
	board_status(fx->b, &st);
	/* SPMC table: the host, the partitions, the lingering VMs. */
	assert_int_equal(lingering, SPMC_MAX_ENDPOINTS - 1 -
					    board_platform(fx->b)->partition_count);
	assert_int_equal(st.endpoint_count, SPMC_MAX_ENDPOINTS);
	assert_int_equal(st.vm_count, 0);
	assert_int_equal(board_vm_connect(fx->b, 0x0020), 0);
	assert_int_equal(board_vm_connect(fx->b, id), -ENOMEM);
	board_vm_disconnect(fx->b, 0x0020);
}

/* ---- the hypervisor reclaims a dead VM's orphans ---- */

/* DONATE by @ep of @pages at @pa to the SDP partition (never reclaimed). */
static int32_t donate_as(struct fixture *fx, uint16_t ep, uint64_t pa,
			 uint32_t pages, uint64_t *handle)
{
	struct rheap_ffa_receiver rx = { .endpoint_id = SDP_ID };
	struct rheap_ffa_range r = { .address = pa, .page_count = pages };
	struct rheap_ffa_mem m = {
		.abi = RHEAP_FFA_ABI_DONATE,
		.version = FFA_VERSION_1_1,
		.sender_id = ep,
		.receiver_count = 1,
		.receivers = &rx,
		.receiver_cap = 1,
		.range_count = 1,
		.ranges = &r,
		.range_cap = 1,
		.total_page_count = pages,
	};
	struct rheap_ffa_call c = { .func = FFA_MEM_DONATE_64 };
	struct rheap_ffa_regs resp = { 0 };
	uint8_t *tx = fx->dram0 + (tx_pa(ep) - DRAM0_BASE);
	int len = rheap_ffa_mem_encode(&m, tx, FFA_PAGE_SIZE, NULL);
	int32_t st = 0;

	assert_true(len > 0);
	c.args.mem_xfer.total_length = (uint32_t)len;
	c.args.mem_xfer.fragment_length = (uint32_t)len;
	st = call_as(fx, ep, &c, &resp);
	if (st == 0) {
		*handle = (resp.x[2] & UINT32_MAX) | (resp.x[3] & UINT32_MAX) << 32;
	}
	return st;
}

/* Plain NW DRAM a VM lends from (its "guest RAM"): no pool, no carve-out. */
#define GUEST_PA (DRAM0_BASE + UINT64_C(0x01000000))

static void assert_hyp_reclaim(struct fixture *fx, uint16_t id, int want,
			       uint32_t reclaimed, uint32_t held)
{
	struct board_hyp_reclaim_result res = { 7, 7 };

	assert_int_equal(board_hyp_reclaim(fx->b, id, &res), want);
	assert_int_equal(res.reclaimed, reclaimed);
	assert_int_equal(res.held, held);
	check_invariants(fx);
}

static void test_hyp_reclaim(void **state)
{
	struct fixture *fx = *state;
	struct board_status before = { 0 };
	struct board_status lent = { 0 };
	struct board_status st = { 0 };
	struct spmc_share_info info = { 0 };
	uint8_t *guest = fx->dram0 + (GUEST_PA - DRAM0_BASE);
	uint64_t h_chunk = 0;
	uint64_t h_guest = 0;
	uint64_t h_host = 0;
	uint64_t h3 = 0;
	uint32_t buf_id = 0;

	/* The host lends too: the hypervisor's reclaim leaves it alone. */
	assert_int_equal(board_nw_connect(fx->b, &(uint16_t){ 0 }), 0);
	assert_int_equal(rxtx_map(fx, HOST), 0);
	assert_int_equal(lend_as(fx, HOST, chunk_pa(fx, 2), CHUNK_PAGES,
				 &h_host),
			 0);
	board_status(fx->b, &before);

	/* VM 2 lends a pool chunk the SDP partition ASSIGNs, and its RAM. */
	assert_int_equal(board_vm_connect(fx->b, VM2), 0);
	assert_int_equal(rxtx_map(fx, VM2), 0);
	assert_int_equal(lend_as(fx, VM2, chunk_pa(fx, 0), CHUNK_PAGES,
				 &h_chunk),
			 0);
	assert_int_equal(assign_as(fx, VM2, h_chunk, &buf_id), 0);
	memset(guest, 0xA5, 2 * FFA_PAGE_SIZE);
	assert_int_equal(lend_as(fx, VM2, GUEST_PA, 2, &h_guest), 0);
	assert_false(ns_cpu_can_read(fx, GUEST_PA));
	board_status(fx->b, &lent);
	assert_int_equal(lent.spmc.live_shares, before.spmc.live_shares + 2);
	assert_int_equal(lent.spmc.protected_pages,
			 before.spmc.protected_pages + CHUNK_PAGES + 2);
	assert_true(lent.tzasc_used > before.tzasc_used);

	/* Refusals: out of range, unknown, connected; nothing changes. */
	assert_hyp_reclaim(fx, 0x0000, -EINVAL, 0, 0);
	assert_hyp_reclaim(fx, HOST, -EINVAL, 0, 0);
	assert_hyp_reclaim(fx, SDP_ID, -EINVAL, 0, 0);
	assert_hyp_reclaim(fx, 0x8000, -EINVAL, 0, 0);
	assert_hyp_reclaim(fx, VM3, -ENOENT, 0, 0);
	assert_hyp_reclaim(fx, VM2, -EBUSY, 0, 0);
	board_status(fx->b, &st);
	assert_int_equal(st.spmc.live_shares, lent.spmc.live_shares);
	assert_int_equal(st.spmc.protected_pages, lent.spmc.protected_pages);

	/* VM 2 dies: both LENDs orphaned, secure, counted; it lingers. */
	board_vm_disconnect(fx->b, VM2);
	assert_ep(fx, VM2, false, 2, CHUNK_PAGES + 2);
	assert_int_equal(spmc_share_find(board_spmc(fx->b), h_chunk, &info), 0);
	assert_true(info.orphaned);
	assert_int_equal(info.retrieved[0], 0); /* the SDP partition let go */
	assert_false(ns_cpu_can_read(fx, GUEST_PA));
	/* The host may not take them back. */
	assert_int_equal(reclaim_as(fx, HOST, h_guest), FFA_DENIED);

	/* The hypervisor does: scrubbed, open again, handles gone. */
	assert_hyp_reclaim(fx, VM2, 0, 2, 0);
	board_status(fx->b, &st);
	assert_int_equal(st.spmc.live_shares, before.spmc.live_shares);
	assert_int_equal(st.spmc.total_ranges, before.spmc.total_ranges);
	assert_int_equal(st.spmc.protected_pages, before.spmc.protected_pages);
	assert_int_equal(st.spmc.pool_pages, before.spmc.pool_pages);
	assert_int_equal(st.tzasc_used, before.tzasc_used);
	assert_int_equal(st.spmc.scrubbed_pages,
			 lent.spmc.scrubbed_pages + CHUNK_PAGES + 2);
	assert_null(ep_status(&st, VM2)); /* the lingering ID is gone */
	assert_int_equal(st.endpoint_count, before.endpoint_count);
	assert_true(ns_cpu_can_read(fx, GUEST_PA));
	assert_true(ns_cpu_can_read(fx, chunk_pa(fx, 0)));
	for (size_t i = 0; i < 2 * FFA_PAGE_SIZE; i++) {
		assert_int_equal(guest[i], 0);
	}
	assert_int_equal(spmc_share_find(board_spmc(fx->b), h_guest, &info),
			 -ENOENT);
	assert_int_equal(reclaim_as(fx, HOST, h_guest), FFA_INVALID_PARAMETERS);
	/* The host's LEND is untouched; a second reclaim finds nothing. */
	assert_ep(fx, HOST, true, 1, CHUNK_PAGES);
	assert_false(ns_cpu_can_read(fx, chunk_pa(fx, 2)));
	assert_hyp_reclaim(fx, VM2, -ENOENT, 0, 0);

	/* A DONATE cannot be reclaimed: held, the ID keeps lingering. */
	assert_int_equal(board_vm_connect(fx->b, VM3), 0);
	assert_int_equal(rxtx_map(fx, VM3), 0);
	assert_int_equal(lend_as(fx, VM3, GUEST_PA, 1, &h3), 0);
	assert_int_equal(donate_as(fx, VM3, GUEST_PA + FFA_PAGE_SIZE, 1, &h3),
			 0);
	board_vm_disconnect(fx->b, VM3);
	assert_hyp_reclaim(fx, VM3, 0, 1, 1);
	assert_ep(fx, VM3, false, 1, 0);
	assert_hyp_reclaim(fx, VM3, 0, 0, 1);
	/* The ID is reused clean; connected again, it is not reclaimable. */
	assert_int_equal(board_vm_connect(fx->b, VM3), 0);
	assert_hyp_reclaim(fx, VM3, -EBUSY, 0, 0);
	board_vm_disconnect(fx->b, VM3);
	assert_int_equal(reclaim_as(fx, HOST, h_host), 0);
}

/* ---- over the socket ---- */

static pid_t serve_child(struct board *b, const int *fds, uint32_t n,
			 const int *others)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct board_server *srv = NULL;

		for (uint32_t i = 0; i < n; i++) {
			close(others[i]);
		}
		if (board_server_create(b, NULL, &srv) != 0) {
			_exit(1);
		}
		for (uint32_t i = 0; i < n; i++) {
			if (board_server_adopt(srv, fds[i]) != 0) {
				_exit(1);
			}
		}
		board_server_set_once(srv, true);
		_exit(board_server_run(srv) == 0 ? 0 : 1);
	}
	for (uint32_t i = 0; i < n; i++) {
		close(fds[i]);
	}
	return pid;
}

/* A raw HELLO with @x3 and @x4; returns the status of the reply. */
static int64_t raw_hello(int sock, uint64_t kind, uint64_t x3, uint64_t x4,
			 struct rheap_ffa_regs *rep)
{
	struct rheap_ffa_regs req = {
		.x = { BOARD_MSG_HELLO, BOARD_PROTO_VERSION, kind, x3, x4 }
	};
	uint8_t buf[BOARD_MSG_SIZE] = { 0 };

	board_msg_encode(&req, buf);
	assert_int_equal(send(sock, buf, sizeof(buf), MSG_NOSIGNAL),
			 (ssize_t)sizeof(buf));
	assert_int_equal(recv(sock, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	board_msg_decode(buf, rep);
	assert_int_equal(rep->x[0], BOARD_MSG_HELLO);
	return (int64_t)rep->x[2];
}

#define NSOCK 16u

/* The "endpoints" entry of @id in a STATUS JSON, checked. */
static void status_ep(const struct json_value *root, uint16_t id,
		      const char *kind, bool connected, uint64_t lent)
{
	const struct json_value *list = json_object_get(root, "endpoints");
	bool found = false;

	assert_non_null(list);
	for (const struct json_value *e = list->child; e; e = e->next) {
		const char *k = NULL;
		uint64_t v = 0;
		bool c = false;

		assert_int_equal(json_get_u64(json_object_get(e, "id"), &v), 0);
		if (v != id) {
			continue;
		}
		found = true;
		assert_int_equal(json_get_string(json_object_get(e, "kind"), &k),
				 0);
		assert_string_equal(k, kind);
		assert_int_equal(json_get_bool(json_object_get(e, "connected"),
					       &c),
				 0);
		assert_int_equal(c, connected);
		assert_int_equal(json_get_u64(json_object_get(e, "pages_lent"),
					      &v),
				 0);
		assert_int_equal(v, lent);
	}
	assert_true(found);
}

static void test_socket(void **state)
{
	struct fixture *fx = *state;
	struct nw_client_dram dram[NW_CLIENT_MAX_DRAM] = { { 0 } };
	struct nw_client *host = NULL;
	struct nw_client *vm[BOARD_MAX_VMS] = { NULL };
	struct nw_client *op = NULL;
	struct rheap_ffa_regs rep = { 0 };
	struct json_doc *doc = NULL;
	const struct json_value *root = NULL;
	struct rheap_ffa_range r = { 0 };
	int board_end[NSOCK] = { 0 };
	int mine[NSOCK] = { 0 };
	uint32_t ndram = 0;
	uint64_t h2 = 0;
	uint64_t h3 = 0;
	uint64_t n = 0;
	char *json = NULL;
	size_t len = 0;
	int status_code = 0;
	pid_t pid = 0;

	for (uint32_t i = 0; i < NSOCK; i++) {
		int sv[2] = { -1, -1 };

		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
					    0, sv),
				 0);
		board_end[i] = sv[0];
		mine[i] = sv[1];
	}
	pid = serve_child(fx->b, board_end, NSOCK, mine);
	assert_int_equal(nw_client_connect_fd(mine[0], BOARD_CONN_NW, &host), 0);
	ndram = nw_client_dram_count(host);
	assert_true(ndram > 0);
	for (uint32_t i = 0; i < ndram; i++) {
		assert_int_equal(nw_client_dram_get(host, i, &dram[i]), 0);
	}
	/* VM HELLO refusals: each closes that connection only. */
	assert_int_equal(raw_hello(mine[1], BOARD_CONN_VM, HOST, 0, &rep),
			 -EINVAL);
	assert_int_equal(raw_hello(mine[2], BOARD_CONN_VM, SDP_ID, 0, &rep),
			 -EINVAL);
	assert_int_equal(raw_hello(mine[3], BOARD_CONN_VM, 0x10002, 0, &rep),
			 -EINVAL);
	assert_int_equal(raw_hello(mine[4], BOARD_CONN_VM, VM2, 1, &rep),
			 -EINVAL);
	assert_int_equal(raw_hello(mine[5], BOARD_CONN_NW, VM2, 0, &rep),
			 -EINVAL);
	for (uint32_t i = 1; i <= 5; i++) {
		uint8_t b = 0;

		assert_int_equal(rep.x[3], 0);
		assert_int_equal(recv(mine[i], &b, 1, 0), 0); /* closed */
		close(mine[i]);
	}
	/* Eight VMs: x3 the ID, x5 no DRAM; a ninth; an ID in use. */
	for (uint32_t i = 0; i < BOARD_MAX_VMS; i++) {
		assert_int_equal(nw_client_connect_vm_fd(mine[7 + i],
							 (uint16_t)(VM2 + i),
							 dram, ndram, &vm[i]),
				 0);
		assert_int_equal(nw_client_id(vm[i]), VM2 + i);
		assert_int_equal(nw_client_dram_count(vm[i]), ndram);
	}
	assert_int_equal(raw_hello(mine[15], BOARD_CONN_VM, VM2, 0, &rep),
			 -EBUSY);
	close(mine[15]);

	/* VM 2 and VM 3 each lend; VM 2 cannot reclaim VM 3's. */
	assert_int_equal(nw_client_rxtx_map(vm[0], tx_pa(VM2),
					    tx_pa(VM2) + FFA_PAGE_SIZE, 1),
			 0);
	assert_int_equal(nw_client_rxtx_map(vm[1], tx_pa(VM3),
					    tx_pa(VM3) + FFA_PAGE_SIZE, 1),
			 0);
	r = (struct rheap_ffa_range){ .address = chunk_pa(fx, 0),
				      .page_count = CHUNK_PAGES };
	assert_int_equal(nw_client_lend(vm[0], SDP_ID,
					RHEAP_USE_CASE_SECURE_VIDEO, &r, 1, 0,
					&h2, NULL),
			 0);
	r.address = chunk_pa(fx, 1);
	assert_int_equal(nw_client_lend(vm[1], SDP_ID,
					RHEAP_USE_CASE_SECURE_VIDEO, &r, 1, 0,
					&h3, NULL),
			 0);
	assert_int_equal(nw_client_reclaim(vm[0], h3, 0), -EPERM);
	assert_int_equal(nw_client_reclaim(host, h3, 0), -EPERM);
	/* VM 3's connection goes: VM 2 and the host keep working. */
	nw_client_destroy(vm[1]);
	vm[1] = NULL;
	assert_int_equal(nw_client_reclaim(vm[0], h2, 0), 0);
	assert_int_equal(nw_client_rxtx_map(host, tx_pa(HOST),
					    tx_pa(HOST) + FFA_PAGE_SIZE, 1),
			 0);
	assert_int_equal(nw_client_reclaim(host, h3, 0), -EPERM);

	/* STATUS: the host, VMs connected and lingering. */
	assert_int_equal(nw_client_connect_fd(mine[6], BOARD_CONN_OPERATOR, &op),
			 0);
	assert_int_equal(nw_client_status(op, &json, &len), 0);
	assert_int_equal(json_parse(json, len, &doc, NULL), 0);
	root = json_root(doc);
	assert_int_equal(json_get_u64(json_object_get(root, "vms_connected"),
				      &n),
			 0);
	assert_int_equal(n, BOARD_MAX_VMS - 1);
	status_ep(root, HOST, "host", true, 0);
	status_ep(root, VM2, "vm", true, 0);
	status_ep(root, VM3, "vm", false, CHUNK_PAGES);
	status_ep(root, VM2 + 7, "vm", true, 0);
	status_ep(root, SDP_ID, "partition", true, 0);
	json_free(doc);
	free(json);
	nw_client_destroy(op);

	for (uint32_t i = 0; i < BOARD_MAX_VMS; i++) {
		nw_client_destroy(vm[i]);
	}
	nw_client_destroy(host); /* --once: the server stops */
	assert_int_equal(waitpid(pid, &status_code, 0), pid);
	assert_true(WIFEXITED(status_code) && WEXITSTATUS(status_code) == 0);
}

/* A raw HYP_RECLAIM frame; returns the reply's status, counts in @rep. */
static int64_t raw_hyp_reclaim(int sock, uint64_t x1, uint64_t x5,
			       struct rheap_ffa_regs *rep)
{
	struct rheap_ffa_regs req = {
		.x = { BOARD_MSG_HYP_RECLAIM, x1, 0, 0, 0, x5 }
	};
	uint8_t buf[BOARD_MSG_SIZE] = { 0 };

	board_msg_encode(&req, buf);
	assert_int_equal(send(sock, buf, sizeof(buf), MSG_NOSIGNAL),
			 (ssize_t)sizeof(buf));
	assert_int_equal(recv(sock, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	board_msg_decode(buf, rep);
	assert_int_equal(rep->x[0], BOARD_MSG_HYP_RECLAIM);
	for (unsigned int i = 4; i < RHEAP_FFA_REG_COUNT; i++) {
		assert_int_equal(rep->x[i], 0);
	}
	return (int64_t)rep->x[1];
}

/* The number of "endpoints" entries of @id in the board's STATUS. */
static uint32_t status_ep_count(struct nw_client *c, uint16_t id)
{
	struct json_doc *doc = NULL;
	const struct json_value *list = NULL;
	uint32_t found = 0;
	char *json = NULL;
	size_t len = 0;

	assert_int_equal(nw_client_status(c, &json, &len), 0);
	assert_int_equal(json_parse(json, len, &doc, NULL), 0);
	list = json_object_get(json_root(doc), "endpoints");
	assert_non_null(list);
	for (const struct json_value *e = list->child; e; e = e->next) {
		uint64_t v = 0;

		assert_int_equal(json_get_u64(json_object_get(e, "id"), &v), 0);
		found += v == id ? 1u : 0u;
	}
	json_free(doc);
	free(json);
	return found;
}

/*
 * HYP_RECLAIM over the socket: refused on the host's and a VM's
 * connections (-EPERM, the connection stays), closes an operator's; on
 * the hypervisor's: MBZ and range -EINVAL, unknown -ENOENT, connected
 * -EBUSY, then the dead VM's LEND reclaimed (nw_client_destroy_wait()
 * first, so the board has torn the endpoint down) and its ID gone.
 */
static void test_socket_hyp_reclaim(void **state)
{
	struct fixture *fx = *state;
	struct nw_client_dram dram[NW_CLIENT_MAX_DRAM] = { { 0 } };
	struct nw_client *host = NULL;
	struct nw_client *vm = NULL;
	struct nw_client *hyp = NULL;
	struct nw_client *op = NULL;
	struct rheap_ffa_regs rep = { 0 };
	struct rheap_ffa_range r = { 0 };
	int board_end[5] = { 0 };
	int mine[5] = { 0 };
	uint32_t ndram = 0;
	uint32_t reclaimed = 0;
	uint32_t held = 0;
	uint64_t h = 0;
	int status = 0;
	int status_code = 0;
	uint8_t byte = 0;
	pid_t pid = 0;

	for (uint32_t i = 0; i < 5; i++) {
		int sv[2] = { -1, -1 };

		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
					    0, sv),
				 0);
		board_end[i] = sv[0];
		mine[i] = sv[1];
	}
	pid = serve_child(fx->b, board_end, 5, mine);
	assert_int_equal(nw_client_connect_fd(mine[0], BOARD_CONN_NW, &host), 0);
	ndram = nw_client_dram_count(host);
	for (uint32_t i = 0; i < ndram; i++) {
		assert_int_equal(nw_client_dram_get(host, i, &dram[i]), 0);
	}
	assert_int_equal(nw_client_connect_vm_fd(mine[1], VM2, dram, ndram, &vm),
			 0);
	assert_int_equal(nw_client_connect_fd(mine[2], BOARD_CONN_HYP, &hyp), 0);
	assert_int_equal(nw_client_rxtx_map(vm, tx_pa(VM2),
					    tx_pa(VM2) + FFA_PAGE_SIZE, 1),
			 0);
	memset(fx->dram0 + (GUEST_PA - DRAM0_BASE), 0x5A, 2 * FFA_PAGE_SIZE);
	r = (struct rheap_ffa_range){ .address = GUEST_PA, .page_count = 2 };
	assert_int_equal(nw_client_lend(vm, SDP_ID, RHEAP_USE_CASE_SECURE_VIDEO,
					&r, 1, 0, &h, NULL),
			 0);

	/* Not the hypervisor: -EPERM, the connection stays. */
	assert_int_equal(raw_hyp_reclaim(nw_client_fd(host), VM2, 0, &rep),
			 -EPERM);
	assert_int_equal(raw_hyp_reclaim(nw_client_fd(vm), VM2, 0, &rep),
			 -EPERM);
	assert_int_equal(nw_client_hyp_reclaim(host, VM2, &reclaimed, &held,
					       &status),
			 0);
	assert_int_equal(status, -EPERM);
	assert_int_equal(nw_client_id_get(vm, &(uint16_t){ 0 }), 0);
	/* An operator's connection closes. */
	assert_int_equal(nw_client_connect_fd(mine[3], BOARD_CONN_OPERATOR, &op),
			 0);
	{
		uint8_t buf[BOARD_MSG_SIZE] = { 0 };
		struct rheap_ffa_regs req = { .x = { BOARD_MSG_HYP_RECLAIM, VM2 } };

		board_msg_encode(&req, buf);
		assert_int_equal(send(nw_client_fd(op), buf, sizeof(buf),
				      MSG_NOSIGNAL),
				 (ssize_t)sizeof(buf));
		assert_int_equal(recv(nw_client_fd(op), &byte, 1, 0), 0);
	}
	nw_client_destroy(op);

	/* The hypervisor: exact refusals, counts zero. */
	assert_int_equal(raw_hyp_reclaim(nw_client_fd(hyp), VM2, 1, &rep),
			 -EINVAL);
	assert_int_equal(raw_hyp_reclaim(nw_client_fd(hyp), HOST, 0, &rep),
			 -EINVAL);
	assert_int_equal(raw_hyp_reclaim(nw_client_fd(hyp), 0x10002, 0, &rep),
			 -EINVAL);
	assert_int_equal(raw_hyp_reclaim(nw_client_fd(hyp), VM3, 0, &rep),
			 -ENOENT);
	assert_int_equal(raw_hyp_reclaim(nw_client_fd(hyp), VM2, 0, &rep),
			 -EBUSY);
	assert_int_equal(rep.x[2] | rep.x[3], 0);

	/* VM 2 dies with its LEND: the hypervisor takes it back. */
	assert_int_equal(nw_client_destroy_wait(vm, 2000), 0);
	assert_int_equal(status_ep_count(hyp, VM2), 1); /* lingering */
	assert_int_equal(nw_client_hyp_reclaim(hyp, VM2, &reclaimed, &held,
					       &status),
			 0);
	assert_int_equal(status, 0);
	assert_int_equal(reclaimed, 1);
	assert_int_equal(held, 0);
	assert_int_equal(status_ep_count(hyp, VM2), 0);
	assert_int_equal(nw_client_hyp_reclaim(hyp, VM2, &reclaimed, &held,
					       &status),
			 0);
	assert_int_equal(status, -ENOENT);
	/* The pages are NS DRAM again, zeroed by the scrub. */
	for (size_t i = 0; i < 2 * FFA_PAGE_SIZE; i++) {
		assert_int_equal(fx->dram0[GUEST_PA - DRAM0_BASE + i], 0);
	}
	assert_int_equal(nw_client_hyp_reclaim(NULL, VM2, &reclaimed, &held,
					       &status),
			 -EINVAL);

	nw_client_destroy(hyp);
	close(mine[4]);
	nw_client_destroy(host); /* --once: the server stops */
	assert_int_equal(waitpid(pid, &status_code, 0), pid);
	assert_true(WIFEXITED(status_code) && WEXITSTATUS(status_code) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vm_connect_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_isolation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lingering_fill, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hyp_reclaim, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_hyp_reclaim, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, load_tl, free_tl);
}
