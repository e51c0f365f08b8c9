// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapctl show: the platform of a DTB or Transfer List as plain, aligned
 * tables (DRAM, pools, TZASC, devices, partitions). Meant for people; the
 * JSON of `decode dtb` is the machine interface.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/platform.h>

#include "args.h"
#include "rheapctl.h"

#define MIB ((uint64_t)1 << 20)

/* "512" for whole MiB, "0.25" otherwise (sizes are 4 KiB multiples). */
static void show_mib(uint64_t size, char *buf, size_t len)
{
	if (size % MIB == 0) {
		snprintf(buf, len, "%" PRIu64, size / MIB);
	} else {
		snprintf(buf, len, "%.3f", (double)size / (double)MIB);
	}
}

static int show_name_width(const char *title, const char *const *names,
			   size_t count)
{
	size_t w = strlen(title);

	for (size_t i = 0; i < count; i++) {
		size_t n = strlen(names[i]);

		w = n > w ? n : w;
	}
	return (int)w;
}

static void show_use_cases(uint32_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int uc = 1; uc < RHEAP_USE_CASE_COUNT; uc++) {
		const char *name = rheap_use_case_name((enum rheap_use_case)uc);
		int n = 0;

		if (!(mask & RHEAP_USE_CASE_BIT(uc)) || !name) {
			continue;
		}
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
			     name);
		if (n < 0 || (size_t)n >= len - used) {
			return;
		}
		used += (size_t)n;
	}
	if (used == 0) {
		snprintf(buf, len, "-");
	}
}

static void show_dram(const struct rheap_platform *p)
{
	uint64_t total = 0;
	char mib[32] = "";

	printf("DRAM\n");
	printf("  %-18s  %-18s  %10s\n", "BASE", "END", "SIZE (MiB)");
	for (uint32_t i = 0; i < p->dram_count; i++) {
		show_mib(p->dram[i].size, mib, sizeof(mib));
		printf("  0x%016" PRIx64 "  0x%016" PRIx64 "  %10s\n",
		       p->dram[i].base, p->dram[i].base + p->dram[i].size - 1,
		       mib);
		total += p->dram[i].size;
	}
	show_mib(total, mib, sizeof(mib));
	printf("  %-18s  %-18s  %10s\n", "total", "", mib);
}

static void show_pools(const struct rheap_platform *p)
{
	const char *names[RHEAP_PLAT_MAX_POOLS];
	char mib[32] = "";
	int nw = 0;

	for (uint32_t i = 0; i < p->pool_count; i++) {
		names[i] = p->pools[i].name;
	}
	nw = show_name_width("NAME", names, p->pool_count);
	printf("\nPools\n");
	printf("  %-*s  %-18s  %10s  %-7s  %s\n", nw, "NAME", "BASE",
	       "SIZE (MiB)", "KIND", "USE CASE");
	for (uint32_t i = 0; i < p->pool_count; i++) {
		const struct rheap_plat_pool *pool = &p->pools[i];
		const char *uc = rheap_use_case_name(pool->use_case);

		show_mib(pool->size, mib, sizeof(mib));
		printf("  %-*s  0x%016" PRIx64 "  %10s  %-7s  %s%s\n", nw,
		       pool->name, pool->base, mib,
		       pool->kind == RHEAP_POOL_DYNAMIC ? "dynamic" : "static",
		       uc ? uc : "-", pool->placed ? " (placed at boot)" : "");
	}
	if (p->pool_count == 0) {
		printf("  (none)\n");
	}
}

static void show_tzasc(const struct rheap_platform *p)
{
	printf("\nTZASC\n");
	printf("  %-18s  %-10s  %s\n", "BASE", "SIZE", "REGIONS");
	printf("  0x%016" PRIx64 "  0x%08" PRIx64 "  %" PRIu32 "\n",
	       p->tzasc.base, p->tzasc.size, p->tzasc.region_count);
}

static void show_devices(const struct rheap_platform *p)
{
	const char *names[RHEAP_PLAT_MAX_DEVICES];
	char ucs[96] = "";
	int nw = 0;

	for (uint32_t i = 0; i < p->device_count; i++) {
		names[i] = p->devices[i].name;
	}
	nw = show_name_width("NAME", names, p->device_count);
	printf("\nDevices\n");
	printf("  %-*s  %-8s  %-6s  %s\n", nw, "NAME", "STREAM", "SECURE",
	       "USE CASES");
	for (uint32_t i = 0; i < p->device_count; i++) {
		const struct rheap_plat_device *d = &p->devices[i];
		char sid[16] = "";

		snprintf(sid, sizeof(sid), "0x%" PRIx32, d->stream_id);
		show_use_cases(d->use_case_mask, ucs, sizeof(ucs));
		printf("  %-*s  %-8s  %-6s  %s\n", nw, d->name, sid,
		       d->secure ? "yes" : "no", ucs);
	}
	if (p->device_count == 0) {
		printf("  (none)\n");
	}
}

static void show_partitions(const struct rheap_platform *p)
{
	const char *names[RHEAP_PLAT_MAX_PARTITIONS];
	int nw = 0;

	for (uint32_t i = 0; i < p->partition_count; i++) {
		names[i] = p->partitions[i].name;
	}
	nw = show_name_width("NAME", names, p->partition_count);
	printf("\nPartitions\n");
	printf("  %-*s  %-6s  %s\n", nw, "NAME", "ID", "UUID");
	for (uint32_t i = 0; i < p->partition_count; i++) {
		const struct rheap_plat_partition *sp = &p->partitions[i];
		const uint8_t *u = sp->uuid;

		printf("  %-*s  0x%04" PRIx16 "  %02x%02x%02x%02x-%02x%02x-"
		       "%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n",
		       nw, sp->name, sp->id, u[0], u[1], u[2], u[3], u[4],
		       u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		       u[13], u[14], u[15]);
	}
	if (p->partition_count == 0) {
		printf("  (none)\n");
	}
}

int ctl_show(int argc, char **argv)
{
	struct ctl_args args = { 0 };
	struct rheap_platform *plat = NULL;
	int rc = ctl_args_parse(argc, argv, "show", 0, &args);

	if (rc) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	plat = calloc(1, sizeof(*plat));
	if (!plat) {
		ctl_error("show", "out of memory");
		return CTL_EXIT_USAGE;
	}
	rc = ctl_load_platform(args.file, plat);
	if (rc == CTL_EXIT_OK) {
		if (plat->model[0] != '\0') {
			printf("Platform: %.*s\n\n", (int)sizeof(plat->model),
			       plat->model);
		}
		show_dram(plat);
		show_pools(plat);
		show_tzasc(plat);
		show_devices(plat);
		show_partitions(plat);
		rc = fflush(stdout) == 0 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	}
	free(plat);
	return rc;
}
