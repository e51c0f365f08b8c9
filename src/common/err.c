// SPDX-License-Identifier: BSD-2-Clause
/* Names and sentences for the closed errno set of <rheap/err.h>. */
#include <stddef.h>

#include <rheap/err.h>

struct err_text {
	int err;
	const char *name;
	const char *text;
};

static const struct err_text err_texts[] = {
	{ 0, "OK", "success" },
	{ -EINVAL, "EINVAL", "malformed input" },
	{ -ENOSPC, "ENOSPC", "buffer or table too small" },
	{ -ENOMEM, "ENOMEM", "out of memory" },
	{ -ENOENT, "ENOENT", "no such handle, entry or name" },
	{ -EBUSY, "EBUSY", "still in use" },
	{ -EPERM, "EPERM", "not allowed" },
	{ -EOVERFLOW, "EOVERFLOW", "arithmetic overflow in input values" },
	{ -EOPNOTSUPP, "EOPNOTSUPP", "version or feature not supported" },
};

static const struct err_text *err_find(int err)
{
	for (size_t i = 0; i < sizeof(err_texts) / sizeof(err_texts[0]); i++) {
		if (err_texts[i].err == err) {
			return &err_texts[i];
		}
	}
	return NULL;
}

const char *rheap_strerror(int err)
{
	const struct err_text *t = err_find(err);

	return t ? t->text : "unknown error";
}

bool rheap_err_known(int64_t err)
{
	return err >= INT32_MIN && err <= 0 && err_find((int)err) != NULL;
}

const char *rheap_err_name(int err)
{
	const struct err_text *t = err_find(err);

	return t ? t->name : "EUNKNOWN";
}
