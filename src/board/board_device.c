// SPDX-License-Identifier: BSD-2-Clause
/*
 * The board's media devices: BOARD_MSG_DEVICE dispatch to the decoder
 * (hw_vdec), the display (hw_display) and the GPU's read job, plus their
 * wiring. Contract: board.h (board_device_call), include/rheap/device_abi.h,
 * docs/devices.md.
 *
 * Everything in a DEVICE request is untrusted. The NW names memory by
 * IOVA in a device's SMMU context (what the SDP partition attached for a
 * restricted buffer), and every access goes through the bus with the
 * device's stream, so a wrong IOVA is a fault, never another buffer's
 * bytes. Two jobs take a PA instead, as a NW kernel would program them:
 * VDEC_OPEN's codec configuration (NS data read by the decoder: the TZASC
 * must give the NS side the whole range before one byte is copied) and
 * GPU_READ (the PA is mapped into the GPU's non-secure context, then read
 * through the bus).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>
#include <rheap/ffa_regs.h>

#include "board/board.h"
#include "board/board_internal.h"
#include "board/board_msg.h"
#include "hw/hw_bus.h"
#include "hw/hw_device.h"
#include "hw/hw_display.h"
#include "hw/hw_dram.h"
#include "hw/hw_smmu.h"
#include "hw/hw_tzasc.h"
#include "hw/hw_vdec.h"

/** Largest range one GPU_READ maps and reads. */
#define BOARD_GPU_READ_MAX (256u * 1024u * 1024u)
/** The GPU reads through the bus in pieces of this size. */
#define BOARD_GPU_READ_CHUNK (1024u * 1024u)

_Static_assert(BOARD_EXT_MAX_SIZE == HW_DRAM_EXT_MAX_SIZE,
	       "the wire limit is the DRAM model's");

static void board_ns_teardown(struct board *b, bool all, uint16_t ep,
			      uint32_t *maps, uint32_t *windows);

/* ---- wiring ---- */

/* Makes (or checks) the sink directory: ours, a directory, mode 0700. */
static int board_sink_prepare(struct board *b, const char *dir)
{
	struct stat st = { 0 };

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		board_log(b, "cannot create sink directory %s: %s", dir,
			  strerror(errno));
		return errno == EACCES || errno == EPERM ? -EPERM : -EINVAL;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		board_log(b, "sink %s is not a directory", dir);
		return -EINVAL;
	}
	if (st.st_uid != getuid()) {
		board_log(b, "sink directory %s belongs to another user", dir);
		return -EPERM;
	}
	if ((st.st_mode & 0777) != 0700 && chmod(dir, 0700) != 0) {
		board_log(b, "cannot make sink directory %s mode 0700: %s", dir,
			  strerror(errno));
		return -EPERM;
	}
	return 0;
}

int board_media_create(struct board *b, const char *sink_dir)
{
	int rc = 0;

	if (sink_dir) {
		rc = board_sink_prepare(b, sink_dir);
		if (rc) {
			return rc;
		}
	}
	for (uint32_t i = 0; i < b->device_count; i++) {
		struct hw_device *dev = b->devices[i];
		const char *name = hw_device_name(dev);

		if (strcmp(name, "vdec") == 0 && !b->vdec) {
			rc = hw_vdec_create(dev, &b->vdec);
			b->vdec_stream = hw_device_stream_id(dev);
		} else if (strcmp(name, "display") == 0 && !b->display) {
			rc = hw_display_create(dev, sink_dir, &b->display);
			b->display_stream = hw_device_stream_id(dev);
		} else if (strcmp(name, "gpu") == 0 && !b->gpu &&
			   !hw_device_secure(dev)) {
			b->gpu = dev;
			b->gpu_stream = hw_device_stream_id(dev);
		}
		if (rc) {
			return rc;
		}
	}
	return 0;
}

void board_media_destroy(struct board *b)
{
	board_ns_teardown(b, true, 0, NULL, NULL);
	free(b->ns_maps);
	b->ns_maps = NULL;
	b->ns_map_cap = 0;
	free(b->ext_owners);
	b->ext_owners = NULL;
	b->ext_owner_cap = 0;
	hw_display_destroy(b->display);
	b->display = NULL;
	hw_vdec_destroy(b->vdec);
	b->vdec = NULL;
}

