// SPDX-License-Identifier: BSD-2-Clause
/*
 * The integration tests' platform launcher and helpers (platform.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheap.h>
#include <rheap/rheapd_uapi.h>

#include "platform.h"

#define START_WAIT_MS 20000u
#define STOP_WAIT_MS 20000u

static const char *g_board_bin;
static const char *g_rheapd_bin;
static const char *g_tl;
static const char *g_vmm_bin; /* guest mode */
static unsigned int g_checks;
static unsigned int g_failed;

bool platform_guest(void)
{
	return g_vmm_bin != NULL;
}

uint64_t now_ms(void)
{
	struct timespec ts = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void platform_args(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s RHEAP_BOARD RHEAPD DEFAULT_TL\n",
			argv[0]);
		exit(2);
	}
	g_board_bin = argv[1];
	g_rheapd_bin = argv[2];
	g_tl = argv[3];
	for (int i = 4; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--guest") == 0) {
			g_vmm_bin = argv[i + 1];
		}
	}
	if (g_vmm_bin != NULL && access(g_vmm_bin, X_OK) != 0) {
		fprintf(stderr, "no rheap-vmm at %s\n", g_vmm_bin);
		exit(1);
	}
	if (access(g_rheapd_bin, X_OK) != 0) {
		fprintf(stderr, "no rheapd at %s\n", g_rheapd_bin);
		exit(1);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			      0600);

		/* A test killed by a timeout takes its platform with it. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/*
 * Whether something listens on the socket at @path. A server binds (the
 * file appears) before it listens: until then a connect is refused.
 */
static bool socket_listens(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool ok = false;

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
		if (fd >= 0) {
			close(fd);
		}
		return false;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static int wait_socket(pid_t pid, const char *path)
{
	uint64_t end = now_ms() + START_WAIT_MS;
	struct stat st = { 0 };
	int status = 0;

	while (now_ms() < end) {
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    socket_listens(path)) {
			return 0;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "platform: %s exited before serving\n",
				path);
			return -1;
		}
		usleep(5000);
	}
	fprintf(stderr, "platform: no %s after %u ms\n", path, START_WAIT_MS);
	return -1;
}

static void tail_file(const char *path)
{
	char buf[4096] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t size = 0;
	ssize_t n = 0;

	if (fd < 0) {
		return;
	}
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 :
					       0,
	      SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		fprintf(stderr, "---- %s (tail) ----\n%s\n", path, buf);
	}
}

void platform_dump_logs(const struct platform *p)
{
	tail_file(p->board_log);
	tail_file(p->rheapd_log);
	if (p->vmm_log[0] != '\0') {
		tail_file(p->vmm_log);
	}
}

/* Guest mode: rheap-vmm with one VM; librheap pointed at its kernel. */
static int start_vmm(struct platform *p)
{
	char quota[32] = { 0 };
	char *vargv[] = { (char *)g_vmm_bin, "--vms", "1", "--board",
			  p->board_sock, "--rheapd", p->rheapd_sock,
			  "--run-dir", p->dir, "--vm-quota", quota,
			  "--vm-buffers", "1024", "--vm-attachments", "256",
			  "--quiet", NULL };

	snprintf(quota, sizeof(quota), "%llu",
		 (unsigned long long)PLATFORM_GUEST_QUOTA);
	snprintf(p->vmm_log, sizeof(p->vmm_log), "%s/vmm.log", p->dir);
	snprintf(p->guest_sock, sizeof(p->guest_sock), "%s/vm0/rheapd.sock",
		 p->dir);
	p->vmm = spawn(vargv, p->vmm_log);
	if (p->vmm < 0 || wait_socket(p->vmm, p->guest_sock) != 0) {
		return -1;
	}
	setenv("RHEAP_BACKEND", "virtio", 1);
	setenv("RHEAP_GUEST_SOCKET", p->guest_sock, 1);
	return 0;
}

