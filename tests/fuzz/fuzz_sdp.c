/*
 * fuzz_sdp.c - libFuzzer target: SDP bodies (sdp_parse), and the packed
 * copy sipmsg.c embeds in a message (sdp_pack_size / sdp_pack), whose
 * strings are walked so ASan sees a pointer left outside the block.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void
walk(const struct sdp *s)
{
	sink += strlen(s->o_user) + strlen(s->o_sess_id) +
	    strlen(s->origin_text) + strlen(s->conn_text) + strlen(s->i_line);
	sink += strlen(sdp_dir_name(s->dir));
	for (int i = 0; i < s->nmedia; i++) {
		const struct sdp_media *m = &s->media[i];

		sink += strlen(m->media) + strlen(m->proto) +
		    strlen(m->conn_text) + strlen(m->codec) + m->port;
		for (int j = 0; j < m->npayloads; j++)
			sink += (size_t)m->payloads[j];
		for (int j = 0; j < m->ncand; j++)
			sink += strlen(m->cand[j].type) + m->cand[j].addr.port;
		sink += sdp_dir_sends(m->dir) + sdp_dir_receives(m->dir);
	}
	/* Count-0 arrays still point to one zeroed element (sdp.h). */
	sink += strlen(s->media[0].media);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct anomalies an;
	struct sdp *s = NULL, *c;
	size_t n;
	void *buf;

	memset(&an, 0, sizeof(an));
	if (sdp_parse(data, size, &s, &an) != 0 || s == NULL)
		return 0;
	walk(s);
	n = sdp_pack_size(s);
	buf = malloc(n);
	if (buf != NULL) {
		c = sdp_pack(s, buf, n);
		if (c == NULL)
			abort();  /* n is exactly what sdp_pack asked for */
		walk(c);
		free(buf);
	}
	sdp_free(s);
	return 0;
}