void board_media_disconnect(struct board *b, uint16_t ep)
{
	uint32_t contexts = b->vdec ? hw_vdec_close_owner(b->vdec, ep) : 0;
	uint32_t sessions = b->display ? hw_display_close_owner(b->display, ep) :
					 0;

	uint32_t maps = 0;
	uint32_t windows = 0;

	if (contexts || sessions) {
		board_log_info(b, "endpoint 0x%04x gone: %u decoder context(s), "
				  "%u display session(s) closed",
			       ep, contexts, sessions);
	}
	/* Devices are stopped: now its NS mappings, then its windows. */
	board_ns_teardown(b, false, ep, &maps, &windows);
	if (maps || windows) {
		board_log_info(b, "endpoint 0x%04x gone: %u SMMU_NS mapping(s), "
				  "%u external window(s) removed",
			       ep, maps, windows);
	}
}

const char *board_sink_dir(const struct board *b)
{
	return b->display ? hw_display_sink_dir(b->display) : NULL;
}

/* ---- commands ---- */

/* Argument slots @from.. of @a are zero. */
static bool board_args_zero_from(const uint64_t *a, uint32_t from)
{
	for (uint32_t i = from; i < DEVICE_ARGS; i++) {
		if (a[i] != 0) {
			return false;
		}
	}
	return true;
}

/* A [buf] slot's flags word: only DEVICE_BUF_SECURE is defined. */
static bool board_buf_flags_ok(uint64_t flags)
{
	return (flags & ~(uint64_t)DEVICE_BUF_SECURE) == 0;
}

/*
 * Copies VDEC_OPEN's configuration out of NW DRAM. The range must be open
 * to non-secure devices in the TZASC, not a carve-out and inside one DRAM
 * range, all checked before any byte moves (as the mailbox check does):
 * a refused range is -EPERM with nothing read.
 */
static int board_vdec_config(struct board *b, uint64_t pa, uint64_t size,
			     uint8_t **out)
{
	uint8_t *buf = NULL;
	uint64_t last = 0;
	void *src = NULL;
	int rc = 0;

	if (__builtin_add_overflow(pa, size - 1, &last)) {
		return -EOVERFLOW;
	}
	if (hw_tzasc_check(&b->tzasc, pa, size, HW_ACCESS_NS_DEV) != 0 ||
	    hw_dram_is_carveout(b->dram, pa, size)) {
		return -EPERM;
	}
	rc = hw_dram_ptr(b->dram, pa, size, &src);
	if (rc) {
		return rc == -ENOMEM ? rc : -EPERM;
	}
	buf = malloc((size_t)size);
	if (!buf) {
		return -ENOMEM;
	}
	memcpy(buf, src, (size_t)size);
	*out = buf;
	return 0;
}

static int board_vdec_open(struct board *b, uint16_t ep, const uint64_t *a,
			   uint64_t *res)
{
	struct hw_vdec_params p = {
		.codec = (uint32_t)a[0],
		.config_size = (size_t)a[3],
		.width = a[4],
		.height = a[5],
		.format = a[6],
	};
	uint8_t *config = NULL;
	uint32_t id = 0;
	int rc = 0;

	if (a[2] != 0 || !board_args_zero_from(a, 7)) {
		return -EINVAL;
	}
	if (a[0] > UINT32_MAX || !hw_vdec_codec_supported(a[0]) ||
	    a[6] != DEVICE_FMT_I420) {
		return -EOPNOTSUPP;
	}
	if (a[3] > HW_VDEC_MAX_CONFIG) {
		return -EINVAL;
	}
	if (a[3] > 0) {
		rc = board_vdec_config(b, a[1], a[3], &config);
		if (rc) {
			return rc;
		}
	}
	p.config = config;
	rc = hw_vdec_open(b->vdec, ep, &p, &id);
	free(config);
	if (rc == 0) {
		res[0] = id;
	}
	return rc;
}