int platform_start(struct platform *p, const char *policy_json, int idle_ms)
{
	char idle[16] = { 0 };
	char *bargv[] = { (char *)g_board_bin, "--tl", (char *)g_tl,
			  "--socket", p->board_sock, "--debug-dump", "--quiet",
			  NULL };
	char *dargv[12] = { NULL };
	int n = 0;

	memset(p, 0, sizeof(*p));
	p->board = -1;
	p->rheapd = -1;
	p->vmm = -1;
	snprintf(p->dir, sizeof(p->dir), "/tmp/rheap-it-XXXXXX");
	if (mkdtemp(p->dir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(p->board_sock, sizeof(p->board_sock), "%s/board.sock",
		 p->dir);
	snprintf(p->rheapd_sock, sizeof(p->rheapd_sock), "%s/rheapd.sock",
		 p->dir);
	snprintf(p->board_log, sizeof(p->board_log), "%s/board.log", p->dir);
	snprintf(p->rheapd_log, sizeof(p->rheapd_log), "%s/rheapd.log",
		 p->dir);
	bargv[4] = p->board_sock;
	dargv[n++] = (char *)g_rheapd_bin;
	dargv[n++] = "--tl";
	dargv[n++] = (char *)g_tl;
	dargv[n++] = "--board";
	dargv[n++] = p->board_sock;
	dargv[n++] = "--socket";
	dargv[n++] = p->rheapd_sock;
	if (policy_json != NULL) {
		FILE *f = NULL;

		snprintf(p->policy, sizeof(p->policy), "%s/policy.json",
			 p->dir);
		f = fopen(p->policy, "w");
		if (f == NULL) {
			return -1;
		}
		fputs(policy_json, f);
		fclose(f);
		dargv[n++] = "--policy";
		dargv[n++] = p->policy;
	}
	if (idle_ms >= 0) {
		snprintf(idle, sizeof(idle), "%d", idle_ms);
		dargv[n++] = "--idle-ms";
		dargv[n++] = idle;
	}
	dargv[n] = NULL;
	setenv("RHEAP_RUN_DIR", p->dir, 1);
	setenv("RHEAPD_SOCKET", p->rheapd_sock, 1);
	unsetenv("RHEAP_BACKEND");
	p->board = spawn(bargv, p->board_log);
	if (p->board < 0 || wait_socket(p->board, p->board_sock) != 0) {
		goto err;
	}
	p->rheapd = spawn(dargv, p->rheapd_log);
	if (p->rheapd < 0 || wait_socket(p->rheapd, p->rheapd_sock) != 0) {
		goto err;
	}
	if (g_vmm_bin != NULL && start_vmm(p) != 0) {
		goto err;
	}
	return 0;

err:
	platform_dump_logs(p);
	platform_stop(p);
	return -1;
}

/* SIGTERM, then wait; SIGKILL after the timeout. Return the exit code, or
 * -1 for a signal or a kill. */
static int stop_one(pid_t pid)
{
	uint64_t end = now_ms() + STOP_WAIT_MS;
	int status = 0;

	if (pid <= 0) {
		return 0;
	}
	kill(pid, SIGTERM);
	while (now_ms() < end) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid) {
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		if (r < 0) {
			return -1;
		}
		usleep(5000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fprintf(stderr, "platform: pid %d ignored SIGTERM for %u ms\n",
		(int)pid, STOP_WAIT_MS);
	return -1;
}

static void remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de = NULL;
	char file[512] = { 0 };

	if (d == NULL) {
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0) {
			continue;
		}
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		if (unlink(file) != 0 && (errno == EISDIR || errno == EPERM)) {
			remove_dir(file); /* rheapd's private handle dir */
		}
	}
	closedir(d);
	rmdir(path);
}

int platform_stop(struct platform *p)
{
	int rv = stop_one(p->vmm);
	int rd = stop_one(p->rheapd);
	int rb = stop_one(p->board);

	p->vmm = -1;
	p->rheapd = -1;
	p->board = -1;
	if (g_vmm_bin != NULL) {
		unsetenv("RHEAP_BACKEND");
		unsetenv("RHEAP_GUEST_SOCKET");
	}
	if (rv != 0 || rd != 0 || rb != 0) {
		fprintf(stderr,
			"platform: vmm exit %d, rheapd exit %d, board exit %d\n",
			rv, rd, rb);
		platform_dump_logs(p);
		remove_dir(p->dir);
		return -1;
	}
	remove_dir(p->dir);
	return 0;
}

int platform_status(struct json_doc **doc)
{
	char *buf = malloc(RHEAPD_MSG_MAX + 1);
	size_t len = 0;
	int rc = 0;

	if (buf == NULL) {
		return -ENOMEM;
	}
	rc = rheap_status(RHEAP_OPEN_RHEAPD, buf, RHEAPD_MSG_MAX + 1, &len);
	if (rc == 0) {
		rc = json_parse(buf, len, doc, NULL);
	}
	free(buf);
	return rc;
}

int platform_guest_status(struct json_doc **doc)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = 0;

	if (g_vmm_bin == NULL) {
		return -EOPNOTSUPP;
	}
	buf = malloc(RHEAPD_MSG_MAX + 1);
	if (buf == NULL) {
		return -ENOMEM;
	}
	rc = rheap_status(RHEAP_OPEN_VIRTIO, buf, RHEAPD_MSG_MAX + 1, &len);
	if (rc == 0) {
		rc = json_parse(buf, len, doc, NULL);
	}
	free(buf);
	return rc;
}

