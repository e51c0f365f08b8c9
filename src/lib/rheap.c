// SPDX-License-Identifier: BSD-2-Clause
/*
 * librheap's public entry points: argument checks, backend choice, and the
 * dispatch to backend_rheapd.c or backend_linux.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheap.h>

#include "lib/lib_internal.h"

int lib_backend_choose(unsigned int flags, const char *env, bool sock_exists)
{
	/* At most one backend flag. */
	if ((flags & ~RHEAP_OPEN_VALID_FLAGS) != 0 ||
	    (flags & (flags - 1u)) != 0) {
		return -EINVAL;
	}
	if (flags == RHEAP_OPEN_RHEAPD) {
		return LIB_BACKEND_RHEAPD;
	}
	if (flags == RHEAP_OPEN_LINUX) {
		return LIB_BACKEND_LINUX;
	}
	if (flags == RHEAP_OPEN_VIRTIO) {
		return LIB_BACKEND_VIRTIO;
	}
	if (env != NULL && env[0] != '\0') {
		if (strcmp(env, "rheapd") == 0) {
			return LIB_BACKEND_RHEAPD;
		}
		if (strcmp(env, "linux") == 0) {
			return LIB_BACKEND_LINUX;
		}
		if (strcmp(env, "virtio") == 0) {
			return LIB_BACKEND_VIRTIO;
		}
		return -EINVAL;
	}
	return sock_exists ? LIB_BACKEND_RHEAPD : LIB_BACKEND_LINUX;
}

int lib_backend_pick(unsigned int flags)
{
	char path[256] = { 0 };
	struct stat st = { 0 };
	bool exists = false;

	if (lib_socket_path(path, sizeof(path)) == 0 && stat(path, &st) == 0 &&
	    S_ISSOCK(st.st_mode)) {
		exists = true;
	}
	return lib_backend_choose(flags, getenv("RHEAP_BACKEND"), exists);
}

bool lib_name_valid(const char *name)
{
	size_t len = 0;

	if (name == NULL) {
		return false;
	}
	len = strnlen(name, RHEAP_HEAP_NAME_MAX);
	if (len == 0 || len >= RHEAP_HEAP_NAME_MAX) {
		return false;
	}
	/* A name becomes a path under /dev/dma_heap: no separators, no dots
	 * that climb out of it. */
	if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		return false;
	}
	return true;
}

static int heap_list(unsigned int flags, struct rheap_heap_desc *descs,
		     size_t cap, size_t *count)
{
	int backend = lib_backend_pick(flags);

	if (backend < 0) {
		return backend;
	}
	if (backend != LIB_BACKEND_LINUX) {
		return rheapd_backend_list(backend, descs, cap, count);
	}
	return linux_backend_list(descs, cap, count);
}

int rheap_heap_list(unsigned int flags, struct rheap_heap_desc *descs,
		    size_t cap, size_t *count)
{
	if (count == NULL || (descs == NULL && cap != 0)) {
		return -EINVAL;
	}
	return heap_list(flags, descs, cap, count);
}

int rheap_heap_open(const char *name, unsigned int flags,
		    struct rheap_heap **out)
{
	struct rheap_heap *heap = NULL;
	int backend = 0;
	int rc = 0;

	if (out == NULL || !lib_name_valid(name)) {
		return -EINVAL;
	}
	backend = lib_backend_pick(flags);
	if (backend < 0) {
		return backend;
	}
	heap = calloc(1, sizeof(*heap));
	if (heap == NULL) {
		return -ENOMEM;
	}
	heap->backend = backend;
	heap->conn.sock = -1;
	heap->dev_fd = -1;
	if (pthread_mutex_init(&heap->conn.lock, NULL) != 0) {
		rc = -ENOMEM;
		goto err_free;
	}
	if (backend != LIB_BACKEND_LINUX) {
		rc = rheapd_backend_open(heap, name);
	} else {
		rc = linux_backend_open(heap, name);
	}
	if (rc != 0) {
		goto err_mutex;
	}
	*out = heap;
	return 0;

err_mutex:
	pthread_mutex_destroy(&heap->conn.lock);
err_free:
	free(heap);
	return rc;
}

void rheap_heap_close(struct rheap_heap *heap)
{
	if (heap == NULL) {
		return;
	}
	lib_conn_close(&heap->conn);
	if (heap->dev_fd >= 0) {
		close(heap->dev_fd);
	}
	pthread_mutex_destroy(&heap->conn.lock);
	free(heap);
}

int rheap_heap_query(struct rheap_heap *heap, struct rheap_heap_desc *desc)
{
	if (heap == NULL || desc == NULL) {
		return -EINVAL;
	}
	if (heap->backend != LIB_BACKEND_LINUX) {
		return rheapd_backend_query(heap, desc);
	}
	*desc = heap->desc;
	return 0;
}

int rheap_heap_alloc_raw(struct rheap_heap *heap, void *data, size_t data_size,
			 struct rheap_buf_info *info)
{
	if (heap == NULL || (data == NULL && data_size != 0) ||
	    data_size > RHEAPD_ALLOC_DATA_MAX) {
		return -EINVAL;
	}
	if (heap->backend != LIB_BACKEND_LINUX) {
		return rheapd_backend_alloc(heap, data, data_size, info);
	}
	return linux_backend_alloc(heap, data, data_size, info);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

int rheap_heap_alloc(struct rheap_heap *heap, uint64_t len, uint32_t fd_flags,
		     uint64_t heap_flags, struct rheap_buf_info *info)
{
	uint8_t data[LIB_ALLOC_DATA_SIZE] = { 0 };

	put_le64(data, len);
	put_le32(data + 12, fd_flags);
	put_le64(data + 16, heap_flags);
	return rheap_heap_alloc_raw(heap, data, sizeof(data), info);
}

int rheap_heap_import(struct rheap_heap *heap, int fd,
		      struct rheap_buf_info *info)
{
	if (heap == NULL || info == NULL || fd < 0) {
		return -EINVAL;
	}
	if (heap->backend != LIB_BACKEND_LINUX) {
		return rheapd_backend_import(&heap->conn, fd, info);
	}
	return linux_backend_import(fd, info);
}

int rheap_buf_import(unsigned int flags, int fd, struct rheap_buf_info *info)
{
	struct lib_conn conn = { .sock = -1 };
	int backend = 0;
	int rc = 0;

	if (info == NULL || fd < 0) {
		return -EINVAL;
	}
	backend = lib_backend_pick(flags);
	if (backend < 0) {
		return backend;
	}
	if (backend == LIB_BACKEND_LINUX) {
		return linux_backend_import(fd, info);
	}
	if (pthread_mutex_init(&conn.lock, NULL) != 0) {
		return -ENOMEM;
	}
	rc = lib_conn_open_backend(&conn, backend);
	if (rc == 0) {
		rc = rheapd_backend_import(&conn, fd, info);
		lib_conn_close(&conn);
	}
	pthread_mutex_destroy(&conn.lock);
	return rc;
}

int rheap_status(unsigned int flags, char *buf, size_t cap, size_t *len)
{
	int backend = 0;

	if (buf == NULL || cap == 0) {
		return -EINVAL;
	}
	backend = lib_backend_pick(flags);
	if (backend < 0) {
		return backend;
	}
	if (backend == LIB_BACKEND_LINUX) {
		return -EOPNOTSUPP;
	}
	return rheapd_backend_status(backend, buf, cap, len);
}
