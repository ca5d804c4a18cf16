/*
 * detect_fixture.h - what every detector test (tests/unit/test_detect*.c)
 * builds its dialogs with: SIP messages written out in full and parsed,
 * put through the dialog table as the analysis does, RTP streams filled
 * in directly, and the detectors run as each dialog is reported.
 *
 * A test bench (struct tb) owns one dialog table and one detector state;
 * the findings of the last dialog reported are in b.s.f, those of the
 * first SEEN_ALL dialogs by Call-ID in b.s.all (of()).  Every helper
 * asserts what it needs with CUnit's _FATAL asserts.
 *
 * The addresses: PH the phone (private), SV the server, NAT the phone's
 * public address (outside view), OTHER a caller that is not the
 * registrar.
 */
#ifndef SIPALG_TEST_DETECT_FIXTURE_H
#define SIPALG_TEST_DETECT_FIXTURE_H

#include <CUnit/Basic.h>
#include <stdbool.h>
#include <stdint.h>

#include "detect/detect.h"
#include "detect/detect_int.h"
#include "sip/dialog.h"
#include "sip/sipmsg.h"

#define SEC 1000000000LL
#define MS 1000000LL
#define T0 (1700000000LL * SEC)

#define PH "10.0.0.2"
#define SV "198.51.100.2"
#define NAT "198.51.100.1"
#define OTHER "203.0.113.9"

#define SEEN_ALL 8
struct seen {
	struct detect *dt;
	struct findings f;        /* of the last dialog reported */
	int n;                    /* dialogs reported */
	struct {
		char cid[64];
		struct findings f;
	} all[SEEN_ALL];
};

struct tb {
	struct seen s;
	struct dialog_table *t;
	struct dialog *d;         /* the dialog of the last message added */
	uint64_t frame;
};

/* A new table and detector state; tb_free releases both. */
void tb_init(struct tb *b);
/* Ends the table (runs the detectors on what is in flight) and frees it. */
void tb_finish(struct tb *b);
/* tb_finish, then a new table on the same detector state. */
void tb_next(struct tb *b);
void tb_free(struct tb *b);

/* An address (IP literal and port). */
struct ep mkep(const char *ip, uint16_t port);

/*
 * Adds one message (printf-style text, \n turned into CRLF, body after
 * the blank line, Content-Length computed unless cl >= 0 is given) sent
 * from src to dst at t.  Returns whether it was a retransmission.
 */
bool tb_add(struct tb *b, int64_t t, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, int cl, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* An RTP stream of n packets from first at pps, attached to b->d. */
void tb_stream(struct tb *b, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, int64_t first, int n, int pps);
/* The same with packets of ptime ms each (RTP timestamp step and arrival
 * alike, 8 kHz) and an SSRC of its own; returns the stream. */
struct rtp_stream *tb_stream_ptime(struct tb *b, const char *src,
    uint16_t sport, const char *dst, uint16_t dport, int64_t first, int n,
    int ptime);

/* Findings of the last dialog with this id. */
int count(const struct tb *b, const char *id);
/* The first finding of the last dialog with this id (confidence -1 and
 * no evidence when none). */
const struct finding *get(const struct tb *b, const char *id);
/* The findings of the dialog with this Call-ID (empty when not seen). */
const struct findings *of(const struct tb *b, const char *cid);
/* A finding with this id whose summary holds in_summary (NULL: any). */
const struct finding *find_in(const struct findings *fs, const char *id,
    const char *in_summary);
/* The same among the advisories (fs->adv). */
const struct finding *adv_in(const struct findings *fs, const char *id,
    const char *in_summary);
/* The evidence of f with this field, NULL none. */
const struct evidence *ev_of(const struct finding *f, const char *field);

/* An SDP offer/answer: origin and c= address, m= port, direction. */
#define SDP_FMT \
    "v=0\no=- 1 1 IN IP4 %s\ns=-\nc=IN IP4 %s\nt=0 0\n" \
    "m=audio %d RTP/AVP 8\na=rtpmap:8 PCMA/8000\na=%s\n"

/* A call between the phone (caller, PH:5060) and the server (SV:5060):
 * the INVITE with SDP c= c and a=dir, the 200 OK (extra headers before
 * Content-Type), and an in-dialog request from either side. */
void invite(struct tb *b, int64_t t, const char *cid, const char *c,
    const char *dir);
void ok200(struct tb *b, int64_t t, const char *cid, const char *dir,
    const char *extra);
void inreq(struct tb *b, int64_t t, const char *method, int cseq,
    bool from_phone, const char *cid, const char *branch);

/* REGISTER seen outside: NAT:5060 -> SV, Contact private, 200 granting
 * expires (0: no Expires in the 200). */
void reg_out(struct tb *b, int64_t t, const char *cid, int cseq,
    int expires);
/* An INVITE from src to the phone's public binding at t, sent 1 + n
 * times on Timer A, never answered. */
void inbound_invite(struct tb *b, int64_t t, const char *src,
    const char *cid, int n);

/* One test of a suite; the list ends with { NULL, NULL }. */
struct detect_test {
	const char *name;
	void (*fn)(void);
};

/* Runs the tests as one CUnit suite; returns main's exit status. */
int detect_test_main(const char *suite, const struct detect_test *tests);

#endif /* SIPALG_TEST_DETECT_FIXTURE_H */
