// SPDX-License-Identifier: BSD-2-Clause
/*
 * librheap unit tests: the pure decoders of rheapd's responses (hostile
 * cases), backend choice, the rheapd backend and the TEE Client API
 * against a scripted fake rheapd (fake_rheapd.c), and the Linux backend
 * against a fake /dev/dma_heap (a temp dir and an ioctl() this binary
 * defines, which the static librheap calls instead of libc's).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/rheapd_uapi.h>
#include <rheap/tee_client_api.h>

#include "fake_rheapd.h"
#include "lib/lib_internal.h"

static struct fake_rheapd *fake;

/* ---- fd accounting ---------------------------------------------------- */

static int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de = NULL;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.') {
			n++;
		}
	}
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

/* ---- pure: backend choice, names -------------------------------------- */

static void test_backend_choose(void **state)
{
	static const struct {
		unsigned int flags;
		const char *env;
		bool sock;
		int want;
	} cases[] = {
		{ 0, NULL, true, LIB_BACKEND_RHEAPD },
		{ 0, NULL, false, LIB_BACKEND_LINUX },
		{ 0, "", false, LIB_BACKEND_LINUX },
		{ 0, "linux", true, LIB_BACKEND_LINUX },
		{ 0, "rheapd", false, LIB_BACKEND_RHEAPD },
		{ 0, "virtio", false, LIB_BACKEND_VIRTIO },
		{ 0, "vio", true, -EINVAL },
		{ RHEAP_OPEN_VIRTIO, "linux", true, LIB_BACKEND_VIRTIO },
		{ RHEAP_OPEN_VIRTIO | RHEAP_OPEN_RHEAPD, NULL, true, -EINVAL },
		{ RHEAP_OPEN_VIRTIO | RHEAP_OPEN_LINUX, NULL, true, -EINVAL },
		{ RHEAP_OPEN_LINUX, "rheapd", true, LIB_BACKEND_LINUX },
		{ RHEAP_OPEN_RHEAPD, "linux", false, LIB_BACKEND_RHEAPD },
		{ RHEAP_OPEN_RHEAPD | RHEAP_OPEN_LINUX, NULL, true, -EINVAL },
		{ 0x8, NULL, true, -EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(lib_backend_choose(cases[i].flags,
						    cases[i].env,
						    cases[i].sock),
				 cases[i].want);
	}
}

static void test_name_valid(void **state)
{
	char longest[RHEAP_HEAP_NAME_MAX] = { 0 };
	char too_long[RHEAP_HEAP_NAME_MAX + 1] = { 0 };

	(void)state;
	memset(longest, 'a', sizeof(longest) - 1);
	memset(too_long, 'a', sizeof(too_long) - 1);
	assert_true(lib_name_valid("system"));
	assert_true(lib_name_valid("protected,secure-video"));
	assert_true(lib_name_valid(longest));
	assert_false(lib_name_valid(too_long));
	assert_false(lib_name_valid(""));
	assert_false(lib_name_valid(NULL));
	assert_false(lib_name_valid("../system"));
	assert_false(lib_name_valid("a/b"));
	assert_false(lib_name_valid(".."));
	assert_false(lib_name_valid("."));
}

/* ---- pure: response decoders ------------------------------------------ */

static void hdr_put(uint8_t *buf, uint32_t magic, uint16_t version,
		    uint16_t op, uint32_t seq, int32_t status)
{
	struct rheapd_hdr h = { magic, version, op, seq, status };

	memcpy(buf, &h, sizeof(h));
}

static void test_resp_check(void **state)
{
	uint8_t m[32] = { 0 };
	int status = 1;

	(void)state;
	hdr_put(m, RHEAPD_UAPI_MAGIC, RHEAPD_UAPI_VERSION, 2, 7, 0);
	assert_int_equal(lib_resp_check(m, 16, 2, 7, &status), 0);
	assert_int_equal(status, 0);
	assert_int_equal(lib_resp_check(m, 15, 2, 7, &status), -EINVAL);
	assert_int_equal(lib_resp_check(m, 16, 3, 7, &status), -EINVAL);
	assert_int_equal(lib_resp_check(m, 16, 2, 8, &status), -EINVAL);
	hdr_put(m, RHEAPD_UAPI_MAGIC + 1, RHEAPD_UAPI_VERSION, 2, 7, 0);
	assert_int_equal(lib_resp_check(m, 16, 2, 7, &status), -EINVAL);
	hdr_put(m, RHEAPD_UAPI_MAGIC, 2, 2, 7, 0);
	assert_int_equal(lib_resp_check(m, 16, 2, 7, &status), -EINVAL);
	hdr_put(m, RHEAPD_UAPI_MAGIC, 1, 2, 7, -ENOMEM);
	assert_int_equal(lib_resp_check(m, 16, 2, 7, &status), 0);
	assert_int_equal(status, -ENOMEM);
	hdr_put(m, RHEAPD_UAPI_MAGIC, 1, 2, 7, -5); /* EIO: not ours */
	assert_int_equal(lib_resp_check(m, 16, 2, 7, &status), -EINVAL);
	hdr_put(m, RHEAPD_UAPI_MAGIC, 1, 2, 7, 3); /* positive */
	assert_int_equal(lib_resp_check(m, 16, 2, 7, &status), -EINVAL);
}

static size_t list_put(uint8_t *buf, uint32_t count, uint32_t reserved)
{
	struct rheapd_heap_list head = { count, reserved };
	struct rheapd_heap_info h = { .heap_id = 3,
				      .flags = RHEAPD_HEAP_RESTRICTED,
				      .capacity = 1 << 20,
				      .used = 8192 };

	snprintf(h.name, sizeof(h.name), "protected,trusted-ui");
	memcpy(buf, &head, sizeof(head));
	for (uint32_t i = 0; i < count; i++) {
		memcpy(buf + sizeof(head) + i * sizeof(h), &h, sizeof(h));
	}
	return sizeof(head) + count * sizeof(h);
}

static void test_heap_list_decode(void **state)
{
	static uint8_t buf[8 + 4 * sizeof(struct rheapd_heap_info)];
	struct lib_heap_entry e[2];
	struct rheapd_heap_info *h0 =
		(struct rheapd_heap_info *)(buf + sizeof(struct rheapd_heap_list));
	size_t count = 0;
	size_t len = 0;

	(void)state;
	len = list_put(buf, 3, 0);
	assert_int_equal(lib_heap_list_decode(buf, len, e, 2, &count), 0);
	assert_int_equal(count, 3); /* more than fit */
	assert_string_equal(e[1].desc.name, "protected,trusted-ui");
	assert_true(e[1].desc.restricted);
	assert_int_equal(e[1].heap_id, 3);
	assert_int_equal(e[1].desc.capacity, 1 << 20);
	assert_int_equal(e[1].desc.used, 8192);
	assert_int_equal(lib_heap_list_decode(buf, 8, NULL, 0, &count),
			 -EINVAL); /* count 3, no entries */
	len = list_put(buf, 0, 0);
	assert_int_equal(lib_heap_list_decode(buf, len, NULL, 0, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(lib_heap_list_decode(buf, 7, NULL, 0, &count),
			 -EINVAL);
	len = list_put(buf, 1, 1);
	assert_int_equal(lib_heap_list_decode(buf, len, e, 2, &count),
			 -EINVAL); /* reserved */
	len = list_put(buf, 1, 0);
	assert_int_equal(lib_heap_list_decode(buf, len + 1, e, 2, &count),
			 -EINVAL); /* a trailing byte */
	assert_int_equal(lib_heap_list_decode(buf, len - 1, e, 2, &count),
			 -EINVAL); /* one byte short */
	memset(h0->name, 'x', sizeof(h0->name));
	assert_int_equal(lib_heap_list_decode(buf, len, e, 2, &count),
			 -EINVAL); /* name without NUL */
	memset(h0->name, 0, sizeof(h0->name));
	assert_int_equal(lib_heap_list_decode(buf, len, e, 2, &count),
			 -EINVAL); /* empty name */
	len = list_put(buf, 1, 0);
	h0->flags = 0x2;
	assert_int_equal(lib_heap_list_decode(buf, len, e, 2, &count),
			 -EINVAL); /* unknown flag */
	/* A count whose byte size would wrap on 32-bit arithmetic. */
	list_put(buf, 0, 0);
	((struct rheapd_heap_list *)buf)->count = UINT32_MAX;
	assert_int_equal(lib_heap_list_decode(buf, 8 + 88, NULL, 0, &count),
			 -EINVAL);
}

static void test_buf_info_decode(void **state)
{
	struct rheapd_buf_info w = { .buf_id = 11, .size = 8192, .heap_id = 1,
				     .flags = RHEAPD_HEAP_RESTRICTED };
	struct rheap_buf_info info = { 0 };

	(void)state;
	snprintf(w.heap, sizeof(w.heap), "protected,secure-video");
	assert_int_equal(lib_buf_info_decode(&w, sizeof(w), &info), 0);
	assert_int_equal(info.buf_id, 11);
	assert_int_equal(info.size, 8192);
	assert_true(info.restricted);
	assert_string_equal(info.heap, "protected,secure-video");
	assert_int_equal(lib_buf_info_decode(&w, sizeof(w) - 1, &info),
			 -EINVAL);
	w.flags = 4;
	assert_int_equal(lib_buf_info_decode(&w, sizeof(w), &info), -EINVAL);
	w.flags = 0;
	w.size = 0;
	assert_int_equal(lib_buf_info_decode(&w, sizeof(w), &info), -EINVAL);
	w.size = 4096;
	memset(w.heap, 'h', sizeof(w.heap));
	assert_int_equal(lib_buf_info_decode(&w, sizeof(w), &info), -EINVAL);
}

static void test_alloc_resp_decode(void **state)
{
	uint8_t buf[sizeof(struct rheapd_alloc_resp) + 24] = { 0 };
	struct rheapd_alloc_resp r = { .buf_id = 3, .size = 4096,
				       .data_size = 24 };
	struct rheapd_alloc_resp out = { 0 };
	uint8_t data[24] = { 0 };

	(void)state;
	memcpy(buf, &r, sizeof(r));
	buf[sizeof(r)] = 0x77;
	assert_int_equal(lib_alloc_resp_decode(buf, sizeof(buf), 24, &out,
					       data), 0);
	assert_int_equal(out.size, 4096);
	assert_int_equal(data[0], 0x77);
	assert_int_equal(lib_alloc_resp_decode(buf, sizeof(buf) - 1, 24, &out,
					       data), -EINVAL);
	assert_int_equal(lib_alloc_resp_decode(buf, sizeof(buf), 16, &out,
					       data), -EINVAL);
	r.size = 4097;
	memcpy(buf, &r, sizeof(r));
	assert_int_equal(lib_alloc_resp_decode(buf, sizeof(buf), 24, &out,
					       data), -EINVAL);
	r.size = 0;
	memcpy(buf, &r, sizeof(r));
	assert_int_equal(lib_alloc_resp_decode(buf, sizeof(buf), 24, &out,
					       data), -EINVAL);
	r.size = 4096;
	r.reserved = 1;
	memcpy(buf, &r, sizeof(r));
	assert_int_equal(lib_alloc_resp_decode(buf, sizeof(buf), 24, &out,
					       data), -EINVAL);
	r.reserved = 0;
	r.data_size = 23;
	memcpy(buf, &r, sizeof(r));
	assert_int_equal(lib_alloc_resp_decode(buf, sizeof(buf), 24, &out,
					       data), -EINVAL);
}

static void test_fdinfo_decode(void **state)
{
	static const struct {
		const char *text;
		int want;
		uint64_t size;
		const char *heap;
	} cases[] = {
		{ "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1052\n"
		  "size:\t8192\ncount:\t1\nexp_name:\tsystem\nname:\t\n",
		  0, 8192, "system" },
		{ "size:\t4096\nexp_name:\tprotected,secure-video\n", 0, 4096,
		  "protected,secure-video" },
		{ "exp_name:\tsystem\nsize:\t4096", 0, 4096, "system" },
		{ "size:\t4096\n", -EINVAL, 0, NULL },
		{ "exp_name:\tsystem\n", -EINVAL, 0, NULL },
		{ "size:\t0\nexp_name:\tsystem\n", -EINVAL, 0, NULL },
		{ "size:\t12a\nexp_name:\tsystem\n", -EINVAL, 0, NULL },
		{ "size:\t-1\nexp_name:\tsystem\n", -EINVAL, 0, NULL },
		{ "size:\t18446744073709551616\nexp_name:\tsystem\n", -EINVAL,
		  0, NULL },
		{ "size:\t18446744073709551615\nexp_name:\tx\n", 0,
		  UINT64_MAX, "x" },
		{ "size:\t\nexp_name:\tsystem\n", -EINVAL, 0, NULL },
		{ "size:\t4096\nexp_name:\t\n", -EINVAL, 0, NULL },
		{ "sizes:\t4096\nexp_name:\tsystem\n", -EINVAL, 0, NULL },
		{ "", -EINVAL, 0, NULL },
		{ "size:\t4096\nexp_name:\t"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "\n",
		  -EINVAL, 0, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rheap_buf_info info = { 0 };
		int rc = linux_fdinfo_decode(cases[i].text,
					     strlen(cases[i].text), &info);

		assert_int_equal(rc, cases[i].want);
		if (rc == 0) {
			assert_int_equal(info.size, cases[i].size);
			assert_string_equal(info.heap, cases[i].heap);
			assert_int_equal(info.restricted,
					 strncmp(cases[i].heap, "protected,",
						 10) == 0);
		}
	}
}

static void test_linux_errno(void **state)
{
	(void)state;
	assert_int_equal(linux_errno(EINVAL), -EINVAL);
	assert_int_equal(linux_errno(EFAULT), -EINVAL);
	assert_int_equal(linux_errno(ENOMEM), -ENOMEM);
	assert_int_equal(linux_errno(EMFILE), -ENOMEM);
	assert_int_equal(linux_errno(ENFILE), -ENOMEM);
	assert_int_equal(linux_errno(ENOENT), -ENOENT);
	assert_int_equal(linux_errno(ENODEV), -ENOENT);
	assert_int_equal(linux_errno(EACCES), -EPERM);
	assert_int_equal(linux_errno(EPERM), -EPERM);
	assert_int_equal(linux_errno(ENOTTY), -EOPNOTSUPP);
	assert_int_equal(linux_errno(EBUSY), -EBUSY);
	assert_int_equal(linux_errno(EIO), -EINVAL);
}

/* ---- rheapd backend against the fake ---------------------------------- */

static int fake_setup(void **state)
{
	(void)state;
	unsetenv("RHEAP_BACKEND");
	fake = fake_rheapd_start();
	return fake != NULL ? 0 : -1;
}

static int fake_teardown(void **state)
{
	(void)state;
	fake_rheapd_stop(fake);
	fake = NULL;
	return 0;
}

static void test_rheapd_list_open(void **state)
{
	struct rheap_heap_desc d[4];
	struct rheap_heap *heap = NULL;
	size_t count = 0;

	(void)state;
	fake->mode = FAKE_NORMAL;
	assert_int_equal(rheap_heap_list(0, d, 4, &count), 0);
	assert_int_equal(count, 2);
	assert_string_equal(d[0].name, "protected,secure-video");
	assert_true(d[0].restricted);
	assert_int_equal(d[0].capacity, 32u << 20);
	assert_string_equal(d[1].name, "system");
	assert_false(d[1].restricted);
	assert_int_equal(rheap_heap_list(0, d, 1, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(rheap_heap_list(0, NULL, 0, &count), 0);
	assert_int_equal(rheap_heap_list(0, NULL, 1, &count), -EINVAL);
	assert_int_equal(rheap_heap_list(0, d, 4, NULL), -EINVAL);
	assert_int_equal(rheap_heap_list(3, d, 4, &count), -EINVAL);

	assert_int_equal(rheap_heap_open("nope", 0, &heap), -ENOENT);
	assert_null(heap);
	assert_int_equal(rheap_heap_open("", 0, &heap), -EINVAL);
	assert_int_equal(rheap_heap_open("../x", 0, &heap), -EINVAL);
	assert_int_equal(rheap_heap_open("system", 8, &heap), -EINVAL);
	assert_int_equal(rheap_heap_open("system", 0, NULL), -EINVAL);
	assert_int_equal(rheap_heap_open("protected,secure-video", 0, &heap),
			 0);
	assert_int_equal(rheap_heap_query(heap, &d[0]), 0);
	assert_string_equal(d[0].name, "protected,secure-video");
	assert_true(d[0].restricted);
	assert_int_equal(d[0].used, 4096);
	rheap_heap_close(heap);
	rheap_heap_close(NULL);
}

static void test_rheapd_alloc(void **state)
{
	struct rheap_heap *heap = NULL;
	struct rheap_buf_info info = { 0 };
	int fd = -1;
	int before = fd_count();

	(void)state;
	fake->mode = FAKE_NORMAL;
	assert_int_equal(rheap_heap_open("protected,secure-video", 0, &heap),
			 0);
	fd = rheap_heap_alloc(heap, 1, O_RDWR | O_CLOEXEC, 0, &info);
	assert_true(fd >= 0);
	assert_int_equal(info.size, 4096);
	assert_true(info.restricted);
	assert_string_equal(info.heap, "protected,secure-video");
	assert_int_not_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
	/* Without O_CLOEXEC the handle is inheritable. */
	fd = rheap_heap_alloc(heap, 4096, O_RDWR, 0, NULL);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
	/* The server's checks come back exactly. */
	assert_int_equal(rheap_heap_alloc(heap, 0, O_RDWR, 0, NULL), -EINVAL);
	assert_int_equal(rheap_heap_alloc(heap, 4096, ~0u, 0, NULL), -EINVAL);
	assert_int_equal(rheap_heap_alloc(heap, 4096, 0, ~0ull, NULL),
			 -EINVAL);
	assert_int_equal(rheap_heap_alloc(heap, (32u << 20) + 1, 0, 0, NULL),
			 -ENOMEM);
	assert_int_equal(rheap_heap_alloc(NULL, 4096, 0, 0, NULL), -EINVAL);
	rheap_heap_close(heap);
	assert_int_equal(fd_count(), before);
}

static void test_rheapd_alloc_raw(void **state)
{
	struct rheap_heap *heap = NULL;
	uint8_t small[16] = { 0 };
	uint8_t big[48];
	uint8_t huge[RHEAPD_ALLOC_DATA_MAX + 1] = { 0 };
	uint64_t len = 8192;
	uint32_t fdv = 0;
	int fd = -1;

	(void)state;
	fake->mode = FAKE_NORMAL;
	assert_int_equal(rheap_heap_open("system", 0, &heap), 0);
	/* The older 16-byte struct: len, fd, fd_flags. */
	memcpy(small, &len, 8);
	fd = rheap_heap_alloc_raw(heap, small, sizeof(small), NULL);
	assert_true(fd >= 0);
	assert_int_equal(fake->last_op, RHEAPD_OP_ALLOC);
	assert_int_equal(fake->last_req_len, 8 + 16);
	memcpy(&fdv, small + 8, 4);
	assert_int_equal(fdv, (uint32_t)fd); /* written back as the ioctl */
	close(fd);
	/* A bigger struct with garbage after 24 bytes. */
	memset(big, 0xee, sizeof(big));
	memset(big, 0, 24);
	memcpy(big, &len, 8);
	fd = rheap_heap_alloc_raw(heap, big, sizeof(big), NULL);
	assert_true(fd >= 0);
	assert_int_equal(fake->last_req_len, 8 + 48);
	memcpy(&fdv, big + 8, 4);
	assert_int_equal(fdv, (uint32_t)fd);
	assert_int_equal(big[47], 0xee);
	close(fd);
	/* Raw argument checks. */
	assert_int_equal(rheap_heap_alloc_raw(heap, NULL, 24, NULL), -EINVAL);
	assert_int_equal(rheap_heap_alloc_raw(heap, huge, sizeof(huge), NULL),
			 -EINVAL);
	/* Size 0: the server sees len 0 and refuses, as Linux does. */
	assert_int_equal(rheap_heap_alloc_raw(heap, NULL, 0, NULL), -EINVAL);
	rheap_heap_close(heap);
}

static void test_rheapd_import_status(void **state)
{
	struct rheap_heap *heap = NULL;
	struct rheap_buf_info info = { 0 };
	char json[64] = { 0 };
	char tiny[4] = { 0 };
	size_t len = 0;
	int fd = -1;

	(void)state;
	fake->mode = FAKE_NORMAL;
	assert_int_equal(rheap_heap_open("system", 0, &heap), 0);
	fd = rheap_heap_alloc(heap, 4096, O_CLOEXEC, 0, NULL);
	assert_true(fd >= 0);
	assert_int_equal(rheap_heap_import(heap, fd, &info), 0);
	assert_true(fake->last_had_fd);
	assert_int_equal(info.buf_id, 5);
	assert_string_equal(info.heap, "system");
	assert_int_equal(rheap_buf_import(0, fd, &info), 0);
	assert_int_equal(rheap_heap_import(heap, -1, &info), -EINVAL);
	assert_int_equal(rheap_buf_import(0, fd, NULL), -EINVAL);
	assert_int_equal(rheap_buf_import(0, 9999, &info), -EINVAL);
	close(fd);
	assert_int_equal(rheap_status(0, json, sizeof(json), &len), 0);
	assert_string_equal(json, "{\"buffers\":0}");
	assert_int_equal(len, 13);
	assert_int_equal(rheap_status(0, tiny, sizeof(tiny), &len), -ENOSPC);
	assert_int_equal(rheap_status(RHEAP_OPEN_LINUX, json, sizeof(json),
				      &len), -EOPNOTSUPP);
	rheap_heap_close(heap);
}

/* Each broken response: the exact error, no fd leaked, and the connection
 * is not used again after it fell out of step. */
static void test_rheapd_hostile(void **state)
{
	static const struct {
		int mode;
		int want;
		bool dead;
	} cases[] = {
		{ FAKE_BAD_SEQ, -EINVAL, true },
		{ FAKE_BAD_MAGIC, -EINVAL, true },
		{ FAKE_BAD_OP, -EINVAL, true },
		{ FAKE_ODD_STATUS, -EINVAL, true },
		{ FAKE_TWO_FDS, -EINVAL, true },
		{ FAKE_NO_FD, -EINVAL, false },
		{ FAKE_HANG_UP, -ENOENT, true },
		{ FAKE_OVERSIZE, -EINVAL, true },
		{ FAKE_STATUS_ERR, -ENOMEM, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rheap_heap *heap = NULL;
		int before = 0;
		int fd = -1;

		fake->mode = FAKE_NORMAL;
		assert_int_equal(rheap_heap_open("system", 0, &heap), 0);
		before = fd_count();
		fake->mode = cases[i].mode;
		assert_int_equal(rheap_heap_alloc(heap, 4096, 0, 0, NULL),
				 cases[i].want);
		assert_int_equal(fd_count(), before);
		fake->mode = FAKE_NORMAL;
		fd = rheap_heap_alloc(heap, 4096, 0, 0, NULL);
		if (cases[i].dead) {
			assert_int_equal(fd, -ENOENT);
		} else {
			assert_true(fd >= 0);
			close(fd);
		}
		rheap_heap_close(heap);
	}
	/* An fd on a response that takes none (IMPORT). */
	{
		struct rheap_heap *heap = NULL;
		struct rheap_buf_info info = { 0 };
		int h = -1;
		int before = 0;

		fake->mode = FAKE_NORMAL;
		assert_int_equal(rheap_heap_open("system", 0, &heap), 0);
		h = rheap_heap_alloc(heap, 4096, 0, 0, NULL);
		assert_true(h >= 0);
		before = fd_count();
		fake->mode = FAKE_EXTRA_FD;
		assert_int_equal(rheap_heap_import(heap, h, &info), -EINVAL);
		assert_int_equal(fd_count(), before);
		close(h);
		rheap_heap_close(heap);
	}
	/* A heap list that disagrees with its size. */
	{
		struct rheap_heap *heap = NULL;
		size_t count = 0;

		fake->mode = FAKE_LIST_BAD;
		assert_int_equal(rheap_heap_list(0, NULL, 0, &count), -EINVAL);
		assert_int_equal(rheap_heap_open("system", 0, &heap), -EINVAL);
		fake->mode = FAKE_NORMAL;
	}
}

struct thread_arg {
	struct rheap_heap *heap;
	int failures;
};

static void *alloc_thread(void *p)
{
	struct thread_arg *a = p;

	for (int i = 0; i < 200; i++) {
		struct rheap_buf_info info = { 0 };
		int fd = rheap_heap_alloc(a->heap, 4096u * (1 + i % 3),
					  O_CLOEXEC, 0, &info);

		if (fd < 0 || info.size != 4096u * (1 + i % 3)) {
			a->failures++;
		}
		if (fd >= 0) {
			close(fd);
		}
	}
	return NULL;
}

/* Four threads share one heap: every request gets its own response. */
static void test_rheapd_threads(void **state)
{
	struct rheap_heap *heap = NULL;
	struct thread_arg args[4];
	pthread_t t[4];
	unsigned int before = 0;

	(void)state;
	fake->mode = FAKE_NORMAL;
	assert_int_equal(rheap_heap_open("system", 0, &heap), 0);
	before = fake->requests;
	for (int i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){ heap, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, alloc_thread,
						&args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(args[i].failures, 0);
	}
	assert_int_equal(fake->requests - before, 800);
	assert_int_equal(fake->seq_errors, 0);
	rheap_heap_close(heap);
}

static void test_no_rheapd(void **state)
{
	struct rheap_heap *heap = NULL;
	TEEC_Context ctx;

	(void)state;
	setenv("RHEAPD_SOCKET", "/nonexistent/rheapd.sock", 1);
	assert_int_equal(rheap_heap_open("system", RHEAP_OPEN_RHEAPD, &heap),
			 -ENOENT);
	assert_int_equal(TEEC_InitializeContext(NULL, &ctx),
			 TEEC_ERROR_ITEM_NOT_FOUND);
	setenv("RHEAPD_SOCKET", fake->sock_path, 1);
}

/* ---- TEE Client API against the fake ---------------------------------- */

static const TEEC_UUID sdp_basic_uuid = {
	0x12345678, 0x5b69, 0x11e4,
	{ 0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99 }
};

struct tee_fixture {
	TEEC_Context ctx;
	TEEC_Session sess;
};

static void tee_open(struct tee_fixture *t)
{
	uint32_t origin = 0;

	fake->mode = FAKE_NORMAL;
	assert_int_equal(TEEC_InitializeContext(NULL, &t->ctx), TEEC_SUCCESS);
	assert_int_equal(TEEC_OpenSession(&t->ctx, &t->sess, &sdp_basic_uuid,
					  TEEC_LOGIN_PUBLIC, NULL, NULL,
					  &origin),
			 TEEC_SUCCESS);
	assert_int_equal(t->sess.imp.session_id, 7);
}

static void tee_close(struct tee_fixture *t)
{
	TEEC_CloseSession(&t->sess);
	TEEC_FinalizeContext(&t->ctx);
}

static void test_teec_open(void **state)
{
	TEEC_Context ctx;
	TEEC_Session sess;
	TEEC_UUID other = sdp_basic_uuid;
	uint32_t origin = 0;

	(void)state;
	fake->mode = FAKE_NORMAL;
	assert_int_equal(TEEC_InitializeContext(NULL, NULL),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(TEEC_InitializeContext(fake->sock_path, &ctx),
			 TEEC_SUCCESS);
	/* The wire carries the UUID in RFC 4122 byte order. */
	assert_int_equal(TEEC_OpenSession(&ctx, &sess, &sdp_basic_uuid,
					  TEEC_LOGIN_PUBLIC, NULL, NULL,
					  &origin),
			 TEEC_SUCCESS);
	assert_int_equal(fake->last_op, RHEAPD_OP_TEE_OPEN);
	assert_memory_equal(fake->last_req,
			    ((const uint8_t[]){ 0x12, 0x34, 0x56, 0x78, 0x5b,
						0x69, 0x11, 0xe4, 0x9d, 0xbb,
						0x10, 0x1f, 0x74, 0xf0, 0x00,
						0x99 }),
			    16);
	other.timeLow = 0x87654321;
	assert_int_equal(TEEC_OpenSession(&ctx, &sess, &other,
					  TEEC_LOGIN_PUBLIC, NULL, NULL,
					  &origin),
			 TEEC_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(origin, TEEC_ORIGIN_TEE);
	assert_int_equal(TEEC_OpenSession(&ctx, &sess, NULL, 0, NULL, NULL,
					  &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_API);
	TEEC_FinalizeContext(&ctx);
	TEEC_FinalizeContext(&ctx); /* twice is harmless */
	TEEC_FinalizeContext(NULL);
}

/* Which TEE a context opens (docs/tee.md, librheap's Linux backend): a
 * /dev/ name or, with the Linux backend chosen, $RHEAP_TEE_DEVICE; a
 * device that does not answer TEE_IOC_VERSION is NOT_SUPPORTED. */
static void test_teec_linux_select(void **state)
{
	TEEC_Context ctx;

	(void)state;
	assert_int_equal(TEEC_InitializeContext("/dev/null", &ctx),
			 TEEC_ERROR_NOT_SUPPORTED);
	assert_int_equal(TEEC_InitializeContext("/dev/rheap-no-such-tee",
						&ctx),
			 TEEC_ERROR_ITEM_NOT_FOUND);
	setenv("RHEAP_BACKEND", "linux", 1);
	setenv("RHEAP_TEE_DEVICE", "/dev/rheap-no-such-tee", 1);
	assert_int_equal(TEEC_InitializeContext(NULL, &ctx),
			 TEEC_ERROR_ITEM_NOT_FOUND);
	setenv("RHEAP_TEE_DEVICE", "/dev/null", 1);
	assert_int_equal(TEEC_InitializeContext("", &ctx),
			 TEEC_ERROR_NOT_SUPPORTED);
	/* A socket path still names rheapd, whatever the backend. */
	fake->mode = FAKE_NORMAL;
	assert_int_equal(TEEC_InitializeContext(fake->sock_path, &ctx),
			 TEEC_SUCCESS);
	TEEC_FinalizeContext(&ctx);
	unsetenv("RHEAP_TEE_DEVICE");
	unsetenv("RHEAP_BACKEND");
}

static void test_teec_invoke_temp_value(void **state)
{
	struct tee_fixture t;
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;
	struct rheapd_tee_invoke inv = { 0 };
	uint8_t in[13];
	uint8_t out[5] = { 0 };
	uint8_t io[3] = { 1, 2, 3 };
	uint32_t origin = 0;

	(void)state;
	tee_open(&t);
	memset(in, 0x11, sizeof(in));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_TEMP_OUTPUT,
					 TEEC_MEMREF_TEMP_INOUT,
					 TEEC_VALUE_INOUT);
	op.params[0].tmpref.buffer = in;
	op.params[0].tmpref.size = sizeof(in);
	op.params[1].tmpref.buffer = out;
	op.params[1].tmpref.size = sizeof(out);
	op.params[2].tmpref.buffer = io;
	op.params[2].tmpref.size = sizeof(io);
	op.params[3].value.a = 10;
	op.params[3].value.b = 20;
	assert_int_equal(TEEC_InvokeCommand(&t.sess, 2, &op, &origin),
			 TEEC_SUCCESS);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
	/* Layout: 8-aligned places in the data area, in order. */
	memcpy(&inv, fake->last_req, sizeof(inv));
	assert_int_equal(inv.session, 7);
	assert_int_equal(inv.command, 2);
	assert_int_not_equal(inv.cancel_id, 0);
	assert_int_equal(inv.params[0].type, TEEC_MEMREF_TEMP_INPUT);
	assert_int_equal(inv.params[0].a, 0);
	assert_int_equal(inv.params[0].b, 13);
	assert_int_equal(inv.params[1].a, 16);
	assert_int_equal(inv.params[1].b, 5);
	assert_int_equal(inv.params[2].a, 24);
	assert_int_equal(inv.params[3].type, TEEC_VALUE_INOUT);
	assert_int_equal(inv.params[3].a, 10);
	assert_int_equal(fake->last_req_len, sizeof(inv) + 32);
	assert_int_equal(fake->last_req[sizeof(inv) + 12], 0x11);
	assert_int_equal(fake->last_req[sizeof(inv) + 24], 1);
	/* Outputs came back. */
	assert_int_equal(out[0], 0xA5);
	assert_int_equal(out[4], 0xA5);
	assert_int_equal(io[0], 0xff);
	assert_int_equal(io[2], 0xfd);
	assert_int_equal(op.params[3].value.a, 11);
	assert_int_equal(op.params[3].value.b, 42);
	assert_int_equal(op.started, 1);
	/* No operation at all. */
	assert_int_equal(TEEC_InvokeCommand(&t.sess, 0, NULL, NULL),
			 TEEC_SUCCESS);
	/* An unknown type, a type in the reserved nibbles. */
	op.paramTypes = TEEC_PARAM_TYPES(4, 0, 0, 0);
	assert_int_equal(TEEC_InvokeCommand(&t.sess, 0, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	op.paramTypes = 1u << 16;
	assert_int_equal(TEEC_InvokeCommand(&t.sess, 0, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	/* Input bytes from NULL. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, 0, 0, 0);
	op.params[0].tmpref.buffer = NULL;
	op.params[0].tmpref.size = 4;
	assert_int_equal(TEEC_InvokeCommand(&t.sess, 0, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(origin, TEEC_ORIGIN_API);
	/* More than a message can carry. */
	op.params[0].tmpref.buffer = in;
	op.params[0].tmpref.size = RHEAPD_MSG_MAX;
	assert_int_equal(TEEC_InvokeCommand(&t.sess, 0, &op, &origin),
			 TEEC_ERROR_EXCESS_DATA);
	tee_close(&t);
}

/* xtest 1014's five out-of-bounds memrefs, and the other GP checks on
 * registered memrefs: refused before anything is sent. */
static void test_teec_memref_checks(void **state)
{
	static const struct {
		size_t offset;
		size_t size;
	} oob[] = {
		{ 8192 - 1, 2 }, { 8192 - 1, 5000 }, { 8192, 1 },
		{ 8192, 4096 },	 { 2, ~(size_t)0 },
	};
	struct tee_fixture t;
	TEEC_SharedMemory in = { .size = 8192, .flags = TEEC_MEM_INPUT };
	TEEC_SharedMemory sdp = { .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	TEEC_SharedMemory ro = { .flags = TEEC_MEM_INPUT };
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;
	struct rheapd_tee_invoke inv = { 0 };
	struct rheap_heap *heap = NULL;
	uint8_t byte = 0;
	uint32_t origin = 0;
	unsigned int invokes = 0;
	int fd = -1;

	(void)state;
	tee_open(&t);
	assert_int_equal(rheap_heap_open("protected,secure-video", 0, &heap),
			 0);
	fd = rheap_heap_alloc(heap, 8192, O_CLOEXEC, 0, NULL);
	assert_true(fd >= 0);
	assert_int_equal(TEEC_RegisterSharedMemoryFileDescriptor(&t.ctx, &sdp,
								 fd),
			 TEEC_SUCCESS);
	close(fd); /* the registration keeps the buffer */
	assert_true(fake->last_had_fd);
	assert_null(sdp.buffer);
	assert_int_equal(sdp.size, 8192);
	assert_true(sdp.imp.restricted);
	assert_int_equal(sdp.imp.shm_id, 9);
	assert_int_equal(TEEC_AllocateSharedMemory(&t.ctx, &in), TEEC_SUCCESS);
	assert_non_null(in.buffer);

	/* The valid case reaches the TA: the last byte. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT, 0, 0);
	op.params[0].memref.parent = &in;
	op.params[0].memref.offset = 0;
	op.params[0].memref.size = 1;
	op.params[1].memref.parent = &sdp;
	op.params[1].memref.offset = 8191;
	op.params[1].memref.size = 1;
	assert_int_equal(TEEC_InvokeCommand(&t.sess, 0, &op, &origin),
			 TEEC_SUCCESS);
	assert_int_equal(origin, TEEC_ORIGIN_TRUSTED_APP);
	memcpy(&inv, fake->last_req, sizeof(inv));
	/* Allocated client memory travels by value, the fd registration by
	 * ID. */
	assert_int_equal(inv.params[0].type, TEEC_MEMREF_TEMP_INPUT);
	assert_int_equal(inv.params[0].shm_id, 0);
	assert_int_equal(inv.params[1].type, TEEC_MEMREF_PARTIAL_OUTPUT);
	assert_int_equal(inv.params[1].shm_id, 9);
	assert_int_equal(inv.params[1].a, 8191);
	assert_int_equal(inv.params[1].b, 1);

	invokes = fake->invokes;
	for (size_t i = 0; i < sizeof(oob) / sizeof(oob[0]); i++) {
		op.params[0].memref.size = oob[i].size;
		op.params[1].memref.offset = oob[i].offset;
		op.params[1].memref.size = oob[i].size;
		origin = 0;
		assert_int_equal(TEEC_InvokeCommand(&t.sess, 0, &op, &origin),
				 TEEC_ERROR_BAD_PARAMETERS);
		assert_int_equal(origin, TEEC_ORIGIN_API);
	}
	/* A parent of NULL; a direction the block's flags forbid; a block of
	 * another context. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, 0, 0, 0);
	op.params[0].memref.parent = NULL;
	op.params[0].memref.offset = 0;
	op.params[0].memref.size = 1;
	assert_int_equal(TEEC_InvokeCommand(&t.sess, 0, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_OUTPUT, 0, 0, 0);
	op.params[0].memref.parent = &in;
	assert_int_equal(TEEC_InvokeCommand(&t.sess, 0, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	ro.buffer = &byte;
	ro.size = 1;
	assert_int_equal(TEEC_RegisterSharedMemory(&t.ctx, &ro), TEEC_SUCCESS);
	ro.imp.ctx = NULL; /* as a block of no (another) context */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, 0, 0, 0);
	op.params[0].memref.parent = &ro;
	assert_int_equal(TEEC_InvokeCommand(&t.sess, 0, &op, &origin),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(fake->invokes, invokes); /* nothing was sent */

	/* WHOLE over the registration: PARTIAL INOUT over all of it. */
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE, 0, 0, 0);
	op.params[0].memref.parent = &sdp;
	op.params[0].memref.offset = 5; /* ignored for WHOLE */
	op.params[0].memref.size = 1;
	assert_int_equal(TEEC_InvokeCommand(&t.sess, 0, &op, &origin),
			 TEEC_SUCCESS);
	memcpy(&inv, fake->last_req, sizeof(inv));
	assert_int_equal(inv.params[0].type, TEEC_MEMREF_PARTIAL_INOUT);
	assert_int_equal(inv.params[0].a, 0);
	assert_int_equal(inv.params[0].b, 8192);

	TEEC_ReleaseSharedMemory(&in);
	assert_null(in.buffer);
	invokes = fake->shm_releases;
	TEEC_ReleaseSharedMemory(&sdp);
	assert_int_equal(fake->shm_releases, invokes + 1);
	assert_int_equal(fake->last_op, RHEAPD_OP_TEE_SHM_RELEASE);
	TEEC_ReleaseSharedMemory(&sdp); /* released: nothing more is sent */
	assert_int_equal(fake->shm_releases, invokes + 1);
	rheap_heap_close(heap);
	tee_close(&t);
}

static void test_teec_shm(void **state)
{
	struct tee_fixture t;
	TEEC_SharedMemory shm = { .size = 100, .flags = TEEC_MEM_OUTPUT };
	TEEC_SharedMemory sys = { .flags = TEEC_MEM_INPUT };
	TEEC_SharedMemory bad = { .size = 1, .flags = 0 };
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;
	struct rheap_heap *heap = NULL;
	uint8_t buf[100] = { 0 };
	int fd = -1;
	int before = 0;

	(void)state;
	tee_open(&t);
	assert_int_equal(TEEC_AllocateSharedMemory(&t.ctx, &bad),
			 TEEC_ERROR_BAD_PARAMETERS);
	bad.flags = 4;
	assert_int_equal(TEEC_RegisterSharedMemory(&t.ctx, &bad),
			 TEEC_ERROR_BAD_PARAMETERS);
	bad.flags = TEEC_MEM_INPUT;
	bad.buffer = NULL;
	assert_int_equal(TEEC_RegisterSharedMemory(&t.ctx, &bad),
			 TEEC_ERROR_BAD_PARAMETERS);
	assert_int_equal(TEEC_RegisterSharedMemoryFileDescriptor(&t.ctx, &sys,
								 -1),
			 TEEC_ERROR_BAD_PARAMETERS);
	/* Registered client memory: output bytes copied back into it. */
	shm.buffer = buf;
	assert_int_equal(TEEC_RegisterSharedMemory(&t.ctx, &shm), TEEC_SUCCESS);
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_OUTPUT, 0, 0, 0);
	op.params[0].memref.parent = &shm;
	op.params[0].memref.offset = 10;
	op.params[0].memref.size = 20;
	assert_int_equal(TEEC_InvokeCommand(&t.sess, 0, &op, NULL),
			 TEEC_SUCCESS);
	assert_int_equal(buf[9], 0);
	assert_int_equal(buf[10], 0xA5);
	assert_int_equal(buf[29], 0xA5);
	assert_int_equal(buf[30], 0);
	TEEC_ReleaseSharedMemory(&shm);
	assert_ptr_equal(shm.buffer, buf); /* the client's memory stays */
	/* A system handle maps through the registration. */
	assert_int_equal(rheap_heap_open("system", 0, &heap), 0);
	fd = rheap_heap_alloc(heap, 4096, O_CLOEXEC, 0, NULL);
	assert_true(fd >= 0);
	assert_int_equal(TEEC_RegisterSharedMemoryFileDescriptor(&t.ctx, &sys,
								 fd),
			 TEEC_SUCCESS);
	close(fd);
	assert_non_null(sys.buffer);
	assert_false(sys.imp.restricted);
	assert_int_equal(sys.size, 4096);
	((uint8_t *)sys.buffer)[4095] = 1;
	TEEC_ReleaseSharedMemory(&sys);
	/* Cancellation of an operation that is not running sends nothing. */
	before = (int)fake->cancels;
	TEEC_RequestCancellation(&op);
	TEEC_RequestCancellation(NULL);
	assert_int_equal((int)fake->cancels, before);
	rheap_heap_close(heap);
	tee_close(&t);
}

/* ---- Linux backend against a fake /dev/dma_heap ----------------------- */

static char fake_dev_dir[64];
static struct {
	dev_t dev;
	ino_t ino;
	int calls;
	unsigned long last_cmd;
	uint8_t last_arg[64];
	int fail_errno;
	int ret_fd;
} fake_ioctl;

/* The static librheap calls this instead of libc's ioctl(). Requests on
 * the fake heap file are recorded and answered; others go to the kernel. */
int ioctl(int fd, unsigned long request, ...)
{
	struct stat st = { 0 };
	va_list ap;
	void *arg = NULL;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fstat(fd, &st) == 0 && st.st_ino == fake_ioctl.ino &&
	    st.st_dev == fake_ioctl.dev) {
		size_t size = _IOC_SIZE(request);

		fake_ioctl.calls++;
		fake_ioctl.last_cmd = request;
		memcpy(fake_ioctl.last_arg, arg,
		       size < sizeof(fake_ioctl.last_arg) ?
			       size :
			       sizeof(fake_ioctl.last_arg));
		if (fake_ioctl.fail_errno != 0) {
			errno = fake_ioctl.fail_errno;
			return -1;
		}
		memcpy((uint8_t *)arg + 8, &fake_ioctl.ret_fd, 4);
		return 0;
	}
	return (int)syscall(SYS_ioctl, fd, request, arg);
}

static int linux_setup(void **state)
{
	char path[128] = { 0 };
	struct stat st = { 0 };
	int fd = -1;

	(void)state;
	snprintf(fake_dev_dir, sizeof(fake_dev_dir), "/tmp/rheap-dev-XXXXXX");
	if (mkdtemp(fake_dev_dir) == NULL) {
		return -1;
	}
	snprintf(path, sizeof(path), "%s/system", fake_dev_dir);
	fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) != 0) {
		return -1;
	}
	close(fd);
	fake_ioctl.dev = st.st_dev;
	fake_ioctl.ino = st.st_ino;
	snprintf(path, sizeof(path), "%s/protected,secure-video",
		 fake_dev_dir);
	fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	close(fd);
	setenv("RHEAP_DMA_HEAP_DIR", fake_dev_dir, 1);
	setenv("RHEAP_BACKEND", "linux", 1);
	return 0;
}

static int linux_teardown(void **state)
{
	char path[128] = { 0 };

	(void)state;
	snprintf(path, sizeof(path), "%s/system", fake_dev_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/protected,secure-video",
		 fake_dev_dir);
	unlink(path);
	rmdir(fake_dev_dir);
	unsetenv("RHEAP_DMA_HEAP_DIR");
	unsetenv("RHEAP_BACKEND");
	return 0;
}

static void test_linux_list_open(void **state)
{
	struct rheap_heap_desc d[4];
	struct rheap_heap *heap = NULL;
	size_t count = 0;
	bool seen_sys = false;
	bool seen_prot = false;

	(void)state;
	assert_int_equal(rheap_heap_list(0, d, 4, &count), 0);
	assert_int_equal(count, 2);
	for (size_t i = 0; i < count; i++) {
		if (strcmp(d[i].name, "system") == 0) {
			seen_sys = !d[i].restricted;
		}
		if (strcmp(d[i].name, "protected,secure-video") == 0) {
			seen_prot = d[i].restricted;
		}
		assert_int_equal(d[i].capacity, 0);
	}
	assert_true(seen_sys);
	assert_true(seen_prot);
	assert_int_equal(rheap_heap_open("cma", 0, &heap), -ENOENT);
	assert_int_equal(rheap_heap_open("system", 0, &heap), 0);
	assert_int_equal(rheap_heap_query(heap, &d[0]), 0);
	assert_string_equal(d[0].name, "system");
	rheap_heap_close(heap);
	setenv("RHEAP_DMA_HEAP_DIR", "/nonexistent", 1);
	assert_int_equal(rheap_heap_list(0, d, 4, &count), -ENOENT);
	setenv("RHEAP_DMA_HEAP_DIR", fake_dev_dir, 1);
}

static void test_linux_alloc(void **state)
{
	struct rheap_heap *heap = NULL;
	struct rheap_buf_info info = { 0 };
	uint8_t small[16] = { 0 };
	uint8_t tiny[11] = { 0 };
	uint64_t len = 0;
	uint32_t v = 0;
	int memfd = memfd_create("stand-in", MFD_CLOEXEC);
	int fd = -1;

	(void)state;
	assert_true(memfd >= 0);
	assert_int_equal(rheap_heap_open("system", 0, &heap), 0);
	fake_ioctl.ret_fd = memfd;
	fake_ioctl.fail_errno = 0;
	fake_ioctl.calls = 0;
	fd = rheap_heap_alloc(heap, 5000, O_RDWR | O_CLOEXEC, 0, &info);
	assert_int_equal(fd, memfd);
	/* DMA_HEAP_IOCTL_ALLOC with the 24-byte struct: 0xC0184800. */
	assert_int_equal(fake_ioctl.last_cmd, 0xC0184800ul);
	memcpy(&len, fake_ioctl.last_arg, 8);
	assert_int_equal(len, 5000);
	memcpy(&v, fake_ioctl.last_arg + 12, 4);
	assert_int_equal(v, O_RDWR | O_CLOEXEC);
	assert_int_equal(info.size, 8192);
	assert_string_equal(info.heap, "system");
	assert_false(info.restricted);
	/* A 16-byte struct: the size bits say 16. */
	len = 4096;
	memcpy(small, &len, 8);
	assert_int_equal(rheap_heap_alloc_raw(heap, small, sizeof(small),
					      NULL),
			 memfd);
	assert_int_equal(fake_ioctl.last_cmd, 0xC0104800ul);
	memcpy(&v, small + 8, 4);
	assert_int_equal(v, (uint32_t)memfd);
	/* Too small to carry the fd back: refused before the ioctl. */
	fake_ioctl.calls = 0;
	assert_int_equal(rheap_heap_alloc_raw(heap, tiny, sizeof(tiny), NULL),
			 -EINVAL);
	assert_int_equal(fake_ioctl.calls, 0);
	/* The kernel's errors, translated. */
	fake_ioctl.fail_errno = EINVAL;
	assert_int_equal(rheap_heap_alloc(heap, 4096, 0, 1, NULL), -EINVAL);
	fake_ioctl.fail_errno = ENOMEM;
	assert_int_equal(rheap_heap_alloc(heap, 4096, 0, 0, NULL), -ENOMEM);
	fake_ioctl.fail_errno = ENOTTY;
	assert_int_equal(rheap_heap_alloc(heap, 4096, 0, 0, NULL),
			 -EOPNOTSUPP);
	/* A nonsense fd from "the kernel". */
	fake_ioctl.fail_errno = 0;
	fake_ioctl.ret_fd = 100000;
	assert_int_equal(rheap_heap_alloc(heap, 4096, 0, 0, NULL), -EINVAL);
	/* Import: a memfd is no dma-buf (no exp_name in its fdinfo). */
	assert_int_equal(rheap_heap_import(heap, memfd, &info), -EINVAL);
	assert_int_equal(rheap_buf_import(0, -1, &info), -EINVAL);
	assert_int_equal(rheap_buf_import(0, 99999, &info), -EINVAL);
	rheap_heap_close(heap);
	close(memfd);
}

static void test_attach_resp_decode(void **state)
{
	struct {
		struct rheapd_attach_resp h;
		struct rheapd_attach_seg s[2];
	} w = { .h = { .attach_id = 9, .seg_count = 2 },
		.s = { { 0x1000, 4096 }, { 0x9000, 8192 } } };
	struct rheap_device_seg segs[2] = { { 0 } };
	uint64_t id = 0;
	size_t n = 0;

	(void)state;
	assert_int_equal(lib_attach_resp_decode(&w, sizeof(w), &id, segs, 2,
						&n), 0);
	assert_int_equal(id, 9);
	assert_int_equal(n, 2);
	assert_int_equal(segs[1].iova, 0x9000);
	assert_int_equal(segs[1].size, 8192);
	/* Fewer slots than segments: the count still says 2. */
	memset(segs, 0, sizeof(segs));
	assert_int_equal(lib_attach_resp_decode(&w, sizeof(w), &id, segs, 1,
						&n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(segs[1].size, 0);
	assert_int_equal(lib_attach_resp_decode(&w, sizeof(w), &id, NULL, 0,
						&n), 0);
	/* Hostile: short, count disagreeing, trailing bytes, reserved, ID 0,
	 * count 0, an empty segment. */
	assert_int_equal(lib_attach_resp_decode(&w, 15, &id, segs, 2, &n),
			 -EINVAL);
	assert_int_equal(lib_attach_resp_decode(&w, sizeof(w) - 16, &id, segs,
						2, &n), -EINVAL);
	assert_int_equal(lib_attach_resp_decode(&w, sizeof(w) - 1, &id, segs,
						2, &n), -EINVAL);
	w.h.reserved = 1;
	assert_int_equal(lib_attach_resp_decode(&w, sizeof(w), &id, segs, 2,
						&n), -EINVAL);
	w.h.reserved = 0;
	w.h.attach_id = 0;
	assert_int_equal(lib_attach_resp_decode(&w, sizeof(w), &id, segs, 2,
						&n), -EINVAL);
	w.h.attach_id = 9;
	w.h.seg_count = 0;
	assert_int_equal(lib_attach_resp_decode(&w, sizeof(w.h), &id, segs, 2,
						&n), -EINVAL);
	w.h.seg_count = 2;
	w.s[0].size = 0;
	assert_int_equal(lib_attach_resp_decode(&w, sizeof(w), &id, segs, 2,
						&n), -EINVAL);
	w.h.seg_count = UINT32_MAX;
	assert_int_equal(lib_attach_resp_decode(&w, sizeof(w), &id, segs, 2,
						&n), -EINVAL);
}

static void test_device_resp_decode(void **state)
{
	struct rheapd_device_resp w = { .res = { 1, 2, 3, 4, 5, 6, 7, 8 } };
	uint64_t res[8] = { 0 };

	(void)state;
	assert_int_equal(lib_device_resp_decode(&w, sizeof(w), 0, res), 0);
	assert_int_equal(res[7], 8);
	/* An error with results (RECEIVE's -ENOSPC tag), and without. */
	assert_int_equal(lib_device_resp_decode(&w, sizeof(w), -ENOSPC, res),
			 0);
	assert_int_equal(res[1], 2);
	assert_int_equal(lib_device_resp_decode(&w, 0, -ENOENT, res), 0);
	assert_int_equal(res[1], 0);
	/* Success needs the 64 bytes; other sizes never do. */
	assert_int_equal(lib_device_resp_decode(&w, 0, 0, res), -EINVAL);
	assert_int_equal(lib_device_resp_decode(&w, 63, 0, res), -EINVAL);
	assert_int_equal(lib_device_resp_decode(&w, 63, -EINVAL, res),
			 -EINVAL);
	assert_int_equal(res[0], 0);
}

static void test_device_args(void **state)
{
	struct rheap_device *d = NULL;
	uint64_t args[8] = { 0 };
	uint8_t cfg[64 * 1024 + 1] = { 0 };
	int fd = -1;

	(void)state;
	assert_int_equal(rheap_device_open(NULL, &d), -EINVAL);
	assert_int_equal(rheap_device_open("", &d), -EINVAL);
	assert_int_equal(rheap_device_open("0123456789abcdef0123456789abcdef",
					   &d), -EINVAL);
	assert_int_equal(rheap_device_open("vdec", NULL), -EINVAL);
	assert_null(d);
	assert_int_equal(rheap_device_cmd(NULL, 0, args, -1, NULL), -EINVAL);
	assert_int_equal(rheap_device_detach(NULL, 1), -EINVAL);
	assert_int_equal(rheap_device_memfd(NULL, 4), -EINVAL);
	assert_int_equal(rheap_device_memfd(cfg, 0), -EINVAL);
	assert_int_equal(rheap_device_memfd(cfg, sizeof(cfg)), -EINVAL);
	cfg[3] = 0x5a;
	fd = rheap_device_memfd(cfg, 4);
	assert_true(fd >= 0);
	assert_int_equal(lseek(fd, 0, SEEK_END), 4);
	assert_int_equal(pwrite(fd, cfg, 1, 0), -1); /* sealed */
	close(fd);
	rheap_device_close(NULL);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_attach_resp_decode),
		cmocka_unit_test(test_device_resp_decode),
		cmocka_unit_test(test_device_args),
		cmocka_unit_test(test_backend_choose),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_resp_check),
		cmocka_unit_test(test_heap_list_decode),
		cmocka_unit_test(test_buf_info_decode),
		cmocka_unit_test(test_alloc_resp_decode),
		cmocka_unit_test(test_fdinfo_decode),
		cmocka_unit_test(test_linux_errno),
	};
	const struct CMUnitTest with_fake[] = {
		cmocka_unit_test(test_rheapd_list_open),
		cmocka_unit_test(test_rheapd_alloc),
		cmocka_unit_test(test_rheapd_alloc_raw),
		cmocka_unit_test(test_rheapd_import_status),
		cmocka_unit_test(test_rheapd_hostile),
		cmocka_unit_test(test_rheapd_threads),
		cmocka_unit_test(test_no_rheapd),
		cmocka_unit_test(test_teec_open),
		cmocka_unit_test(test_teec_linux_select),
		cmocka_unit_test(test_teec_invoke_temp_value),
		cmocka_unit_test(test_teec_memref_checks),
		cmocka_unit_test(test_teec_shm),
	};
	const struct CMUnitTest linux_dev[] = {
		cmocka_unit_test(test_linux_list_open),
		cmocka_unit_test(test_linux_alloc),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("lib_pure", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("lib_rheapd", with_fake,
					      fake_setup, fake_teardown);
	failed += cmocka_run_group_tests_name("lib_linux", linux_dev,
					      linux_setup, linux_teardown);
	return failed;
}
