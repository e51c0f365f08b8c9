// SPDX-License-Identifier: BSD-2-Clause
/*
 * In-guest per-uid quota and accounting check of rheap.ko (issue 7,
 * R7/R8 in the kernel; docs/kernel-driver.md, "Per-uid quota and
 * accounting").
 *
 * /init runs this as root. On protected,secure-video with the module
 * parameter quota_bytes set to 4 MiB through sysfs:
 *
 *   1. child A (uid 1001) takes four 1 MiB buffers; a fifth and a 2 MiB
 *      one fail with ENOMEM; debugfs rheap/heaps: "uid 1001 <heap>
 *      buffers=4 bytes=4194304", quota_refused up by 2;
 *   2. child B (uid 1002) still allocates 2 MiB while A is at its quota;
 *   3. A passes one fd to the parent (SCM_RIGHTS) and exits: the charge
 *      stays with uid 1001 (buffers=1 bytes=1 MiB), none for uid 0; a new
 *      uid 1001 child gets 3 MiB but not 1 MiB more;
 *   4. the parent closes the fd: no uid line left, heap bytes as before;
 *   5. quota_bytes=0 (unlimited): 5 MiB allocate as uid 1001.
 *
 * The dma-heap device is opened as root before fork (devtmpfs makes it
 * 0600): the children allocate through the inherited fd after setuid, so
 * current_uid() at the ioctl is theirs. Exit 0 iff every check passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktap.h"

#define HEAP "protected,secure-video"
#define QUOTA_PARAM "/sys/module/rheap/parameters/quota_bytes"
#define MIB (1024u * 1024u)
#define QUOTA (4u * MIB)
#define UID_A 1001u
#define UID_B 1002u
#define MAX_RESULTS 8u

/* What a child reports: its allocation results (fd >= 0 or -errno). */
struct child_report {
	int n;
	int rc[MAX_RESULTS];
};

struct child {
	pid_t pid;
	int sock;
};

/*
 * The "uid <uid> HEAP ..." line's "key=<n>"; 0, or -ENOENT when @uid has
 * no line (no live buffer in HEAP).
 */
