/* SPDX-License-Identifier: BSD-2-Clause */
/* rheapctl: shared command-line parsing for the subcommands. */
#ifndef RHEAP_TOOLS_RHEAPCTL_ARGS_H
#define RHEAP_TOOLS_RHEAPCTL_ARGS_H

#include <stdbool.h>

/* Options a subcommand accepts (bit set for ctl_args_parse()). */
#define CTL_OPT_ABI 0x1u    /* --abi ABI */
#define CTL_OPT_DATA 0x2u   /* --data */
#define CTL_OPT_OUTPUT 0x4u /* -o OUT, --output OUT */

/**
 * struct ctl_args - a parsed subcommand line
 * @file:   the one FILE operand ("-" allowed)
 * @abi:    --abi value, or NULL
 * @output: -o value, or NULL
 * @data:   --data given
 * @help:   --help given
 */
struct ctl_args {
	const char *file;
	const char *abi;
	const char *output;
	bool data;
	bool help;
};

/**
 * ctl_args_parse() - parse options and exactly one FILE operand
 * @cmd:   "decode ffa", for messages
 * @allow: CTL_OPT_* accepted
 *
 * Return: 0; CTL_EXIT_USAGE after printing the error and usage; -1 when
 * --help was given and the usage has been printed (exit 0).
 */
int ctl_args_parse(int argc, char **argv, const char *cmd, unsigned int allow,
		   struct ctl_args *out);

#endif /* RHEAP_TOOLS_RHEAPCTL_ARGS_H */
