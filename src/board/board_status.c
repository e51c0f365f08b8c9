// SPDX-License-Identifier: BSD-2-Clause
/*
 * Board status for operators and tests: the SPMC's accounting, the TZASC
 * map, the DRAM and pool layout, the fault log. Read-only: nothing here
 * changes the board.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <rheap/err.h>
#include <rheap/use_case.h>

#include "board/board.h"
#include "board/board_internal.h"
#include "hw/hw_bus.h"
#include "hw/hw_display.h"
#include "hw/hw_dram.h"
#include "hw/hw_smmu.h"
#include "hw/hw_tzasc.h"
#include "hw/hw_vdec.h"
#include "spmc/spmc.h"
#include "util/json.h"

static void board_device_status(const struct board *b,
				struct board_device_status *out)
{
	struct hw_vdec_stats vs = { 0 };
	struct hw_display_stats ds = { 0 };

	if (b->vdec) {
		hw_vdec_stats_get(b->vdec, &vs);
	}
	if (b->display) {
		hw_display_stats_get(b->display, &ds);
	}
	out->vdec_contexts = vs.contexts;
	out->vdec_opened = vs.opened;
	out->vdec_packets = vs.packets;
	out->vdec_frames = vs.frames;
	out->vdec_errors = vs.decode_errors;
	out->vdec_faults = vs.bus_faults;
	out->display_sessions = ds.sessions;
	out->display_opened = ds.opened;
	out->display_frames = ds.frames;
	out->display_snapshots = ds.snapshots;
	out->display_faults = ds.bus_faults;
	out->display_sink_errors = ds.sink_errors;
	out->gpu_reads = b->gpu_reads;
	out->gpu_faults = b->gpu_faults;
}

void board_status(const struct board *b, struct board_status *out)
{
	*out = (struct board_status){ 0 };
	spmc_stats(b->spmc, &out->spmc);
	out->wedged = spmc_is_wedged(b->spmc);
	out->tzasc_regions = b->tzasc.region_count;
	out->tzasc_used = hw_tzasc_regions_used(&b->tzasc);
	out->faults_total = hw_bus_fault_total(b->bus);
	out->faults_held = hw_bus_fault_count(b->bus);
	out->faults_dropped = hw_bus_fault_dropped(b->bus);
	out->smmu_mappings = hw_smmu_mapping_count(b->smmu);
	out->nw_connected = b->nw_connected;
	out->enforced = false; /* this platform has no hardware firewall */
	out->secret = hw_dram_secret(b->dram);

	out->endpoints[0] = (struct board_ep_status){
		.id = BOARD_NW_ENDPOINT,
		.kind = BOARD_EP_HOST,
		.connected = b->nw_connected,
	};
	out->endpoint_count = 1;
	for (uint32_t i = 0; i < b->vm_slots &&
			     out->endpoint_count < SPMC_MAX_ENDPOINTS;
	     i++) {
		out->endpoints[out->endpoint_count++] = (struct board_ep_status){
			.id = b->vms[i].id,
			.kind = BOARD_EP_VM,
			.connected = b->vms[i].connected,
		};
		out->vm_count += b->vms[i].connected ? 1u : 0u;
	}
	for (uint32_t i = 0; i < b->plat.partition_count &&
			     out->endpoint_count < SPMC_MAX_ENDPOINTS;
	     i++) {
		out->endpoints[out->endpoint_count++] = (struct board_ep_status){
			.id = b->plat.partitions[i].id,
			.kind = BOARD_EP_PARTITION,
			.connected = true,
		};
	}
	for (uint32_t i = 0; i < out->endpoint_count; i++) {
		(void)spmc_endpoint_stats(b->spmc, out->endpoints[i].id,
					  &out->endpoints[i].stats);
	}
	board_device_status(b, &out->devices);
}

static const char *board_ep_kind_name(enum board_ep_kind kind)
{
	switch (kind) {
	case BOARD_EP_HOST:
		return "host";
	case BOARD_EP_VM:
		return "vm";
	case BOARD_EP_PARTITION:
	default:
		return "partition";
	}
}

static void board_json_spmc(struct json_writer *w, const struct board_status *st)
{
	json_write_key(w, "spmc");
	json_write_object_begin(w);
	json_write_member_u64(w, "live_shares", st->spmc.live_shares);
	json_write_member_u64(w, "total_ranges", st->spmc.total_ranges);
	json_write_member_u64(w, "protected_pages", st->spmc.protected_pages);
	json_write_member_u64(w, "pool_pages", st->spmc.pool_pages);
	json_write_member_u64(w, "scrubbed_pages", st->spmc.scrubbed_pages);
	json_write_member_bool(w, "wedged", st->wedged);
	json_write_object_end(w);
}

