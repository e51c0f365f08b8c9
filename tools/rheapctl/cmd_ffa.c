// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheapctl decode/encode ffa: FF-A memory transaction descriptors <-> JSON.
 *
 * JSON contract (field names are stable; integers are JSON numbers):
 *   abi, version ("1.1"|"1.2"), sender_id, attributes, flags, handle, tag,
 *   total_length, receivers [{endpoint_id, permissions, flags}],
 *   total_page_count, ranges [{address, page_count}].
 * Extension: a v1.2 receiver whose implementation-defined value is not all
 * zero also carries `impdef` (32 lowercase hex digits), so such descriptors
 * round-trip; it is omitted when zero.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/ffa_abi.h>
#include <rheap/ffa_desc.h>

#include "args.h"
#include "rheapctl.h"

#define CTL_FFA_CTX "ffa"

static int ffa_abi_arg(const char *name, enum rheap_ffa_abi *out)
{
	if (rheap_ffa_abi_from_name(name, out) != 0) {
		return ctl_usage_error("unknown --abi '%s' (share, lend, donate, "
				       "retrieve_req, retrieve_resp)",
				       name);
	}
	return 0;
}

static bool ffa_impdef_zero(const struct rheap_ffa_receiver *r)
{
	for (size_t i = 0; i < sizeof(r->impdef); i++) {
		if (r->impdef[i] != 0) {
			return false;
		}
	}
	return true;
}

