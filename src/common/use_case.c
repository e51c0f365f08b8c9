// SPDX-License-Identifier: BSD-2-Clause
#include <stddef.h>

#include <rheap/err.h>
#include <rheap/use_case.h>

static const char *const use_case_names[RHEAP_USE_CASE_COUNT] = {
	[RHEAP_USE_CASE_SECURE_VIDEO] = "secure-video",
	[RHEAP_USE_CASE_TRUSTED_UI] = "trusted-ui",
	[RHEAP_USE_CASE_SECURE_VIDEO_RECORD] = "secure-video-record",
};

/* Freestanding string compare: this file also links into the codecs. */
static int use_case_streq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

const char *rheap_use_case_name(enum rheap_use_case uc)
{
	if ((unsigned int)uc >= RHEAP_USE_CASE_COUNT) {
		return NULL;
	}
	return use_case_names[uc];
}

int rheap_use_case_from_name(const char *name, enum rheap_use_case *out)
{
	for (unsigned int i = 1; i < RHEAP_USE_CASE_COUNT; i++) {
		if (use_case_streq(name, use_case_names[i])) {
			*out = (enum rheap_use_case)i;
			return 0;
		}
	}
	return -EINVAL;
}
