/*
 * quality.c - the ITU-T G.107 E-model for one RTP stream (quality.h).
 *
 * Sources:
 *  - ITU-T G.107 (06/2015) "The E-model: a computational model for use in
 *    transmission planning", clause 7 (formulas 7-1 to 7-31: Ro, Is, Id,
 *    Ie,eff), Table 3 (default values; with all of them R = 93.2) and
 *    Annex B (MOS from R).
 *  - ITU-T G.113 (11/2007) Appendix I "Provisional planning values for the
 *    equipment impairment factor Ie and packet-loss robustness factor
 *    Bpl": the codec table below, each value with what it was checked
 *    against.  The Recommendation itself (not freely readable) was not
 *    at hand; "checked" means the value appears, attributed to G.113 or
 *    G.107, in the public sources named, and the loss slopes agree.
 *  - The burst ratio BurstR of G.107 7.2.3 (formula 7-30 note) is, for a
 *    two-state Markov loss model with p = P(loss after a received
 *    packet) and q = P(received after a loss), 1 / (p + q); p and q are
 *    estimated from the stream's loss runs (rtp.h loss_runs): q = runs /
 *    lost, p = runs / received.  Without runs (a stream read back from
 *    the store) loss is taken as random, BurstR 1.
 *
 * Limits: narrowband only (wideband codecs need G.107.1 and get no
 * rating); the delay is an assumption (quality.h), not a measurement.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "sip/quality.h"

void
quality_emodel_defaults(struct emodel *e)
{
	memset(e, 0, sizeof(*e));
	e->slr = 8;
	e->rlr = 2;
	e->stmr = 15;
	e->lstr = 18;
	e->ds = 3;
	e->dr = 3;
	e->telr = 65;
	e->wepl = 110;
	e->qdu = 1;
	e->bpl = 4.3;       /* Table 3 default; any value gives Ie,eff = Ie
	                     * when Ppl is 0 */
	e->burst_r = 1;
	e->nc = -70;
	e->nfor = -64;
	e->ps = 35;
	e->pr = 35;
}

static double
p10(double x)
{
	return pow(10.0, x / 10.0);
}

double
quality_ie_eff(double ie, double bpl, double ppl, double burst_r)
{
	/* 7-29 */
	if (ppl <= 0)
		return ie;
	if (burst_r <= 0)
		burst_r = 1;
	return ie + (95.0 - ie) * ppl / (ppl / burst_r + bpl);
}

