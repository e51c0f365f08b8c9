// SPDX-License-Identifier: BSD-2-Clause
/*
 * The guest kernel's virtio-rheap driver (guest_drv.h). Register accesses
 * are vtransport messages; the requestq lives in guest RAM at pages this
 * file chooses; requests are synchronous (one chain outstanding at a
 * time: the guest kernel serves its programs from one thread).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rheap/diag.h>
#include <rheap/err.h>
#include <rheap/virtio_rheap.h>

#include "common/wire.h"
#include "hyp/guest_drv.h"
#include "hyp/virtq.h"
#include "hyp/vtransport.h"

/* Features the driver accepts when offered. */
#define GUEST_DRV_FEATURES                                                   \
	(VIRTQ_FEATURE(VIRTIO_F_VERSION_1) |                                 \
	 VIRTQ_FEATURE(VIRTIO_F_INDIRECT_DESC) |                             \
	 VIRTQ_FEATURE(VIRTIO_F_EVENT_IDX) |                                 \
	 VIRTQ_FEATURE(VIRTIO_RHEAP_F_FFA) |                                 \
	 VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVICES) |                             \
	 VIRTQ_FEATURE(VIRTIO_RHEAP_F_TEE) |                                 \
	 VIRTQ_FEATURE(VIRTIO_RHEAP_F_DEVJOB))

/* A response area byte the device has not written. */
#define GUEST_DRV_POISON 0xFFu

/* ---------------------------------------------------------------------- */
/* Guest pages                                                             */

static bool pages_test(const struct guest_pages *p, uint64_t i)
{
	return (p->map[i / 8u] >> (i % 8u)) & 1u;
}

static void pages_set(struct guest_pages *p, uint64_t i, bool on)
{
	if (on) {
		p->map[i / 8u] |= (uint8_t)(1u << (i % 8u));
	} else {
		p->map[i / 8u] &= (uint8_t)~(1u << (i % 8u));
	}
}

int guest_pages_alloc(struct guest_pages *p, uint64_t count, uint64_t *gpa)
{
	uint64_t run = 0;

	if (count == 0) {
		return -EINVAL;
	}
	for (uint64_t i = 0; i < p->page_count; i++) {
		run = pages_test(p, i) ? 0 : run + 1u;
		if (run == count) {
			uint64_t first = i + 1u - count;

			for (uint64_t k = first; k <= i; k++) {
				pages_set(p, k, true);
			}
			*gpa = first * GUEST_PAGE_SIZE;
			return 0;
		}
	}
	return -ENOMEM;
}

void guest_pages_free(struct guest_pages *p, uint64_t gpa, uint64_t count)
{
	uint64_t first = gpa / GUEST_PAGE_SIZE;

	for (uint64_t k = first; k < first + count && k < p->page_count; k++) {
		pages_set(p, k, false);
	}
}

uint64_t guest_pages_taken(const struct guest_pages *p)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < p->page_count; i++) {
		n += pages_test(p, i) ? 1u : 0u;
	}
	return n;
}

/* ---------------------------------------------------------------------- */
/* Registers                                                               */

static int mmio_access(const struct vt_guest_env *env, uint32_t op,
		       uint32_t offset, uint32_t size, uint64_t in,
		       uint64_t *out)
{
	struct vt_mmio_req req = { 0 };
	struct vt_mmio_resp resp = { 0 };
	struct pollfd pfd = { .fd = env->mmio_fd, .events = POLLIN };
	ssize_t n = 0;

	req.op = op;
	req.offset = offset;
	req.size = size;
	req.value = op == VT_MMIO_WRITE ? in : 0;
	n = send(env->mmio_fd, &req, sizeof(req), MSG_NOSIGNAL);
	if (n != (ssize_t)sizeof(req)) {
		return -ENOENT;
	}
	/* The vmm answers a register at once; a silent one is gone. */
	if (poll(&pfd, 1, GUEST_DRV_TIMEOUT_MS) != 1) {
		return -ENOENT;
	}
	n = recv(env->mmio_fd, &resp, sizeof(resp), MSG_TRUNC);
	if (n <= 0) {
		return -ENOENT;
	}
	if (n != (ssize_t)sizeof(resp) || resp.reserved != 0) {
		return -EINVAL;
	}
	switch (resp.status) {
	case VT_MMIO_OK:
		break;
	case VT_MMIO_E_STATE:
		return -EBUSY;
	default:
		return -EINVAL;
	}
	if (out) {
		*out = resp.value;
	}
	return 0;
}

int guest_mmio_read(const struct vt_guest_env *env, uint32_t offset,
		    uint32_t size, uint64_t *value)
{
	return mmio_access(env, VT_MMIO_READ, offset, size, 0, value);
}

int guest_mmio_write(const struct vt_guest_env *env, uint32_t offset,
		     uint32_t size, uint64_t value)
{
	return mmio_access(env, VT_MMIO_WRITE, offset, size, value, NULL);
}

static int mmio_read32(const struct vt_guest_env *env, uint32_t offset,
		       uint32_t *value)
{
	uint64_t v = 0;
	int rc = guest_mmio_read(env, offset, 4, &v);

	*value = (uint32_t)v;
	return rc;
}

static int mmio_write32(const struct vt_guest_env *env, uint32_t offset,
			uint32_t value)
{
	return guest_mmio_write(env, offset, 4, value);
}

/* ---------------------------------------------------------------------- */
/* Initialisation                                                          */

static uint64_t le_get(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i > 0; i--) {
		v = (v << 8) | p[i - 1u];
	}
	return v;
}

static void le_put(uint8_t *p, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)(v >> (8u * i));
	}
}

