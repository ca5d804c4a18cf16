/*
 * quality.h - call quality of one RTP stream direction: the ITU-T G.107
 * E-model rating R and the MOS it maps to, as VoIPmonitor reports them.
 *
 * The E-model (G.107, 06/2015) adds up impairments from a base rating:
 *   R = Ro - Is - Id - Ie,eff + A
 * quality_emodel_r computes every term from the G.107 inputs (Table 3
 * defaults give R = 93.2); quality_stream fills those inputs from a
 * stream: the equipment impairment Ie and packet-loss robustness Bpl of
 * its codec (ITU-T G.113 Appendix I), the loss percentage Ppl and the
 * burst ratio BurstR from its RTP statistics, and a one-way delay Ta
 * from a stated assumption (below).  Everything else stays at the G.107
 * defaults.  quality.c names the sources of each value.
 *
 * Delay: one capture point does not see the network delay, so it counts
 * 0; what the listener's equipment adds is assumed as one packet time
 * (the measured packetisation, 20 ms when unknown) plus an adaptive
 * jitter buffer of three times the measured jitter, at least 40 ms
 * (QUALITY_JB_MIN_MS).  T = Ta, Tr = 2 Ta.
 *
 * Codecs outside G.113 Appendix I (Opus, G.722 and other wideband codecs,
 * which G.107.1 rates on another scale), and those whose Appendix I values
 * have no source that can be cited (GSM-EFR; quality.c), get no rating:
 * quality_stream returns -1 and reports show null.
 */
#ifndef SIPALG_QUALITY_H
#define SIPALG_QUALITY_H

#include <stdbool.h>

#include "sip/rtp.h"

/* The G.107 inputs (Table 3 names; delays in ms, levels in dB). */
struct emodel {
	double slr, rlr, stmr, lstr, ds, dr, telr, wepl;
	double t, tr, ta;         /* mean one-way, round-trip, absolute delay */
	double qdu;               /* quantizing distortion units */
	double ie, bpl;           /* equipment impairment, loss robustness */
	double ppl;               /* random packet-loss probability, percent */
	double burst_r;           /* burst ratio (1 = random loss) */
	double nc, nfor, ps, pr;  /* noise levels */
	double a;                 /* advantage factor */
};

/* The terms of R, for tests and for showing the arithmetic. */
struct emodel_terms {
	double ro, is, id, ie_eff, a, r;
};

/* Fills e with the G.107 Table 3 default values. */
void quality_emodel_defaults(struct emodel *e);

/* Computes R (G.107 clause 7) and, when t is not NULL, its terms. */
double quality_emodel_r(const struct emodel *e, struct emodel_terms *t);

/* Ie,eff (G.107 formula 7-29) alone. */
double quality_ie_eff(double ie, double bpl, double ppl, double burst_r);

/* MOS (conversational quality, estimated) from R: G.107 Annex B. */
double quality_mos(double r);

/* One codec of G.113 Appendix I. */
struct quality_codec {
	const char *name;         /* SDP encoding name, upper case */
	int pt;                   /* static payload type, -1 none */
	double ie, bpl;
};

/* The codec named (case-insensitive SDP encoding name) or, when the name
 * is empty, with static payload type pt; NULL when not in the table. */
const struct quality_codec *quality_codec_find(const char *name, int pt);

#define QUALITY_JB_MIN_MS 40.0

struct quality {
	const struct quality_codec *codec;
	double ppl;               /* packets lost, percent of expected */
	double burst_r;
	double ptime_ms;          /* measured packetisation */
	double delay_ms;          /* assumed Ta */
	double ie_eff;
	double r, mos;
};

/*
 * The quality of s.  Returns 0, or -1 (q untouched) when s has no
 * packets or its codec is not in quality.c's table of G.113 Appendix I
 * values.
 */
int quality_stream(const struct rtp_stream *s, struct quality *q);

#endif /* SIPALG_QUALITY_H */
