// SPDX-License-Identifier: BSD-2-Clause
/* rheapctl: the small command-line parser every subcommand shares. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "rheapctl.h"

/* Match "--name VALUE" or "--name=VALUE" (or "-x VALUE" for short ones). */
static int ctl_args_value(int argc, char **argv, int *i, const char *name,
			  const char **out, bool *matched)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	*matched = false;
	if (strncmp(a, name, n) != 0) {
		return 0;
	}
	if (a[n] == '=' && name[1] == '-') {
		*matched = true;
		*out = a + n + 1;
		return 0;
	}
	if (a[n] != '\0') {
		return 0;
	}
	*matched = true;
	if (*i + 1 >= argc) {
		return ctl_usage_error("option %s needs a value", name);
	}
	(*i)++;
	*out = argv[*i];
	return 0;
}

int ctl_args_parse(int argc, char **argv, const char *cmd, unsigned int allow,
		   struct ctl_args *out)
{
	bool options_done = false;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool matched = false;
		int rc = 0;

		if (options_done || a[0] != '-' || strcmp(a, "-") == 0) {
			if (out->file) {
				return ctl_usage_error("%s: more than one file "
						       "('%s', '%s')",
						       cmd, out->file, a);
			}
			out->file = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			options_done = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			out->help = true;
			continue;
		}
		if (allow & CTL_OPT_DATA && strcmp(a, "--data") == 0) {
			out->data = true;
			continue;
		}
		if (allow & CTL_OPT_ABI) {
			rc = ctl_args_value(argc, argv, &i, "--abi", &out->abi,
					    &matched);
			if (rc || matched) {
				if (rc) {
					return rc;
				}
				continue;
			}
		}
		if (allow & CTL_OPT_OUTPUT) {
			rc = ctl_args_value(argc, argv, &i, "-o", &out->output,
					    &matched);
			if (!rc && !matched) {
				rc = ctl_args_value(argc, argv, &i, "--output",
						    &out->output, &matched);
			}
			if (rc || matched) {
				if (rc) {
					return rc;
				}
				continue;
			}
		}
		return ctl_usage_error("%s: unknown option '%s'", cmd, a);
	}
	if (out->help) {
		ctl_usage(stdout);
		return -1; /* caller exits 0 */
	}
	if (!out->file) {
		return ctl_usage_error("%s: missing FILE", cmd);
	}
	return 0;
}

int ctl_opts_parse(int argc, char **argv, const char *cmd,
		   const struct ctl_opt *opts, size_t opt_count,
		   const char **operands, size_t want)
{
	bool options_done = false;
	size_t got = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool known = false;

		if (options_done || a[0] != '-' || strcmp(a, "-") == 0) {
			if (got >= want) {
				return ctl_usage_error("%s: unexpected operand '%s'",
						       cmd, a);
			}
			operands[got++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			options_done = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			ctl_usage(stdout);
			return -1;
		}
		for (size_t k = 0; k < opt_count && !known; k++) {
			const struct ctl_opt *o = &opts[k];
			bool matched = false;
			int rc = 0;

			if (o->flag) {
				if (strcmp(a, o->name) == 0) {
					*o->flag = true;
					known = true;
				}
				continue;
			}
			rc = ctl_args_value(argc, argv, &i, o->name, o->value,
					    &matched);
			if (rc) {
				return rc;
			}
			known = matched;
		}
		if (!known) {
			return ctl_usage_error("%s: unknown option '%s'", cmd, a);
		}
	}
	if (got != want) {
		return ctl_usage_error("%s: expected %zu operand%s, got %zu", cmd,
				       want, want == 1 ? "" : "s", got);
	}
	return 0;
}
