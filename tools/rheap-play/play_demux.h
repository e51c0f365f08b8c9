/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rheap-play's demuxer: libavformat in the normal world. The first video
 * stream's samples come out as the file holds them: ciphertext with its
 * CENC parameters (play_enc.h), or clear samples. No decryption key is
 * ever given to libavformat.
 */
#ifndef RHEAP_TOOLS_RHEAP_PLAY_PLAY_DEMUX_H
#define RHEAP_TOOLS_RHEAP_PLAY_PLAY_DEMUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "play_enc.h"

/**
 * struct play_stream - the video stream played
 * @codec:          DEVICE_CODEC_*
 * @codec_name:     libavcodec's name ("h264")
 * @width:          from the container
 * @height:         from the container
 * @fps_num:        frame rate numerator (25/1 when the file has none)
 * @fps_den:        frame rate denominator
 * @extradata:      codec configuration (an avcC record), owned by the
 *                  demuxer; NULL when none
 * @extradata_size: bytes at @extradata
 * @frames:         samples in the stream (index or header), 0 unknown
 * @sample_max:     largest sample in the container's index, 0 unknown
 */
struct play_stream {
	uint32_t codec;
	const char *codec_name;
	uint32_t width;
	uint32_t height;
	uint32_t fps_num;
	uint32_t fps_den;
	const uint8_t *extradata;
	size_t extradata_size;
	uint64_t frames;
	uint64_t sample_max;
};

/**
 * struct play_sample - one sample, valid until the next play_demux_read()
 * @data:      the bytes (ciphertext where encrypted)
 * @size:      bytes at @data
 * @pts:       presentation time in the stream's time base (the dts, or
 *             the sample index, when the file has none)
 * @index:     0, 1, 2, ... in file order
 * @encrypted: @enc is valid: the sample must go through DECRYPT
 * @enc:       the decryption parameter
 */
struct play_sample {
	const uint8_t *data;
	size_t size;
	int64_t pts;
	uint64_t index;
	bool encrypted;
	struct play_enc enc;
};

struct play_demux;

/**
 * play_demux_open() - open a file and check its first sample
 * @path:   the file
 * @out:    the demuxer
 * @stream: out: the stream's description (pointers owned by @out)
 * @err:    out: on failure, a sentence for the user
 * @cap:    bytes at @err
 *
 * The first sample is read here (and returned by the first
 * play_demux_read()), so that a refused encryption scheme is reported
 * before anything is set up.
 *
 * Return: 0; -ENOENT the file cannot be opened or has no video stream;
 * -EINVAL not a media file libavformat reads, a malformed first sample;
 * -EOPNOTSUPP a codec the vdec does not decode, a scheme other than
 * 'cenc'; -ENOMEM.
 */
int play_demux_open(const char *path, struct play_demux **out,
		    struct play_stream *stream, char *err, size_t cap);

/**
 * play_demux_read() - the next sample of the stream
 * @d:   the demuxer
 * @s:   out: the sample
 * @err: out: on failure, a sentence for the user
 * @cap: bytes at @err
 *
 * Return: 0 a sample; 1 end of the stream; -EINVAL a read error or
 * malformed sample (its encryption data, see play_enc_decode());
 * -EOPNOTSUPP a refused scheme; -ENOMEM.
 */
int play_demux_read(struct play_demux *d, struct play_sample *s, char *err,
		    size_t cap);

/**
 * play_demux_kid_count() - distinct key IDs seen so far (up to 64 counted)
 * @d: the demuxer
 * Return: the count.
 */
uint32_t play_demux_kid_count(const struct play_demux *d);

/**
 * play_demux_close() - close the file
 * @d: the demuxer, or NULL
 */
void play_demux_close(struct play_demux *d);

#endif /* RHEAP_TOOLS_RHEAP_PLAY_PLAY_DEMUX_H */
