// SPDX-License-Identifier: BSD-2-Clause
/*
 * The Linux backend: /dev/dma_heap/<name> and DMA_HEAP_IOCTL_ALLOC, the
 * same calls a program makes on a Linux 6.18 system with TEE heaps. The
 * directory is $RHEAP_DMA_HEAP_DIR when set (tests point it at fakes).
 *
 * What Linux does not tell: a heap's capacity and usage (reported as 0),
 * and whether it is restricted (by name: Linux's TEE heaps are
 * "protected,<use case>"). A handle is identified with fstat() and
 * /proc/self/fdinfo's "exp_name:" and "size:" lines (dma_buf_show_fdinfo).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rheap/err.h>

#include "lib/lib_internal.h"

/* uapi/linux/dma-heap.h: _IOWR('H', 0, struct dma_heap_allocation_data);
 * the size bits carry the caller's struct size (the compat cases). */
#define DMA_HEAP_IOC_MAGIC 'H'
#define LINUX_ALLOC_CMD(size) \
	_IOC(_IOC_READ | _IOC_WRITE, DMA_HEAP_IOC_MAGIC, 0x0, (size))

#define FDINFO_MAX 4096

static const char *heap_dir(void)
{
	const char *dir = getenv("RHEAP_DMA_HEAP_DIR");

	return (dir != NULL && dir[0] != '\0') ? dir : "/dev/dma_heap";
}

int linux_errno(int err)
{
	switch (err) {
	case ENOMEM:
	case EMFILE:
	case ENFILE:
		return -ENOMEM;
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return -ENOENT;
	case EACCES:
	case EPERM:
		return -EPERM;
	case ENOTTY:
	case EOPNOTSUPP:
		return -EOPNOTSUPP;
	case EBUSY:
		return -EBUSY;
	default:
		return -EINVAL;
	}
}

bool linux_heap_restricted(const char *name)
{
	return strncmp(name, "protected,", strlen("protected,")) == 0;
}

static void desc_fill(struct rheap_heap_desc *desc, const char *name)
{
	size_t n = strnlen(name, sizeof(desc->name) - 1);

	memset(desc, 0, sizeof(*desc));
	memcpy(desc->name, name, n); /* callers checked lib_name_valid() */
	desc->restricted = linux_heap_restricted(name);
}

int linux_backend_list(struct rheap_heap_desc *descs, size_t cap,
		       size_t *count)
{
	DIR *dir = opendir(heap_dir());
	struct dirent *de = NULL;
	size_t n = 0;

	if (dir == NULL) {
		return linux_errno(errno);
	}
	while ((de = readdir(dir)) != NULL) {
		if (!lib_name_valid(de->d_name) || de->d_type == DT_DIR) {
			continue;
		}
		if (n < cap) {
			desc_fill(&descs[n], de->d_name);
		}
		n++;
	}
	closedir(dir);
	*count = n;
	return 0;
}

int linux_backend_open(struct rheap_heap *heap, const char *name)
{
	char path[512] = { 0 };
	int n = snprintf(path, sizeof(path), "%s/%s", heap_dir(), name);
	int fd = -1;

	if (n < 0 || (size_t)n >= sizeof(path)) {
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return linux_errno(errno);
	}
	heap->dev_fd = fd;
	desc_fill(&heap->desc, name);
	return 0;
}

int linux_backend_alloc(struct rheap_heap *heap, void *data,
			size_t data_size, struct rheap_buf_info *info)
{
	uint8_t buf[RHEAPD_ALLOC_DATA_MAX] = { 0 };
	struct stat st = { 0 };
	uint64_t len = 0;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint32_t fd = 0;

	/* The kernel returns the fd only inside the struct: a struct that
	 * cannot hold it would leak the buffer. */
	if (data_size < 12) {
		return -EINVAL;
	}
	memcpy(buf, data, data_size);
	if (ioctl(heap->dev_fd, LINUX_ALLOC_CMD(data_size), buf) != 0) {
		return linux_errno(errno);
	}
	memcpy(&fd, buf + 8, sizeof(fd));
	if (fd > INT32_MAX || fstat((int)fd, &st) != 0) {
		return -EINVAL; /* the kernel's answer makes no sense */
	}
	memcpy(data, buf, data_size);
	if (info != NULL) {
		memcpy(&len, buf, data_size >= 8 ? 8 : data_size);
		memset(info, 0, sizeof(*info));
		info->buf_id = (uint64_t)st.st_ino;
		info->size = (len + page - 1) / page * page;
		info->restricted = heap->desc.restricted;
		memcpy(info->heap, heap->desc.name, sizeof(info->heap));
	}
	return (int)fd;
}

/* The value of "key:\t<value>\n" in @text, or NULL. */
static const char *fdinfo_find(const char *text, size_t len, const char *key,
			       size_t *value_len)
{
	size_t key_len = strlen(key);
	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl != NULL ? (size_t)(nl - line) : len - pos;

		if (line_len > key_len && memcmp(line, key, key_len) == 0 &&
		    line[key_len] == ':') {
			size_t v = key_len + 1;

			while (v < line_len &&
			       (line[v] == '\t' || line[v] == ' ')) {
				v++;
			}
			*value_len = line_len - v;
			return line + v;
		}
		pos += line_len + 1;
	}
	return NULL;
}

int linux_fdinfo_decode(const char *text, size_t len,
			struct rheap_buf_info *info)
{
	const char *name = NULL;
	const char *size = NULL;
	size_t name_len = 0;
	size_t size_len = 0;
	uint64_t v = 0;

	name = fdinfo_find(text, len, "exp_name", &name_len);
	size = fdinfo_find(text, len, "size", &size_len);
	if (name == NULL || size == NULL || name_len == 0 ||
	    name_len >= RHEAP_HEAP_NAME_MAX || size_len == 0 ||
	    memchr(name, '\0', name_len) != NULL) {
		return -EINVAL;
	}
	for (size_t i = 0; i < size_len; i++) {
		if (size[i] < '0' || size[i] > '9') {
			return -EINVAL;
		}
		if (v > (UINT64_MAX - (uint64_t)(size[i] - '0')) / 10) {
			return -EINVAL;
		}
		v = v * 10 + (uint64_t)(size[i] - '0');
	}
	if (v == 0) {
		return -EINVAL;
	}
	memset(info, 0, sizeof(*info));
	memcpy(info->heap, name, name_len);
	info->size = v;
	info->restricted = linux_heap_restricted(info->heap);
	return 0;
}

int linux_backend_import(int fd, struct rheap_buf_info *info)
{
	char path[64] = { 0 };
	char *text = NULL;
	struct stat st = { 0 };
	ssize_t n = 0;
	int rc = 0;
	int info_fd = -1;

	if (fstat(fd, &st) != 0) {
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	info_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (info_fd < 0) {
		return linux_errno(errno);
	}
	text = malloc(FDINFO_MAX);
	if (text == NULL) {
		rc = -ENOMEM;
		goto out_close;
	}
	do {
		n = read(info_fd, text, FDINFO_MAX);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		rc = -EINVAL;
		goto out_free;
	}
	rc = linux_fdinfo_decode(text, (size_t)n, info);
	if (rc == 0) {
		info->buf_id = (uint64_t)st.st_ino;
	}

out_free:
	free(text);
out_close:
	close(info_fd);
	return rc;
}
