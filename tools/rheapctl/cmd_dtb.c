// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapctl decode dtb: the platform description as JSON.
 *
 * JSON contract: dram [{base, size}], pools [{name, base, size, kind
 * ("static"|"dynamic"), use_case}], devices [{name, stream_id, secure
 * (bool), use_cases [names]}], tzasc_regions, partitions [{name, id}].
 *
 * FILE may also be a Transfer List: when it starts with the TL signature,
 * the list is validated and its FDT entry decoded (rheap_platform_from_tl),
 * so `decode dtb` of a TL and of the DTB it carries print the same JSON.
 */
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/platform.h>
#include <rheap/tl.h>

#include "args.h"
#include "rheapctl.h"

int ctl_load_platform(const char *path, struct rheap_platform *plat)
{
	struct rheap_diag diag = { 0 };
	uint8_t *buf = NULL;
	size_t size = 0;
	uint32_t sig = 0;
	int rc = ctl_read_file(path, &buf, &size);

	if (rc) {
		return rc;
	}
	memset(&diag, 0, sizeof(diag));
	if (size >= 4) {
		sig = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 |
		      (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
	}
	if (sig == RHEAP_TL_SIGNATURE) {
		rc = rheap_platform_from_tl(buf, size, plat, &diag);
	} else {
		rc = rheap_platform_decode(buf, size, plat, &diag);
	}
	if (rc) {
		ctl_error_diag(sig == RHEAP_TL_SIGNATURE && rc == -ENOENT ?
				       "tl" :
				       "dtb",
			       rc, &diag);
		rc = CTL_EXIT_REJECT;
	}
	free(buf);
	return rc;
}

/* The names of the use cases in @mask, in ID order. */
static void dtb_write_use_cases(struct json_writer *w, uint32_t mask)
{
	json_write_array_begin(w);
	for (int uc = 1; uc < RHEAP_USE_CASE_COUNT; uc++) {
		const char *name = rheap_use_case_name((enum rheap_use_case)uc);

		if (mask & RHEAP_USE_CASE_BIT(uc) && name) {
			json_write_string(w, name);
		}
	}
	json_write_array_end(w);
}

static int dtb_print(const struct rheap_platform *p)
{
	struct json_writer w = { 0 };

	json_writer_init(&w, stdout);
	json_write_object_begin(&w);
	json_write_key(&w, "dram");
	json_write_array_begin(&w);
	for (uint32_t i = 0; i < p->dram_count; i++) {
		json_write_object_begin(&w);
		json_write_member_u64(&w, "base", p->dram[i].base);
		json_write_member_u64(&w, "size", p->dram[i].size);
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	json_write_key(&w, "pools");
	json_write_array_begin(&w);
	for (uint32_t i = 0; i < p->pool_count; i++) {
		const struct rheap_plat_pool *pool = &p->pools[i];
		const char *uc = rheap_use_case_name(pool->use_case);

		json_write_object_begin(&w);
		json_write_member_string(&w, "name", pool->name);
		json_write_member_u64(&w, "base", pool->base);
		json_write_member_u64(&w, "size", pool->size);
		json_write_member_string(&w, "kind",
					 pool->kind == RHEAP_POOL_DYNAMIC ?
						 "dynamic" :
						 "static");
		json_write_member_string(&w, "use_case", uc ? uc : "none");
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	json_write_key(&w, "devices");
	json_write_array_begin(&w);
	for (uint32_t i = 0; i < p->device_count; i++) {
		const struct rheap_plat_device *d = &p->devices[i];

		json_write_object_begin(&w);
		json_write_member_string(&w, "name", d->name);
		json_write_member_u64(&w, "stream_id", d->stream_id);
		json_write_member_bool(&w, "secure", d->secure);
		json_write_key(&w, "use_cases");
		dtb_write_use_cases(&w, d->use_case_mask);
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	json_write_member_u64(&w, "tzasc_regions", p->tzasc.region_count);
	json_write_key(&w, "partitions");
	json_write_array_begin(&w);
	for (uint32_t i = 0; i < p->partition_count; i++) {
		json_write_object_begin(&w);
		json_write_member_string(&w, "name", p->partitions[i].name);
		json_write_member_u64(&w, "id", p->partitions[i].id);
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	json_write_object_end(&w);
	return json_writer_finish(&w);
}

int ctl_decode_dtb(int argc, char **argv)
{
	struct ctl_args args = { 0 };
	struct rheap_platform *plat = NULL;
	int rc = ctl_args_parse(argc, argv, "decode dtb", 0, &args);

	if (rc) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	plat = calloc(1, sizeof(*plat));
	if (!plat) {
		ctl_error("dtb", "out of memory");
		return CTL_EXIT_USAGE;
	}
	rc = ctl_load_platform(args.file, plat);
	if (rc == CTL_EXIT_OK) {
		rc = dtb_print(plat) ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	free(plat);
	return rc;
}