void platform_guest_check(uint64_t min_requests)
{
	struct json_doc *doc = NULL;
	const struct json_value *g = NULL;
	const char *dev = NULL;

	if (g_vmm_bin == NULL) {
		return;
	}
	if (!tap_check(platform_guest_status(&doc) == 0,
		       "guest: the guest kernel's STATUS parses")) {
		return;
	}
	g = json_object_get(json_root(doc), "guest");
	(void)json_get_string(json_object_get(g, "device"), &dev);
	tap_check(status_u64(g, "vm_id") == 2 && dev != NULL &&
			  strcmp(dev, "live") == 0,
		  "guest: ran in VM 0x0002 over a live virtio-rheap device");
	tap_check(status_u64(g, "requests") >= min_requests &&
			  status_u64(g, "frees_failed") == 0,
		  "guest: %llu virtio requests served (>= %llu), no FREE failed",
		  (unsigned long long)status_u64(g, "requests"),
		  (unsigned long long)min_requests);
	tap_check(status_array_count(doc, "buffers") == 0 &&
			  status_u64(g, "tee_sessions") == 0 &&
			  status_u64(g, "tee_registrations") == 0 &&
			  status_u64(g, "local_bytes") == 0,
		  "guest: no buffer, TEE session or registration left");
	json_free(doc);
}

uint64_t status_u64(const struct json_value *obj, const char *key)
{
	uint64_t v = UINT64_MAX;

	if (obj == NULL || json_get_u64(json_object_get(obj, key), &v) != 0) {
		return UINT64_MAX;
	}
	return v;
}

uint64_t status_counter(const struct json_doc *doc, const char *key)
{
	return status_u64(json_object_get(json_root(doc), "counters"), key);
}

static const struct json_value *heap_obj(const struct json_doc *doc,
					 const char *heap)
{
	const struct json_value *heaps = json_object_get(json_root(doc),
							 "heaps");
	const struct json_value *h = heaps != NULL ? heaps->child : NULL;

	for (; h != NULL; h = h->next) {
		const char *name = NULL;

		if (json_get_string(json_object_get(h, "name"), &name) == 0 &&
		    strcmp(name, heap) == 0) {
			return h;
		}
	}
	return NULL;
}

uint64_t status_heap_u64(const struct json_doc *doc, const char *heap,
			 const char *key)
{
	return status_u64(heap_obj(doc, heap), key);
}

size_t status_array_count(const struct json_doc *doc, const char *key)
{
	const struct json_value *a = json_object_get(json_root(doc), key);

	return a != NULL ? a->count : 0;
}

size_t status_pool_sizes(const struct json_doc *doc, const char *heap,
			 uint64_t *sizes, size_t cap)
{
	const struct json_value *pools = json_object_get(json_root(doc),
							 "pools");
	const struct json_value *p = pools != NULL ? pools->child : NULL;
	size_t n = 0;

	for (; p != NULL; p = p->next) {
		const char *name = NULL;

		if (json_get_string(json_object_get(p, "heap"), &name) != 0 ||
		    strcmp(name, heap) != 0 || n >= cap) {
			continue;
		}
		sizes[n++] = status_u64(p, "size");
	}
	/* Largest first. */
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++) {
			if (sizes[j] > sizes[i]) {
				uint64_t t = sizes[i];

				sizes[i] = sizes[j];
				sizes[j] = t;
			}
		}
	}
	return n;
}

uint64_t status_largest_pool(const struct json_doc *doc, const char *heap)
{
	uint64_t sizes[8] = { 0 };

	return status_pool_sizes(doc, heap, sizes, 8) > 0 ? sizes[0] : 0;
}

static bool status_idle(const struct json_doc *doc)
{
	const struct json_value *heaps = json_object_get(json_root(doc),
							 "heaps");
	const struct json_value *h = heaps != NULL ? heaps->child : NULL;

	if (status_array_count(doc, "buffers") != 0 || heaps == NULL) {
		return false;
	}
	for (; h != NULL; h = h->next) {
		if (status_u64(h, "used") != 0 ||
		    status_u64(h, "buffers") != 0) {
			return false;
		}
	}
	return true;
}

