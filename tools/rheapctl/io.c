// SPDX-License-Identifier: BSD-2-Clause
/* rheapctl: error lines, file I/O, hex, and strict JSON field readers. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>

#include "common/wire.h"
#include "rheapctl.h"

void ctl_error(const char *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ctl_prog);
	if (ctx) {
		fprintf(stderr, "%s: ", ctx);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ctl_error_diag(const char *ctx, int err, const struct rheap_diag *diag)
{
	char line[256] = "";

	rheap_diag_format(diag, line, sizeof(line));
	ctl_error(ctx, "%s: %s", rheap_err_name(err), line);
}

int ctl_read_file(const char *path, uint8_t **buf, size_t *size)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	uint8_t *data = NULL;
	size_t cap = 0;
	size_t used = 0;

	if (!f) {
		ctl_error(path, "cannot open: %s", strerror(errno));
		return CTL_EXIT_USAGE;
	}
	for (;;) {
		size_t n = 0;

		if (cap - used < 2) {
			size_t ncap = cap ? cap * 2 : 65536;
			uint8_t *p = NULL;

			if (cap > CTL_MAX_FILE_SIZE) {
				ctl_error(path, "larger than %zu bytes",
					  CTL_MAX_FILE_SIZE);
				goto err_free;
			}
			p = realloc(data, ncap);
			if (!p) {
				ctl_error(path, "out of memory");
				goto err_free;
			}
			data = p;
			cap = ncap;
		}
		n = fread(data + used, 1, cap - used - 1, f);
		used += n;
		if (n == 0) {
			break;
		}
	}
	if (ferror(f)) {
		ctl_error(path, "read error: %s", strerror(errno));
		goto err_free;
	}
	if (used > CTL_MAX_FILE_SIZE) {
		ctl_error(path, "larger than %zu bytes", CTL_MAX_FILE_SIZE);
		goto err_free;
	}
	data[used] = 0;
	if (!is_stdin) {
		fclose(f);
	}
	*buf = data;
	*size = used;
	return CTL_EXIT_OK;

err_free:
	free(data);
	if (!is_stdin) {
		fclose(f);
	}
	return CTL_EXIT_USAGE;
}

int ctl_write_output(const char *path, const void *buf, size_t size)
{
	bool to_stdout = !path || strcmp(path, "-") == 0;
	FILE *f = to_stdout ? stdout : fopen(path, "wb");

	if (!f) {
		ctl_error(path, "cannot create: %s", strerror(errno));
		return CTL_EXIT_USAGE;
	}
	if (fwrite(buf, 1, size, f) != size || fflush(f) != 0) {
		ctl_error(to_stdout ? "stdout" : path, "write error: %s",
			  strerror(errno));
		if (!to_stdout) {
			fclose(f);
		}
		return CTL_EXIT_USAGE;
	}
	if (!to_stdout && fclose(f) != 0) {
		ctl_error(path, "write error: %s", strerror(errno));
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

static char *ctl_hex_encode(const uint8_t *data, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(2 * size + 1);

	if (!s) {
		return NULL;
	}
	for (size_t i = 0; i < size; i++) {
		s[2 * i] = digits[data[i] >> 4];
		s[2 * i + 1] = digits[data[i] & 0xF];
	}
	s[2 * size] = '\0';
	return s;
}

int ctl_write_member_hex(struct json_writer *w, const char *key,
			 const uint8_t *data, size_t size)
{
	char *hex = ctl_hex_encode(data, size);

	if (!hex) {
		return -ENOMEM;
	}
	json_write_member_string(w, key, hex);
	free(hex);
	return 0;
}

int ctl_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t size)
{
	if (hex_len / 2 != size || hex_len % 2 != 0) {
		return -EINVAL;
	}
	for (size_t i = 0; i < size; i++) {
		int hi = wire_hex_digit(hex[2 * i]);
		int lo = wire_hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			return -EINVAL;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */

char *ctl_path(char *buf, size_t size, const char *path, const char *key)
{
	if (path && path[0] != '\0') {
		snprintf(buf, size, "%s.%s", path, key);
	} else {
		snprintf(buf, size, "%s", key);
	}
	return buf;
}

int ctl_jin_parse(const struct ctl_jin *jin, const uint8_t *text, size_t size,
		  struct json_doc **out)
{
	struct json_error err = { 0 };
	int rc = json_parse((const char *)text, size, out, &err);

