// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-board: boot and wiring (see board.h for the life cycle).
 *
 * Boot order follows what firmware does on a real SoC: the TZASC resets to
 * "background only", the boot stage protects the static carve-outs before
 * anything non-secure runs, then the SPMC starts with the carve-outs as
 * memory no NW endpoint owns. The SPMC reaches the TZASC and DRAM models
 * through board_plat_ops, the one adapter between the pure state machine
 * and the hardware models.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_regs.h>
#include <rheap/platform.h>

#include "board/board.h"
#include "board/board_internal.h"
#include "hw/hw_bus.h"
#include "hw/hw_device.h"
#include "hw/hw_dram.h"
#include "hw/hw_smmu.h"
#include "hw/hw_tzasc.h"
#include "sp/sdp_partition.h"
#include "sp/sp_keys.h"
#include "spmc/abi.h"
#include "spmc/spmc.h"

/*
 * SPMC bounds for this board. Generous enough for a 4K frame built from
 * single pages (3,038 constituents) in 1-page TX fragments, small enough
 * that a hostile NW cannot make the board allocate without bound.
 */
static const struct spmc_limits board_limits = {
	.max_shares = 4096,
	.max_shares_per_endpoint = 0,
	.max_fragments = 512,
	.max_ranges = 8192,
	.max_total_ranges = 65536,
};

/* FF-A v1.1 Table 13.37: the partition receives direct requests. */
#define BOARD_PARTITION_PROP_DIRECT_RECV 0x1u

