// SPDX-License-Identifier: BSD-2-Clause
#include <inttypes.h>
#include <stdio.h>

#include <rheap/diag.h>

char *rheap_diag_format(const struct rheap_diag *diag, char *buf, size_t size)
{
	char field[96] = "";
	size_t used = 0;

	if (size == 0) {
		return buf;
	}
	if (!diag || !diag->field) {
		snprintf(buf, size, "rejected (no detail recorded)");
		return buf;
	}
	if (diag->index != RHEAP_DIAG_NO_INDEX) {
		snprintf(field, sizeof(field), "%s[%" PRIu32 "]", diag->field,
			 diag->index);
	} else {
		snprintf(field, sizeof(field), "%s", diag->field);
	}
	if (diag->subject[0] != '\0') {
		int n = snprintf(buf, size, "%s: ", diag->subject);

		used = n > 0 && (size_t)n < size ? (size_t)n : 0;
	}
	buf += used;
	size -= used;
	if (diag->has_limit) {
		snprintf(buf, size, "%s: %" PRIu64 " (0x%" PRIx64 ") %s %" PRIu64
			 " (0x%" PRIx64 ")", field, diag->value, diag->value,
			 diag->reason ? diag->reason : "is invalid",
			 diag->limit, diag->limit);
	} else {
		snprintf(buf, size, "%s: %" PRIu64 " (0x%" PRIx64 ") %s", field,
			 diag->value, diag->value,
			 diag->reason ? diag->reason : "is invalid");
	}
	return buf - used;
}
