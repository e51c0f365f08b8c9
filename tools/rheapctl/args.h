/* SPDX-License-Identifier: BSD-2-Clause */
/* rheapctl: shared command-line parsing for the subcommands. */
#ifndef RHEAP_TOOLS_RHEAPCTL_ARGS_H
#define RHEAP_TOOLS_RHEAPCTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

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

/**
 * struct ctl_opt - one option of a table-driven subcommand line
 * @name:  "--json"
 * @value: for an option with a value ("--tl FILE" or "--tl=FILE"): where
 *         it goes; NULL for a flag
 * @flag:  for a flag: set to true when given; NULL for a value option
 */
struct ctl_opt {
	const char *name;
	const char **value;
	bool *flag;
};

/**
 * ctl_opts_parse() - options from a table, and exactly @want operands
 * @cmd:      "status", for messages
 * @opts:     the options, @opt_count entries
 * @operands: out: the operands in order, @want entries
 * @want:     operands required (0..4)
 *
 * "--help"/"-h" prints the usage. "--" ends the options.
 *
 * Return: 0; CTL_EXIT_USAGE after printing the error and usage (unknown
 * option, missing value, wrong operand count); -1 when --help was given
 * and the usage has been printed (exit 0).
 */
int ctl_opts_parse(int argc, char **argv, const char *cmd,
		   const struct ctl_opt *opts, size_t opt_count,
		   const char **operands, size_t want);

#endif /* RHEAP_TOOLS_RHEAPCTL_ARGS_H */