double
quality_emodel_r(const struct emodel *e, struct emodel_terms *out)
{
	struct emodel_terms t;
	double olr = e->slr + e->rlr;
	double nos, pre, nor, nfo, no, xolr, iolr, stmro, ist, q, g, y, z;
	double iq, roe, terv, re, idte, rle, idle, idd;

	/* 7-3 .. 7-7: noise */
	nos = e->ps - e->slr - e->ds - 100 +
	    0.004 * pow(e->ps - olr - e->ds - 14, 2);
	pre = e->pr + 10 * log10(1 + p10(10 - e->lstr));
	nor = e->rlr - 121 + pre + 0.008 * pow(pre - 35, 2);
	nfo = e->nfor + e->rlr;
	no = 10 * log10(p10(e->nc) + p10(nos) + p10(nor) + p10(nfo));
	/* 7-2 */
	t.ro = 15 - 1.5 * (e->slr + no);

	/* 7-8 .. 7-10: loudness */
	xolr = olr + 0.2 * (64 + no - e->rlr);
	iolr = 20 * (pow(1 + pow(xolr / 8, 8), 1.0 / 8) - xolr / 8);
	/* 7-11, 7-12: sidetone */
	stmro = -10 * log10(p10(-e->stmr) + exp(-e->t / 4) * p10(-e->telr));
	ist = 12 * pow(1 + pow((stmro - 13) / 6, 8), 1.0 / 8) -
	    28 * pow(1 + pow((stmro + 1) / 19.4, 35), 1.0 / 35) -
	    13 * pow(1 + pow((stmro - 3) / 33, 13), 1.0 / 13) + 29;
	/* 7-13 .. 7-17: quantizing distortion */
	q = 37 - 15 * log10(e->qdu);
	g = 1.07 + 0.258 * q + 0.0602 * q * q;
	y = (t.ro - 100) / 15 + 46 / 8.4 - g / 9;
	z = 46 / 30.0 - g / 40;
	iq = 15 * log10(1 + pow(10, y) + pow(10, z));
	t.is = iolr + ist + iq;

	/* 7-18 .. 7-23: talker echo */
	roe = -1.5 * (no - e->rlr);
	terv = e->telr - 40 * log10((1 + e->t / 10) / (1 + e->t / 150)) +
	    6 * exp(-0.3 * e->t * e->t);
	if (e->stmr < 9)
		terv += ist / 2;
	re = 80 + 2.5 * (terv - 14);
	idte = ((roe - re) / 2 + sqrt(pow(roe - re, 2) / 4 + 100) - 1) *
	    (1 - exp(-e->t));
	if (e->stmr > 20)
		idte = sqrt(idte * idte + ist * ist);
	/* 7-24, 7-25: listener echo */
	rle = 10.5 * (e->wepl + 7) * pow(e->tr + 1, -0.25);
	idle = (t.ro - rle) / 2 + sqrt(pow(t.ro - rle, 2) / 4 + 169);
	/* 7-26, 7-27: absolute delay (mT 100 ms, sT 1) */
	idd = 0;
	if (e->ta > 100) {
		double x = log10(e->ta / 100) / log10(2);

		idd = 25 * (pow(1 + pow(x, 6), 1.0 / 6) -
		    3 * pow(1 + pow(x / 3, 6), 1.0 / 6) + 2);
	}
	t.id = idte + idle + idd;

	t.ie_eff = quality_ie_eff(e->ie, e->bpl, e->ppl, e->burst_r);
	t.a = e->a;
	t.r = t.ro - t.is - t.id - t.ie_eff + t.a;
	if (out != NULL)
		*out = t;
	return t.r;
}

/* The Annex B polynomial dips just below 1 for R under about 6.5; the
 * MOS scale starts at 1, so it is clamped there. */
double
quality_mos(double r)
{
	double m;

	if (r <= 0)
		return 1.0;
	if (r >= 100)
		return 4.5;
	m = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
	return m < 1 ? 1.0 : m;
}

