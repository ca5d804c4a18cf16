/*
 * rtpview.c - the RTP panel: every stream of the selected dialogs, per
 * direction, with packets, loss, jitter, max gap, the measured
 * packetisation, the G.107 R-factor and MOS (quality.h), and a per-second
 * packet-rate sparkline (view_sparkline over rtp_stream.rate[]) so that
 * one-way audio or media stopping half way is visible at a glance.
 *
 * Each dialog's heading is followed by its packets each way and its
 * media legs (direction x segment x state, view_media.c).  Lines per
 * stream:
 *   caller->callee  10.0.0.1:4000 -> 10.0.0.2:5000  PCMU  ssrc 0x...
 *     pkts 1500  lost 0 (0.0%)  jitter 0.4 ms  max gap 20 ms  50 pps
 *     ptime 20 ms  R 93.2  MOS 4.41   (or: MOS n/a, codec not rated)
 *     |################    ####|  1 s/cell
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output/report.h"
#include "base/text.h"
#include "sip/quality.h"
#include "ui.h"

struct rv {
	const struct dialog **ds;
	size_t nd;
	size_t top;
	size_t nlines;
};

static const struct keyhelp rtpview_help[] = {
	{ "Up Down j k", "scroll" },
	{ "q Esc", "back" },
	{ NULL, NULL }
};

static void
rtpview_draw(struct panel *p, struct app *a, int y0, int h, int w)
{
	struct rv *s = p->priv;
	size_t line = 0;
	int y = y0;
	char buf[2048], spark[1800];

#define EMIT(text, attr) do { \
		if (line >= s->top && y < y0 + h) \
			ui_put(y++, 0, (text), w, (attr), false); \
		line++; \
	} while (0)
	for (size_t i = 0; i < s->nd; i++) {
		const struct dialog *d = s->ds[i];
		char cid[300];

		text_escape(cid, sizeof(cid), d->call_id, strlen(d->call_id));
		snprintf(buf, sizeof(buf), "Dialog %" PRIu64 "  Call-ID %s  "
		    "%d stream(s)", d->id, cid, d->nstreams);
		EMIT(buf, ui_attr(a, UC_HEADER));
		if (d->kind == DIALOG_CALL) {
			char m[400];

			snprintf(buf, sizeof(buf), "  %s", view_rtp_dirs(d, m,
			    sizeof(m)));
			EMIT(buf, ui_attr(a, UC_NORMAL));
			if (view_media_legs(d, m, sizeof(m))[0] != '\0') {
				snprintf(buf, sizeof(buf), "  media: %s", m);
				EMIT(buf, ui_attr(a, UC_NORMAL));
			}
		}
		if (d->nstreams == 0)
			EMIT("  No RTP stream in this dialog.", ui_attr(a, UC_NORMAL));
		for (int j = 0; j < d->nstreams; j++) {
			const struct rtp_stream *st = d->streams[j];
			char sa[NETADDR_STRLEN], da[NETADDR_STRLEN], c[40];
			int dir = report_stream_dir(d, st);
			uint64_t exp = rtp_stream_expected(st);
			int sw = w - 16;

			text_escape(c, sizeof(c), st->codec,
			    strnlen(st->codec, sizeof(st->codec)));
			snprintf(buf, sizeof(buf), "%s  %s -> %s  %s  ssrc 0x%08"
			    PRIx32, dir > 0 ? "caller->callee" : dir < 0 ?
			    "callee->caller" : "direction ?",
			    ep_str(&st->src, sa, sizeof(sa)),
			    ep_str(&st->dst, da, sizeof(da)),
			    c[0] ? c : "?", st->ssrc);
			EMIT(buf, ui_attr(a, UC_RTP) | A_BOLD);
			snprintf(buf, sizeof(buf), "  pkts %" PRIu64 "  lost %"
			    PRIu64 " (%.1f%%)  jitter %.1f ms  max gap %.0f ms  "
			    "%.0f pps", st->packets, st->lost,
			    exp ? 100.0 * (double)st->lost / (double)exp : 0.0,
			    rtp_stream_jitter_ms(st), (double)st->max_gap_ns / 1e6,
			    rtp_stream_pps(st));
			EMIT(buf, st->lost > 0 ? ui_attr(a, UC_ERROR) :
			    ui_attr(a, UC_NORMAL));
			{
				struct quality q;

				if (quality_stream(st, &q) == 0) {
					snprintf(buf, sizeof(buf), "  ptime %.0f ms  "
					    "R %.1f  MOS %.2f  (G.107, delay assumed "
					    "%.0f ms)", q.ptime_ms, q.r, q.mos,
					    q.delay_ms);
					/* below R 70 G.109 says many
					 * users are dissatisfied */
					EMIT(buf, q.r < 70 ? ui_attr(a, UC_ERROR) :
					    ui_attr(a, UC_NORMAL));
				} else
					EMIT("  MOS n/a: codec not rated by G.113 "
					    "Appendix I", ui_attr(a, UC_NORMAL));
			}
			if (sw < 8)
				sw = 8;
			view_sparkline(st->rate, st->nrate, sw, a->utf8, spark,
			    sizeof(spark));
			{
				uint32_t group = st->nrate > (uint32_t)sw ?
				    (st->nrate + (uint32_t)sw - 1) / (uint32_t)sw : 1;

				snprintf(buf, sizeof(buf), "  |%s| %us/cell", spark,
				    group * (st->rate_bucket_sec ?
				    st->rate_bucket_sec : 1));
			}
			EMIT(buf, ui_attr(a, UC_RTP));
		}
		EMIT("", ui_attr(a, UC_NORMAL));
	}
#undef EMIT
	s->nlines = line;
}

static int
rtpview_key(struct panel *p, struct app *a, int ch)
{
	struct rv *s = p->priv;

	(void)a;
	if (ui_move(ch, &s->top, s->nlines, LINES - 2))
		return PK_HANDLED;
	return PK_UNHANDLED;
}

static void
rtpview_destroy(struct panel *p)
{
	struct rv *s = p->priv;

	free(s->ds);
	free(s);
	free(p);
}

static const struct panel_ops rtpview_ops = {
	"RTP streams", "Up/Down scroll  ? help  q back", rtpview_help,
	rtpview_draw, rtpview_key, rtpview_destroy
};

struct panel *
rtpview_panel_new(const struct dialog *const *ds, size_t n)
{
	const struct dialog **copy;
	struct panel *p = ui_panel_alloc(&rtpview_ops, sizeof(struct rv), ds, n,
	    &copy);
	struct rv *s;

	if (p == NULL)
		return NULL;
	s = p->priv;
	s->ds = copy;
	s->nd = n;
	return p;
}