static int board_vdec_cmd(struct board *b, uint16_t ep, uint64_t cmd,
			  const uint64_t *a, uint64_t *res)
{
	struct hw_vdec_frame f = { 0 };
	int rc = 0;

	switch (cmd) {
	case DEVICE_CMD_VDEC_OPEN:
		return board_vdec_open(b, ep, a, res);
	case DEVICE_CMD_VDEC_QUEUE_OUT:
		if (!board_args_zero_from(a, 5) || !board_buf_flags_ok(a[3])) {
			return -EINVAL;
		}
		return hw_vdec_queue_out(b->vdec, ep, a[0], a[1], a[2],
					 a[3] & DEVICE_BUF_SECURE, a[4]);
	case DEVICE_CMD_VDEC_DECODE:
		if (!board_args_zero_from(a, 6) || !board_buf_flags_ok(a[2])) {
			return -EINVAL;
		}
		return hw_vdec_decode(b->vdec, ep, a[0], a[1],
				      a[2] & DEVICE_BUF_SECURE, a[3], a[4],
				      a[5]);
	case DEVICE_CMD_VDEC_RECEIVE:
		if (!board_args_zero_from(a, 1)) {
			return -EINVAL;
		}
		rc = hw_vdec_receive(b->vdec, ep, a[0], &f);
		res[1] = f.tag; /* also the dropped buffer's, with an error */
		if (rc < 0) {
			return rc;
		}
		res[0] = (uint64_t)rc;
		if (rc == DEVICE_RECV_FRAME) {
			res[2] = f.pts;
			res[3] = f.width;
			res[4] = f.height;
			res[5] = f.format;
			res[6] = f.size;
		}
		return 0;
	case DEVICE_CMD_VDEC_CLOSE:
		if (!board_args_zero_from(a, 1)) {
			return -EINVAL;
		}
		return hw_vdec_close(b->vdec, ep, a[0]);
	default:
		return -EOPNOTSUPP;
	}
}