/* Read the 32-byte config space consistently (ConfigGeneration). */
static int drv_read_config(struct guest_drv *drv)
{
	uint8_t raw[sizeof(struct virtio_rheap_config)] = { 0 };
	struct virtio_rheap_config c = { 0 };
	uint32_t gen0 = 0;
	uint32_t gen1 = 0;
	int rc = 0;

	for (int tries = 0; tries < 8; tries++) {
		rc = mmio_read32(drv->env, VT_MMIO_CONFIG_GEN, &gen0);
		for (uint32_t off = 0; rc == 0 && off < sizeof(raw); off += 8) {
			uint64_t v = 0;

			rc = guest_mmio_read(drv->env, VT_MMIO_CONFIG + off, 8,
					     &v);
			le_put(raw + off, 8, v);
		}
		if (rc == 0) {
			rc = mmio_read32(drv->env, VT_MMIO_CONFIG_GEN, &gen1);
		}
		if (rc) {
			return rc;
		}
		if (gen0 == gen1) {
			break;
		}
		rc = -EBUSY;
	}
	if (rc) {
		return rc;
	}
	c.vm_id = (uint16_t)le_get(raw + 0, 2);
	c.heap_count = (uint16_t)le_get(raw + 2, 2);
	c.max_request = (uint32_t)le_get(raw + 4, 4);
	c.quota_bytes = le_get(raw + 8, 8);
	c.quota_buffers = (uint32_t)le_get(raw + 16, 4);
	c.quota_attachments = (uint32_t)le_get(raw + 20, 4);
	c.max_segs = (uint32_t)le_get(raw + 24, 4);
	c.reserved = (uint32_t)le_get(raw + 28, 4);
	/* The host is trusted with its numbers, not with the layout. */
	if (c.reserved != 0 || c.vm_id < 2u ||
	    (drv->env->vm_id != 0 && c.vm_id != drv->env->vm_id)) {
		fprintf(stderr,
			"guest: config refused (vm_id %u, reserved 0x%x)\n",
			c.vm_id, c.reserved);
		return -EINVAL;
	}
	drv->cfg = c;
	return 0;
}