static int ffa_print(const struct rheap_ffa_mem *mem, size_t total_length)
{
	struct json_writer w = { 0 };
	char version[16] = "";

	snprintf(version, sizeof(version), "%" PRIu32 ".%" PRIu32,
		 mem->version >> FFA_VERSION_MAJOR_SHIFT,
		 mem->version & 0xFFFFu);
	json_writer_init(&w, stdout);
	json_write_object_begin(&w);
	json_write_member_string(&w, "abi", rheap_ffa_abi_name(mem->abi));
	json_write_member_string(&w, "version", version);
	json_write_member_u64(&w, "sender_id", mem->sender_id);
	json_write_member_u64(&w, "attributes", mem->attributes);
	json_write_member_u64(&w, "flags", mem->flags);
	json_write_member_u64(&w, "handle", mem->handle);
	json_write_member_u64(&w, "tag", mem->tag);
	json_write_member_u64(&w, "total_length", total_length);
	json_write_key(&w, "receivers");
	json_write_array_begin(&w);
	for (uint32_t i = 0; i < mem->receiver_count; i++) {
		const struct rheap_ffa_receiver *r = &mem->receivers[i];

		json_write_object_begin(&w);
		json_write_member_u64(&w, "endpoint_id", r->endpoint_id);
		json_write_member_u64(&w, "permissions", r->permissions);
		json_write_member_u64(&w, "flags", r->flags);
		if (!ffa_impdef_zero(r)) {
			if (ctl_write_member_hex(&w, "impdef", r->impdef,
						 sizeof(r->impdef)) != 0) {
				return -ENOMEM;
			}
		}
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	json_write_member_u64(&w, "total_page_count", mem->total_page_count);
	json_write_key(&w, "ranges");
	json_write_array_begin(&w);
	for (uint32_t i = 0; i < mem->range_count; i++) {
		json_write_object_begin(&w);
		json_write_member_u64(&w, "address", mem->ranges[i].address);
		json_write_member_u64(&w, "page_count",
				      mem->ranges[i].page_count);
		json_write_object_end(&w);
	}
	json_write_array_end(&w);
	json_write_object_end(&w);
	return json_writer_finish(&w);
}

int ctl_decode_ffa(int argc, char **argv)
{
	struct ctl_args args = { 0 };
	struct rheap_ffa_mem mem = { 0 };
	struct rheap_diag diag = { 0 };
	enum rheap_ffa_abi abi = RHEAP_FFA_ABI_LEND;
	uint8_t *buf = NULL;
	size_t size = 0;
	size_t range_cap = 0;
	int rc = ctl_args_parse(argc, argv, "decode ffa", CTL_OPT_ABI, &args);

	if (rc) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	if (args.abi && ffa_abi_arg(args.abi, &abi)) {
		return CTL_EXIT_USAGE;
	}
	rc = ctl_read_file(args.file, &buf, &size);
	if (rc) {
		return rc;
	}
	memset(&mem, 0, sizeof(mem));
	memset(&diag, 0, sizeof(diag));
	/* Each constituent takes 16 bytes, so this bounds the range count. */
	range_cap = size / sizeof(struct ffa_constituent_desc);
	mem.receiver_cap = RHEAP_FFA_MAX_RECEIVERS;
	mem.range_cap = (uint32_t)range_cap;
	mem.receivers = calloc(RHEAP_FFA_MAX_RECEIVERS, sizeof(*mem.receivers));
	mem.ranges = calloc(range_cap ? range_cap : 1, sizeof(*mem.ranges));
	if (!mem.receivers || !mem.ranges) {
		ctl_error(CTL_FFA_CTX, "out of memory");
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	rc = rheap_ffa_mem_decode(abi, buf, size, &mem, &diag);
	if (rc) {
		ctl_error_diag(CTL_FFA_CTX, rc, &diag);
		rc = CTL_EXIT_REJECT;
		goto out;
	}
	rc = ffa_print(&mem, size) ? CTL_EXIT_USAGE : CTL_EXIT_OK;
out:
	free(mem.ranges);
	free(mem.receivers);
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------------- */

static const char *const ffa_top_allowed[] = {
	"abi", "version", "sender_id", "attributes", "flags", "handle", "tag",
	"total_length", "receivers", "total_page_count", "ranges", NULL,
};
static const char *const ffa_top_required[] = {
	"version", "sender_id", "attributes", "flags", "handle", "tag",
	"receivers", "ranges", NULL,
};
static const char *const ffa_rx_allowed[] = {
	"endpoint_id", "permissions", "flags", "impdef", NULL,
};
static const char *const ffa_rx_required[] = {
	"endpoint_id", "permissions", "flags", NULL,
};
static const char *const ffa_range_allowed[] = { "address", "page_count",
						 NULL };

/* Fill @mem's scalar fields and the ABI from the JSON root. */
static int ffa_json_header(const struct ctl_jin *jin,
			   const struct json_value *root, const char *abi_opt,
			   struct rheap_ffa_mem *mem)
{
	const char *abi_name = NULL;
	const char *version = NULL;
	bool has_abi = false;
	uint64_t v = 0;

	if (ctl_jin_string(jin, root, "", "abi", &abi_name, &has_abi) ||
	    ctl_jin_string(jin, root, "", "version", &version, NULL)) {
		return -EINVAL;
	}
	mem->abi = RHEAP_FFA_ABI_LEND;
	if (has_abi && rheap_ffa_abi_from_name(abi_name, &mem->abi) != 0) {
		ctl_error(jin->ctx, "abi: unknown ABI \"%s\"", abi_name);
		return -EINVAL;
	}
	if (abi_opt) {
		enum rheap_ffa_abi opt = RHEAP_FFA_ABI_LEND;

		if (rheap_ffa_abi_from_name(abi_opt, &opt) != 0) {
			return ctl_usage_error("unknown --abi '%s'", abi_opt);
		}
		if (has_abi && opt != mem->abi) {
			ctl_error(jin->ctx,
				  "abi: \"%s\" in the JSON differs from --abi %s",
				  abi_name, abi_opt);
			return -EINVAL;
		}
		mem->abi = opt;
	}
	if (strcmp(version, "1.1") == 0) {
		mem->version = FFA_VERSION_1_1;
	} else if (strcmp(version, "1.2") == 0) {
		mem->version = FFA_VERSION_1_2;
	} else {
		ctl_error(jin->ctx, "version: \"%s\" is not \"1.1\" or \"1.2\"",
			  version);
		return -EINVAL;
	}
	if (ctl_jin_u64(jin, root, "", "sender_id", UINT16_MAX, &v, NULL)) {
		return -EINVAL;
	}
	mem->sender_id = (uint16_t)v;
	if (ctl_jin_u64(jin, root, "", "attributes", UINT16_MAX, &v, NULL)) {
		return -EINVAL;
	}
	mem->attributes = (uint16_t)v;
	if (ctl_jin_u64(jin, root, "", "flags", UINT32_MAX, &v, NULL)) {
		return -EINVAL;
	}
	mem->flags = (uint32_t)v;
	if (ctl_jin_u64(jin, root, "", "handle", UINT64_MAX, &mem->handle,
			NULL) ||
	    ctl_jin_u64(jin, root, "", "tag", UINT64_MAX, &mem->tag, NULL)) {
		return -EINVAL;
	}
	return 0;
}

static int ffa_json_receiver(const struct ctl_jin *jin,
			     const struct json_value *item, uint32_t index,
			     const struct rheap_ffa_mem *mem,
			     struct rheap_ffa_receiver *r)
{
	char path[32] = "";
	const char *hex = NULL;
	bool has_impdef = false;
	uint64_t v = 0;

	snprintf(path, sizeof(path), "receivers[%" PRIu32 "]", index);
	if (ctl_jin_object(jin, item, path, ffa_rx_allowed, ffa_rx_required)) {
		return -EINVAL;
	}
	if (ctl_jin_u64(jin, item, path, "endpoint_id", UINT16_MAX, &v, NULL)) {
		return -EINVAL;
	}
	r->endpoint_id = (uint16_t)v;
	if (ctl_jin_u64(jin, item, path, "permissions", UINT8_MAX, &v, NULL)) {
		return -EINVAL;
	}
	r->permissions = (uint8_t)v;
	if (ctl_jin_u64(jin, item, path, "flags", UINT8_MAX, &v, NULL)) {
		return -EINVAL;
	}
	r->flags = (uint8_t)v;
	if (ctl_jin_string(jin, item, path, "impdef", &hex, &has_impdef)) {
		return -EINVAL;
	}
	if (has_impdef) {
		if (ctl_hex_decode(hex, strlen(hex), r->impdef,
				   sizeof(r->impdef)) != 0) {
			ctl_error(jin->ctx, "%s.impdef: expected %zu hex digits",
				  path, 2 * sizeof(r->impdef));
			return -EINVAL;
		}
		if (mem->version != FFA_VERSION_1_2 && !ffa_impdef_zero(r)) {
			ctl_error(jin->ctx,
				  "%s.impdef: only the v1.2 layout carries an "
				  "implementation-defined value",
				  path);
			return -EINVAL;
		}
	}
	return 0;
}

static int ffa_json_range(const struct ctl_jin *jin,
			  const struct json_value *item, uint32_t index,
			  struct rheap_ffa_range *r)
{
	char path[32] = "";
	uint64_t v = 0;

	snprintf(path, sizeof(path), "ranges[%" PRIu32 "]", index);
	if (ctl_jin_object(jin, item, path, ffa_range_allowed,
			   ffa_range_allowed) ||
	    ctl_jin_u64(jin, item, path, "address", UINT64_MAX, &r->address,
			NULL) ||
	    ctl_jin_u64(jin, item, path, "page_count", UINT32_MAX, &v, NULL)) {
		return -EINVAL;
	}
	r->page_count = (uint32_t)v;
	return 0;
}

/* Build @mem (arrays allocated here) from the JSON root. */
static int ffa_json_mem(const struct ctl_jin *jin,
			const struct json_value *root, const char *abi_opt,
			struct rheap_ffa_mem *mem)
{
	const struct json_value *rx = NULL;
	const struct json_value *ranges = NULL;
	const struct json_value *item = NULL;
	uint64_t page_sum = 0;
	uint64_t want = 0;
	bool has_total = false;
	uint32_t i = 0;

	if (ctl_jin_object(jin, root, "", ffa_top_allowed, ffa_top_required) ||
	    ffa_json_header(jin, root, abi_opt, mem) ||
	    ctl_jin_array(jin, root, "", "receivers", &rx) ||
	    ctl_jin_array(jin, root, "", "ranges", &ranges)) {
		return -EINVAL;
	}
	if (rx->count > UINT32_MAX || ranges->count > UINT32_MAX) {
		ctl_error(jin->ctx, "receivers: too many entries");
		return -EINVAL;
	}
	mem->receivers = calloc(rx->count ? rx->count : 1,
				sizeof(*mem->receivers));
	mem->ranges = calloc(ranges->count ? ranges->count : 1,
			     sizeof(*mem->ranges));
	if (!mem->receivers || !mem->ranges) {
		ctl_error(jin->ctx, "out of memory");
		return -ENOMEM;
	}
	mem->receiver_cap = (uint32_t)rx->count;
	mem->receiver_count = (uint32_t)rx->count;
	mem->range_cap = (uint32_t)ranges->count;
	mem->range_count = (uint32_t)ranges->count;
	for (item = rx->child, i = 0; item; item = item->next, i++) {
		if (ffa_json_receiver(jin, item, i, mem, &mem->receivers[i])) {
			return -EINVAL;
		}
	}
	for (item = ranges->child, i = 0; item; item = item->next, i++) {
		if (ffa_json_range(jin, item, i, &mem->ranges[i])) {
			return -EINVAL;
		}
		page_sum += mem->ranges[i].page_count;
	}
	if (page_sum > UINT32_MAX) {
		ctl_error(jin->ctx,
			  "ranges: page counts sum to %" PRIu64
			  ", above the 32-bit composite page count",
			  page_sum);
		return -EINVAL;
	}
	mem->total_page_count = (uint32_t)page_sum;
	if (ctl_jin_u64(jin, root, "", "total_page_count", UINT32_MAX, &want,
			&has_total)) {
		return -EINVAL;
	}
	if (has_total && want != page_sum) {
		ctl_error(jin->ctx,
			  "total_page_count: %" PRIu64
			  " does not equal the ranges' page sum %" PRIu64,
			  want, page_sum);
		return -EINVAL;
	}
	return 0;
}

int ctl_encode_ffa(int argc, char **argv)
{
	struct ctl_jin jin = { .ctx = "encode ffa", .file = NULL };
	struct ctl_args args = { 0 };
	struct rheap_ffa_mem mem = { 0 };
	struct rheap_diag diag = { 0 };
	struct json_doc *doc = NULL;
	enum rheap_ffa_abi abi = RHEAP_FFA_ABI_LEND;
	uint8_t *text = NULL;
	uint8_t *out = NULL;
	size_t text_size = 0;
	size_t out_size = 0;
	uint64_t want_len = 0;
	bool has_len = false;
	int rc = ctl_args_parse(argc, argv, "encode ffa",
				CTL_OPT_ABI | CTL_OPT_OUTPUT, &args);

	if (rc) {
		return rc < 0 ? CTL_EXIT_OK : rc;
	}
	if (args.abi && ffa_abi_arg(args.abi, &abi)) {
		return CTL_EXIT_USAGE;
	}
	memset(&mem, 0, sizeof(mem));
	memset(&diag, 0, sizeof(diag));
	jin.file = args.file;
	rc = ctl_read_file(args.file, &text, &text_size);
	if (rc) {
		return rc;
	}
	rc = CTL_EXIT_REJECT;
	if (ctl_jin_parse(&jin, text, text_size, &doc) ||
	    ffa_json_mem(&jin, json_root(doc), args.abi, &mem)) {
		goto out;
	}
	if (rheap_ffa_mem_encoded_size(&mem, &out_size) != 0) {
		ctl_error(jin.ctx, "descriptor larger than 4 GiB");
		goto out;
	}
	out = malloc(out_size ? out_size : 1);
	if (!out) {
		ctl_error(jin.ctx, "out of memory");
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	rc = rheap_ffa_mem_encode(&mem, out, out_size, &diag);
	if (rc < 0) {
		ctl_error_diag(CTL_FFA_CTX, rc, &diag);
		rc = CTL_EXIT_REJECT;
		goto out;
	}
	out_size = (size_t)rc;
	rc = CTL_EXIT_REJECT;
	if (ctl_jin_u64(&jin, json_root(doc), "", "total_length", UINT32_MAX,
			&want_len, &has_len)) {
		goto out;
	}
	if (has_len && want_len != out_size) {
		ctl_error(jin.ctx,
			  "total_length: %" PRIu64
			  " does not equal the encoded length %zu",
			  want_len, out_size);
		goto out;
	}
	rc = ctl_write_output(args.output, out, out_size);
out:
	free(out);
	free(mem.ranges);
	free(mem.receivers);
	json_free(doc);
	free(text);
	return rc;
}
