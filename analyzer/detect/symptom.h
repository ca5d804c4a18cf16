/*
 * symptom.h - the one catalogue of symptoms the detectors report.
 *
 * Every symptom is one row of SYMPTOM_TABLE: its enum name, its stable
 * id (lower case, used in JSON, CSV, the store, --symptom and the
 * simulator's outcomes), the short badge the browser shows in its call
 * list, the detector function that finds it (detect_int.h) and a title
 * for people (help screens).  Everything that lists symptoms is generated
 * from the rows: the enum, the id and badge lookups, the detector
 * dispatch table (detect.c), the per-symptom counters of the verdict and
 * the reports, sipalg-analyze --help, the browser's badges and help, the
 * simulator's outcome names; tests/unit/test_symptom.c checks that the
 * man pages name every row.
 *
 * A new symptom is one row here, one detect_<name>.c and one
 * tests/unit/test_detect_<name>.c.  Rows found by the same detector name
 * the same function (one_way_audio and no_audio: detect_audio): it runs
 * once per dialog, at its first row.  The rows' order is the order the
 * detectors run, so the order findings are listed in.  Ids are stable:
 * add rows, never rename one.
 */
#ifndef SIPALG_SYMPTOM_H
#define SIPALG_SYMPTOM_H

/* X(ENUM, "id", "BADGE", detector function, "title") */
#define SYMPTOM_TABLE(X)                                                       \
	X(ACK_TIMEOUT_DROP, "ack_timeout_drop", "ACK",                         \
	    detect_ack_timeout_drop, "call dropped at 32 s: 2xx or ACK lost")  \
	X(ONE_WAY_AUDIO, "one_way_audio", "1WAY",                              \
	    detect_audio, "audio in one direction only")                       \
	X(NO_AUDIO, "no_audio", "NOAUD",                                       \
	    detect_audio, "no audio either way")                               \
	X(RINGING_AFTER_ANSWER, "ringing_after_answer", "RING",                \
	    detect_ringing_after_answer, "answered, but the caller never saw it")\
	X(INBOUND_CALL_UNANSWERED, "inbound_call_unanswered", "INB",           \
	    detect_inbound_call_unanswered, "incoming INVITE never reached the phone")\
	X(REGISTRATION_FAILURE, "registration_failure", "REG",                 \
	    detect_registration_failure, "registration refused, lost or expiring")\
	X(CALLER_ID_MISMATCH, "caller_id_mismatch", "CLID",                    \
	    detect_caller_id_mismatch, "From and asserted identity disagree")  \
	X(TRANSFER_FAILURE, "transfer_failure", "XFER",                        \
	    detect_transfer_failure, "transfer (REFER, Replaces) failed")      \
	X(SESSION_REFRESH_FAILURE, "session_refresh_failure", "REFR",          \
	    detect_session_refresh_failure, "session timer not refreshed")     \
	X(MEDIA_LOST_AFTER_HOLD, "media_lost_after_hold", "HOLD",              \
	    detect_media_lost_after_hold, "audio lost after hold or long silence")\
	X(ALG_REWRITE_EVIDENCE, "alg_rewrite_evidence", "ALG",                 \
	    detect_alg_rewrite_evidence, "traces of a SIP ALG rewriting messages")\
	X(OVERSIZE_DROP, "oversize_drop", "MTU",                               \
	    detect_oversize_drop, "SIP dropped: too large for the path MTU")

enum symptom_id {
#define SYMPTOM_ENUM(e, id, badge, fn, title) SYMPTOM_##e,
	SYMPTOM_TABLE(SYMPTOM_ENUM)
#undef SYMPTOM_ENUM
	SYMPTOM_COUNT
};

/*
 * Sizes the rows must fit (checked at compile time in symptom.c): an id
 * fits the text report's counts column and every fixed buffer that holds
 * one; a badge fits the browser's call-list cell; badge, id and title
 * make one line of a help screen in 80 columns.
 */
#define SYMPTOM_ID_MAX 26
#define SYMPTOM_BADGE_MAX 5
#define SYMPTOM_TITLE_MAX 44

/* Stable id ("one_way_audio"); "unknown" when out of range. */
const char *symptom_name(enum symptom_id s);
/* Badge ("1WAY"); "?" when out of range. */
const char *symptom_badge(enum symptom_id s);
/* One line for people; "" when out of range. */
const char *symptom_title(enum symptom_id s);
/* The row of an id (exact, case-sensitive), or -1. */
int symptom_lookup(const char *id);

#endif /* SIPALG_SYMPTOM_H */