static int drv_features(struct guest_drv *drv)
{
	uint32_t lo = 0;
	uint32_t hi = 0;
	uint32_t status = 0;
	uint64_t offered = 0;
	int rc = 0;

	rc = mmio_write32(drv->env, VT_MMIO_DEV_FEATURES_SEL, 0);
	rc = rc ? rc : mmio_read32(drv->env, VT_MMIO_DEV_FEATURES, &lo);
	rc = rc ? rc : mmio_write32(drv->env, VT_MMIO_DEV_FEATURES_SEL, 1);
	rc = rc ? rc : mmio_read32(drv->env, VT_MMIO_DEV_FEATURES, &hi);
	if (rc) {
		return rc;
	}
	offered = ((uint64_t)hi << 32) | lo;
	if (!(offered & VIRTQ_FEATURE(VIRTIO_F_VERSION_1))) {
		fprintf(stderr, "guest: device offers no VERSION_1 (0x%llx)\n",
			(unsigned long long)offered);
		return -EOPNOTSUPP;
	}
	drv->features = offered & GUEST_DRV_FEATURES;
	rc = mmio_write32(drv->env, VT_MMIO_DRV_FEATURES_SEL, 0);
	rc = rc ? rc : mmio_write32(drv->env, VT_MMIO_DRV_FEATURES,
				    (uint32_t)drv->features);
	rc = rc ? rc : mmio_write32(drv->env, VT_MMIO_DRV_FEATURES_SEL, 1);
	rc = rc ? rc : mmio_write32(drv->env, VT_MMIO_DRV_FEATURES,
				    (uint32_t)(drv->features >> 32));
	rc = rc ? rc : mmio_write32(drv->env, VT_MMIO_STATUS,
				    GUEST_ST_ACKNOWLEDGE | GUEST_ST_DRIVER |
					    GUEST_ST_FEATURES_OK);
	rc = rc ? rc : mmio_read32(drv->env, VT_MMIO_STATUS, &status);
	if (rc) {
		return rc;
	}
	if (!(status & GUEST_ST_FEATURES_OK)) {
		fprintf(stderr, "guest: device refused features 0x%llx\n",
			(unsigned long long)drv->features);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int drv_queue(struct guest_drv *drv)
{
	struct virtq_layout lay = { 0 };
	struct rheap_diag diag = { 0 };
	uint32_t max = 0;
	uint32_t ready = 0;
	uint32_t n = 1;
	uint64_t ring_bytes = 0;
	int rc = 0;

	rc = mmio_write32(drv->env, VT_MMIO_QUEUE_SEL,
			  VIRTIO_RHEAP_VQ_REQUEST);
	rc = rc ? rc : mmio_read32(drv->env, VT_MMIO_QUEUE_READY, &ready);
	rc = rc ? rc : mmio_read32(drv->env, VT_MMIO_QUEUE_NUM_MAX, &max);
	if (rc) {
		return rc;
	}
	if (ready != 0 || max == 0) {
		fprintf(stderr, "guest: requestq unusable (ready %u, max %u)\n",
			ready, max);
		return -EINVAL;
	}
	while (n * 2u <= max && n * 2u <= GUEST_DRV_QUEUE_SIZE) {
		n *= 2u;
	}
	drv->queue_size = n;
	drv->slots = calloc(n, sizeof(*drv->slots));
	if (!drv->slots) {
		return -ENOMEM;
	}
	/* One area per page run: desc, then avail, then used. */
	ring_bytes = virtq_desc_area_size(n);
	drv->ring_pages =
		(uint32_t)((ring_bytes + GUEST_PAGE_SIZE - 1u) / GUEST_PAGE_SIZE) +
		2u;
	rc = guest_pages_alloc(&drv->pages, drv->ring_pages, &drv->ring_gpa);
	if (rc) {
		drv->ring_pages = 0;
		return rc;
	}
	lay.desc_gpa = drv->ring_gpa;
	lay.used_gpa = drv->ring_gpa +
		       (uint64_t)(drv->ring_pages - 1u) * GUEST_PAGE_SIZE;
	lay.avail_gpa = lay.used_gpa - GUEST_PAGE_SIZE;
	lay.size = n;
	lay.features = drv->features & VIRTQ_FEATURES_KNOWN;
	rc = virtq_drv_init(&drv->vq, &drv->mem, &lay, drv->slots, n, &diag);
	if (rc) {
		char line[160] = { 0 };

		fprintf(stderr, "guest: requestq layout: %s\n",
			rheap_diag_format(&diag, line, sizeof(line)));
		return rc;
	}
	rc = mmio_write32(drv->env, VT_MMIO_QUEUE_NUM, n);
	rc = rc ? rc : mmio_write32(drv->env, VT_MMIO_QUEUE_DESC_LO,
				    (uint32_t)lay.desc_gpa);
	rc = rc ? rc : mmio_write32(drv->env, VT_MMIO_QUEUE_DESC_HI,
				    (uint32_t)(lay.desc_gpa >> 32));
	rc = rc ? rc : mmio_write32(drv->env, VT_MMIO_QUEUE_DRIVER_LO,
				    (uint32_t)lay.avail_gpa);
	rc = rc ? rc : mmio_write32(drv->env, VT_MMIO_QUEUE_DRIVER_HI,
				    (uint32_t)(lay.avail_gpa >> 32));
	rc = rc ? rc : mmio_write32(drv->env, VT_MMIO_QUEUE_DEVICE_LO,
				    (uint32_t)lay.used_gpa);
	rc = rc ? rc : mmio_write32(drv->env, VT_MMIO_QUEUE_DEVICE_HI,
				    (uint32_t)(lay.used_gpa >> 32));
	rc = rc ? rc : mmio_write32(drv->env, VT_MMIO_QUEUE_READY, 1);
	return rc;
}

int guest_drv_init(struct guest_drv *drv, const struct vt_guest_env *env,
		   int timeout_ms)
{
	uint32_t magic = 0;
	uint32_t version = 0;
	uint32_t devid = 0;
	uint64_t pages = env->ram_size / GUEST_PAGE_SIZE;
	int rc = 0;

	*drv = (struct guest_drv){ 0 };
	drv->env = env;
	drv->timeout_ms = timeout_ms > 0 ? timeout_ms : GUEST_DRV_TIMEOUT_MS;
	drv->next_tag = 1;
	if (pages < 8u || !env->ram) {
		return -ENOMEM;
	}
	drv->range.gpa = 0;
	drv->range.size = pages * GUEST_PAGE_SIZE;
	drv->range.host = env->ram;
	drv->mem.ranges = &drv->range;
	drv->mem.range_count = 1;
	drv->pages.page_count = pages;
	drv->pages.map = calloc((size_t)((pages + 7u) / 8u), 1);
	if (!drv->pages.map) {
		return -ENOMEM;
	}
	pages_set(&drv->pages, 0, true); /* GPA 0 is nobody's buffer */

	rc = mmio_write32(env, VT_MMIO_STATUS, 0);
	rc = rc ? rc : mmio_read32(env, VT_MMIO_MAGIC, &magic);
	rc = rc ? rc : mmio_read32(env, VT_MMIO_VERSION, &version);
	rc = rc ? rc : mmio_read32(env, VT_MMIO_DEVICE_ID, &devid);
	if (rc) {
		goto err_fail;
	}
	if (magic != VT_MMIO_MAGIC_VALUE || version != 2u ||
	    devid != VIRTIO_ID_RHEAP) {
		fprintf(stderr,
			"guest: no virtio-rheap device (magic 0x%x, version "
			"%u, device %u)\n",
			magic, version, devid);
		rc = -ENOENT;
		goto err_fail;
	}
	rc = mmio_write32(env, VT_MMIO_STATUS, GUEST_ST_ACKNOWLEDGE);
	rc = rc ? rc : mmio_write32(env, VT_MMIO_STATUS,
				    GUEST_ST_ACKNOWLEDGE | GUEST_ST_DRIVER);
	rc = rc ? rc : drv_features(drv);
	rc = rc ? rc : drv_queue(drv);
	if (rc) {
		goto err_fail;
	}
	rc = guest_pages_alloc(&drv->pages, 1, &drv->req_gpa);
	if (rc == 0 && (guest_drv_has(drv, VIRTIO_RHEAP_F_TEE) ||
			guest_drv_has(drv, VIRTIO_RHEAP_F_DEVJOB))) {
		rc = guest_pages_alloc(&drv->pages, 2u * GUEST_DRV_TEE_PAGES,
				       &drv->tee_gpa);
	}
	if (rc) {
		goto err_fail;
	}
	rc = mmio_write32(env, VT_MMIO_STATUS,
			  GUEST_ST_ACKNOWLEDGE | GUEST_ST_DRIVER |
				  GUEST_ST_FEATURES_OK | GUEST_ST_DRIVER_OK);
	rc = rc ? rc : drv_read_config(drv);
	if (rc) {
		goto err_fail;
	}
	drv->state = GUEST_DRV_LIVE;
	return 0;

err_fail:
	/* virtio 1.2 §3.1.1: give up with FAILED (if anyone still listens). */
	(void)mmio_write32(env, VT_MMIO_STATUS, GUEST_ST_FAILED);
	free(drv->slots);
	free(drv->pages.map);
	*drv = (struct guest_drv){ 0 };
	return rc;
}

void guest_drv_fini(struct guest_drv *drv)
{
	if (drv->state != GUEST_DRV_DOWN) {
		(void)mmio_write32(drv->env, VT_MMIO_STATUS, 0);
	}
	free(drv->slots);
	free(drv->pages.map);
	*drv = (struct guest_drv){ 0 };
}

bool guest_drv_has(const struct guest_drv *drv, unsigned int bit)
{
	return bit < 64u && (drv->features & VIRTQ_FEATURE(bit)) != 0;
}

/* ---------------------------------------------------------------------- */
/* Response decoders (pure)                                                */

int guest_drv_resp_check(const uint8_t *resp, size_t len, uint64_t tag,
			 size_t resp_min, uint32_t *status,
			 struct rheap_diag *diag)
{
	uint32_t st = 0;

	*status = VIRTIO_RHEAP_S_OK;
	if (len < sizeof(struct virtio_rheap_resp_hdr)) {
		return wire_reject_lim(diag, "used.len", len,
				       "is shorter than the response header",
				       sizeof(struct virtio_rheap_resp_hdr));
	}
	if (wire_get64(resp + 8) != tag) {
		return wire_reject_lim(diag, "resp.tag", wire_get64(resp + 8),
				       "is not the request's tag", tag);
	}
	if (wire_get32(resp + 4) != 0) {
		return wire_reject(diag, "resp.reserved", wire_get32(resp + 4),
				   "must be zero");
	}
	st = wire_get32(resp);
	*status = st;
	if (st > VIRTIO_RHEAP_S_NOTSUPP) {
		return wire_reject_lim(diag, "resp.status", st,
				       "is not a known status code; last",
				       VIRTIO_RHEAP_S_NOTSUPP);
	}
	if (st == VIRTIO_RHEAP_S_OK && len < resp_min) {
		return wire_reject_lim(diag, "used.len", len,
				       "is shorter than the response type",
				       resp_min);
	}
	return 0;
}

int guest_drv_heap_info_decode(const uint8_t *resp, size_t len,
			       uint32_t index, struct guest_heap_info *out,
			       struct rheap_diag *diag)
{
	const size_t name_off =
		offsetof(struct virtio_rheap_heap_info_resp, name);
	size_t name_len = 0;
	uint32_t flags = 0;

	if (len < sizeof(struct virtio_rheap_heap_info_resp)) {
		return wire_reject_lim(diag, "used.len", len,
				       "is shorter than a HEAP_INFO response",
				       sizeof(struct virtio_rheap_heap_info_resp));
	}
	while (name_len < VIRTIO_RHEAP_HEAP_NAME_MAX &&
	       resp[name_off + name_len] != 0) {
		name_len++;
	}
	if (name_len == 0 || name_len == VIRTIO_RHEAP_HEAP_NAME_MAX) {
		return wire_reject_lim(diag, "heap_info.name", name_len,
				       "bytes: empty or without a NUL in",
				       VIRTIO_RHEAP_HEAP_NAME_MAX);
	}
	if (wire_get32(resp + 80) != index) {
		return wire_reject_lim(diag, "heap_info.heap_index",
				       wire_get32(resp + 80),
				       "is not the request's index", index);
	}
	flags = wire_get32(resp + 84);
	if ((flags & ~VIRTIO_RHEAP_HEAP_RESTRICTED) != 0) {
		return wire_reject(diag, "heap_info.flags", flags,
				   "has unknown bits");
	}
	*out = (struct guest_heap_info){ 0 };
	wire_copy((uint8_t *)out->name, resp + name_off, name_len);
	out->flags = flags;
	out->granule = wire_get64(resp + 88);
	out->capacity = wire_get64(resp + 96);
	out->vm_used = wire_get64(resp + 104);
	return 0;
}

int guest_drv_alloc_decode(const uint8_t *resp, size_t len, uint64_t req_len,
			   uint64_t *buffer_id, uint64_t *size,
			   struct rheap_diag *diag)
{
	uint64_t sz = 0;

	*buffer_id = 0;
	if (len < sizeof(struct virtio_rheap_alloc_resp)) {
		return wire_reject_lim(diag, "used.len", len,
				       "is shorter than an ALLOC response",
				       sizeof(struct virtio_rheap_alloc_resp));
	}
	*buffer_id = wire_get64(resp + 16);
	sz = wire_get64(resp + 24);
	if (*buffer_id == 0) {
		return wire_reject(diag, "alloc.buffer_id", 0, "must not be 0");
	}
	if (sz < req_len) {
		return wire_reject_lim(diag, "alloc.size", sz,
				       "is below the request's len", req_len);
	}
	*size = sz;
	return 0;
}

int guest_drv_query_decode(const uint8_t *resp, size_t len,
			   uint64_t buffer_id,
			   struct virtio_rheap_query_resp *out,
			   struct rheap_diag *diag)
{
	if (len < sizeof(struct virtio_rheap_query_resp)) {
		return wire_reject_lim(diag, "used.len", len,
				       "is shorter than a QUERY response",
				       sizeof(struct virtio_rheap_query_resp));
	}
	if (wire_get64(resp + 16) != buffer_id) {
		return wire_reject_lim(diag, "query.buffer_id",
				       wire_get64(resp + 16),
				       "is not the request's buffer",
				       buffer_id);
	}
	/* virtio-rheap.md section 7: a reserved field not 0 is malformed. */
	if (wire_get32(resp + 44) != 0) {
		return wire_reject(diag, "query.reserved", wire_get32(resp + 44),
				   "must be zero");
	}
	*out = (struct virtio_rheap_query_resp){ 0 };
	out->hdr.status = wire_get32(resp);
	out->hdr.tag = wire_get64(resp + 8);
	out->buffer_id = wire_get64(resp + 16);
	out->size = wire_get64(resp + 24);
	out->heap_index = wire_get32(resp + 32);
	out->flags = wire_get32(resp + 36);
	out->attach_count = wire_get32(resp + 40);
	return 0;
}

int guest_drv_attach_decode(const uint8_t *resp, size_t len, uint32_t max_segs,
			    uint64_t *attach_id,
			    struct virtio_rheap_attach_seg *segs, uint32_t cap,
			    uint32_t *count, struct rheap_diag *diag)
{
	const size_t head = sizeof(struct virtio_rheap_attach_resp);
	const size_t seg_size = sizeof(struct virtio_rheap_attach_seg);
	uint64_t carried = 0;
	uint32_t n = 0;

	*attach_id = 0;
	if (len < head) {
		return wire_reject_lim(diag, "used.len", len,
				       "is shorter than an ATTACH response",
				       head);
	}
	*attach_id = wire_get64(resp + 16);
	n = wire_get32(resp + 24);
	carried = (len - head) / seg_size;
	if (*attach_id == 0) {
		return wire_reject(diag, "attach.attach_id", 0,
				   "must not be 0");
	}
	if (n == 0 || n > carried) {
		return wire_reject_lim(diag, "attach.seg_count", n,
				       "is 0 or above the segments the used "
				       "length carries",
				       carried);
	}
	if (max_segs != 0 && n > max_segs) {
		return wire_reject_lim(diag, "attach.seg_count", n,
				       "exceeds config.max_segs", max_segs);
	}
	if (wire_get32(resp + 28) != 0) {
		return wire_reject(diag, "attach.reserved",
				   wire_get32(resp + 28), "must be zero");
	}
	/* n <= carried: every segment read lies below @len. */
	for (uint32_t i = 0; i < n; i++) {
		if (wire_get64(resp + head + i * seg_size + 8u) == 0) {
			return wire_reject_at(diag, "attach.segs.size", i, 0,
					      "must not be 0");
		}
	}
	for (uint32_t i = 0; i < n && i < cap; i++) {
		segs[i].iova = wire_get64(resp + head + i * seg_size);
		segs[i].size = wire_get64(resp + head + i * seg_size + 8u);
	}
	*count = n;
	return n > cap ? -ENOSPC : 0;
}

int guest_drv_ffa_decode(const uint8_t *resp, size_t len,
			 uint64_t x[VIRTIO_RHEAP_FFA_REGS],
			 struct rheap_diag *diag)
{
	if (len < sizeof(struct virtio_rheap_ffa)) {
		return wire_reject_lim(diag, "used.len", len,
				       "is shorter than an FFA response",
				       sizeof(struct virtio_rheap_ffa));
	}
	for (uint32_t i = 0; i < VIRTIO_RHEAP_FFA_REGS; i++) {
		x[i] = wire_get64(resp + 16u + 8u * i);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Requests                                                                */

static int64_t drv_now_ms(void)
{
	struct timespec ts = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait for the interrupt until @deadline_ms and consume the eventfd.
 * Returns 0 (also for EINTR: the caller looks at the ring again); -ENOENT
 * timeout or the vmm gone.
 */
static int drv_wait_irq(struct guest_drv *drv, int64_t deadline_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = drv->env->irq_fd, .events = POLLIN },
		{ .fd = drv->env->mmio_fd, .events = POLLIN },
	};
	uint64_t count = 0;
	int64_t left = deadline_ms - drv_now_ms();
	int n = 0;

	if (left <= 0) {
		return -ENOENT;
	}
	n = poll(pfd, 2, (int)left);
	if (n < 0 && errno == EINTR) {
		return 0;
	}
	if (n <= 0) {
		return -ENOENT;
	}
	/* Nothing is ever sent on the register socket unasked: hang-up. */
	if (pfd[1].revents) {
		return -ENOENT;
	}
	if (read(drv->env->irq_fd, &count, sizeof(count)) ==
	    (ssize_t)sizeof(count)) {
		drv->stats.irqs++;
	}
	return 0;
}

/*
 * An interrupt that brought no used element: read InterruptStatus and
 * acknowledge it (virtio-mmio §4.2.3.4); a configuration change is a new
 * config space or DEVICE_NEEDS_RESET (-EBUSY). An interrupt that did
 * bring the element skips these two register round trips: the vmm
 * signals the irqfd on every used-buffer notification, so a used-buffer
 * bit left set hides nothing.
 */
static int drv_isr(struct guest_drv *drv)
{
	uint32_t isr = 0;
	uint32_t status = 0;
	int rc = mmio_read32(drv->env, VT_MMIO_INT_STATUS, &isr);

	if (rc == 0 && isr != 0) {
		rc = mmio_write32(drv->env, VT_MMIO_INT_ACK, isr);
	}
	if (rc == 0 && (isr & 2u)) {
		rc = mmio_read32(drv->env, VT_MMIO_STATUS, &status);
		if (rc == 0 && (status & GUEST_ST_NEEDS_RESET)) {
			rc = -EBUSY;
		}
		if (rc == 0) {
			rc = drv_read_config(drv);
		}
	}
	return rc;
}

static void drv_dead(struct guest_drv *drv, const char *why, int rc)
{
	fprintf(stderr, "guest: virtio-rheap device unusable: %s (%s)\n", why,
		rheap_err_name(rc));
	drv->state = GUEST_DRV_DEAD;
}

/* A malformed response: the driver is DEAD, the call -EINVAL. */
static int drv_malformed(struct guest_drv *drv, const char *what,
			 const struct rheap_diag *diag)
{
	char line[200] = { 0 };
	char why[240] = { 0 };

	(void)snprintf(why, sizeof(why), "%s: %s", what,
		       rheap_diag_format(diag, line, sizeof(line)));
	drv_dead(drv, why, -EINVAL);
	return -EINVAL;
}

/*
 * One chain {@req_len bytes at @req_gpa readable, @resp_cap bytes at
 * @resp_gpa writable} (the request already in place, its tag @tag), the
 * device kicked, the used element awaited; the response copied ONCE into
 * @resp and its header checked.
 */
static int drv_xfer(struct guest_drv *drv, uint64_t tag, uint64_t req_gpa,
		    size_t req_len, uint64_t resp_gpa, void *resp,
		    size_t resp_min, size_t resp_cap, size_t *resp_len)
{
	struct virtq_buf bufs[2] = { { 0 } };
	struct rheap_diag diag = { 0 };
	uint64_t cookie = 0;
	uint32_t used_len = 0;
	uint32_t status = 0;
	int64_t deadline = 0;
	int rc = 0;

	memset(drv->env->ram + resp_gpa, GUEST_DRV_POISON, resp_cap);
	bufs[0].gpa = req_gpa;
	bufs[0].len = (uint32_t)req_len;
	bufs[1].gpa = resp_gpa;
	bufs[1].len = (uint32_t)resp_cap;
	rc = virtq_drv_add(&drv->vq, bufs, 1, 1, NULL, tag, &diag);
	if (rc < 0) {
		drv_dead(drv, "add", rc);
		return -ENOENT;
	}
	if (virtq_drv_kick_needed(&drv->vq)) {
		uint64_t one = 1;

		if (write(drv->env->kick_fd, &one, sizeof(one)) !=
		    (ssize_t)sizeof(one)) {
			drv_dead(drv, "kick", -ENOENT);
			return -ENOENT;
		}
		drv->stats.kicks++;
	}
	deadline = drv_now_ms() + drv->timeout_ms;
	for (bool irq = false;; irq = true) {
		rc = virtq_drv_get_used(&drv->vq, &cookie, &used_len, &diag);
		if (rc == 1) {
			break;
		}
		if (rc < 0) {
			char line[160] = { 0 };

			drv_dead(drv, rheap_diag_format(&diag, line,
							sizeof(line)),
				 -EINVAL);
			return -EINVAL;
		}
		rc = irq ? drv_isr(drv) : 0;
		rc = rc ? rc : drv_wait_irq(drv, deadline);
		if (rc) {
			drv_dead(drv, rc == -EBUSY ? "needs reset" : "no answer",
				 rc);
			return -ENOENT;
		}
	}
	drv->stats.requests++;
	/* One copy of what the device wrote; every check on the copy. */
	memcpy(resp, drv->env->ram + resp_gpa, resp_cap);
	*resp_len = used_len;
	/* virtq refuses a used.len above the chain's writable bytes. */
	if (cookie != tag || used_len > resp_cap) {
		drv_dead(drv, "used element of another chain", -EINVAL);
		return -EINVAL;
	}
	rc = guest_drv_resp_check(resp, used_len, tag, resp_min, &status,
				  &diag);
	if (status != VIRTIO_RHEAP_S_OK) {
		drv->stats.errors++;
	}
	if (rc) {
		return drv_malformed(drv, "response", &diag);
	}
	return virtio_rheap_status_to_errno(status);
}

int guest_drv_call(struct guest_drv *drv, void *req, size_t req_len,
		   void *resp, size_t resp_min, size_t resp_cap,
		   size_t *resp_len)
{
	uint64_t tag = 0;

	if (drv->state != GUEST_DRV_LIVE) {
		return -ENOENT;
	}
	if (req_len < sizeof(struct virtio_rheap_req_hdr) ||
	    req_len > GUEST_DRV_REQ_AREA || resp_cap > GUEST_DRV_RESP_AREA ||
	    resp_cap < sizeof(struct virtio_rheap_resp_hdr) ||
	    resp_min > resp_cap) {
		return -EINVAL;
	}
	tag = drv->next_tag++;
	le_put((uint8_t *)req + 8, 8, tag);
	memcpy(drv->env->ram + drv->req_gpa, req, req_len);
	return drv_xfer(drv, tag, drv->req_gpa, req_len,
			drv->req_gpa + GUEST_DRV_REQ_AREA, resp, resp_min,
			resp_cap, resp_len);
}

/* Request header with @type (the tag is set by guest_drv_call()). */
static void req_hdr(uint8_t *req, uint32_t type)
{
	le_put(req, 4, type);
}

int guest_drv_heap_info(struct guest_drv *drv, uint32_t index,
			struct guest_heap_info *out)
{
	uint8_t req[sizeof(struct virtio_rheap_heap_info_req)] = { 0 };
	uint8_t resp[sizeof(struct virtio_rheap_heap_info_resp)] = { 0 };
	struct rheap_diag diag = { 0 };
	size_t len = 0;
	int rc = 0;

	req_hdr(req, VIRTIO_RHEAP_REQ_HEAP_INFO);
	le_put(req + 16, 4, index);
	rc = guest_drv_call(drv, req, sizeof(req), resp, sizeof(resp),
			    sizeof(resp), &len);
	if (rc) {
		return rc;
	}
	rc = guest_drv_heap_info_decode(resp, len, index, out, &diag);
	if (rc) {
		return drv_malformed(drv, "HEAP_INFO response", &diag);
	}
	return 0;
}

static int drv_buffer_req(struct guest_drv *drv, uint32_t type, uint64_t id,
			  void *resp, size_t resp_size)
{
	uint8_t req[sizeof(struct virtio_rheap_buffer_req)] = { 0 };
	size_t len = 0;

	req_hdr(req, type);
	le_put(req + 16, 8, id);
	return guest_drv_call(drv, req, sizeof(req), resp, resp_size,
			      resp_size, &len);
}

int guest_drv_free(struct guest_drv *drv, uint64_t buffer_id)
{
	uint8_t resp[sizeof(struct virtio_rheap_resp_hdr)] = { 0 };

	return drv_buffer_req(drv, VIRTIO_RHEAP_REQ_FREE, buffer_id, resp,
			      sizeof(resp));
}

int guest_drv_alloc(struct guest_drv *drv, uint32_t heap_index, uint64_t len,
		    uint32_t fd_flags, uint64_t *buffer_id, uint64_t *size)
{
	uint8_t req[sizeof(struct virtio_rheap_alloc_req)] = { 0 };
	uint8_t resp[sizeof(struct virtio_rheap_alloc_resp)] = { 0 };
	struct rheap_diag diag = { 0 };
	size_t got = 0;
	uint64_t id = 0;
	uint64_t sz = 0;
	int rc = 0;

	req_hdr(req, VIRTIO_RHEAP_REQ_ALLOC);
	le_put(req + 16, 4, heap_index);
	le_put(req + 24, 8, len);
	le_put(req + 36, 4, fd_flags);
	rc = guest_drv_call(drv, req, sizeof(req), resp, sizeof(resp),
			    sizeof(resp), &got);
	if (rc) {
		return rc;
	}
	rc = guest_drv_alloc_decode(resp, got, len, &id, &sz, &diag);
	if (rc) {
		/* The device did make a buffer: give it back first. */
		if (id != 0) {
			(void)guest_drv_free(drv, id);
		}
		return drv_malformed(drv, "ALLOC response", &diag);
	}
	*buffer_id = id;
	*size = sz;
	return 0;
}

int guest_drv_query(struct guest_drv *drv, uint64_t buffer_id,
		    struct virtio_rheap_query_resp *out)
{
	uint8_t req[sizeof(struct virtio_rheap_buffer_req)] = { 0 };
	uint8_t resp[sizeof(struct virtio_rheap_query_resp)] = { 0 };
	struct rheap_diag diag = { 0 };
	size_t len = 0;
	int rc = 0;

	req_hdr(req, VIRTIO_RHEAP_REQ_QUERY);
	le_put(req + 16, 8, buffer_id);
	rc = guest_drv_call(drv, req, sizeof(req), resp, sizeof(resp),
			    sizeof(resp), &len);
	if (rc) {
		return rc;
	}
	rc = guest_drv_query_decode(resp, len, buffer_id, out, &diag);
	if (rc) {
		return drv_malformed(drv, "QUERY response", &diag);
	}
	return 0;
}

int guest_drv_attach(struct guest_drv *drv, uint64_t buffer_id,
		     const char *device, uint32_t flags, uint64_t *attach_id,
		     struct virtio_rheap_attach_seg *segs, uint32_t cap,
		     uint32_t *count)
{
	uint8_t req[sizeof(struct virtio_rheap_attach_req)] = { 0 };
	uint8_t resp[GUEST_DRV_RESP_AREA] = { 0 };
	size_t name_len = 0;
	struct rheap_diag diag = { 0 };
	size_t got = 0;
	uint64_t id = 0;
	uint32_t n = 0;
	int rc = 0;

	if (drv->state == GUEST_DRV_LIVE &&
	    !guest_drv_has(drv, VIRTIO_RHEAP_F_DEVICES)) {
		return -EOPNOTSUPP;
	}
	name_len = device ? strnlen(device, VIRTIO_RHEAP_DEVICE_NAME_MAX) : 0;
	if (name_len == 0 || name_len == VIRTIO_RHEAP_DEVICE_NAME_MAX) {
		return -EINVAL;
	}
	req_hdr(req, VIRTIO_RHEAP_REQ_ATTACH);
	le_put(req + 16, 8, buffer_id);
	memcpy(req + 24, device, name_len);
	le_put(req + 56, 4, flags);
	rc = guest_drv_call(drv, req, sizeof(req), resp,
			    sizeof(struct virtio_rheap_attach_resp),
			    sizeof(resp), &got);
	if (rc) {
		return rc;
	}
	rc = guest_drv_attach_decode(resp, got, drv->cfg.max_segs, &id, segs,
				     cap, &n, &diag);
	if (rc == -ENOSPC) {
		(void)guest_drv_detach(drv, id);
		return -ENOSPC;
	}
	if (rc) {
		/* The device did make an attachment: undo it first. */
		if (id != 0) {
			(void)guest_drv_detach(drv, id);
		}
		return drv_malformed(drv, "ATTACH response", &diag);
	}
	*attach_id = id;
	*count = n;
	return 0;
}

int guest_drv_detach(struct guest_drv *drv, uint64_t attach_id)
{
	uint8_t req[sizeof(struct virtio_rheap_detach_req)] = { 0 };
	uint8_t resp[sizeof(struct virtio_rheap_resp_hdr)] = { 0 };
	size_t len = 0;

	req_hdr(req, VIRTIO_RHEAP_REQ_DETACH);
	le_put(req + 16, 8, attach_id);
	return guest_drv_call(drv, req, sizeof(req), resp, sizeof(resp),
			      sizeof(resp), &len);
}

int guest_drv_ffa(struct guest_drv *drv, uint64_t x[VIRTIO_RHEAP_FFA_REGS])
{
	uint8_t req[sizeof(struct virtio_rheap_ffa)] = { 0 };
	uint8_t resp[sizeof(struct virtio_rheap_ffa)] = { 0 };
	struct rheap_diag diag = { 0 };
	size_t len = 0;
	int rc = 0;

	if (drv->state == GUEST_DRV_LIVE &&
	    !guest_drv_has(drv, VIRTIO_RHEAP_F_FFA)) {
		return -EOPNOTSUPP;
	}
	req_hdr(req, VIRTIO_RHEAP_REQ_FFA);
	for (uint32_t i = 0; i < VIRTIO_RHEAP_FFA_REGS; i++) {
		le_put(req + 16 + 8u * i, 8, x[i]);
	}
	rc = guest_drv_call(drv, req, sizeof(req), resp, sizeof(resp),
			    sizeof(resp), &len);
	if (rc) {
		return rc;
	}
	rc = guest_drv_ffa_decode(resp, len, x, &diag);
	if (rc) {
		return drv_malformed(drv, "FFA response", &diag);
	}
	return 0;
}

int guest_drv_tee_decode(const uint8_t *resp, size_t len,
			 uint32_t *payload_len, struct rheap_diag *diag)
{
	uint32_t n = 0;

	if (len < sizeof(struct virtio_rheap_tee_resp)) {
		return wire_reject_lim(diag, "used.len", len,
				       "is shorter than the TEE response",
				       sizeof(struct virtio_rheap_tee_resp));
	}
	n = wire_get32(resp + 16);
	if (wire_get32(resp + 20) != 0) {
		return wire_reject(diag, "tee.reserved", wire_get32(resp + 20),
				   "must be zero");
	}
	if (n != len - sizeof(struct virtio_rheap_tee_resp)) {
		return wire_reject_lim(diag, "tee.payload_len", n,
				       "is not the bytes written after the "
				       "struct",
				       len - sizeof(struct virtio_rheap_tee_resp));
	}
	*payload_len = n;
	return 0;
}

int guest_drv_tee(struct guest_drv *drv, uint32_t op, uint64_t buffer_id,
		  const void *payload, size_t payload_len, void *resp,
		  size_t resp_cap, size_t *resp_len)
{
	const size_t area = (size_t)GUEST_DRV_TEE_PAGES * GUEST_PAGE_SIZE;
	uint8_t *req = NULL;
	uint8_t *out = NULL;
	struct rheap_diag diag = { 0 };
	uint64_t tag = 0;
	uint32_t n = 0;
	size_t len = 0;
	int rc = 0;

	if (drv->state != GUEST_DRV_LIVE) {
		return -ENOENT;
	}
	if (!guest_drv_has(drv, VIRTIO_RHEAP_F_TEE)) {
		return -EOPNOTSUPP;
	}
	if (payload_len > VIRTIO_RHEAP_TEE_PAYLOAD_MAX ||
	    resp_cap > VIRTIO_RHEAP_TEE_PAYLOAD_MAX) {
		return -EINVAL;
	}
	out = malloc(area);
	if (!out) {
		return -ENOMEM;
	}
	tag = drv->next_tag++;
	req = drv->env->ram + drv->tee_gpa;
	memset(req, 0, sizeof(struct virtio_rheap_tee_req));
	req_hdr(req, VIRTIO_RHEAP_REQ_TEE);
	le_put(req + 8, 8, tag);
	le_put(req + 16, 4, op);
	le_put(req + 20, 4, payload_len);
	le_put(req + 24, 8, buffer_id);
	if (payload_len) {
		memcpy(req + sizeof(struct virtio_rheap_tee_req), payload,
		       payload_len);
	}
	rc = drv_xfer(drv, tag, drv->tee_gpa,
		      sizeof(struct virtio_rheap_tee_req) + payload_len,
		      drv->tee_gpa + area, out,
		      sizeof(struct virtio_rheap_tee_resp),
		      sizeof(struct virtio_rheap_tee_resp) + resp_cap, &len);
	if (rc == 0) {
		rc = guest_drv_tee_decode(out, len, &n, &diag);
		if (rc) {
			rc = drv_malformed(drv, "TEE response", &diag);
		} else {
			memcpy(resp, out + sizeof(struct virtio_rheap_tee_resp),
			       n);
			*resp_len = n;
		}
	}
	free(out);
	return rc;
}

int guest_drv_device_decode(const uint8_t *resp, size_t len, uint32_t status,
			    uint64_t res[VIRTIO_RHEAP_DEVJOB_ARGS],
			    struct rheap_diag *diag)
{
	const size_t whole = sizeof(struct virtio_rheap_device_resp);

	memset(res, 0, VIRTIO_RHEAP_DEVJOB_ARGS * sizeof(res[0]));
	if (len < whole) {
		if (status == VIRTIO_RHEAP_S_OK) {
			return wire_reject_lim(diag, "used.len", len,
					       "is shorter than a DEVICE "
					       "response",
					       whole);
		}
		return 0; /* refused by the hypervisor: the header only */
	}
	for (uint32_t i = 0; i < VIRTIO_RHEAP_DEVJOB_ARGS; i++) {
		res[i] = wire_get64(resp + 16u + 8u * i);
	}
	return 0;
}

int guest_drv_device(struct guest_drv *drv, const char *device, uint32_t cmd,
		     const uint64_t args[VIRTIO_RHEAP_DEVJOB_ARGS],
		     uint64_t buffer_id, const void *config,
		     size_t config_len, uint64_t res[VIRTIO_RHEAP_DEVJOB_ARGS])
{
	const size_t area = (size_t)GUEST_DRV_TEE_PAGES * GUEST_PAGE_SIZE;
	const size_t head = sizeof(struct virtio_rheap_device_req);
	uint8_t small[sizeof(struct virtio_rheap_device_req)] = { 0 };
	uint8_t out[sizeof(struct virtio_rheap_device_resp)] = { 0 };
	struct rheap_diag diag = { 0 };
	size_t nlen = strnlen(device, VIRTIO_RHEAP_DEVICE_NAME_MAX);
	uint8_t *req = small;
	uint32_t status = VIRTIO_RHEAP_S_OK;
	uint64_t tag = 0;
	size_t len = 0;
	int rc = 0;
	int dec = 0;

	memset(res, 0, VIRTIO_RHEAP_DEVJOB_ARGS * sizeof(res[0]));
	if (drv->state != GUEST_DRV_LIVE) {
		return -ENOENT;
	}
	if (!guest_drv_has(drv, VIRTIO_RHEAP_F_DEVJOB)) {
		return -EOPNOTSUPP;
	}
	if (nlen == 0 || nlen >= VIRTIO_RHEAP_DEVICE_NAME_MAX ||
	    config_len > VIRTIO_RHEAP_DEVJOB_CONFIG_MAX ||
	    (config_len != 0 && config == NULL)) {
		return -EINVAL;
	}
	if (config_len != 0) {
		req = drv->env->ram + drv->tee_gpa; /* F_DEVJOB: area taken */
		memset(req, 0, head);
	}
	req_hdr(req, VIRTIO_RHEAP_REQ_DEVICE);
	memcpy(req + 16, device, nlen);
	le_put(req + 48, 4, cmd);
	le_put(req + 52, 4, config_len);
	for (uint32_t i = 0; i < VIRTIO_RHEAP_DEVJOB_ARGS; i++) {
		le_put(req + 56 + 8u * i, 8, args[i]);
	}
	le_put(req + 120, 8, buffer_id);
	if (config_len == 0) {
		rc = guest_drv_call(drv, req, head, out,
				    sizeof(struct virtio_rheap_resp_hdr),
				    sizeof(out), &len);
	} else {
		memcpy(req + head, config, config_len);
		tag = drv->next_tag++;
		le_put(req + 8, 8, tag);
		rc = drv_xfer(drv, tag, drv->tee_gpa, head + config_len,
			      drv->tee_gpa + area, out,
			      sizeof(struct virtio_rheap_resp_hdr), sizeof(out),
			      &len);
	}
	/* No response, or a malformed header: the driver is not LIVE.
	 * Otherwise the header was checked: @rc is the device's status. */
	if (drv->state != GUEST_DRV_LIVE) {
		return rc;
	}
	status = wire_get32(out);
	dec = guest_drv_device_decode(out, len, status, res, &diag);
	if (dec) {
		return drv_malformed(drv, "DEVICE response", &diag);
	}
	return rc;
}
