// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapctl decode/encode tl: Firmware Handoff Transfer Lists <-> JSON.
 *
 * JSON contract: version, used_size, total_size, alignment (the header's
 * log2 field as stored), flags, entries [{tag, data_size, data_offset
 * (from the list start), data (lowercase hex, only with --data)}], VOID
 * entries included, in list order.
 *
 * encode rebuilds the list exactly: a 24-byte header (hdr_size 0x18), each
 * entry header 8 bytes before its data_offset, which must be the 8-aligned
 * end of the previous entry; payloads from `data` or zero; padding and the
 * free tail zero; `used_size` either the end of the last payload or that
 * end rounded up to 8 (TF-A writes the former, the spec's add the latter);
 * the checksum recomputed when flags bit 0 is set. The result is checked
 * with rheap_tl_validate() and written as `total_size` bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/tl.h>

#include "args.h"
#include "rheapctl.h"

#define CTL_TL_CTX "tl"
/* The largest list encode builds (it allocates total_size bytes). */
#define CTL_TL_MAX_TOTAL ((uint64_t)256 << 20)

static int tl_print(const uint8_t *buf, const struct rheap_tl_info *info,
		    bool with_data)
{
	struct rheap_tl_entry e = { 0 };
	struct json_writer w = { 0 };
	uint32_t cursor = 0;
	int rc = 0;

	json_writer_init(&w, stdout);
	json_write_object_begin(&w);
	json_write_member_u64(&w, "version", info->version);
	json_write_member_u64(&w, "used_size", info->used_size);
	json_write_member_u64(&w, "total_size", info->total_size);
	json_write_member_u64(&w, "alignment", info->alignment);
	json_write_member_u64(&w, "flags", info->flags);
	json_write_key(&w, "entries");
	json_write_array_begin(&w);
	while ((rc = rheap_tl_next(buf, &cursor, &e)) == 1) {
		json_write_object_begin(&w);
		json_write_member_u64(&w, "tag", e.tag);
		json_write_member_u64(&w, "data_size", e.data_size);
		json_write_member_u64(&w, "data_offset", e.data_offset);
		if (with_data) {
			if (ctl_write_member_hex(&w, "data",
						 buf + e.data_offset,
						 e.data_size) != 0) {
				return -ENOMEM;
			}
		}
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	json_write_object_end(&w);
	if (rc < 0) {
		return rc; /* validate passed, so this does not happen */
	}
	return json_writer_finish(&w);
}

int ctl_decode_tl(int argc, char **argv)
{
	struct ctl_args args = { 0 };
	struct rheap_tl_info info = { 0 };
	struct rheap_diag diag = { 0 };
	uint8_t *buf = NULL;
	size_t size = 0;
	int rc = ctl_args_parse(argc, argv, "decode tl", CTL_OPT_DATA, &args);

	if (rc) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	rc = ctl_read_file(args.file, &buf, &size);
	if (rc) {
		return rc;
	}
	memset(&info, 0, sizeof(info));
	memset(&diag, 0, sizeof(diag));
	/* ctl_read_file's buffer comes from malloc: 8-aligned as required. */
	rc = rheap_tl_validate(buf, size, &info, &diag);
	if (rc) {
		ctl_error_diag(CTL_TL_CTX, rc, &diag);
		rc = CTL_EXIT_REJECT;
		goto out;
	}
	rc = tl_print(buf, &info, args.data);
	if (rc < 0 && rc != -ENOSPC) {
		/* Cannot happen after a successful validate; say so loudly. */
		ctl_error(CTL_TL_CTX, "%s: entry walk failed after validation",
			  rheap_err_name(rc));
		rc = CTL_EXIT_REJECT;
		goto out;
	}
	rc = rc ? CTL_EXIT_USAGE : CTL_EXIT_OK;
out:
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------------- */

static const char *const tl_top_keys[] = {
	"version", "used_size", "total_size", "alignment", "flags", "entries",
	NULL,
};
static const char *const tl_entry_allowed[] = { "tag", "data_size",
						"data_offset", "data", NULL };
static const char *const tl_entry_required[] = { "tag", "data_size",
						 "data_offset", NULL };

static void tl_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static uint64_t tl_align8(uint64_t v)
{
	return (v + 7) & ~(uint64_t)7;
}

/* Header fields, read before the buffer exists. */
struct tl_hdr_json {
	uint64_t version;
	uint64_t alignment;
	uint64_t used_size;
	uint64_t total_size;
	uint64_t flags;
};

static int tl_json_header(const struct ctl_jin *jin,
			  const struct json_value *root,
			  struct tl_hdr_json *h)
{
	if (ctl_jin_object(jin, root, "", tl_top_keys, tl_top_keys) ||
	    ctl_jin_u64(jin, root, "", "version", UINT8_MAX, &h->version,
			NULL) ||
	    ctl_jin_u64(jin, root, "", "alignment", UINT8_MAX, &h->alignment,
			NULL) ||
	    ctl_jin_u64(jin, root, "", "used_size", UINT32_MAX, &h->used_size,
			NULL) ||
	    ctl_jin_u64(jin, root, "", "total_size", CTL_TL_MAX_TOTAL,
			&h->total_size, NULL) ||
	    ctl_jin_u64(jin, root, "", "flags", UINT32_MAX, &h->flags, NULL)) {
		return -EINVAL;
	}
	if (h->total_size < RHEAP_TL_HDR_SIZE) {
		ctl_error(jin->ctx,
			  "total_size: %" PRIu64 " is smaller than the %u-byte "
			  "header",
			  h->total_size, RHEAP_TL_HDR_SIZE);
		return -EINVAL;
	}
	if (h->used_size > h->total_size) {
		ctl_error(jin->ctx,
			  "used_size: %" PRIu64 " exceeds total_size %" PRIu64,
			  h->used_size, h->total_size);
		return -EINVAL;
	}
	return 0;
}

/*
 * Write entry @index at its data_offset; @end is the end of the previous
 * payload (the header's end for the first entry) and is advanced.
 */
static int tl_json_entry(const struct ctl_jin *jin,
			 const struct json_value *item, uint32_t index,
			 uint8_t *buf, uint64_t total_size, uint64_t *end)
{
	char path[32] = "";
	const char *hex = NULL;
	bool has_data = false;
	uint64_t tag = 0;
	uint64_t data_size = 0;
	uint64_t data_offset = 0;
	uint64_t expect = tl_align8(*end) + RHEAP_TL_ENTRY_HDR_SIZE;
	uint8_t *hdr = NULL;

	snprintf(path, sizeof(path), "entries[%" PRIu32 "]", index);
	if (ctl_jin_object(jin, item, path, tl_entry_allowed,
			   tl_entry_required) ||
	    ctl_jin_u64(jin, item, path, "tag", RHEAP_TL_TAG_MAX, &tag, NULL) ||
	    ctl_jin_u64(jin, item, path, "data_size", UINT32_MAX, &data_size,
			NULL) ||
	    ctl_jin_u64(jin, item, path, "data_offset", UINT32_MAX,
			&data_offset, NULL) ||
	    ctl_jin_string(jin, item, path, "data", &hex, &has_data)) {
		return -EINVAL;
	}
	if (data_offset != expect) {
		ctl_error(jin->ctx,
			  "%s.data_offset: %" PRIu64 " (0x%" PRIx64
			  ") is not %" PRIu64 " (0x%" PRIx64
			  "), 8 bytes past the 8-aligned end of the previous "
			  "entry",
			  path, data_offset, data_offset, expect, expect);
		return -EINVAL;
	}
	if (data_offset + data_size > total_size) {
		ctl_error(jin->ctx,
			  "%s.data_size: %" PRIu64 " at offset %" PRIu64
			  " ends past total_size %" PRIu64,
			  path, data_size, data_offset, total_size);
		return -EINVAL;
	}
	hdr = buf + data_offset - RHEAP_TL_ENTRY_HDR_SIZE;
	hdr[0] = (uint8_t)tag;
	hdr[1] = (uint8_t)(tag >> 8);
	hdr[2] = (uint8_t)(tag >> 16);
	hdr[3] = RHEAP_TL_ENTRY_HDR_SIZE;
	tl_put32(hdr + 4, (uint32_t)data_size);
	if (has_data &&
	    ctl_hex_decode(hex, strlen(hex), buf + data_offset,
			   (size_t)data_size) != 0) {
		ctl_error(jin->ctx,
			  "%s.data: expected %" PRIu64
			  " hex digits (2 per data_size byte), got %zu or a "
			  "non-hex digit",
			  path, 2 * data_size, strlen(hex));
		return -EINVAL;
	}
	*end = data_offset + data_size;
	return 0;
}

static int tl_json_build(const struct ctl_jin *jin,
			 const struct json_value *root, uint8_t **out,
			 size_t *out_size)
{
	struct tl_hdr_json h = { 0 };
	const struct json_value *entries = NULL;
	const struct json_value *item = NULL;
	uint8_t *buf = NULL;
	uint64_t end = RHEAP_TL_HDR_SIZE;
	uint32_t i = 0;

	if (tl_json_header(jin, root, &h) ||
	    ctl_jin_array(jin, root, "", "entries", &entries)) {
		return -EINVAL;
	}
	buf = calloc(1, (size_t)h.total_size);
	if (!buf) {
		ctl_error(jin->ctx, "out of memory");
		return -ENOMEM;
	}
	tl_put32(buf, RHEAP_TL_SIGNATURE);
	buf[5] = (uint8_t)h.version;
	buf[6] = RHEAP_TL_HDR_SIZE;
	buf[7] = (uint8_t)h.alignment;
	tl_put32(buf + 8, (uint32_t)h.used_size);
	tl_put32(buf + 12, (uint32_t)h.total_size);
	tl_put32(buf + 16, (uint32_t)h.flags);
	for (item = entries->child; item; item = item->next, i++) {
		if (tl_json_entry(jin, item, i, buf, h.total_size, &end)) {
			goto err_free;
		}
	}
	if (h.used_size != end && h.used_size != tl_align8(end)) {
		ctl_error(jin->ctx,
			  "used_size: %" PRIu64 " is neither the end of the "
			  "last entry %" PRIu64 " nor that rounded up to 8",
			  h.used_size, end);
		goto err_free;
	}
	rheap_tl_update_checksum(buf);
	*out = buf;
	*out_size = (size_t)h.total_size;
	return 0;

err_free:
	free(buf);
	return -EINVAL;
}

int ctl_encode_tl(int argc, char **argv)
{
	struct ctl_jin jin = { .ctx = "encode tl", .file = NULL };
	struct ctl_args args = { 0 };
	struct rheap_diag diag = { 0 };
	struct json_doc *doc = NULL;
	uint8_t *text = NULL;
	uint8_t *out = NULL;
	size_t text_size = 0;
	size_t out_size = 0;
	int rc = ctl_args_parse(argc, argv, "encode tl", CTL_OPT_OUTPUT, &args);

	if (rc) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	memset(&diag, 0, sizeof(diag));
	jin.file = args.file;
	rc = ctl_read_file(args.file, &text, &text_size);
	if (rc) {
		return rc;
	}
	rc = CTL_EXIT_REJECT;
	if (ctl_jin_parse(&jin, text, text_size, &doc) ||
	    tl_json_build(&jin, json_root(doc), &out, &out_size)) {
		goto out;
	}
	/* Whatever the JSON said, only a list the codec accepts goes out. */
	rc = rheap_tl_validate(out, out_size, NULL, &diag);
	if (rc) {
		ctl_error_diag(CTL_TL_CTX, rc, &diag);
		rc = CTL_EXIT_REJECT;
		goto out;
	}
	rc = ctl_write_output(args.output, out, out_size);
out:
	free(out);
	json_free(doc);
	free(text);
	return rc;
}