static void board_vlog(const struct board *b, const char *fmt, va_list ap)
{
	FILE *f = b->log ? b->log : stderr;

	fputs("rheap-board: ", f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

void board_log(const struct board *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	board_vlog(b, fmt, ap);
	va_end(ap);
}

void board_log_info(const struct board *b, const char *fmt, ...)
{
	va_list ap;

	if (b->quiet) {
		return;
	}
	va_start(ap, fmt);
	board_vlog(b, fmt, ap);
	va_end(ap);
}

/* ---- SPMC platform operations: TZASC and DRAM models ---- */

/*
 * LEND and DONATE: the TZASC makes the range secure for bus masters, and
 * the DRAM claim takes it out of every NW process's memfd mapping (its
 * bytes move to a secure shadow; the NW reads zeros there). Both or
 * neither: the ops contract leaves the range as it was on failure.
 */
static int board_plat_protect(void *ctx, uint64_t base, uint64_t size)
{
	struct board *b = ctx;
	int rc = hw_tzasc_protect(&b->tzasc, base, size);
	int undo = 0;

	if (rc) {
		/* docs/spmc.md: out of TZASC regions is NO_MEMORY. */
		return rc == -ENOSPC ? -ENOMEM : rc;
	}
	rc = hw_dram_claim(b->dram, base, size);
	if (rc == 0) {
		return 0;
	}
	/* Removes exactly the region (or part) just added: no split. */
	undo = hw_tzasc_unprotect(&b->tzasc, base, size);
	if (undo) {
		board_log(b, "cannot undo TZASC protect of 0x%llx+0x%llx: %s",
			  (unsigned long long)base, (unsigned long long)size,
			  rheap_err_name(undo));
	}
	if (rc == -EBUSY) {
		/* Already claimed: the SPMC's records and DRAM disagree. */
		board_log(b, "0x%llx+0x%llx is already claimed",
			  (unsigned long long)base, (unsigned long long)size);
		return -EINVAL;
	}
	return rc == -ENOMEM ? rc : -EINVAL;
}

/*
 * Inverse of board_plat_protect(). The TZASC step goes first because it
 * is the one that can fail for want of a region (a split); the claim was
 * made by protect with the same range, so giving it back only fails if
 * the host cannot write the memfd, and then the TZASC step is undone.
 */
static int board_plat_unprotect(void *ctx, uint64_t base, uint64_t size)
{
	struct board *b = ctx;
	int rc = hw_tzasc_unprotect(&b->tzasc, base, size);
	int undo = 0;

	if (rc == -ENOSPC) {
		return -ENOMEM; /* a split needs a free region */
	}
	if (rc == -ENOENT) {
		/* The SPMC's records and the TZASC disagree: report, refuse. */
		board_log(b, "TZASC has no region at 0x%llx+0x%llx to unprotect",
			  (unsigned long long)base, (unsigned long long)size);
		return -EINVAL;
	}
	if (rc) {
		return rc;
	}
	rc = hw_dram_unclaim(b->dram, base, size);
	if (rc == 0) {
		return 0;
	}
	/* Re-secures exactly what was just opened: merges, no new slot. */
	undo = hw_tzasc_protect(&b->tzasc, base, size);
	if (undo) {
		board_log(b, "cannot undo TZASC unprotect of 0x%llx+0x%llx: %s",
			  (unsigned long long)base, (unsigned long long)size,
			  rheap_err_name(undo));
	}
	if (rc == -ENOENT) {
		board_log(b, "DRAM has no claim at 0x%llx+0x%llx to give back",
			  (unsigned long long)base, (unsigned long long)size);
		return -EINVAL;
	}
	return rc == -ENOMEM ? rc : -EINVAL;
}

static int board_plat_scrub(void *ctx, uint64_t base, uint64_t size)
{
	struct board *b = ctx;

	return hw_dram_scrub(b->dram, base, size);
}

static const struct spmc_plat_ops board_plat_ops = {
	.protect = board_plat_protect,
	.unprotect = board_plat_unprotect,
	.scrub = board_plat_scrub,
};

/* ---- FF-A ABI handler operations ---- */

/*
 * A mailbox must be NW memory: open to the NW CPU in the TZASC and not a
 * carve-out (a carve-out's PA resolves to secure backing, which the NW
 * must never be able to name as its own buffer).
 */
static int board_abi_map_mailbox(void *ctx, uint16_t ep, uint64_t pa,
				 uint64_t size, uint8_t **ptr)
{
	struct board *b = ctx;
	void *p = NULL;
	int rc = 0;

	if (size == 0) {
		return -EINVAL;
	}
	if (hw_dram_is_carveout(b->dram, pa, size)) {
		board_log(b, "endpoint 0x%04x: mailbox 0x%llx+0x%llx is in a carve-out",
			  ep, (unsigned long long)pa, (unsigned long long)size);
		return -EPERM;
	}
	/* Secure, outside DRAM or wrapping: all "not NS memory" (-EPERM). */
	rc = hw_tzasc_check(&b->tzasc, pa, size, HW_ACCESS_NS_CPU);
	if (rc) {
		return -EPERM;
	}
	rc = hw_dram_ptr(b->dram, pa, size, &p);
	if (rc) {
		return rc == -ENOMEM ? rc : -EPERM;
	}
	*ptr = p;
	return 0;
}

static int board_abi_direct_req(void *ctx, uint16_t sender, uint16_t receiver,
				const struct rheap_ffa_regs *req,
				struct rheap_ffa_regs *resp)
{
	struct board *b = ctx;

	if (!b->sdp || receiver != b->sdp_id) {
		return -ENOENT;
	}
	return sdp_partition_direct_req(b->sdp, sender, receiver, req, resp);
}

static const struct spmc_abi_ops board_abi_ops = {
	.map_mailbox = board_abi_map_mailbox,
	.direct_req = board_abi_direct_req,
};

/* ---- boot ---- */

static void board_diag_log(struct board *b, const char *what, int rc,
			   const struct rheap_diag *diag)
{
	char line[256] = { 0 };

	if (diag->field) {
		rheap_diag_format(diag, line, sizeof(line));
		board_log(b, "%s rejected (%s): %s", what, rheap_err_name(rc),
			  line);
	} else {
		board_log(b, "%s rejected: %s (%s)", what, rheap_strerror(rc),
			  rheap_err_name(rc));
	}
}

/* Reads the key file into the store; the file bytes are wiped after. */
static int board_keys_load(struct board *b, const char *path)
{
	struct rheap_diag diag = { 0 };
	uint8_t *text = NULL;
	size_t len = 0;
	ssize_t n = 0;
	int fd = -1;
	int rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		board_log(b, "cannot open key file %s: %s", path,
			  strerror(errno));
		return errno == ENOENT ? -ENOENT : -EINVAL;
	}
	text = calloc(1, BOARD_KEYS_FILE_MAX + 1);
	if (!text) {
		rc = -ENOMEM;
		goto err_close;
	}
	for (;;) {
		n = read(fd, text + len, BOARD_KEYS_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		len += (size_t)n;
		if (len > BOARD_KEYS_FILE_MAX) {
			break;
		}
	}
	if (n < 0 || len > BOARD_KEYS_FILE_MAX) {
		board_log(b, "key file %s: unreadable or larger than %u bytes",
			  path, BOARD_KEYS_FILE_MAX);
		rc = -EINVAL;
		goto err_wipe;
	}
	rc = sp_keys_decode(&b->keys, text, len, &diag);
	if (rc < 0) {
		board_diag_log(b, "key file", rc, &diag);
		goto err_wipe;
	}
	if (!b->quiet) {
		board_log(b, "%d content key(s) loaded", rc);
	}
	rc = 0;
err_wipe:
	explicit_bzero(text, BOARD_KEYS_FILE_MAX + 1);
	free(text);
err_close:
	close(fd);
	return rc;
}

static int board_tzasc_boot(struct board *b)
{
	int rc = hw_tzasc_init_platform(&b->tzasc, &b->plat);

	if (rc) {
		return rc;
	}
	/* Static pools are secure from reset, before any NW code runs. */
	for (uint32_t i = 0; i < b->plat.pool_count; i++) {
		const struct rheap_plat_pool *p = &b->plat.pools[i];

		if (p->kind != RHEAP_POOL_STATIC) {
			continue;
		}
		rc = hw_tzasc_protect(&b->tzasc, p->base, p->size);
		if (rc) {
			board_log(b, "cannot protect static pool %s at 0x%llx+0x%llx: %s",
				  p->name, (unsigned long long)p->base,
				  (unsigned long long)p->size,
				  rheap_err_name(rc));
			return rc == -ENOSPC || rc == -EBUSY ? -EINVAL : rc;
		}
	}
	return 0;
}

static int board_devices_create(struct board *b)
{
	int rc = hw_smmu_create(&b->plat, &b->smmu);

	if (rc) {
		return rc;
	}
	rc = hw_bus_create(b->dram, &b->tzasc, b->smmu, HW_BUS_DEFAULT_FAULTS,
			   &b->bus);
	if (rc) {
		return rc;
	}
	for (uint32_t i = 0; i < b->plat.device_count; i++) {
		rc = hw_device_create(b->bus, b->smmu, &b->plat.devices[i],
				      &b->devices[i]);
		if (rc) {
			return rc;
		}
		b->device_count = i + 1;
	}
	return 0;
}

static int board_spmc_create(struct board *b)
{
	struct spmc_cfg cfg = { 0 };
	struct rheap_diag diag = { 0 };
	int rc = 0;

	cfg.ops = &board_plat_ops;
	cfg.ops_ctx = b;
	cfg.endpoints[cfg.endpoint_count++] = BOARD_NW_ENDPOINT;
	for (uint32_t i = 0; i < b->plat.partition_count; i++) {
		if (cfg.endpoint_count >= SPMC_MAX_ENDPOINTS) {
			return -ENOSPC;
		}
		cfg.endpoints[cfg.endpoint_count++] = b->plat.partitions[i].id;
	}
	if (b->plat.dram_count > SPMC_MAX_CFG_RANGES ||
	    b->plat.pool_count > SPMC_MAX_CFG_RANGES) {
		return -ENOSPC;
	}
	for (uint32_t i = 0; i < b->plat.dram_count; i++) {
		cfg.dram[cfg.dram_count++] = (struct spmc_range){
			.base = b->plat.dram[i].base,
			.size = b->plat.dram[i].size,
		};
	}
	for (uint32_t i = 0; i < b->plat.pool_count; i++) {
		const struct rheap_plat_pool *p = &b->plat.pools[i];
		struct spmc_range r = { .base = p->base, .size = p->size };

		if (p->kind == RHEAP_POOL_STATIC) {
			cfg.carveouts[cfg.carveout_count++] = r;
		}
		cfg.pools[cfg.pool_count++] = r;
	}
	cfg.limits = board_limits;
	rc = spmc_create(&cfg, &b->spmc, &diag);
	if (rc) {
		board_diag_log(b, "SPMC configuration", rc, &diag);
	}
	return rc;
}

/* The SDP partition is the platform partition named "sdp", if any. */
static int board_sdp_create(struct board *b, const struct board_opts *opts)
{
	struct sdp_partition_cfg cfg = { 0 };
	const struct rheap_plat_partition *part = NULL;

	for (uint32_t i = 0; i < b->plat.partition_count; i++) {
		if (strcmp(b->plat.partitions[i].name, "sdp") == 0) {
			part = &b->plat.partitions[i];
		}
	}
	if (!part) {
		board_log(b, "no \"sdp\" partition in the platform: no SDP services");
		return 0;
	}
	cfg.id = part->id;
	cfg.spmc = b->spmc;
	cfg.dram = b->dram;
	cfg.smmu = b->smmu;
	cfg.bus = b->bus;
	cfg.plat = &b->plat;
	cfg.keys = &b->keys;
	cfg.min_chunk_size = FFA_PAGE_SIZE;
	cfg.chunk_alignment = FFA_PAGE_SIZE;
	cfg.debug_dump = opts->debug_dump;
	b->sdp_id = part->id;
	return sdp_partition_create(&cfg, &b->sdp);
}

static int board_abi_create(struct board *b)
{
	struct spmc_abi_cfg cfg = { 0 };

	for (uint32_t i = 0; i < b->plat.partition_count; i++) {
		b->partitions[i].id = b->plat.partitions[i].id;
		memcpy(b->partitions[i].uuid, b->plat.partitions[i].uuid,
		       sizeof(b->partitions[i].uuid));
		b->partitions[i].properties = BOARD_PARTITION_PROP_DIRECT_RECV;
	}
	cfg.spmc = b->spmc;
	cfg.ops = &board_abi_ops;
	cfg.ops_ctx = b;
	cfg.partitions = b->partitions;
	cfg.partition_count = b->plat.partition_count;
	cfg.spmc_id = FFA_ID_SPMC;
	return spmc_abi_create(&cfg, &b->abi);
}

/*
 * --guest-ram: the DRAM bank at the guest machine's RAM base is the guest's
 * RAM file (QEMU maps its RAM base at file offset 0): PA 0 for x86's pc
 * machine (linux-guest.dts), 0x4000_0000 for arm64's virt machine
 * (linux-guest-arm64.dts). Guest-physical addresses in FF-A calls are then
 * the board's PAs.
 */
#define BOARD_GUEST_RAM_VIRT 0x40000000ull

static int board_guest_ram(struct board *b, const char *path)
{
	struct board_dram_range r = { 0 };
	struct stat st = { 0 };
	bool found = false;
	int rc = 0;
	int fd = -1;

	for (uint32_t i = 0; i < board_dram_count(b) && !found; i++) {
		found = board_dram_get(b, i, &r) == 0 && r.base == 0;
	}
	for (uint32_t i = 0; i < board_dram_count(b) && !found; i++) {
		found = board_dram_get(b, i, &r) == 0 &&
			r.base == BOARD_GUEST_RAM_VIRT;
	}
	if (!found) {
		board_log(b, "guest RAM %s: the platform has no DRAM bank at PA 0 or 0x40000000",
			  path);
		return -EINVAL;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		board_log(b, "guest RAM %s: cannot open read-write", path);
		return errno == ENOENT ? -ENOENT : -EINVAL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		board_log(b, "guest RAM %s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size != r.size) {
		board_log(b, "guest RAM %s is %llu bytes; the DRAM bank at PA 0 is %llu bytes",
			  path, (unsigned long long)st.st_size,
			  (unsigned long long)r.size);
		close(fd);
		return -EINVAL;
	}
	rc = hw_dram_nw_adopt(b->dram, r.base, fd);
	close(fd);
	if (rc) {
		board_log(b, "guest RAM %s: cannot back DRAM with it: %s", path,
			  rheap_err_name(rc));
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	board_log_info(b, "DRAM at PA 0x%llx: guest RAM %s (%llu bytes)",
		       (unsigned long long)r.base, path,
		       (unsigned long long)r.size);
	return 0;
}

int board_create(const void *tl, size_t tl_size, const struct board_opts *opts,
		 struct board **out)
{
	static const struct board_opts default_opts = { 0 };
	struct rheap_diag diag = { 0 };
	struct board *b = NULL;
	int rc = 0;

	if (!opts) {
		opts = &default_opts;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		return -ENOMEM;
	}
	b->log = opts->log;
	b->quiet = opts->quiet;
	sp_keys_init(&b->keys);
	if (opts->fault_spec) {
		if (!opts->debug_dump ||
		    board_inject_parse(opts->fault_spec, &b->inject) != 0) {
			board_log(b, "fault injection: %s",
				  opts->debug_dump ? "malformed SPEC" :
						     "debug boards only");
			rc = -EINVAL;
			goto err_free;
		}
		b->inject_on = true;
		board_log(b, "WARNING: fault injection armed (tests only)");
	}

	rc = rheap_platform_from_tl(tl, tl_size, &b->plat, &diag);
	if (rc) {
		board_diag_log(b, "Transfer List", rc, &diag);
		goto err_free;
	}
	if (opts->keys_path) {
		rc = board_keys_load(b, opts->keys_path);
		if (rc) {
			goto err_free;
		}
	}
	rc = hw_dram_create(&b->plat, opts->dram_flags, &b->dram);
	if (rc) {
		board_log(b, "cannot back DRAM: %s", rheap_err_name(rc));
		goto err_free;
	}
	if (opts->guest_ram) {
		rc = board_guest_ram(b, opts->guest_ram);
		if (rc) {
			goto err_teardown;
		}
	}
	if (!b->quiet) {
		if (hw_dram_secret(b->dram)) {
			board_log(b, "static carve-outs in memfd_secret memory");
		} else {
			board_log(b, "static carve-outs in private memory (%s)",
				  hw_dram_backing_desc(b->dram));
		}
	}
	board_log(b, "WARNING: development platform: protection is NOT "
		     "enforced in hardware (insecure build); restricted memory "
		     "is only memory NW processes never map");
	rc = board_tzasc_boot(b);
	if (rc) {
		goto err_teardown;
	}
	rc = board_devices_create(b);
	if (rc) {
		board_log(b, "cannot build SMMU, bus or devices: %s",
			  rheap_err_name(rc));
		goto err_teardown;
	}
	rc = board_media_create(b, opts->sink_dir);
	if (rc) {
		board_log(b, "cannot start the media devices: %s",
			  rheap_err_name(rc));
		goto err_teardown;
	}
	if (!b->quiet && opts->sink_dir) {
		board_log(b, "display sink: %s", opts->sink_dir);
	}
	rc = board_spmc_create(b);
	if (rc) {
		goto err_teardown;
	}
	rc = board_sdp_create(b, opts);
	if (rc) {
		board_log(b, "cannot start the SDP partition: %s",
			  rheap_err_name(rc));
		goto err_teardown;
	}
	rc = board_abi_create(b);
	if (rc) {
		board_log(b, "cannot start the FF-A ABI handler: %s",
			  rheap_err_name(rc));
		goto err_teardown;
	}
	if (!b->quiet) {
		board_log(b, "booted \"%s\": %u DRAM range(s), %u pool(s), "
			     "%u device(s), %u partition(s), TZASC %u/%u regions",
			  b->plat.model, b->plat.dram_count, b->plat.pool_count,
			  b->plat.device_count, b->plat.partition_count,
			  hw_tzasc_regions_used(&b->tzasc),
			  b->tzasc.region_count);
	}
	*out = b;
	return 0;

err_teardown:
	board_destroy(b);
	return rc;
err_free:
	sp_keys_fini(&b->keys);
	free(b);
	return rc;
}

/*
 * Scrubs every NW DRAM page the TZASC still protects: memory lent or
 * donated and never reclaimed must not reach the host (or a next board on
 * the same memfd) unscrubbed. Carve-outs are left to the host kernel,
 * which zeroes memfd_secret and anonymous pages on release.
 */
static void board_scrub_run(struct board *b, uint64_t lo, uint64_t last)
{
	uint64_t start = lo;

	/* Runs of non-carve-out pages: a carve-out is not ours to zero. */
	for (uint64_t pa = lo; pa <= last; pa += FFA_PAGE_SIZE) {
		bool carve = hw_dram_is_carveout(b->dram, pa, FFA_PAGE_SIZE);

		if (carve && pa > start) {
			(void)hw_dram_release(b->dram, start, pa - start);
		}
		if (carve) {
			start = pa + FFA_PAGE_SIZE;
		}
		if (pa + FFA_PAGE_SIZE - 1 == last) {
			break; /* the range may end at the top of the PA space */
		}
	}
	if (last >= start) {
		(void)hw_dram_release(b->dram, start, last - start + 1);
	}
}

static void board_scrub_protected(struct board *b)
{
	struct hw_tzasc_region reg = { 0 };
	struct board_dram_range r = { 0 };

	for (uint32_t s = 1; s <= b->tzasc.region_count; s++) {
		if (hw_tzasc_region_get(&b->tzasc, s, &reg) || !reg.enabled) {
			continue;
		}
		for (uint32_t i = 0; i < board_dram_count(b); i++) {
			uint64_t lo = 0;
			uint64_t hi = 0;

			if (board_dram_get(b, i, &r)) {
				continue;
			}
			lo = reg.base > r.base ? reg.base : r.base;
			hi = reg.last < r.base + r.size - 1 ? reg.last :
							       r.base + r.size - 1;
			if (lo > hi) {
				continue;
			}
			board_scrub_run(b, lo, hi);
		}
	}
}

void board_destroy(struct board *b)
{
	if (!b) {
		return;
	}
	board_media_destroy(b);
	spmc_abi_destroy(b->abi);
	sdp_partition_destroy(b->sdp);
	spmc_destroy(b->spmc);
	for (uint32_t i = 0; i < b->device_count; i++) {
		hw_device_destroy(b->devices[i]);
	}
	hw_bus_destroy(b->bus);
	hw_smmu_destroy(b->smmu);
	if (b->dram) {
		board_scrub_protected(b);
	}
	hw_dram_destroy(b->dram);
	sp_keys_fini(&b->keys);
	free(b);
}

int board_nw_connect(struct board *b, uint16_t *ep)
{
	int rc = 0;

	if (b->nw_connected) {
		return -EBUSY;
	}
	rc = spmc_abi_endpoint_add(b->abi, BOARD_NW_ENDPOINT);
	if (rc) {
		return rc;
	}
	b->nw_connected = true;
	*ep = BOARD_NW_ENDPOINT;
	return 0;
}

/*
 * What goes when a NW endpoint (host or VM) goes, in this order: devices
 * stop using its buffers first (contexts, sessions, NS mappings,
 * windows), then the SDP partition lets go of what the endpoint made it
 * hold (attachments, chunks, parameter area: relinquished, so a later
 * endpoint with the same ID cannot name them), then the ABI handler drops
 * the mailbox and the SPMC orphans its complete transactions.
 */
static void board_ep_teardown(struct board *b, uint16_t ep)
{
	board_media_disconnect(b, ep);
	if (b->sdp) {
		sdp_partition_endpoint_teardown(b->sdp, ep);
	}
	spmc_abi_endpoint_remove(b->abi, ep);
}

void board_nw_disconnect(struct board *b, uint16_t ep)
{
	if (!b->nw_connected || ep != BOARD_NW_ENDPOINT) {
		return;
	}
	board_ep_teardown(b, ep);
	b->nw_connected = false;
}

static struct board_vm *board_vm_find(struct board *b, uint16_t id)
{
	for (uint32_t i = 0; i < b->vm_slots; i++) {
		if (b->vms[i].id == id) {
			return &b->vms[i];
		}
	}
	return NULL;
}

static uint32_t board_vm_connected_count(const struct board *b)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < b->vm_slots; i++) {
		n += b->vms[i].connected ? 1u : 0u;
	}
	return n;
}

/* Drops slot @i, keeping the order of the rest. */
static void board_vm_slot_drop(struct board *b, uint32_t i)
{
	for (; i + 1 < b->vm_slots; i++) {
		b->vms[i] = b->vms[i + 1];
	}
	b->vm_slots--;
	b->vms[b->vm_slots] = (struct board_vm){ 0 };
}

/*
 * Lingering IDs whose orphans are gone (reclaimed by the hypervisor)
 * leave the SPMC, so their table entries can serve new VMs.
 */
static void board_vm_prune(struct board *b)
{
	uint32_t i = 0;

	while (i < b->vm_slots) {
		if (!b->vms[i].connected &&
		    spmc_endpoint_remove(b->spmc, b->vms[i].id) == 0) {
			board_vm_slot_drop(b, i);
			continue;
		}
		i++;
	}
}

bool board_ep_connected(const struct board *b, uint16_t ep)
{
	if (ep == BOARD_NW_ENDPOINT) {
		return b->nw_connected;
	}
	for (uint32_t i = 0; i < b->vm_slots; i++) {
		if (b->vms[i].id == ep) {
			return b->vms[i].connected;
		}
	}
	return false;
}

int board_vm_connect(struct board *b, uint16_t id)
{
	struct board_vm *vm = NULL;
	bool added = false;
	int rc = 0;

	if (id < BOARD_VM_ID_MIN || id > BOARD_VM_ID_MAX) {
		return -EINVAL;
	}
	vm = board_vm_find(b, id);
	if (vm && vm->connected) {
		return -EBUSY;
	}
	if (board_vm_connected_count(b) >= BOARD_MAX_VMS) {
		return -ENOMEM;
	}
	if (!vm) {
		board_vm_prune(b);
		if (b->vm_slots >= SPMC_MAX_ENDPOINTS) {
			return -ENOMEM;
		}
		rc = spmc_endpoint_add(b->spmc, id);
		if (rc) {
			/* -ENOSPC: the table is full; -EBUSY cannot happen. */
			return rc == -ENOSPC ? -ENOMEM : rc;
		}
		added = true;
		vm = &b->vms[b->vm_slots++];
		*vm = (struct board_vm){ .id = id };
	}
	rc = spmc_abi_endpoint_add(b->abi, id);
	if (rc) {
		goto err_spmc;
	}
	vm->connected = true;
	return 0;

err_spmc:
	if (added) {
		(void)spmc_endpoint_remove(b->spmc, id);
		board_vm_slot_drop(b, (uint32_t)(vm - b->vms));
	}
	return rc;
}

void board_vm_disconnect(struct board *b, uint16_t id)
{
	struct board_vm *vm = NULL;

	if (id < BOARD_VM_ID_MIN || id > BOARD_VM_ID_MAX) {
		return;
	}
	vm = board_vm_find(b, id);
	if (!vm || !vm->connected) {
		return;
	}
	board_ep_teardown(b, id);
	vm->connected = false;
	/* Orphans keep the ID configured (-EBUSY): it lingers. */
	if (spmc_endpoint_remove(b->spmc, id) == 0) {
		board_vm_slot_drop(b, (uint32_t)(vm - b->vms));
	}
}

/*
 * A reclaim the hypervisor may leave for later without it being an error:
 * a borrower still holds the memory (-EBUSY) or it is a DONATE, which is
 * never reclaimed (-EINVAL).
 */
static bool board_hyp_reclaim_held(int rc)
{
	return rc == -EBUSY || rc == -EINVAL;
}

/* Reclaims @id's orphans as the hypervisor; the first hard error. */
static int board_orphans_reclaim(struct board *b, uint16_t id,
				 struct board_hyp_reclaim_result *out)
{
	uint32_t cursor = 0;
	uint64_t handle = 0;
	int first = 0;

	/* Reclaims only free slots: the walk sees each orphan once. */
	while (spmc_orphan_next(b->spmc, id, &cursor, &handle) == 0) {
		struct rheap_diag diag = { 0 };
		int rc = spmc_reclaim(b->spmc, FFA_ID_HYPERVISOR, handle, 0,
				      &diag);

		if (rc == 0) {
			out->reclaimed++;
			continue;
		}
		out->held++;
		if (!board_hyp_reclaim_held(rc) && first == 0) {
			first = rc;
		}
		board_log(b, "hypervisor reclaim of endpoint 0x%04x's handle 0x%llx: %s",
			  id, (unsigned long long)handle, rheap_err_name(rc));
	}
	return first;
}

int board_nw_reclaim(struct board *b, struct board_hyp_reclaim_result *out)
{
	int rc = 0;

	*out = (struct board_hyp_reclaim_result){ 0 };
	if (b->nw_connected || spmc_is_wedged(b->spmc)) {
		return -EBUSY;
	}
	/* The caller logs the counts. */
	rc = board_orphans_reclaim(b, BOARD_NW_ENDPOINT, out);
	return rc;
}

int board_hyp_reclaim(struct board *b, uint16_t id,
		      struct board_hyp_reclaim_result *out)
{
	struct board_vm *vm = NULL;
	int first = 0;

	*out = (struct board_hyp_reclaim_result){ 0 };
	if (id < BOARD_VM_ID_MIN || id > BOARD_VM_ID_MAX) {
		return -EINVAL;
	}
	vm = board_vm_find(b, id);
	if (!vm) {
		return -ENOENT;
	}
	if (vm->connected || spmc_is_wedged(b->spmc)) {
		return -EBUSY;
	}
	first = board_orphans_reclaim(b, id, out);
	/* Nothing left: the lingering ID frees its SPMC table entry. */
	if (out->held == 0 && spmc_endpoint_remove(b->spmc, id) == 0) {
		board_vm_slot_drop(b, (uint32_t)(vm - b->vms));
	}
	board_log_info(b, "hypervisor reclaimed %u orphan(s) of VM 0x%04x, %u held",
		       out->reclaimed, id, out->held);
	return first;
}

int board_call(struct board *b, uint16_t ep, const struct rheap_ffa_regs *req,
	       struct rheap_ffa_regs *resp)
{
	if (!board_ep_connected(b, ep)) {
		memset(resp, 0, sizeof(*resp));
		resp->x[0] = FFA_ERROR;
		resp->x[2] = (uint32_t)FFA_DENIED;
		return -EPERM;
	}
	if (b->inject_on && board_inject_call(&b->inject, b->sdp ? b->sdp_id : 0,
					      req, resp)) {
		board_log_info(b, "fault injection: the board answered call 0x%08x of endpoint 0x%04x",
			       (uint32_t)req->x[0], ep);
		return 0;
	}
	spmc_abi_handle(b->abi, ep, req, resp);
	return 0;
}

uint32_t board_dram_count(const struct board *b)
{
	return hw_dram_nw_count(b->dram);
}

int board_dram_get(const struct board *b, uint32_t index,
		   struct board_dram_range *out)
{
	struct hw_dram_nw_range r = { 0 };
	int rc = hw_dram_nw_range_get(b->dram, index, &r);

	if (rc) {
		return rc;
	}
	out->fd = r.fd;
	out->base = r.base;
	out->size = r.size;
	return 0;
}

const struct rheap_platform *board_platform(const struct board *b)
{
	return &b->plat;
}

struct hw_bus *board_bus(struct board *b)
{
	return b->bus;
}

const struct spmc *board_spmc(const struct board *b)
{
	return b->spmc;
}