	if (rc) {
		ctl_error(jin->ctx, "%s:%" PRIu32 ":%" PRIu32 ": %s", jin->file,
			  err.line, err.column, err.message);
		return -EINVAL;
	}
	return 0;
}

static bool ctl_in_list(const char *key, size_t key_len,
			const char *const *list)
{
	for (size_t i = 0; list && list[i]; i++) {
		if (strlen(list[i]) == key_len &&
		    memcmp(list[i], key, key_len) == 0) {
			return true;
		}
	}
	return false;
}

int ctl_jin_object(const struct ctl_jin *jin, const struct json_value *v,
		   const char *path, const char *const *allowed,
		   const char *const *required)
{
	char name[160] = "";

	if (!v || v->type != JSON_OBJECT) {
		ctl_error(jin->ctx, "%s: expected an object, got %s",
			  path[0] ? path : "document",
			  v ? json_type_name(v->type) : "nothing");
		return -EINVAL;
	}
	for (const struct json_value *m = v->child; m; m = m->next) {
		if (!ctl_in_list(m->key, m->key_len, allowed)) {
			/* Keys may hold NULs; print up to the first one. */
			ctl_error(jin->ctx, "%s: unknown field",
				  ctl_path(name, sizeof(name), path, m->key));
			return -EINVAL;
		}
	}
	for (size_t i = 0; required && required[i]; i++) {
		if (!json_object_get(v, required[i])) {
			ctl_error(jin->ctx, "%s: missing required field",
				  ctl_path(name, sizeof(name), path,
					   required[i]));
			return -EINVAL;
		}
	}
	return 0;
}

int ctl_jin_u64(const struct ctl_jin *jin, const struct json_value *obj,
		const char *path, const char *key, uint64_t max, uint64_t *out,
		bool *present)
{
	const struct json_value *v = json_object_get(obj, key);
	char name[160] = "";
	uint64_t x = 0;
	int rc = 0;

	ctl_path(name, sizeof(name), path, key);
	if (present) {
		*present = v != NULL;
	}
	if (!v) {
		if (present) {
			return 0;
		}
		ctl_error(jin->ctx, "%s: missing required field", name);
		return -EINVAL;
	}
	if (v->type != JSON_NUMBER) {
		ctl_error(jin->ctx, "%s: expected a number, got %s", name,
			  json_type_name(v->type));
		return -EINVAL;
	}
	rc = json_get_u64(v, &x);
	if (rc == -EOVERFLOW) {
		ctl_error(jin->ctx, "%s: %s exceeds %" PRIu64, name, v->str,
			  max);
		return -EINVAL;
	}
	if (rc) {
		ctl_error(jin->ctx,
			  "%s: %s is not a non-negative integer (no sign, "
			  "fraction or exponent)",
			  name, v->str);
		return -EINVAL;
	}
	if (x > max) {
		ctl_error(jin->ctx, "%s: %" PRIu64 " (0x%" PRIx64
			  ") exceeds %" PRIu64 " (0x%" PRIx64 ")",
			  name, x, x, max, max);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

int ctl_jin_string(const struct ctl_jin *jin, const struct json_value *obj,
		   const char *path, const char *key, const char **out,
		   bool *present)
{
	const struct json_value *v = json_object_get(obj, key);
	char name[160] = "";

	ctl_path(name, sizeof(name), path, key);
	if (present) {
		*present = v != NULL;
	}
	if (!v) {
		if (present) {
			return 0;
		}
		ctl_error(jin->ctx, "%s: missing required field", name);
		return -EINVAL;
	}
	if (json_get_string(v, out) != 0) {
		ctl_error(jin->ctx, "%s: expected a string, got %s", name,
			  v->type == JSON_STRING ? "a string with a NUL" :
						   json_type_name(v->type));
		return -EINVAL;
	}
	return 0;
}

int ctl_jin_array(const struct ctl_jin *jin, const struct json_value *obj,
		  const char *path, const char *key,
		  const struct json_value **out)
{
	const struct json_value *v = json_object_get(obj, key);
	char name[160] = "";

	ctl_path(name, sizeof(name), path, key);
	if (!v) {
		ctl_error(jin->ctx, "%s: missing required field", name);
		return -EINVAL;
	}
	if (v->type != JSON_ARRAY) {
		ctl_error(jin->ctx, "%s: expected an array, got %s", name,
			  json_type_name(v->type));
		return -EINVAL;
	}
	*out = v;
	return 0;
}
