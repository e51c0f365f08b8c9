// SPDX-License-Identifier: BSD-2-Clause
/*
 * rheap-play's demuxer over libavformat (play_demux.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include <rheap/device_abi.h>
#include <rheap/err.h>

#include "play_demux.h"

#define PLAY_DEMUX_KIDS_MAX 64u

/*
 * @pkt holds the current sample; @pending says it was read ahead by
 * play_demux_open() and not handed out yet; @sample the enc parameters of
 * the sample read ahead.
 */
struct play_demux {
	AVFormatContext *fmt;
	AVPacket *pkt;
	int stream_index;
	uint64_t next_index;
	bool pending;
	bool eof;
	struct play_sample sample;
	uint8_t kids[PLAY_DEMUX_KIDS_MAX][SDP_KID_SIZE];
	uint32_t kid_count;
};

static int demux_codec(enum AVCodecID id, uint32_t *out)
{
	switch (id) {
	case AV_CODEC_ID_H264:
		*out = DEVICE_CODEC_H264;
		return 0;
	case AV_CODEC_ID_MPEG4:
		*out = DEVICE_CODEC_MPEG4;
		return 0;
	case AV_CODEC_ID_HEVC:
		*out = DEVICE_CODEC_HEVC;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static void demux_kid_note(struct play_demux *d, const uint8_t *kid)
{
	for (uint32_t i = 0; i < d->kid_count; i++) {
		if (memcmp(d->kids[i], kid, SDP_KID_SIZE) == 0) {
			return;
		}
	}
	if (d->kid_count < PLAY_DEMUX_KIDS_MAX) {
		memcpy(d->kids[d->kid_count++], kid, SDP_KID_SIZE);
	}
}

/* Read the stream's next packet into d->pkt and d->sample. */
static int demux_next(struct play_demux *d, char *err, size_t cap)
{
	struct play_sample *s = &d->sample;
	const uint8_t *side = NULL;
	size_t side_size = 0;
	const char *why = "";
	int rc = 0;

	for (;;) {
		av_packet_unref(d->pkt);
		rc = av_read_frame(d->fmt, d->pkt);
		if (rc == AVERROR_EOF) {
			d->eof = true;
			return 1;
		}
		if (rc < 0) {
			snprintf(err, cap, "reading sample %llu failed: %s",
				 (unsigned long long)d->next_index,
				 av_err2str(rc));
			return -EINVAL;
		}
		if (d->pkt->stream_index == d->stream_index) {
			break;
		}
	}
	s->data = d->pkt->data;
	s->size = (size_t)d->pkt->size;
	s->pts = d->pkt->pts != AV_NOPTS_VALUE ? d->pkt->pts :
		 d->pkt->dts != AV_NOPTS_VALUE ? d->pkt->dts :
						 (int64_t)d->next_index;
	s->index = d->next_index++;
	s->encrypted = false;
	if (s->size == 0) {
		snprintf(err, cap, "sample %llu is empty",
			 (unsigned long long)s->index);
		return -EINVAL;
	}
	side = av_packet_get_side_data(d->pkt, AV_PKT_DATA_ENCRYPTION_INFO,
				       &side_size);
	if (!side) {
		return 0;
	}
	rc = play_enc_decode(side, side_size, s->size, &s->enc, &why);
	if (rc == -EOPNOTSUPP) {
		char name[8] = "";

		play_enc_scheme_name(s->enc.scheme, name, sizeof(name));
		snprintf(err, cap,
			 "sample %llu is encrypted with scheme '%s': %s; only 'cenc' is supported",
			 (unsigned long long)s->index, name, why);
		return rc;
	}
	if (rc != 0) {
		snprintf(err, cap, "sample %llu: %s",
			 (unsigned long long)s->index, why);
		return rc;
	}
	s->encrypted = true;
	demux_kid_note(d, s->enc.kid);
	return 0;
}

/* Every video stream has a codec and a size from the header alone. */
static bool demux_described(const AVFormatContext *fmt)
{
	bool video = false;

	for (unsigned int i = 0; i < fmt->nb_streams; i++) {
		const AVCodecParameters *par = fmt->streams[i]->codecpar;

		if (par->codec_type != AVMEDIA_TYPE_VIDEO) {
			continue;
		}
		video = true;
		if (par->codec_id == AV_CODEC_ID_NONE || par->width <= 0 ||
		    par->height <= 0) {
			return false;
		}
	}
	return video;
}

/*
 * The frame size when the header does not give it (ffmpeg's mov muxer
 * writes 0x0 for an encrypted MPEG-4 Part 2 track, whose size is in the
 * VOL header of its configuration): libavcodec's parser reads it from the
 * configuration (clear bytes, no sample involved).
 */
static void demux_size_from_config(AVCodecParameters *par)
{
	AVCodecParserContext *pc = av_parser_init((int)par->codec_id);
	AVCodecContext *ctx = avcodec_alloc_context3(NULL);
	uint8_t *copy = NULL;
	uint8_t *out = NULL;
	int out_size = 0;

	if (!pc || !ctx || par->extradata_size <= 0 ||
	    avcodec_parameters_to_context(ctx, par) < 0) {
		goto out_free;
	}
	copy = av_mallocz((size_t)par->extradata_size +
			  AV_INPUT_BUFFER_PADDING_SIZE);
	if (!copy) {
		goto out_free;
	}
	memcpy(copy, par->extradata, (size_t)par->extradata_size);
	av_parser_parse2(pc, ctx, &out, &out_size, copy, par->extradata_size,
			 AV_NOPTS_VALUE, AV_NOPTS_VALUE, 0);
	av_parser_parse2(pc, ctx, &out, &out_size, NULL, 0, AV_NOPTS_VALUE,
			 AV_NOPTS_VALUE, 0);
	if (ctx->width > 0 && ctx->height > 0) {
		par->width = ctx->width;
		par->height = ctx->height;
	}
out_free:
	av_free(copy);
	avcodec_free_context(&ctx);
	if (pc) {
		av_parser_close(pc);
	}
}

static uint64_t demux_sample_max(AVStream *st)
{
	int count = avformat_index_get_entries_count(st);
	uint64_t max = 0;

	for (int i = 0; i < count; i++) {
		const AVIndexEntry *e = avformat_index_get_entry(st, i);

		if (e && e->size > 0 && (uint64_t)e->size > max) {
			max = (uint64_t)e->size;
		}
	}
	return max;
}

int play_demux_open(const char *path, struct play_demux **out,
		    struct play_stream *stream, char *err, size_t cap)
{
	struct play_demux *d = calloc(1, sizeof(*d));
	struct play_stream ps = { 0 };
	AVStream *st = NULL;
	const AVCodecParameters *par = NULL;
	AVRational fr = { 0, 1 };
	int rc = 0;

	if (!d) {
		return -ENOMEM;
	}
	/* The player's own sentences say what went wrong; libav's log would
	 * also report the probing decoder's complaints about ciphertext. */
	av_log_set_level(AV_LOG_QUIET);
	rc = avformat_open_input(&d->fmt, path, NULL, NULL);
	if (rc < 0) {
		snprintf(err, cap, "cannot open %s: %s", path, av_err2str(rc));
		rc = rc == AVERROR(ENOENT) ? -ENOENT : -EINVAL;
		goto err_free;
	}
	/*
	 * MP4's header gives the codec, size, configuration and frame rate.
	 * Only a container that does not is probed, which decodes a few
	 * samples in the normal world: ciphertext there, so garbage, never
	 * plaintext.
	 */
	rc = demux_described(d->fmt) ? 0 :
				       avformat_find_stream_info(d->fmt, NULL);
	if (rc < 0) {
		snprintf(err, cap, "%s: cannot read its streams: %s", path,
			 av_err2str(rc));
		rc = -EINVAL;
		goto err_close;
	}
	rc = av_find_best_stream(d->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (rc < 0) {
		snprintf(err, cap, "%s has no video stream", path);
		rc = -ENOENT;
		goto err_close;
	}
	d->stream_index = rc;
	st = d->fmt->streams[rc];
	if (st->codecpar->width <= 0 || st->codecpar->height <= 0) {
		demux_size_from_config(st->codecpar);
	}
	par = st->codecpar;
	ps.codec_name = avcodec_get_name(par->codec_id);
	if (demux_codec(par->codec_id, &ps.codec) != 0) {
		snprintf(err, cap,
			 "%s: the video codec %s is not supported (the secure decoder takes h264, mpeg4, hevc)",
			 path, ps.codec_name);
		rc = -EOPNOTSUPP;
		goto err_close;
	}
	if (par->width <= 0 || par->height <= 0 || par->width > 16384 ||
	    par->height > 16384) {
		snprintf(err, cap, "%s: video size %dx%d is not supported",
			 path, par->width, par->height);
		rc = -EOPNOTSUPP;
		goto err_close;
	}
	if (par->extradata_size < 0 || par->extradata_size > 65536) {
		snprintf(err, cap, "%s: codec configuration of %d bytes (at most 65536)",
			 path, par->extradata_size);
		rc = -EOPNOTSUPP;
		goto err_close;
	}
	ps.width = (uint32_t)par->width;
	ps.height = (uint32_t)par->height;
	fr = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0 ?
		     st->avg_frame_rate :
		     st->r_frame_rate;
	if (fr.num <= 0 || fr.den <= 0) {
		fr = (AVRational){ 25, 1 };
	}
	ps.fps_num = (uint32_t)fr.num;
	ps.fps_den = (uint32_t)fr.den;
	ps.extradata = par->extradata_size > 0 ? par->extradata : NULL;
	ps.extradata_size = (size_t)par->extradata_size;
	ps.frames = st->nb_frames > 0 ? (uint64_t)st->nb_frames : 0;
	if (ps.frames == 0) {
		int n = avformat_index_get_entries_count(st);

		ps.frames = n > 0 ? (uint64_t)n : 0;
	}
	ps.sample_max = demux_sample_max(st);
	d->pkt = av_packet_alloc();
	if (!d->pkt) {
		rc = -ENOMEM;
		goto err_close;
	}
	rc = demux_next(d, err, cap);
	if (rc < 0) {
		goto err_pkt;
	}
	d->pending = true;
	*stream = ps;
	*out = d;
	return 0;

err_pkt:
	av_packet_free(&d->pkt);
err_close:
	avformat_close_input(&d->fmt);
err_free:
	free(d);
	return rc;
}

int play_demux_read(struct play_demux *d, struct play_sample *s, char *err,
		    size_t cap)
{
	int rc = 0;

	if (d->pending) {
		d->pending = false;
	} else if (d->eof) {
		return 1;
	} else {
		rc = demux_next(d, err, cap);
	}
	if (rc != 0 || d->eof) {
		return rc != 0 ? rc : 1;
	}
	*s = d->sample;
	return 0;
}

uint32_t play_demux_kid_count(const struct play_demux *d)
{
	return d->kid_count;
}

void play_demux_close(struct play_demux *d)
{
	if (!d) {
		return;
	}
	av_packet_free(&d->pkt);
	avformat_close_input(&d->fmt);
	free(d);
}
