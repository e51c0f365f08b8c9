/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheapctl internals: exit codes, error reporting, file I/O and the strict
 * JSON field readers shared by the subcommands (and by rheap-mktl, which
 * links io.c).
 *
 * Output discipline: a subcommand computes its whole result before writing
 * anything, so a rejected input prints exactly one line on stderr and
 * nothing on stdout.
 */
#ifndef RHEAP_TOOLS_RHEAPCTL_H
#define RHEAP_TOOLS_RHEAPCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rheap/diag.h>

#include "util/json.h"

/* Process exit codes. */
#define CTL_EXIT_OK 0
#define CTL_EXIT_REJECT 1 /* the input was read and rejected */
#define CTL_EXIT_USAGE 2  /* bad command line, or a file that cannot be read */

/* Largest input file the tools read (a TL area, a DTB, a descriptor). */
#define CTL_MAX_FILE_SIZE ((size_t)256 << 20)

/** Program name used as the prefix of every error line. */
extern const char *ctl_prog;

/**
 * ctl_error() - print "<prog>: <ctx>: <message>\n" on stderr
 * @ctx: the subject ("ffa", "encode tl", a file name); may be NULL
 */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void ctl_error(const char *ctx, const char *fmt, ...);

/**
 * ctl_error_diag() - report a codec rejection on one line
 * @ctx:  "ffa", "tl", "dtb"
 * @err:  the negative errno the codec returned
 * @diag: what the codec recorded (may be empty)
 *
 * Prints "<prog>: <ctx>: <ERRNAME>: <formatted diag>".
 */
void ctl_error_diag(const char *ctx, int err, const struct rheap_diag *diag);

/**
 * ctl_read_file() - read a whole file ("-" is standard input)
 * @path: file name
 * @buf:  out, malloc'ed contents (one spare NUL byte after @size)
 * @size: out, bytes read
 *
 * Prints the error itself.
 *
 * Return: CTL_EXIT_OK, or CTL_EXIT_USAGE if the file cannot be read or is
 * larger than CTL_MAX_FILE_SIZE.
 */
int ctl_read_file(const char *path, uint8_t **buf, size_t *size);

/**
 * ctl_write_output() - write bytes to @path, or stdout when @path is NULL
 * or "-"
 *
 * Return: CTL_EXIT_OK, or CTL_EXIT_USAGE if the file cannot be written.
 */
int ctl_write_output(const char *path, const void *buf, size_t size);

/**
 * ctl_write_member_hex() - write `"key": "<lowercase hex of data>"`
 * Return: 0, or -ENOMEM.
 */
int ctl_write_member_hex(struct json_writer *w, const char *key,
			 const uint8_t *data, size_t size);

/**
 * ctl_hex_decode() - parse exactly @size bytes of hex (either case)
 * Return: 0, or -EINVAL for a wrong length or a non-hex digit.
 */
int ctl_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t size);

/* ---------------------------------------------------------------------- */
/* Strict JSON input: every failure prints one line naming the field path. */

/**
 * struct ctl_jin - context of one JSON input document
 * @ctx:  error context ("encode ffa")
 * @file: the file name, for parse errors
 */
struct ctl_jin {
	const char *ctx;
	const char *file;
};

/**
 * ctl_jin_parse() - parse a JSON document, reporting errors as
 * "<prog>: <ctx>: <file>:<line>:<column>: <message>"
 */
int ctl_jin_parse(const struct ctl_jin *jin, const uint8_t *text, size_t size,
		  struct json_doc **out);

/**
 * ctl_jin_object() - check that @v is an object whose keys are all in
 * @allowed (a NULL-terminated list) and that every key in @required is
 * present.
 * @path: the object's path for messages ("" for the root, "receivers[0]")
 *
 * Return: 0 or -EINVAL (reported).
 */
int ctl_jin_object(const struct ctl_jin *jin, const struct json_value *v,
		   const char *path, const char *const *allowed,
		   const char *const *required);

/**
 * ctl_jin_u64() - read member @key of @obj as an integer <= @max
 * @present: optional; set to whether the member exists. When NULL the
 *           member is required (missing: error).
 *
 * Return: 0 or -EINVAL (reported: wrong type, not a non-negative integer,
 * above @max).
 */
int ctl_jin_u64(const struct ctl_jin *jin, const struct json_value *obj,
		const char *path, const char *key, uint64_t max, uint64_t *out,
		bool *present);

/** ctl_jin_string() - as ctl_jin_u64() for a string member. */
int ctl_jin_string(const struct ctl_jin *jin, const struct json_value *obj,
		   const char *path, const char *key, const char **out,
		   bool *present);

/** ctl_jin_array() - a required array member. */
int ctl_jin_array(const struct ctl_jin *jin, const struct json_value *obj,
		  const char *path, const char *key,
		  const struct json_value **out);

/** ctl_path() - "path.key" or "key" into @buf; returns @buf. */
char *ctl_path(char *buf, size_t size, const char *path, const char *key);

/* ---------------------------------------------------------------------- */
/* Subcommands: argc/argv start after the subcommand word(s).              */

int ctl_decode_ffa(int argc, char **argv);
int ctl_decode_tl(int argc, char **argv);
int ctl_decode_dtb(int argc, char **argv);
int ctl_encode_ffa(int argc, char **argv);
int ctl_encode_tl(int argc, char **argv);
int ctl_show(int argc, char **argv);
int ctl_status(int argc, char **argv);
int ctl_faults(int argc, char **argv);
int ctl_map(int argc, char **argv);
int ctl_up(int argc, char **argv);
int ctl_down(int argc, char **argv);
int ctl_alloc(int argc, char **argv);

/** ctl_usage() - print the usage text to @f. */
void ctl_usage(FILE *f);

/**
 * ctl_usage_error() - report a command-line error and print usage on
 * stderr. Return: CTL_EXIT_USAGE.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int ctl_usage_error(const char *fmt, ...);

/**
 * ctl_load_platform() - read FILE as a DTB, or as a Transfer List when it
 * starts with the TL signature, and decode the platform description
 * @path: file name
 * @plat: out (heap storage of the caller)
 *
 * Return: CTL_EXIT_OK, CTL_EXIT_REJECT (reported with the diag), or
 * CTL_EXIT_USAGE (unreadable file).
 */
struct rheap_platform;
int ctl_load_platform(const char *path, struct rheap_platform *plat);

#endif /* RHEAP_TOOLS_RHEAPCTL_H */