static void board_json_tzasc(struct json_writer *w, const struct board *b,
			     const struct board_status *st)
{
	struct hw_tzasc_region reg = { 0 };

	json_write_key(w, "tzasc");
	json_write_object_begin(w);
	json_write_member_u64(w, "regions", st->tzasc_regions);
	json_write_member_u64(w, "used", st->tzasc_used);
	json_write_key(w, "secure");
	json_write_array_begin(w);
	for (uint32_t s = 1; s <= b->tzasc.region_count; s++) {
		if (hw_tzasc_region_get(&b->tzasc, s, &reg) || !reg.enabled) {
			continue;
		}
		json_write_object_begin(w);
		json_write_member_u64(w, "slot", s);
		json_write_member_u64(w, "base", reg.base);
		json_write_member_u64(w, "size", reg.last - reg.base + 1);
		json_write_object_end(w);
	}
	json_write_array_end(w);
	json_write_object_end(w);
}

/* The platform's memory layout: DRAM ranges and pools (for maps). */
static void board_json_layout(struct json_writer *w, const struct board *b)
{
	json_write_key(w, "dram");
	json_write_array_begin(w);
	for (uint32_t i = 0; i < b->plat.dram_count; i++) {
		json_write_object_begin(w);
		json_write_member_u64(w, "base", b->plat.dram[i].base);
		json_write_member_u64(w, "size", b->plat.dram[i].size);
		json_write_object_end(w);
	}
	json_write_array_end(w);
	json_write_key(w, "pools");
	json_write_array_begin(w);
	for (uint32_t i = 0; i < b->plat.pool_count; i++) {
		const struct rheap_plat_pool *p = &b->plat.pools[i];

		json_write_object_begin(w);
		json_write_member_string(w, "name", p->name);
		json_write_member_string(w, "kind", p->kind == RHEAP_POOL_STATIC ?
							    "static" : "dynamic");
		json_write_member_string(w, "use_case",
					 rheap_use_case_name(p->use_case));
		json_write_member_u64(w, "base", p->base);
		json_write_member_u64(w, "size", p->size);
		json_write_object_end(w);
	}
	json_write_array_end(w);
}

/* "devices": the media devices present, with their counters. */
static void board_json_devices(struct json_writer *w, const struct board *b,
			       const struct board_device_status *d)
{
	json_write_key(w, "devices");
	json_write_object_begin(w);
	if (b->vdec) {
		json_write_key(w, "vdec");
		json_write_object_begin(w);
		json_write_member_u64(w, "stream_id", b->vdec_stream);
		json_write_member_u64(w, "contexts", d->vdec_contexts);
		json_write_member_u64(w, "contexts_opened", d->vdec_opened);
		json_write_member_u64(w, "packets", d->vdec_packets);
		json_write_member_u64(w, "decoded_frames", d->vdec_frames);
		json_write_member_u64(w, "decode_errors", d->vdec_errors);
		json_write_member_u64(w, "bus_faults", d->vdec_faults);
		json_write_object_end(w);
	}
	if (b->display) {
		json_write_key(w, "display");
		json_write_object_begin(w);
		json_write_member_u64(w, "stream_id", b->display_stream);
		json_write_member_u64(w, "sessions", d->display_sessions);
		json_write_member_u64(w, "sessions_opened", d->display_opened);
		json_write_member_u64(w, "shown_frames", d->display_frames);
		json_write_member_u64(w, "snapshots", d->display_snapshots);
		json_write_member_u64(w, "bus_faults", d->display_faults);
		json_write_member_u64(w, "sink_errors", d->display_sink_errors);
		json_write_object_end(w);
	}
	if (b->gpu) {
		json_write_key(w, "gpu");
		json_write_object_begin(w);
		json_write_member_u64(w, "stream_id", b->gpu_stream);
		json_write_member_u64(w, "reads", d->gpu_reads);
		json_write_member_u64(w, "bus_faults", d->gpu_faults);
		json_write_object_end(w);
	}
	json_write_object_end(w);
}

static void board_json_endpoints(struct json_writer *w,
				 const struct board_status *st)
{
	json_write_key(w, "endpoints");
	json_write_array_begin(w);
	for (uint32_t i = 0; i < st->endpoint_count; i++) {
		const struct spmc_ep_stats *e = &st->endpoints[i].stats;

		json_write_object_begin(w);
		json_write_member_u64(w, "id", st->endpoints[i].id);
		json_write_member_string(w, "kind",
					 board_ep_kind_name(st->endpoints[i].kind));
		json_write_member_bool(w, "connected",
				       st->endpoints[i].connected);
		json_write_member_u64(w, "live_handles", e->live_handles);
		json_write_member_u64(w, "pending", e->pending);
		json_write_member_u64(w, "pages_shared", e->pages_shared);
		json_write_member_u64(w, "pages_lent", e->pages_lent);
		json_write_member_u64(w, "pages_donated", e->pages_donated);
		json_write_member_u64(w, "pages_borrowed", e->pages_borrowed);
		json_write_member_u64(w, "retrievals", e->retrievals);
		json_write_object_end(w);
	}
	json_write_array_end(w);
}