static int board_display_cmd(struct board *b, uint16_t ep, uint64_t cmd,
			     const uint64_t *a, uint64_t *res)
{
	struct hw_display_params p = { 0 };
	uint32_t id = 0;
	int rc = 0;

	switch (cmd) {
	case DEVICE_CMD_DISPLAY_OPEN:
		if (!board_args_zero_from(a, 7)) {
			return -EINVAL;
		}
		p = (struct hw_display_params){
			.sink_flags = a[0],
			.snapshot = a[1],
			.width = a[2],
			.height = a[3],
			.format = a[4],
			.fps_num = a[5],
			.fps_den = a[6],
		};
		rc = hw_display_open(b->display, ep, &p, &id);
		if (rc == 0) {
			res[0] = id;
		} else if (rc == -ENOMEM && hw_display_sink_dir(b->display)) {
			board_log(b, "display: cannot open a session's sink in %s",
				  hw_display_sink_dir(b->display));
		}
		return rc;
	case DEVICE_CMD_DISPLAY_SHOW:
		if (!board_args_zero_from(a, 5) || !board_buf_flags_ok(a[2])) {
			return -EINVAL;
		}
		return hw_display_show(b->display, ep, a[0], a[1],
				       a[2] & DEVICE_BUF_SECURE, a[3], a[4],
				       &res[0]);
	case DEVICE_CMD_DISPLAY_CLOSE:
		if (!board_args_zero_from(a, 1)) {
			return -EINVAL;
		}
		return hw_display_close(b->display, ep, a[0], &res[0]);
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * GPU_READ: what a NW kernel (even a compromised one) can make the GPU do:
 * map a PA range into its non-secure context, read it, unmap. Restricted
 * memory faults at the TZASC stage, recorded with the GPU's stream.
 */
static int board_gpu_read(struct board *b, const uint64_t *a, uint64_t *res)
{
	uint64_t pa = a[0];
	uint64_t size = a[2];
	uint64_t last = 0;
	uint64_t base = 0;
	uint64_t top = 0;
	uint64_t sum = 0;
	uint8_t *buf = NULL;
	int rc = 0;
	int undo = 0;

	if (a[1] != 0 || !board_args_zero_from(a, 3) || size == 0) {
		return -EINVAL;
	}
	if (__builtin_add_overflow(pa, size - 1, &last) ||
	    last > UINT64_MAX - HW_SMMU_PAGE_SIZE) {
		return -EOVERFLOW;
	}
	if (size > BOARD_GPU_READ_MAX) {
		return -EINVAL;
	}
	base = pa & ~(uint64_t)(HW_SMMU_PAGE_SIZE - 1);
	top = (last | (HW_SMMU_PAGE_SIZE - 1)) + 1;
	buf = malloc(BOARD_GPU_READ_CHUNK);
	if (!buf) {
		return -ENOMEM;
	}
	rc = hw_smmu_map(b->smmu, b->gpu_stream, HW_SMMU_CTX_NS, base, base,
			 top - base, HW_SMMU_READ);
	if (rc) {
		/* -EBUSY: the NW has the GPU's IOVAs there already. */
		rc = rc == -ENOSPC ? -ENOMEM : rc;
		goto err_free;
	}
	for (uint64_t off = 0; off < size && rc == 0;) {
		size_t n = size - off < BOARD_GPU_READ_CHUNK ?
				   (size_t)(size - off) :
				   BOARD_GPU_READ_CHUNK;

		rc = hw_device_read(b->gpu, false, pa + off, buf, n);
		for (size_t i = 0; rc == 0 && i < n; i++) {
			sum += buf[i];
		}
		off += n;
	}
	undo = hw_smmu_unmap(b->smmu, b->gpu_stream, HW_SMMU_CTX_NS, base,
			     top - base);
	if (undo) {
		board_log(b, "gpu: cannot unmap 0x%llx+0x%llx: %s",
			  (unsigned long long)base,
			  (unsigned long long)(top - base), rheap_err_name(undo));
	}
	if (rc && rc != -ENOMEM) {
		b->gpu_faults++;
		rc = -EPERM;
	}
	if (rc == 0) {
		b->gpu_reads++;
		res[0] = sum;
	}
err_free:
	explicit_bzero(buf, BOARD_GPU_READ_CHUNK);
	free(buf);
	return rc;
}

/* The command on the device of stream @sid. */
static int board_device_dispatch(struct board *b, uint16_t ep, uint64_t sid,
				 uint64_t cmd, const uint64_t *a, uint64_t *res)
{
	bool known = false;

	for (uint32_t i = 0; i < b->plat.device_count; i++) {
		if (b->plat.devices[i].stream_id == sid) {
			known = true;
		}
	}
	if (!known) {
		return -ENOENT;
	}
	if (b->vdec && sid == b->vdec_stream &&
	    (cmd >> 8) == (DEVICE_CMD_VDEC_OPEN >> 8)) {
		return board_vdec_cmd(b, ep, cmd, a, res);
	}
	if (b->display && sid == b->display_stream &&
	    (cmd >> 8) == (DEVICE_CMD_DISPLAY_OPEN >> 8)) {
		return board_display_cmd(b, ep, cmd, a, res);
	}
	if (b->gpu && sid == b->gpu_stream && cmd == DEVICE_CMD_GPU_READ) {
		return board_gpu_read(b, a, res);
	}
	return -EOPNOTSUPP;
}

int board_device_call(struct board *b, uint16_t ep,
		      const struct rheap_ffa_regs *req,
		      struct rheap_ffa_regs *resp)
{
	uint64_t res[DEVICE_RESULTS] = { 0 };
	int rc = 0;

	memset(resp, 0, sizeof(*resp));
	resp->x[0] = BOARD_MSG_DEVICE;
	if (!board_ep_connected(b, ep)) {
		rc = -EPERM;
	} else {
		for (uint32_t i = 3 + DEVICE_ARGS; i < RHEAP_FFA_REG_COUNT; i++) {
			if (req->x[i] != 0) {
				rc = -EINVAL;
			}
		}
	}
	if (rc == 0) {
		rc = board_device_dispatch(b, ep, req->x[1], req->x[2],
					   &req->x[3], res);
	}
	resp->x[1] = (uint64_t)(int64_t)rc;
	if (rc == 0 || rc == -ENOSPC || rc == -EPERM) {
		/* RECEIVE reports a dropped buffer's tag with its error. */
		for (uint32_t i = 0; i < DEVICE_RESULTS; i++) {
			resp->x[2 + i] = res[i];
		}
	}
	return rc;
}

/* ---- NS memory of the NW: external windows, SMMU_NS ---- */

/*
 * The SMMU_NS mappings, then the external windows, of endpoint @ep (every
 * endpoint's with @all) go; @maps / @windows (optional) count them.
 */
static void board_ns_teardown(struct board *b, bool all, uint16_t ep,
			      uint32_t *maps, uint32_t *windows)
{
	uint32_t nmaps = 0;
	uint32_t nwin = 0;
	uint64_t base = 0;
	uint64_t size = 0;

	for (uint32_t i = b->ns_map_count; i-- > 0;) {
		const struct board_ns_map *m = &b->ns_maps[i];
		int rc = 0;

		if (!all && m->ep != ep) {
			continue;
		}
		rc = hw_smmu_unmap(b->smmu, m->stream_id, HW_SMMU_CTX_NS,
				   m->iova, m->size);
		if (rc) {
			board_log(b, "smmu_ns: cannot unmap stream 0x%x 0x%llx+0x%llx: %s",
				  m->stream_id, (unsigned long long)m->iova,
				  (unsigned long long)m->size,
				  rheap_err_name(rc));
		}
		b->ns_maps[i] = b->ns_maps[b->ns_map_count - 1];
		b->ns_map_count--;
		nmaps++;
	}
	for (uint32_t i = b->ext_owner_count; b->dram && i-- > 0;) {
		if (!all && b->ext_owners[i].ep != ep) {
			continue;
		}
		if (hw_dram_ext_unmap(b->dram, b->ext_owners[i].base) == 0) {
			nwin++;
		}
		b->ext_owners[i] = b->ext_owners[b->ext_owner_count - 1];
		b->ext_owner_count--;
	}
	while (all && b->dram && hw_dram_ext_count(b->dram) > 0 &&
	       hw_dram_ext_get(b->dram, 0, &base, &size) == 0) {
		if (hw_dram_ext_unmap(b->dram, base) != 0) {
			break;
		}
	}
	if (maps) {
		*maps = nmaps;
	}
	if (windows) {
		*windows = nwin;
	}
}

/* Does any SMMU mapping of any stream and context reach [base, base+size)? */
static bool board_smmu_points_into(const struct board *b, uint64_t base,
				   uint64_t size)
{
	uint64_t last = base + (size - 1u);

	for (uint32_t d = 0; d < b->plat.device_count; d++) {
		uint32_t sid = b->plat.devices[d].stream_id;

		for (uint32_t ctx = 0; ctx < HW_SMMU_CTX_COUNT; ctx++) {
			int n = hw_smmu_context_mapping_count(b->smmu, sid,
							      ctx);

			for (int i = 0; i < n; i++) {
				struct hw_smmu_mapping m = { 0 };

				if (hw_smmu_mapping_get(b->smmu, sid, ctx,
							(uint32_t)i, &m) != 0) {
					continue;
				}
				if (m.pa <= last && base <= m.pa + (m.size - 1u)) {
					return true;
				}
			}
		}
	}
	return false;
}

/* Room for one more window owner record. */
static int board_ext_owner_reserve(struct board *b)
{
	struct board_ext_owner *n = NULL;
	uint32_t cap = 0;

	if (b->ext_owner_count < b->ext_owner_cap) {
		return 0;
	}
	if (b->ext_owner_cap > UINT32_MAX / 2u) {
		return -ENOMEM;
	}
	cap = b->ext_owner_cap ? b->ext_owner_cap * 2u : 16u;
	n = realloc(b->ext_owners, (size_t)cap * sizeof(*n));
	if (!n) {
		return -ENOMEM;
	}
	b->ext_owners = n;
	b->ext_owner_cap = cap;
	return 0;
}

static int board_ext_map(struct board *b, uint16_t ep,
			 const struct rheap_ffa_regs *req, int fd,
			 struct rheap_ffa_regs *resp)
{
	uint64_t pa = 0;
	int rc = 0;

	for (uint32_t i = 2; i < RHEAP_FFA_REG_COUNT; i++) {
		if (req->x[i] != 0) {
			return -EINVAL;
		}
	}
	if (fd < 0) {
		return -EINVAL; /* none, or more than one */
	}
	/* Room for the owner first: after the map nothing may fail. */
	rc = board_ext_owner_reserve(b);
	if (rc) {
		return rc;
	}
	rc = hw_dram_ext_map(b->dram, fd, req->x[1], &pa);
	if (rc == 0) {
		b->ext_owners[b->ext_owner_count++] =
			(struct board_ext_owner){ .base = pa, .ep = ep };
		resp->x[2] = pa;
	}
	return rc;
}

static int board_ext_unmap(struct board *b, uint16_t ep,
			   const struct rheap_ffa_regs *req, int fd)
{
	uint64_t base = 0;
	uint64_t size = 0;
	int rc = 0;

	for (uint32_t i = 2; i < RHEAP_FFA_REG_COUNT; i++) {
		if (req->x[i] != 0) {
			return -EINVAL;
		}
	}
	if (fd != -1) {
		return -EINVAL; /* only EXT_MAP carries an fd */
	}
	/* Another endpoint's window is no window of the caller's. */
	for (uint32_t o = 0; o < b->ext_owner_count; o++) {
		if (b->ext_owners[o].base != req->x[1] ||
		    b->ext_owners[o].ep != ep) {
			continue;
		}
		for (uint32_t i = 0; i < hw_dram_ext_count(b->dram); i++) {
			if (hw_dram_ext_get(b->dram, i, &base, &size) != 0 ||
			    base != req->x[1]) {
				continue;
			}
			if (board_smmu_points_into(b, base, size)) {
				return -EBUSY;
			}
			rc = hw_dram_ext_unmap(b->dram, base);
			if (rc == 0) {
				b->ext_owners[o] =
					b->ext_owners[b->ext_owner_count - 1];
				b->ext_owner_count--;
			}
			return rc;
		}
	}
	return -ENOENT;
}

static int board_ns_map_reserve(struct board *b)
{
	struct board_ns_map *n = NULL;
	uint32_t cap = 0;

	if (b->ns_map_count < b->ns_map_cap) {
		return 0;
	}
	if (b->ns_map_cap > UINT32_MAX / 2u) {
		return -ENOMEM;
	}
	cap = b->ns_map_cap ? b->ns_map_cap * 2u : 16u;
	n = realloc(b->ns_maps, (size_t)cap * sizeof(*n));
	if (!n) {
		return -ENOMEM;
	}
	b->ns_maps = n;
	b->ns_map_cap = cap;
	return 0;
}

static int board_smmu_ns(struct board *b, uint16_t ep,
			 const struct rheap_ffa_regs *req, int fd)
{
	uint64_t sid = req->x[1];
	uint64_t iova = req->x[2];
	uint64_t pa = req->x[3];
	uint64_t size = req->x[4];
	uint64_t flags = req->x[5];
	int rc = 0;

	for (uint32_t i = 6; i < RHEAP_FFA_REG_COUNT; i++) {
		if (req->x[i] != 0) {
			return -EINVAL;
		}
	}
	if (fd != -1) {
		return -EINVAL; /* only EXT_MAP carries an fd */
	}
	if ((flags & ~(BOARD_SMMU_NS_MAP | BOARD_SMMU_NS_WRITE)) != 0) {
		return -EINVAL;
	}
	if (!(flags & BOARD_SMMU_NS_MAP)) {
		if ((flags & BOARD_SMMU_NS_WRITE) || pa != 0) {
			return -EINVAL;
		}
		for (uint32_t i = 0; i < b->ns_map_count; i++) {
			struct board_ns_map *m = &b->ns_maps[i];

			if (m->stream_id != sid || m->iova != iova ||
			    m->size != size || m->ep != ep) {
				continue;
			}
			rc = hw_smmu_unmap(b->smmu, m->stream_id,
					   HW_SMMU_CTX_NS, iova, size);
			if (rc) {
				return rc;
			}
			b->ns_maps[i] = b->ns_maps[b->ns_map_count - 1];
			b->ns_map_count--;
			return 0;
		}
		return -ENOENT;
	}
	if (sid > UINT32_MAX) {
		return -ENOENT;
	}
	/* Room for the record first: after the map nothing may fail. */
	rc = board_ns_map_reserve(b);
	if (rc) {
		return rc;
	}
	rc = hw_smmu_map(b->smmu, (uint32_t)sid, HW_SMMU_CTX_NS, iova, pa, size,
			 HW_SMMU_READ |
				 ((flags & BOARD_SMMU_NS_WRITE) ? HW_SMMU_WRITE :
								  0u));
	if (rc) {
		return rc;
	}
	b->ns_maps[b->ns_map_count++] = (struct board_ns_map){
		.stream_id = (uint32_t)sid,
		.iova = iova,
		.size = size,
		.ep = ep,
	};
	return 0;
}

int board_ext_call(struct board *b, uint16_t ep,
		   const struct rheap_ffa_regs *req, int fd,
		   struct rheap_ffa_regs *resp)
{
	uint64_t msg = req->x[0];
	int rc = 0;

	memset(resp, 0, sizeof(*resp));
	resp->x[0] = msg;
	if (!board_ep_connected(b, ep)) {
		rc = -EPERM;
	} else if (msg == BOARD_MSG_EXT_MAP) {
		rc = board_ext_map(b, ep, req, fd, resp);
	} else if (msg == BOARD_MSG_EXT_UNMAP) {
		rc = board_ext_unmap(b, ep, req, fd);
	} else if (msg == BOARD_MSG_SMMU_NS) {
		rc = board_smmu_ns(b, ep, req, fd);
	} else {
		rc = -EINVAL;
	}
	if (rc) {
		resp->x[2] = 0;
	}
	resp->x[1] = (uint64_t)(int64_t)rc;
	return rc;
}
