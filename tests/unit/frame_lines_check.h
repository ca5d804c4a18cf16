/*
 * frame_lines_check.h - for the unit tests of the framers (test_ingest,
 * test_tcpframe): what every framed message must carry.
 */
#ifndef SIPALG_TEST_FRAME_LINES_CHECK_H
#define SIPALG_TEST_FRAME_LINES_CHECK_H

#include <CUnit/Basic.h>
#include <string.h>

#include "ingest/sipframe.h"

/*
 * The line ends a framed message carries (sipframe_lines): the first n
 * LFs of the message in order, the last the empty line's when all fit.
 */
static inline void
check_lines(const struct sipframe_msg *m)
{
	const struct sipframe_lines *ln = m->lines;
	size_t at = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ln);
	CU_ASSERT(ln->n > 0 && ln->n <= SIPFRAME_LINES);
	for (size_t i = 0; i < ln->n; i++) {
		const uint8_t *nl = memchr(m->msg + at, '\n', m->body_off - at);

		CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
		CU_ASSERT_EQUAL(ln->nl[i], (size_t)(nl - m->msg));
		at = (size_t)(nl - m->msg) + 1;
	}
	if (ln->n < SIPFRAME_LINES)
		CU_ASSERT_EQUAL(at, m->body_off);
}

#endif
