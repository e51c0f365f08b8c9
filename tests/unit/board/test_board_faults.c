// SPDX-License-Identifier: BSD-2-Clause
/*
 * The board's operator views added for rheapctl: the DRAM/pool layout in
 * the STATUS JSON and the fault log (board_faults_json(), the FAULTS
 * request over the socket transport, nw_client_faults()).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <rheap/err.h>

#include "board/board.h"
#include "board/board_msg.h"
#include "board/board_server.h"
#include "board/nw_client.h"
#include "hw/hw_bus.h"
#include "hw/hw_dram.h"
#include "util/json.h"
#include "board_test_file.h"

/* Default platform facts (platforms/default.dts). */
#define DRAM0_BASE UINT64_C(0x80000000)
#define DRAM1_BASE UINT64_C(0x880000000)
#define DRAM_SIZE UINT64_C(0x80000000)
#define SV_STATIC_BASE UINT64_C(0xe0000000)
#define VDEC_STREAM 0x10u

static uint8_t *tl_buf;
static size_t tl_size;

struct fixture {
	struct board *b;
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
	struct board_opts opts = { .dram_flags = HW_DRAM_NO_SECRET, .quiet = true };

	assert_non_null(fx);
	fx->log = tmpfile();
	opts.log = fx->log;
	assert_int_equal(board_create(tl_buf, tl_size, &opts, &fx->b), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	board_destroy(fx->b);
	fclose(fx->log);
	free(fx);
	return 0;
}

static uint64_t member_u64(const struct json_value *obj, const char *key)
{
	uint64_t v = 0;

	assert_int_equal(json_get_u64(json_object_get(obj, key), &v), 0);
	return v;
}

static const char *member_str(const struct json_value *obj, const char *key)
{
	const char *s = NULL;

	assert_int_equal(json_get_string(json_object_get(obj, key), &s), 0);
	return s;
}

static bool member_bool(const struct json_value *obj, const char *key)
{
	bool v = false;

	assert_int_equal(json_get_bool(json_object_get(obj, key), &v), 0);
	return v;
}

static struct json_doc *faults_doc(struct board *b)
{
	struct json_doc *doc = NULL;
	char *json = NULL;
	size_t len = 0;

	assert_int_equal(board_faults_json(b, &json, &len), 0);
	assert_int_equal(strlen(json), len);
	assert_int_equal(json_parse(json, len, &doc, NULL), 0);
	free(json);
	return doc;
}

static void test_status_layout(void **state)
{
	struct fixture *fx = *state;
	const struct json_value *root = NULL;
	const struct json_value *dram = NULL;
	const struct json_value *pools = NULL;
	const struct json_value *p = NULL;
	struct json_doc *doc = NULL;
	char *json = NULL;
	size_t len = 0;

	assert_int_equal(board_status_json(fx->b, &json, &len), 0);
	assert_int_equal(json_parse(json, len, &doc, NULL), 0);
	root = json_root(doc);
	dram = json_object_get(root, "dram");
	assert_non_null(dram);
	assert_int_equal(dram->type, JSON_ARRAY);
	assert_int_equal(dram->count, 2);
	assert_int_equal(member_u64(dram->child, "base"), DRAM0_BASE);
	assert_int_equal(member_u64(dram->child, "size"), DRAM_SIZE);
	assert_int_equal(member_u64(dram->child->next, "base"), DRAM1_BASE);
	pools = json_object_get(root, "pools");
	assert_non_null(pools);
	assert_int_equal(pools->count, 4);
	p = pools->child;
	assert_string_equal(member_str(p, "name"), "secure-video");
	assert_string_equal(member_str(p, "kind"), "static");
	assert_string_equal(member_str(p, "use_case"), "secure-video");
	assert_int_equal(member_u64(p, "base"), SV_STATIC_BASE);
	assert_int_equal(member_u64(p, "size"), UINT64_C(64) << 20);
	for (p = pools->child; p; p = p->next) {
		if (strcmp(member_str(p, "name"), "secure-video-record") == 0) {
			break;
		}
	}
	assert_non_null(p);
	assert_string_equal(member_str(p, "kind"), "dynamic");
	assert_int_equal(member_u64(p, "base"), UINT64_C(0x8eb000000));
	assert_int_equal(member_u64(p, "size"), UINT64_C(64) << 20);
	json_free(doc);
	free(json);
}

static void test_faults_empty(void **state)
{
	struct fixture *fx = *state;
	struct json_doc *doc = faults_doc(fx->b);
	const struct json_value *root = json_root(doc);
	const struct json_value *list = json_object_get(root, "faults");

	assert_int_equal(member_u64(root, "total"), 0);
	assert_int_equal(member_u64(root, "held"), 0);
	assert_int_equal(member_u64(root, "dropped"), 0);
	assert_non_null(list);
	assert_int_equal(list->type, JSON_ARRAY);
	assert_int_equal(list->count, 0);
	json_free(doc);
}

/* A NS CPU read of the static carve-out, a vdec DMA to an unmapped IOVA,
 * a DMA from an unknown stream: three records, oldest first, exact. */
static void test_faults_records(void **state)
{
	struct fixture *fx = *state;
	struct hw_bus *bus = board_bus(fx->b);
	uint8_t buf[16] = { 0 };
	const struct json_value *f = NULL;
	struct json_doc *doc = NULL;

	assert_int_equal(hw_bus_cpu_read(bus, false, SV_STATIC_BASE + 0x1000,
					 buf, sizeof(buf)), -EPERM);
	assert_int_equal(hw_bus_dev_write(bus, VDEC_STREAM, true, 0x40000, buf,
					  sizeof(buf)), -ENOENT);
	assert_int_equal(hw_bus_dev_read(bus, 0x7777, false, 0x5000, buf,
					 sizeof(buf)), -ENOENT);
	doc = faults_doc(fx->b);
	assert_int_equal(member_u64(json_root(doc), "total"), 3);
	assert_int_equal(member_u64(json_root(doc), "held"), 3);
	f = json_object_get(json_root(doc), "faults");
	assert_int_equal(f->count, 3);

	f = f->child;
	assert_int_equal(member_u64(f, "seq"), 0);
	assert_string_equal(member_str(f, "reason"), "tzasc-denied");
	assert_string_equal(member_str(f, "master"), "cpu");
	assert_string_equal(member_str(f, "device"), "");
	assert_int_equal(member_u64(f, "stream_id"), 0);
	assert_false(member_bool(f, "secure"));
	assert_string_equal(member_str(f, "access"), "read");
	assert_int_equal(member_u64(f, "address"), SV_STATIC_BASE + 0x1000);
	assert_int_equal(member_u64(f, "pa"), SV_STATIC_BASE + 0x1000);
	assert_true(member_bool(f, "pa_valid"));

	f = f->next;
	assert_int_equal(member_u64(f, "seq"), 1);
	assert_string_equal(member_str(f, "reason"), "no-translation");
	assert_string_equal(member_str(f, "master"), "device");
	assert_string_equal(member_str(f, "device"), "vdec");
	assert_int_equal(member_u64(f, "stream_id"), VDEC_STREAM);
	assert_true(member_bool(f, "secure"));
	assert_string_equal(member_str(f, "access"), "write");
	assert_int_equal(member_u64(f, "address"), 0x40000);
	assert_int_equal(member_u64(f, "pa"), 0);
	assert_false(member_bool(f, "pa_valid"));

	f = f->next;
	assert_int_equal(member_u64(f, "seq"), 2);
	assert_string_equal(member_str(f, "reason"), "unknown-stream");
	assert_string_equal(member_str(f, "device"), "");
	assert_int_equal(member_u64(f, "stream_id"), 0x7777);
	json_free(doc);

	/* Reading does not empty the log. */
	doc = faults_doc(fx->b);
	assert_int_equal(member_u64(json_root(doc), "held"), 3);
	json_free(doc);
}

/* FAULTS over the socket transport: an operator gets the same JSON; the
 * same request with a set MBZ register closes the connection. */
/* Serves @fd (one socketpair end) from a forked child; returns its pid. */
static pid_t serve_in_child(struct board *b, int fd, int other)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct board_server *srv = NULL;

