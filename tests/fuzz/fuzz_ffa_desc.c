// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the FF-A descriptor codec.
 *
 * Input: byte 0 selects the mode, the rest is the descriptor.
 *   mode % 8 in 0..4: memory transaction descriptor for ABI share, lend,
 *                     donate, retrieve_req, retrieve_resp
 *   mode % 8 == 5:    relinquish descriptor
 *   mode % 8 in 6..7: fragment reassembly of the descriptor as a LEND:
 *                     the first fragment length and the fragment size come
 *                     from the input; the reassembled bytes must equal the
 *                     input whenever every fragment is accepted
 *   mode / 8:         data-derived fragment size selector
 *
 * Properties (abort() on violation):
 *   - anything decoded re-encodes, and the re-encoding decodes to an equal
 *     value (field-wise rheap_ffa_mem_eq, never memcmp on structs);
 *   - rheap_ffa_mem_encoded_size() agrees with the encoder;
 *   - every fragment split of an accepted descriptor reassembles to the
 *     same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rheap/err.h>
#include <rheap/ffa_desc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_RX 64
#define FUZZ_MAX_RANGES 4096
#define FUZZ_MAX_DESC (128 * 1024)

static struct rheap_ffa_receiver rx_a[FUZZ_MAX_RX];
static struct rheap_ffa_receiver rx_b[FUZZ_MAX_RX];
static struct rheap_ffa_range rg_a[FUZZ_MAX_RANGES];
static struct rheap_ffa_range rg_b[FUZZ_MAX_RANGES];
static uint8_t enc[FUZZ_MAX_DESC];
static uint8_t reasm[FUZZ_MAX_DESC];

static void mem_init(struct rheap_ffa_mem *m, struct rheap_ffa_receiver *rx,
		     struct rheap_ffa_range *rg)
{
	memset(m, 0, sizeof(*m));
	m->receivers = rx;
	m->receiver_cap = FUZZ_MAX_RX;
	m->ranges = rg;
	m->range_cap = FUZZ_MAX_RANGES;
}

/* Split @desc into fragments of at most @max and reassemble them. */
static void frag_split(const uint8_t *desc, size_t size, size_t max)
{
	struct rheap_ffa_frag_rx st = { .buf = reasm, .buf_cap = sizeof(reasm) };
	size_t first = 0;
	size_t off = 0;

	if (rheap_ffa_frag_first_size(desc, size, max, &first) != 0) {
		return; /* fixed part larger than @max: -ENOSPC is fine */
	}
	if (rheap_ffa_frag_rx_init(&st, size, desc, first, NULL) != 0) {
		abort(); /* our own split of a valid descriptor */
	}
	off = first;
	while (!rheap_ffa_frag_rx_done(&st)) {
		size_t n = 0;

		if (rheap_ffa_frag_next_size(size, off, max, &n) != 0 ||
		    rheap_ffa_frag_rx_add(&st, off, desc + off, n, NULL) != 0) {
			abort();
		}
		off += n;
	}
	if (off != size || memcmp(reasm, desc, size) != 0) {
		abort();
	}
}

static void mem_round_trip(enum rheap_ffa_abi abi, const uint8_t *data,
			   size_t size, size_t frag_max)
{
	struct rheap_ffa_mem a;
	struct rheap_ffa_mem b;
	size_t esize = 0;
	int len = 0;

	mem_init(&a, rx_a, rg_a);
	if (rheap_ffa_mem_decode(abi, data, size, &a, NULL) != 0) {
		return; /* rejecting is fine; crashing or hanging is not */
	}
	if (rheap_ffa_mem_validate(&a, NULL) != 0) {
		abort();
	}
	len = rheap_ffa_mem_encode(&a, enc, sizeof(enc), NULL);
	if (len <= 0 || rheap_ffa_mem_encoded_size(&a, &esize) != 0 ||
	    esize != (size_t)len || (size_t)len > size) {
		abort(); /* canonical form is never longer than the input */
	}
	mem_init(&b, rx_b, rg_b);
	if (rheap_ffa_mem_decode(abi, enc, (size_t)len, &b, NULL) != 0 ||
	    !rheap_ffa_mem_eq(&a, &b)) {
		abort();
	}
	frag_split(enc, (size_t)len, frag_max);
}

static void relinquish_round_trip(const uint8_t *data, size_t size)
{
	static uint16_t eps_a[FUZZ_MAX_RX];
	static uint16_t eps_b[FUZZ_MAX_RX];
	struct rheap_ffa_relinquish a = { .endpoints = eps_a,
					  .endpoint_cap = FUZZ_MAX_RX };
	struct rheap_ffa_relinquish b = { .endpoints = eps_b,
					  .endpoint_cap = FUZZ_MAX_RX };
	int len = 0;

	if (rheap_ffa_relinquish_decode(data, size, &a, NULL) != 0) {
		return;
	}
	len = rheap_ffa_relinquish_encode(&a, enc, sizeof(enc), NULL);
	if (len <= 0 ||
	    rheap_ffa_relinquish_decode(enc, (size_t)len, &b, NULL) != 0 ||
	    a.handle != b.handle || a.flags != b.flags ||
	    a.endpoint_count != b.endpoint_count ||
	    memcmp(eps_a, eps_b, a.endpoint_count * sizeof(eps_a[0])) != 0) {
		abort();
	}
}

/*
 * Feed the raw input through the reassembler as a hostile sender would:
 * the first fragment length is taken from the input. Whatever is accepted
 * must land at the right place; a refused fragment must change nothing.
 */
static void frag_hostile(const uint8_t *data, size_t size, size_t step)
{
	struct rheap_ffa_frag_rx st = { .buf = reasm, .buf_cap = 64 * 1024 };
	struct rheap_ffa_frag_rx before;
	size_t first = 0;
	size_t off = 0;

	if (size < 2) {
		return;
	}
	first = ((size_t)data[0] << 4) % size + 1;
	if (rheap_ffa_frag_rx_init(&st, size, data, first, NULL) != 0) {
		return;
	}
	if (st.received != first || st.fixed_size > first) {
		abort();
	}
	off = first;
	while (!rheap_ffa_frag_rx_done(&st)) {
		size_t n = size - off < step ? size - off : step;

		before = st;
		if (rheap_ffa_frag_rx_add(&st, off, data + off, n, NULL) != 0) {
			if (st.received != before.received ||
			    st.total_size != before.total_size) {
				abort();
			}
			return;
		}
		off += n;
	}
	if (memcmp(reasm, data, size) != 0) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mode = 0;
	size_t step = 0;

	if (size < 1) {
		return 0;
	}
	mode = data[0];
	data++;
	size--;
	/* 16..4096 in steps of 16, or an odd size: both must work. */
	step = (size_t)(mode >> 3) * 16 + 16 + (mode & 0x80 ? 1 : 0);

	switch (mode % 8) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
		mem_round_trip((enum rheap_ffa_abi)(RHEAP_FFA_ABI_SHARE +
						    mode % 8),
			       data, size, step);
		break;
	case 5:
		relinquish_round_trip(data, size);
		break;
	default:
		frag_hostile(data, size, step);
		mem_round_trip(RHEAP_FFA_ABI_LEND, data, size, step);
		break;
	}
	return 0;
}
