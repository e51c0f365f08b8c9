// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapctl: the operator's view of rheap's wire formats.
 *
 *   rheapctl decode ffa|tl|dtb ...   binary -> one JSON document on stdout
 *   rheapctl encode ffa|tl ...       the same JSON -> binary
 *   rheapctl show FILE               the platform as plain tables
 *   rheapctl up | down               start / stop rheap-board and rheapd
 *   rheapctl status | faults | map   the running platform (docs/rheapctl.md)
 *   rheapctl alloc HEAP SIZE         allocate through librheap
 *
 * Exit codes: 0 success; 1 the input was rejected (one line on stderr
 * naming the offending field, nothing on stdout); 2 usage error or a file
 * that cannot be read or written.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rheapctl.h"

#ifndef RHEAP_VERSION
#define RHEAP_VERSION "unknown"
#endif

const char *ctl_prog = "rheapctl";

void ctl_usage(FILE *f)
{
	fputs("usage:\n"
	      "  rheapctl decode ffa [--abi ABI] FILE\n"
	      "  rheapctl decode tl [--data] FILE\n"
	      "  rheapctl decode dtb FILE\n"
	      "  rheapctl encode ffa [--abi ABI] [-o OUT] JSON_FILE|-\n"
	      "  rheapctl encode tl [-o OUT] JSON_FILE|-\n"
	      "  rheapctl show FILE\n"
	      "  rheapctl up [--tl FILE] [--keys FILE] [--sink-dir DIR] [--debug]\n"
	      "  rheapctl down\n"
	      "  rheapctl status [--json] [--from FILE]\n"
	      "  rheapctl faults [--json] [--from FILE]\n"
	      "  rheapctl map --svg FILE [--from FILE]\n"
	      "  rheapctl alloc HEAP SIZE [--hold SECONDS]\n"
	      "  rheapctl help | --help | --version\n"
	      "\n"
	      "decode ffa   FILE is one whole FF-A memory transaction descriptor\n"
	      "             (v1.1 or v1.2 layout); ABI is share, lend (default),\n"
	      "             donate, retrieve_req or retrieve_resp.\n"
	      "decode tl    FILE is a whole Transfer List area; --data adds each\n"
	      "             entry's payload as lowercase hex.\n"
	      "decode dtb   FILE is a DTB, or a Transfer List (recognised by its\n"
	      "             signature) whose FDT entry is decoded.\n"
	      "encode       rebuilds the binary from the JSON that decode prints;\n"
	      "             unknown or missing fields are errors. Writes to OUT or\n"
	      "             stdout.\n"
	      "show         DRAM, pools, TZASC, devices and partitions of a DTB or\n"
	      "             a Transfer List, as tables.\n"
	      "up           starts rheap-board and rheapd in the run directory\n"
	      "             ($RHEAP_RUN_DIR, /run/rheap, $XDG_RUNTIME_DIR/rheap or\n"
	      "             /tmp/rheap-UID): logs board.log and rheapd.log, pid files\n"
	      "             board.pid and rheapd.pid. --tl: the platform (default:\n"
	      "             the built default.tl); --debug: the board answers the\n"
	      "             SDP partition's dump command (debug only); --keys:\n"
	      "             the content-key file the board reads (rheap-board\n"
	      "             --keys); --sink-dir: where the display writes its\n"
	      "             protected sink (rheap-board --sink-dir).\n"
	      "down         stops rheapd, then the board (SIGTERM, then SIGKILL).\n"
	      "status       heaps, pools, TZASC, clients and buffers of the running\n"
	      "             platform; --json prints {\"rheapd\": .., \"board\": ..}.\n"
	      "faults       the board's recorded SMMU/TZASC faults.\n"
	      "map          draws the DRAM map (pools, chunks, buffers, TZASC\n"
	      "             regions) as SVG into FILE (\"-\": stdout).\n"
	      "             --from FILE renders a saved status --json (faults\n"
	      "             --json for faults) instead of asking the platform.\n"
	      "alloc        allocates SIZE bytes (K, M, G suffixes) from HEAP,\n"
	      "             prints the buffer, holds it SECONDS (default 0), frees.\n"
	      "\n"
	      "Exit status: 0 ok, 1 input rejected or operation refused (one line\n"
	      "on stderr says why), 2 usage error or unreadable file.\n",
	      f);
}

int ctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ctl_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ctl_usage(stderr);
	return CTL_EXIT_USAGE;
}

struct ctl_cmd {
	const char *verb;
	const char *object; /* NULL: the verb takes no object word */
	int (*run)(int argc, char **argv);
};

static const struct ctl_cmd ctl_cmds[] = {
	{ "decode", "ffa", ctl_decode_ffa },
	{ "decode", "tl", ctl_decode_tl },
	{ "decode", "dtb", ctl_decode_dtb },
	{ "encode", "ffa", ctl_encode_ffa },
	{ "encode", "tl", ctl_encode_tl },
	{ "show", NULL, ctl_show },
	{ "up", NULL, ctl_up },
	{ "down", NULL, ctl_down },
	{ "status", NULL, ctl_status },
	{ "faults", NULL, ctl_faults },
	{ "map", NULL, ctl_map },
	{ "alloc", NULL, ctl_alloc },
};

int main(int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : NULL;
	bool verb_known = false;

	if (!verb) {
		return ctl_usage_error("missing subcommand");
	}
	if (strcmp(verb, "help") == 0 || strcmp(verb, "--help") == 0 ||
	    strcmp(verb, "-h") == 0) {
		ctl_usage(stdout);
		return CTL_EXIT_OK;
	}
	if (strcmp(verb, "--version") == 0) {
		printf("rheapctl %s\n", RHEAP_VERSION);
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++) {
		const struct ctl_cmd *c = &ctl_cmds[i];

		if (strcmp(verb, c->verb) != 0) {
			continue;
		}
		verb_known = true;
		if (!c->object) {
			return c->run(argc - 2, argv + 2);
		}
		if (argc > 2 && strcmp(argv[2], c->object) == 0) {
			return c->run(argc - 3, argv + 3);
		}
	}
	if (verb_known) {
		if (argc > 2 && (strcmp(argv[2], "--help") == 0 ||
				 strcmp(argv[2], "-h") == 0)) {
			ctl_usage(stdout);
			return CTL_EXIT_OK;
		}
		return ctl_usage_error("%s: unknown or missing format '%s'",
				       verb, argc > 2 ? argv[2] : "");
	}
	return ctl_usage_error("unknown subcommand '%s'", verb);
}
