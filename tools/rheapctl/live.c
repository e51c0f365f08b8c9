// SPDX-License-Identifier: BSD-2-Clause
/* rheapctl's queries of the running platform (see live.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/rheapd_uapi.h>

#include "board/nw_client.h"
#include "live.h"
#include "util/rundir.h"

/* The seq of rheapctl's one request on a connection. */
#define CTL_LIVE_SEQ 0x52435431u /* "RCT1" */

int ctl_live_rheapd_path(char *buf, size_t cap)
{
	const char *env = getenv(RHEAPD_SOCKET_ENV);

	if (env && env[0] != '\0') {
		int n = snprintf(buf, cap, "%s", env);

		return n < 0 || (size_t)n >= cap ? -ENOSPC : 0;
	}
	return rheap_run_path(RHEAPD_SOCKET_NAME, buf, cap);
}

int ctl_live_board_path(char *buf, size_t cap)
{
	return rheap_run_path("board.sock", buf, cap);
}

static int ctl_live_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTL_LIVE_TIMEOUT_S };
	size_t len = strlen(path);
	int fd = -1;

	if (len == 0 || len >= sizeof(addr.sun_path)) {
		return -ENOSPC;
	}
	memcpy(addr.sun_path, path, len + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -ENOMEM;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

int ctl_live_rheapd_status(const char *path, char **json, size_t *len)
{
	struct rheapd_hdr req = {
		.magic = RHEAPD_UAPI_MAGIC,
		.version = RHEAPD_UAPI_VERSION,
		.op = RHEAPD_OP_STATUS,
		.seq = CTL_LIVE_SEQ,
	};
	struct rheapd_hdr rep = { 0 };
	struct iovec iov = { 0 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t payload = 0;
	uint8_t *buf = NULL;
	char *text = NULL;
	ssize_t n = 0;
	int rc = 0;
	int fd = ctl_live_connect(path);

	if (fd < 0) {
		return fd;
	}
	buf = malloc(RHEAPD_MSG_MAX + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out_close;
	}
	do {
		n = send(fd, &req, sizeof(req), MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(req)) {
		rc = -ENOENT;
		goto out_free;
	}
	iov.iov_base = buf;
	iov.iov_len = RHEAPD_MSG_MAX + 1;
	do {
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		rc = -ENOENT; /* closed, error, or no answer in time */
		goto out_free;
	}
	if ((size_t)n < sizeof(rep) ||
	    (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		rc = -EINVAL;
		goto out_free;
	}
	memcpy(&rep, buf, sizeof(rep));
	if (rep.magic != RHEAPD_UAPI_MAGIC || rep.version != RHEAPD_UAPI_VERSION ||
	    rep.op != RHEAPD_OP_STATUS || rep.seq != CTL_LIVE_SEQ) {
		rc = -EINVAL;
		goto out_free;
	}
	if (rep.status != 0) {
		rc = rep.status < 0 && rep.status >= -4095 ? rep.status : -EINVAL;
		goto out_free;
	}
	payload = (size_t)n - sizeof(rep);
	text = malloc(payload + 1);
	if (!text) {
		rc = -ENOMEM;
		goto out_free;
	}
	memcpy(text, buf + sizeof(rep), payload);
	text[payload] = '\0';
	*json = text;
	*len = payload;
out_free:
	free(buf);
out_close:
	close(fd);
	return rc;
}

int ctl_live_board_query(const char *path, bool faults, char **json,
			 size_t *len)
{
	struct nw_client *c = NULL;
	int rc = nw_client_connect(path, BOARD_CONN_OPERATOR, &c);

	if (rc != 0) {
		return rc;
	}
	rc = faults ? nw_client_faults(c, json, len) : nw_client_status(c, json, len);
	nw_client_destroy(c);
	return rc;
}
