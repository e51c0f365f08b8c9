// SPDX-License-Identifier: BSD-2-Clause
/*
 * The rheapd backend: each public call becomes one request on the heap's
 * connection (include/rheap/rheapd_uapi.h). rheapd does every check that
 * Linux's dma_heap_ioctl() would do, so the alloc data travels as the
 * caller wrote it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>

#include "lib/lib_internal.h"

/* The largest HEAP_LIST payload rheapd can send. */
#define LIST_CAP (RHEAPD_MSG_MAX - sizeof(struct rheapd_hdr))

/* Fetch and decode the heap list over @conn into a malloc()ed array. */
static int list_fetch(struct lib_conn *conn, struct lib_heap_entry **out,
		      size_t *count)
{
	struct lib_call call = { .op = RHEAPD_OP_HEAP_LIST, .send_fd = -1 };
	struct lib_heap_entry *entries = NULL;
	size_t n = 0;
	int rc = 0;

	call.resp = malloc(LIST_CAP);
	if (call.resp == NULL) {
		return -ENOMEM;
	}
	call.resp_cap = LIST_CAP;
	rc = lib_conn_call(conn, &call);
	if (rc != 0) {
		goto out_free;
	}
	rc = lib_heap_list_decode(call.resp, call.resp_len, NULL, 0, &n);
	if (rc != 0) {
		goto out_free;
	}
	entries = calloc(n != 0 ? n : 1, sizeof(*entries));
	if (entries == NULL) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = lib_heap_list_decode(call.resp, call.resp_len, entries, n, &n);
	if (rc != 0) {
		free(entries);
		goto out_free;
	}
	*out = entries;
	*count = n;

out_free:
	free(call.resp);
	return rc;
}

static int conn_init_open(struct lib_conn *conn, int backend)
{
	int rc = 0;

	conn->sock = -1;
	if (pthread_mutex_init(&conn->lock, NULL) != 0) {
		return -ENOMEM;
	}
	rc = lib_conn_open_backend(conn, backend);
	if (rc != 0) {
		pthread_mutex_destroy(&conn->lock);
	}
	return rc;
}

static void conn_fini(struct lib_conn *conn)
{
	lib_conn_close(conn);
	pthread_mutex_destroy(&conn->lock);
}

int rheapd_backend_list(int backend, struct rheap_heap_desc *descs,
			size_t cap, size_t *count)
{
	struct lib_conn conn = { .sock = -1 };
	struct lib_heap_entry *entries = NULL;
	size_t n = 0;
	int rc = 0;

	rc = conn_init_open(&conn, backend);
	if (rc != 0) {
		return rc;
	}
	rc = list_fetch(&conn, &entries, &n);
	if (rc == 0) {
		for (size_t i = 0; i < n && i < cap; i++) {
			descs[i] = entries[i].desc;
		}
		*count = n;
		free(entries);
	}
	conn_fini(&conn);
	return rc;
}

/* Find @name (or, with @name NULL, @heap_id) in the list. */
static const struct lib_heap_entry *
list_find(const struct lib_heap_entry *entries, size_t n, const char *name,
	  uint32_t heap_id)
{
	for (size_t i = 0; i < n; i++) {
		if (name != NULL && strcmp(entries[i].desc.name, name) == 0) {
			return &entries[i];
		}
		if (name == NULL && entries[i].heap_id == heap_id) {
			return &entries[i];
		}
	}
	return NULL;
}

int rheapd_backend_open(struct rheap_heap *heap, const char *name)
{
	struct lib_heap_entry *entries = NULL;
	const struct lib_heap_entry *e = NULL;
	size_t n = 0;
	int rc = 0;

	rc = lib_conn_open_backend(&heap->conn, heap->backend);
	if (rc != 0) {
		return rc;
	}
	rc = list_fetch(&heap->conn, &entries, &n);
	if (rc != 0) {
		goto err_close;
	}
	e = list_find(entries, n, name, 0);
	if (e == NULL) {
		rc = -ENOENT;
		goto err_free;
	}
	heap->heap_id = e->heap_id;
	heap->desc = e->desc;
	free(entries);
	return 0;

err_free:
	free(entries);
err_close:
	lib_conn_close(&heap->conn);
	return rc;
}

int rheapd_backend_query(struct rheap_heap *heap, struct rheap_heap_desc *desc)
{
	struct lib_heap_entry *entries = NULL;
	const struct lib_heap_entry *e = NULL;
	size_t n = 0;
	int rc = 0;

	rc = list_fetch(&heap->conn, &entries, &n);
	if (rc != 0) {
		return rc;
	}
	e = list_find(entries, n, NULL, heap->heap_id);
	if (e == NULL || strcmp(e->desc.name, heap->desc.name) != 0) {
		rc = -ENOENT;
	} else {
		*desc = e->desc;
	}
	free(entries);
	return rc;
}