static int uid_stat(unsigned int uid, const char *key, uint64_t *out)
{
	static char text[8192];
	char prefix[96];
	size_t pl = 0;
	size_t kl = strlen(key);
	char *line = text;

	snprintf(prefix, sizeof(prefix), "uid %u " HEAP " ", uid);
	pl = strlen(prefix);
	if (ktap_read_file(KTAP_DEBUGFS "/heaps", text, sizeof(text)) < 0) {
		return -ENOENT;
	}
	while (line != NULL && *line != '\0') {
		char *nl = strchr(line, '\n');

		if (nl != NULL) {
			*nl = '\0';
		}
		if (strncmp(line, prefix, pl) == 0) {
			for (char *p = line + pl - 1; (p = strstr(p, key)) != NULL;
			     p++) {
				if (p[-1] == ' ' && p[kl] == '=') {
					*out = strtoull(p + kl + 1, NULL, 10);
					return 0;
				}
			}
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return -ENOENT;
}

static bool uid_is(unsigned int uid, uint64_t buffers, uint64_t bytes)
{
	uint64_t b = 0;
	uint64_t n = 0;

	if (uid_stat(uid, "buffers", &b) != 0 ||
	    uid_stat(uid, "bytes", &n) != 0) {
		ktap_note("uid %u: no line in rheap/heaps", uid);
		return false;
	}
	if (b != buffers || n != bytes) {
		ktap_note("uid %u: buffers=%" PRIu64 " bytes=%" PRIu64, uid, b, n);
	}
	return b == buffers && n == bytes;
}

static bool uid_absent(unsigned int uid)
{
	uint64_t b = 0;

	return uid_stat(uid, "buffers", &b) == -ENOENT;
}

static uint64_t heap_stat(const char *key)
{
	uint64_t v = UINT64_MAX;

	(void)ktap_heap_stat(HEAP, key, &v);
	return v;
}

static int send_fd(int sock, int fd)
{
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c = NULL;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c = NULL;
	int fd = -1;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1) {
		return -1;
	}
	c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int))) {
		return -1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static bool read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * Fork a child that becomes @uid, allocates @sizes (0-terminated) from
 * @heap_fd, reports, passes its first buffer's fd when @pass, then waits
 * for one byte (or EOF) before it exits (its buffers die with it).
 */
static int child_start(struct child *ch, int heap_fd, unsigned int uid,
		       const uint64_t *sizes, bool pass)
{
	int sv[2] = { -1, -1 };

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		return -errno;
	}
	ch->pid = fork();
	if (ch->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (ch->pid == 0) {
		struct child_report rep;
		char go = 0;

		memset(&rep, 0, sizeof(rep));
		close(sv[0]);
		if (setresgid(uid, uid, uid) != 0 ||
		    setresuid(uid, uid, uid) != 0) {
			_exit(2);
		}
		for (; rep.n < (int)MAX_RESULTS && sizes[rep.n] != 0; rep.n++) {
			rep.rc[rep.n] = ktap_dma_heap_alloc(heap_fd, sizes[rep.n],
							    O_RDWR | O_CLOEXEC);
		}
		if (write(sv[1], &rep, sizeof(rep)) != (ssize_t)sizeof(rep)) {
			_exit(3);
		}
		if (pass && send_fd(sv[1], rep.rc[0]) != 0) {
			_exit(4);
		}
		(void)read(sv[1], &go, 1);
		_exit(0);
	}
	close(sv[1]);
	ch->sock = sv[0];
	return 0;
}

/* Let the child exit and reap it; its exit status. */
static int child_finish(struct child *ch)
{
	int status = 0;

	(void)write(ch->sock, "x", 1);
	close(ch->sock);
	if (waitpid(ch->pid, &status, 0) != ch->pid) {
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static bool report_get(struct child *ch, struct child_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	return read_all(ch->sock, rep, sizeof(*rep));
}

int main(void)
{
	static const uint64_t sizes_a[] = { MIB, MIB, MIB, MIB, MIB, 2 * MIB, 0 };
	static const uint64_t sizes_b[] = { 2 * MIB, 0 };
	static const uint64_t sizes_a2[] = { 3 * MIB, MIB, 0 };
	static const uint64_t sizes_a3[] = { 5 * MIB, 0 };
	char old_quota[32] = "0";
	char text[32];
	struct child_report rep;
	struct child a, b, a2, a3;
	uint64_t bytes0 = 0;
	uint64_t buffers0 = 0;
	uint64_t refused0 = 0;
	int heap_fd = -1;
	int passed = -1;
	bool ok = false;

	signal(SIGPIPE, SIG_IGN);
	heap_fd = open("/dev/dma_heap/" HEAP, O_RDONLY | O_CLOEXEC);
	if (!ktap_check(heap_fd >= 0, "open /dev/dma_heap/%s", HEAP)) {
		return ktap_done();
	}
	if (ktap_read_file(QUOTA_PARAM, old_quota, sizeof(old_quota)) > 0) {
		old_quota[strcspn(old_quota, "\n")] = '\0';
	}
	ktap_check(strcmp(old_quota, "0") == 0, "quota_bytes defaults to 0 (%s)",
		   old_quota);
	bytes0 = heap_stat("bytes");
	buffers0 = heap_stat("buffers");
	refused0 = heap_stat("quota_refused");
	ktap_check(refused0 != UINT64_MAX, "rheap/heaps has quota_refused");
	snprintf(text, sizeof(text), "%u", QUOTA);
	ktap_check(ktap_write_file(QUOTA_PARAM, text) == 0,
		   "quota_bytes=%u through sysfs", QUOTA);

	/* 1. A up to its quota. */
	ok = child_start(&a, heap_fd, UID_A, sizes_a, true) == 0 &&
	     report_get(&a, &rep);
	ktap_check(ok && rep.n == 6, "uid %u reports 6 allocations", UID_A);
	ktap_check(rep.rc[0] >= 0 && rep.rc[1] >= 0 && rep.rc[2] >= 0 &&
			   rep.rc[3] >= 0,
		   "uid %u: four 1 MiB buffers within the quota (%d %d %d %d)",
		   UID_A, rep.rc[0], rep.rc[1], rep.rc[2], rep.rc[3]);
	ktap_check(rep.rc[4] == -ENOMEM,
		   "uid %u: a fifth 1 MiB buffer: ENOMEM (%d)", UID_A, rep.rc[4]);
	ktap_check(rep.rc[5] == -ENOMEM, "uid %u: 2 MiB more: ENOMEM (%d)",
		   UID_A, rep.rc[5]);
	passed = ok ? recv_fd(a.sock) : -1;
	ktap_check(passed >= 0, "uid %u passed a buffer fd to uid 0", UID_A);
	ktap_check(uid_is(UID_A, 4, QUOTA), "rheap/heaps: uid %u buffers=4 bytes=%u",
		   UID_A, QUOTA);
	ktap_check(heap_stat("quota_refused") == refused0 + 2,
		   "rheap/heaps: quota_refused +2");
	ktap_check(heap_stat("bytes") == bytes0 + QUOTA &&
			   heap_stat("buffers") == buffers0 + 4,
		   "heap bytes and buffers count A's four buffers");

	/* 2. B is not limited by A's charge. */
	ok = child_start(&b, heap_fd, UID_B, sizes_b, false) == 0 &&
	     report_get(&b, &rep);
	ktap_check(ok && rep.n == 1 && rep.rc[0] >= 0,
		   "uid %u allocates 2 MiB while uid %u is at its quota (%d)",
		   UID_B, UID_A, rep.rc[0]);
	ktap_check(uid_is(UID_B, 1, 2 * MIB), "rheap/heaps: uid %u buffers=1 bytes=%u",
		   UID_B, 2 * MIB);
	ktap_check(child_finish(&b) == 0, "uid %u exits", UID_B);
	ktap_check(uid_absent(UID_B), "uid %u: no line once its buffer died", UID_B);

	/* 3. A exits; the fd it passed keeps the charge with uid 1001. */
	ktap_check(child_finish(&a) == 0, "uid %u exits", UID_A);
	ktap_check(uid_is(UID_A, 1, MIB),
		   "the passed buffer stays charged to uid %u (buffers=1 bytes=%u)",
		   UID_A, MIB);
	ktap_check(uid_absent(0), "nothing charged to uid 0, its holder");
	ok = child_start(&a2, heap_fd, UID_A, sizes_a2, false) == 0 &&
	     report_get(&a2, &rep);
	ktap_check(ok && rep.n == 2 && rep.rc[0] >= 0,
		   "uid %u: 3 MiB next to the held 1 MiB (%d)", UID_A, rep.rc[0]);
	ktap_check(rep.rc[1] == -ENOMEM, "uid %u: 1 MiB more: ENOMEM (%d)",
		   UID_A, rep.rc[1]);
	ktap_check(uid_is(UID_A, 2, QUOTA), "rheap/heaps: uid %u buffers=2 bytes=%u",
		   UID_A, QUOTA);
	ktap_check(child_finish(&a2) == 0, "second uid %u child exits", UID_A);

	/* 4. The last reference goes: the charge goes. */
	ktap_check(uid_is(UID_A, 1, MIB), "uid %u back to the passed buffer",
		   UID_A);
	if (passed >= 0) {
		close(passed);
	}
	ktap_check(uid_absent(UID_A), "uid %u: no line after the holder's close",
		   UID_A);
	ktap_check(heap_stat("bytes") == bytes0 && heap_stat("buffers") == buffers0,
		   "heap bytes=%" PRIu64 " buffers=%" PRIu64 " as before",
		   bytes0, buffers0);

	/* 5. Unlimited again at run time. */
	ktap_check(ktap_write_file(QUOTA_PARAM, "0") == 0, "quota_bytes=0");
	ok = child_start(&a3, heap_fd, UID_A, sizes_a3, false) == 0 &&
	     report_get(&a3, &rep);
	ktap_check(ok && rep.n == 1 && rep.rc[0] >= 0,
		   "uid %u: 5 MiB with no quota (%d)", UID_A, rep.rc[0]);
	ktap_check(uid_is(UID_A, 1, 5 * MIB), "rheap/heaps: uid %u bytes=%u",
		   UID_A, 5 * MIB);
	ktap_check(child_finish(&a3) == 0, "third uid %u child exits", UID_A);
	ktap_check(uid_absent(UID_A) && heap_stat("bytes") == bytes0,
		   "everything back to 0 after the frees");

	(void)ktap_write_file(QUOTA_PARAM, old_quota);
	close(heap_fd);
	/* Leave the chunks released for the next program. */
	ktap_check(ktap_heap_wait(HEAP, buffers0, UINT64_MAX, 1000) == 0,
		   "heap at its starting buffer count");
	if (buffers0 == 0) {
		(void)ktap_heap_wait(HEAP, 0, 0, 10000);
	}
	return ktap_done();
}