/*
 * G.113 Appendix I values per SDP encoding name (upper case) or static
 * payload type.  Sources, as checked for issue 18:
 *  [M] Mitel MiVoice MX-ONE planning guide, "Speech compression
 *      impairment" (Ie per codec from G.113: G.711 0, G.726-32 7, G.729 10,
 *      G.729A(B) 11, G.723.1 6.3 kbit/s 15);
 *  [N] Nortel CS 1000 IP Trunk Fundamentals NN43001-563, Table 29 (Ie:
 *      G.711 0, G.729A/AB 11, G.723.1 6.3 kbit/s 15, 5.3 kbit/s 19);
 *  [O] OPAL (Open Phone Abstraction Library), src/rtp/metrics.cxx,
 *      RTCP_XR_Metrics::SetPayloadInfo, "Ie and Bpl for the codec ...
 *      according to ITU-T G.113": G.711 Ie 0 / Bpl 25.1, G.723.1
 *      (6.3 kbit/s) Ie 15 / Bpl 16.1, G.729 Ie 11 / Bpl 19;
 *  [F] flent issue #247 / PR #248: G.107's default Bpl is 4.3 (range 4.3
 *      to 40), the value for G.711 without concealment;
 *  [T] Telektronikk (IP telephony and speech quality): with PLC, G.711
 *      loses about 4 R per percent of loss at low loss (95 / 25.1 = 3.8),
 *      without it about 25 (95 / 4.3 = 22), G.729 a little more and
 *      G.723.1 (6.3 kbit/s, 30 ms) more again;
 *  [S] other E-model implementations that attribute these values to
 *      G.113 Appendix I (secondary: G.711 + PLC 0 / 25.1, G.729A + VAD
 *      11 / 19, G.723.1 6.3 kbit/s + VAD 15 / 16.1).
 *
 *   codec                      Ie  checked   Bpl   checked
 *   G.711 + PLC (App. I)        0  [M][N]   25.1  [O][S][T]
 *   G.711 without PLC           0  [M][N]    4.3  [F][T]  (not used:
 *                                           every current phone conceals)
 *   G.729A + VAD (SDP "G729")  11  [M][N]   19.0  [O][S]
 *   G.723.1 6.3 kbit/s + VAD   15  [M][N]   16.1  [O][S]
 * SDP "G729" does not say whether Annex A is used; nearly every phone
 * sends G.729A (Ie 11; plain G.729 is 10 [M]).  SDP "G723" does not say
 * the rate; the 6.3 kbit/s row is used (5.3 kbit/s: Ie 19 [N]).
 *
 * GSM-EFR is in G.113 Appendix I (commonly quoted as Ie 5, Bpl 10), but
 * neither value could be found in a source that can be cited, and a MOS
 * printed from unverified inputs would read as a measurement: GSM-EFR
 * streams are left unrated, like GSM full rate, iLBC, G.726, and the
 * wideband G.722 and Opus (which G.107.1 rates on another scale).  Add a
 * row here only with a source for both values.
 */
static const struct quality_codec codecs[] = {
	{ "PCMU", 0, 0, 25.1 },
	{ "PCMA", 8, 0, 25.1 },
	{ "G729", 18, 11, 19.0 },
	{ "G729A", -1, 11, 19.0 },
	{ "G723", 4, 15, 16.1 },
};

const struct quality_codec *
quality_codec_find(const char *name, int pt)
{
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		if (name != NULL && name[0] != '\0') {
			if (strcasecmp(name, codecs[i].name) == 0)
				return &codecs[i];
		} else if (pt >= 0 && pt == codecs[i].pt) {
			return &codecs[i];
		}
	}
	return NULL;
}

int
quality_stream(const struct rtp_stream *s, struct quality *q)
{
	const struct quality_codec *c = quality_codec_find(s->codec, s->pt);
	uint64_t expected = rtp_stream_expected(s);
	double pps = rtp_stream_pps(s), jb;
	struct emodel e;

	if (c == NULL || s->packets == 0)
		return -1;
	q->codec = c;
	q->ppl = expected > 0 && s->lost > 0 ?
	    100.0 * (double)s->lost / (double)expected : 0;
	q->burst_r = 1;
	if (s->lost > 0 && s->loss_runs > 0) {
		double p = (double)s->loss_runs / (double)s->packets;
		double qq = (double)s->loss_runs / (double)s->lost;

		if (qq > 1)
			qq = 1;
		q->burst_r = 1 / (p + qq);
	}
	q->ptime_ms = pps > 0 ? 1000 / pps : 20;
	jb = 3 * rtp_stream_jitter_ms(s);
	if (jb < QUALITY_JB_MIN_MS)
		jb = QUALITY_JB_MIN_MS;
	q->delay_ms = q->ptime_ms + jb;

	quality_emodel_defaults(&e);
	e.t = e.ta = q->delay_ms;
	e.tr = 2 * q->delay_ms;
	e.ie = c->ie;
	e.bpl = c->bpl;
	e.ppl = q->ppl;
	e.burst_r = q->burst_r;
	q->ie_eff = quality_ie_eff(e.ie, e.bpl, e.ppl, e.burst_r);
	q->r = quality_emodel_r(&e, NULL);
	q->mos = quality_mos(q->r);
	return 0;
}