/* fd_flags as the kernel would see them after zero-extension. */
static uint32_t data_fd_flags(const uint8_t *data, size_t data_size)
{
	uint32_t v = 0;

	for (size_t i = 0; i < 4; i++) {
		if (12 + i < data_size) {
			v |= (uint32_t)data[12 + i] << (8 * i);
		}
	}
	return v;
}

int rheapd_backend_alloc(struct rheap_heap *heap, void *data,
			 size_t data_size, struct rheap_buf_info *info)
{
	uint8_t req[sizeof(struct rheapd_alloc_req) + RHEAPD_ALLOC_DATA_MAX];
	uint8_t resp[sizeof(struct rheapd_alloc_resp) + RHEAPD_ALLOC_DATA_MAX];
	uint8_t back[RHEAPD_ALLOC_DATA_MAX];
	struct rheapd_alloc_req ar = {
		.heap_id = heap->heap_id,
		.data_size = (uint32_t)data_size,
	};
	struct rheapd_alloc_resp r = { 0 };
	struct lib_call call = {
		.op = RHEAPD_OP_ALLOC,
		.req = req,
		.req_len = sizeof(ar) + data_size,
		.send_fd = -1,
		.resp = resp,
		.resp_cap = sizeof(resp),
		.want_fd = true,
	};
	uint32_t fd = 0;
	int rc = 0;

	call.cloexec = (data_fd_flags(data, data_size) & RHEAPD_O_CLOEXEC) != 0;
	memcpy(req, &ar, sizeof(ar));
	if (data_size != 0) {
		memcpy(req + sizeof(ar), data, data_size);
	}
	rc = lib_conn_call(&heap->conn, &call);
	if (rc != 0) {
		return rc;
	}
	rc = lib_alloc_resp_decode(resp, call.resp_len, (uint32_t)data_size,
				   &r, back);
	if (rc == 0 && call.recv_fd < 0) {
		rc = -EINVAL; /* a successful ALLOC carries the handle */
	}
	if (rc != 0) {
		goto err_close;
	}
	/* The ioctl copies the struct back with the new fd in it; the bytes of
	 * the fd field that fit in the caller's struct are written. */
	fd = (uint32_t)call.recv_fd;
	for (size_t i = 0; i < 4; i++) {
		if (8 + i < data_size) {
			back[8 + i] = (uint8_t)(fd >> (8 * i));
		}
	}
	if (data_size != 0) {
		memcpy(data, back, data_size);
	}
	if (info != NULL) {
		memset(info, 0, sizeof(*info));
		info->buf_id = r.buf_id;
		info->size = r.size;
		info->restricted = heap->desc.restricted;
		memcpy(info->heap, heap->desc.name, sizeof(info->heap));
	}
	return call.recv_fd;

err_close:
	if (call.recv_fd >= 0) {
		close(call.recv_fd);
	}
	return rc;
}

int rheapd_backend_import(struct lib_conn *conn, int fd,
			  struct rheap_buf_info *info)
{
	struct rheapd_buf_info w = { 0 };
	struct lib_call call = {
		.op = RHEAPD_OP_IMPORT,
		.send_fd = fd,
		.resp = &w,
		.resp_cap = sizeof(w),
	};
	int rc = lib_conn_call(conn, &call);

	if (rc != 0) {
		return rc;
	}
	return lib_buf_info_decode(&w, call.resp_len, info);
}

int rheapd_backend_status(int backend, char *buf, size_t cap, size_t *len)
{
	struct lib_conn conn = { .sock = -1 };
	struct lib_call call = { .op = RHEAPD_OP_STATUS, .send_fd = -1 };
	int rc = 0;

	rc = conn_init_open(&conn, backend);
	if (rc != 0) {
		return rc;
	}
	call.resp = malloc(LIST_CAP);
	if (call.resp == NULL) {
		rc = -ENOMEM;
		goto out_conn;
	}
	call.resp_cap = LIST_CAP;
	rc = lib_conn_call(&conn, &call);
	if (rc != 0) {
		goto out_free;
	}
	if (call.resp_len + 1 > cap) {
		rc = -ENOSPC;
		goto out_free;
	}
	if (memchr(call.resp, '\0', call.resp_len) != NULL) {
		rc = -EINVAL;
		goto out_free;
	}
	memcpy(buf, call.resp, call.resp_len);
	buf[call.resp_len] = '\0';
	if (len != NULL) {
		*len = call.resp_len;
	}

out_free:
	free(call.resp);
out_conn:
	conn_fini(&conn);
	return rc;
}