int board_status_json(const struct board *b, char **json, size_t *len)
{
	struct board_status st = { 0 };
	struct json_writer w = { 0 };
	char *text = NULL;
	size_t size = 0;
	FILE *f = NULL;

	board_status(b, &st);
	f = open_memstream(&text, &size);
	if (!f) {
		return -ENOMEM;
	}
	json_writer_init(&w, f);
	json_write_object_begin(&w);
	json_write_member_string(&w, "model", b->plat.model);
	json_write_member_bool(&w, "enforced", st.enforced);
	json_write_member_bool(&w, "carveouts_secret", st.secret);
	json_write_member_string(&w, "carveouts", hw_dram_backing_desc(b->dram));
	json_write_member_bool(&w, "nw_connected", st.nw_connected);
	json_write_member_u64(&w, "vms_connected", st.vm_count);
	board_json_spmc(&w, &st);
	board_json_tzasc(&w, b, &st);
	board_json_layout(&w, b);
	json_write_key(&w, "faults");
	json_write_object_begin(&w);
	json_write_member_u64(&w, "total", st.faults_total);
	json_write_member_u64(&w, "held", st.faults_held);
	json_write_member_u64(&w, "dropped", st.faults_dropped);
	json_write_object_end(&w);
	json_write_member_u64(&w, "smmu_mappings", st.smmu_mappings);
	board_json_endpoints(&w, &st);
	json_write_member_string(&w, "sink_dir",
				 board_sink_dir(b) ? board_sink_dir(b) : "");
	board_json_devices(&w, b, &st.devices);
	json_write_object_end(&w);
	if (json_writer_finish(&w) != 0 || fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*json = text;
	*len = size;
	return 0;
}

/* The platform device that owns @stream_id, or "". */
static const char *board_stream_device(const struct board *b, uint32_t stream_id)
{
	for (uint32_t i = 0; i < b->plat.device_count; i++) {
		if (b->plat.devices[i].stream_id == stream_id) {
			return b->plat.devices[i].name;
		}
	}
	return "";
}

static void board_json_fault(struct json_writer *w, const struct board *b,
			     const struct hw_fault *f)
{
	bool device = f->master == HW_MASTER_DEVICE;

	json_write_object_begin(w);
	json_write_member_u64(w, "seq", f->seq);
	json_write_member_string(w, "reason", hw_fault_reason_name(f->reason));
	json_write_member_string(w, "master", device ? "device" : "cpu");
	json_write_member_string(w, "device",
				 device ? board_stream_device(b, f->stream_id) : "");
	json_write_member_u64(w, "stream_id", f->stream_id);
	json_write_member_bool(w, "secure", f->secure);
	json_write_member_string(w, "access", f->write ? "write" : "read");
	json_write_member_u64(w, "address", f->iova);
	json_write_member_u64(w, "pa", f->pa_valid ? f->pa : 0);
	json_write_member_bool(w, "pa_valid", f->pa_valid);
	json_write_object_end(w);
}

int board_faults_json(const struct board *b, char **json, size_t *len)
{
	struct json_writer w = { 0 };
	uint32_t held = hw_bus_fault_count(b->bus);
	char *text = NULL;
	size_t size = 0;
	int rc = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f) {
		return -ENOMEM;
	}
	json_writer_init(&w, f);
	json_write_object_begin(&w);
	json_write_member_u64(&w, "total", hw_bus_fault_total(b->bus));
	json_write_member_u64(&w, "held", held);
	json_write_member_u64(&w, "dropped", hw_bus_fault_dropped(b->bus));
	json_write_key(&w, "faults");
	json_write_array_begin(&w);
	for (uint32_t i = 0; i < held; i++) {
		struct hw_fault rec = { 0 };

		if (hw_bus_fault_get(b->bus, i, &rec) == 0) {
			board_json_fault(&w, b, &rec);
		}
	}
	json_write_array_end(&w);
	json_write_object_end(&w);
	rc = json_writer_finish(&w);
	if (fclose(f) != 0 || rc != 0) {
		free(text);
		return -ENOMEM;
	}
	*json = text;
	*len = size;
	return 0;
}
