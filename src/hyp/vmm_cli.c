// SPDX-License-Identifier: BSD-2-Clause
/* rheap-vmm's command line (docs/vmm.md "Command line"). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>

#include "hyp/vmm.h"
#include "util/rundir.h"

static void vmm_usage(FILE *f)
{
	fputs("usage: rheap-vmm --vms N [--board SOCK] [--rheapd SOCK] [--run-dir DIR]\n"
	      "                 [--guest-mem MIB] [--guest-base PA] [--vm-quota BYTES]\n"
	      "                 [--vm-buffers N] [--vm-attachments N] [--quiet]\n"
	      "Starts N guest VMs (1..8), each with a virtio-rheap device served from\n"
	      "the host's heaps; defaults: sockets in the run directory, 64 MiB of\n"
	      "RAM per guest at 0xa0000000, quota 64 MiB / 64 buffers / 64\n"
	      "attachments per VM. SIGTERM stops the guests and exits 0.\n",
	      f);
}

static int vmm_parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v = 0;

	if (!s || !*s || *s == '-') {
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end) {
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int vmm_main(int argc, char **argv, vmm_guest_fn guest)
{
	static const struct option opts[] = {
		{ "vms", required_argument, NULL, 'n' },
		{ "board", required_argument, NULL, 'b' },
		{ "rheapd", required_argument, NULL, 'r' },
		{ "run-dir", required_argument, NULL, 'd' },
		{ "guest-mem", required_argument, NULL, 'm' },
		{ "guest-base", required_argument, NULL, 'p' },
		{ "vm-quota", required_argument, NULL, 'q' },
		{ "vm-buffers", required_argument, NULL, 'B' },
		{ "vm-attachments", required_argument, NULL, 'A' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char run_dir[96];
	static char board[128];
	static char rheapd[128];
	struct vmm_cfg cfg = {
		.guest_mem = UINT64_C(64) << 20,
		.guest_base = UINT64_C(0xA0000000),
		.quota_bytes = UINT64_C(64) << 20,
		.quota_buffers = 64,
		.quota_attachments = 64,
		.guest = guest,
	};
	struct vmm *vmm = NULL;
	uint64_t v = 0;
	int c = 0;
	int rc = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		const char *a = optarg;

		switch (c) {
		case 'n':
			rc = vmm_parse_u64(a, &v);
			cfg.vm_count = rc == 0 && v <= VMM_MAX_VMS ? (uint32_t)v : 0;
			break;
		case 'b':
			cfg.board_path = a;
			break;
		case 'r':
			cfg.rheapd_path = a;
			break;
		case 'd':
			cfg.run_dir = a;
			break;
		case 'm':
			rc = vmm_parse_u64(a, &v);
			if (rc == 0 && (v == 0 || v > 4096)) {
				rc = -EINVAL;
			}
			cfg.guest_mem = v << 20;
			break;
		case 'p':
			rc = vmm_parse_u64(a, &cfg.guest_base);
			break;
		case 'q':
			rc = vmm_parse_u64(a, &cfg.quota_bytes);
			break;
		case 'B':
			rc = vmm_parse_u64(a, &v);
			cfg.quota_buffers = rc == 0 && v <= 65536 ? (uint32_t)v : 0;
			break;
		case 'A':
			rc = vmm_parse_u64(a, &v);
			cfg.quota_attachments = rc == 0 && v <= 65536 ? (uint32_t)v : 0;
			break;
		case 'Q':
			cfg.quiet = true;
			break;
		case 'h':
			vmm_usage(stdout);
			return 0;
		default:
			vmm_usage(stderr);
			return 2;
		}
		if (rc) {
			fprintf(stderr, "rheap-vmm: bad value: %s\n", a);
			return 2;
		}
	}
	if (optind != argc || cfg.vm_count == 0 || cfg.quota_buffers == 0 ||
	    cfg.quota_attachments == 0) {
		vmm_usage(stderr);
		return 2;
	}
	if (!cfg.run_dir) {
		if (rheap_run_dir(run_dir, sizeof(run_dir)) != 0) {
			return 2;
		}
		cfg.run_dir = run_dir;
	}
	if (!cfg.board_path) {
		snprintf(board, sizeof(board), "%s/board.sock", cfg.run_dir);
		cfg.board_path = board;
	}
	if (!cfg.rheapd_path) {
		snprintf(rheapd, sizeof(rheapd), "%s/rheapd.sock", cfg.run_dir);
		cfg.rheapd_path = rheapd;
	}
	rc = vmm_create(&cfg, &vmm);
	if (rc) {
		fprintf(stderr, "rheap-vmm: cannot start: %s\n", rheap_strerror(rc));
		return 1;
	}
	rc = vmm_run(vmm);
	vmm_destroy(vmm);
	return rc == 0 ? 0 : 1;
}