		close(other);
		if (board_server_create(b, NULL, &srv) != 0 ||
		    board_server_adopt(srv, fd) != 0) {
			_exit(1);
		}
		_exit(board_server_run(srv) == 0 ? 0 : 1);
	}
	close(fd);
	return pid;
}

static void test_faults_transport(void **state)
{
	struct fixture *fx = *state;
	struct nw_client *op = NULL;
	struct json_doc *doc = NULL;
	uint8_t buf[8] = { 0 };
	char *json = NULL;
	size_t len = 0;
	int sv[2] = { -1, -1 };
	pid_t pid = 0;

	assert_int_equal(hw_bus_cpu_write(board_bus(fx->b), false, SV_STATIC_BASE,
					  buf, sizeof(buf)), -EPERM);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	/* The server runs in a child: the client below blocks on replies. */
	pid = serve_in_child(fx->b, sv[0], sv[1]);
	assert_int_equal(nw_client_connect_fd(sv[1], BOARD_CONN_OPERATOR, &op), 0);
	assert_int_equal(nw_client_faults(op, &json, &len), 0);
	assert_int_equal(json_parse(json, len, &doc, NULL), 0);
	assert_int_equal(member_u64(json_root(doc), "held"), 1);
	assert_string_equal(member_str(json_object_get(json_root(doc), "faults")->child,
				       "access"), "write");
	json_free(doc);
	free(json);
	json = NULL;
	/* STATUS still works on the same connection. */
	assert_int_equal(nw_client_status(op, &json, &len), 0);
	assert_non_null(strstr(json, "\"dram\""));
	free(json);
	json = NULL;
	nw_client_destroy(op);
	kill(pid, SIGTERM);
	(void)waitpid(pid, NULL, 0);
}

static void test_faults_malformed(void **state)
{
	struct fixture *fx = *state;
	struct nw_client *op = NULL;
	struct rheap_ffa_regs req = { .x = { BOARD_MSG_FAULTS, 1 } };
	uint8_t frame[BOARD_MSG_SIZE] = { 0 };
	uint8_t reply[BOARD_MSG_SIZE] = { 0 };
	char *json = NULL;
	size_t len = 0;
	int sv[2] = { -1, -1 };
	pid_t pid = 0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid = serve_in_child(fx->b, sv[0], sv[1]);
	assert_int_equal(nw_client_connect_fd(sv[1], BOARD_CONN_OPERATOR, &op), 0);
	board_msg_encode(&req, frame);
	assert_int_equal(send(nw_client_fd(op), frame, sizeof(frame), MSG_NOSIGNAL),
			 (ssize_t)sizeof(frame));
	/* The board closes the connection: EOF, no reply. */
	assert_int_equal(recv(nw_client_fd(op), reply, sizeof(reply), 0), 0);
	assert_int_equal(nw_client_faults(op, &json, &len), -ENOENT);
	assert_null(json);
	nw_client_destroy(op);
	kill(pid, SIGTERM);
	(void)waitpid(pid, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults_transport, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults_malformed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, load_tl, free_tl);
}