int platform_wait_idle(unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	struct json_doc *doc = NULL;

	/* Guest mode: the guest frees on the device (the vmm closes the host
	 * handle) once it is idle itself; then the host is waited for. */
	while (g_vmm_bin != NULL) {
		bool idle = false;

		if (platform_guest_status(&doc) == 0) {
			idle = status_idle(doc);
			json_free(doc);
			doc = NULL;
		}
		if (idle) {
			break;
		}
		if (now_ms() >= end) {
			char *buf = malloc(RHEAPD_MSG_MAX + 1);

			if (buf != NULL &&
			    rheap_status(RHEAP_OPEN_VIRTIO, buf,
					 RHEAPD_MSG_MAX + 1, NULL) == 0) {
				fprintf(stderr,
					"platform: guest not idle after %u ms: "
					"%.2000s\n",
					timeout_ms, buf);
			}
			free(buf);
			return -1;
		}
		usleep(2000);
	}
	for (;;) {
		if (platform_status(&doc) == 0) {
			bool idle = status_idle(doc);

			json_free(doc);
			doc = NULL;
			if (idle) {
				return 0;
			}
		}
		if (now_ms() >= end) {
			break;
		}
		usleep(2000);
	}
	{
		char *buf = malloc(RHEAPD_MSG_MAX + 1);

		if (buf != NULL && rheap_status(RHEAP_OPEN_RHEAPD, buf,
						RHEAPD_MSG_MAX + 1, NULL) == 0) {
			fprintf(stderr, "platform: not idle after %u ms: %.2000s\n",
				timeout_ms, buf);
		}
		free(buf);
	}
	return -1;
}

bool tap_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	g_checks++;
	if (!ok) {
		g_failed++;
	}
	printf("%s %u - ", ok ? "ok" : "not ok", g_checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return ok;
}

void tap_note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int tap_done(void)
{
	printf("1..%u\n", g_checks);
	if (g_failed != 0) {
		printf("# %u of %u checks failed\n", g_failed, g_checks);
	}
	return g_failed == 0 && g_checks > 0 ? 0 : 1;
}

int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de = NULL;
	int n = 0;

	if (d == NULL) {
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.') {
			n++;
		}
	}
	closedir(d);
	return n - 1;
}

int fd_send(int sock, int fd)
{
	char byte = 'h';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm = NULL;

	memset(&ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int fd_recv(int sock)
{
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm = NULL;
	int fd = -1;

	memset(&ctl, 0, sizeof(ctl));
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1) {
		return -1;
	}
	cm = CMSG_FIRSTHDR(&msg);
	if (cm == NULL || cm->cmsg_type != SCM_RIGHTS) {
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

const TEEC_UUID sdp_basic_ta_uuid = {
	0x12345678, 0x5b69, 0x11e4,
	{ 0x9d, 0xbb, 0x10, 0x1f, 0x74, 0xf0, 0x00, 0x99 }
};

TEEC_Result sdp_tee_open(struct sdp_tee *t)
{
	uint32_t origin = 0;
	TEEC_Result res = TEEC_InitializeContext(NULL, &t->ctx);

	if (res != TEEC_SUCCESS) {
		return res;
	}
	res = TEEC_OpenSession(&t->ctx, &t->sess, &sdp_basic_ta_uuid,
			       TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (res != TEEC_SUCCESS) {
		TEEC_FinalizeContext(&t->ctx);
	}
	return res;
}

void sdp_tee_close(struct sdp_tee *t)
{
	TEEC_CloseSession(&t->sess);
	TEEC_FinalizeContext(&t->ctx);
}

TEEC_Result sdp_inject(struct sdp_tee *t, TEEC_SharedMemory *shm, size_t off,
		       const void *src, size_t len, uint32_t *origin)
{
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;

	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].tmpref.buffer = (void *)src;
	op.params[0].tmpref.size = len;
	op.params[1].memref.parent = shm;
	op.params[1].memref.offset = off;
	op.params[1].memref.size = len;
	return TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_INJECT, &op, origin);
}

TEEC_Result sdp_transform(struct sdp_tee *t, TEEC_SharedMemory *shm,
			  size_t off, size_t len, uint32_t *origin)
{
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;

	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INOUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].memref.parent = shm;
	op.params[0].memref.offset = off;
	op.params[0].memref.size = len;
	return TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_TRANSFORM, &op, origin);
}

TEEC_Result sdp_dump(struct sdp_tee *t, TEEC_SharedMemory *shm, size_t off,
		     void *dst, size_t len, uint32_t *origin)
{
	TEEC_Operation op = TEEC_OPERATION_INITIALIZER;

	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].memref.parent = shm;
	op.params[0].memref.offset = off;
	op.params[0].memref.size = len;
	op.params[1].tmpref.buffer = dst;
	op.params[1].tmpref.size = len;
	return TEEC_InvokeCommand(&t->sess, SDP_TA_CMD_DUMP, &op, origin);
}
