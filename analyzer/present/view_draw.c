/*
 * view_draw.c - what the views of the presentation model (view.h) draw
 * with: lines of code points (one screen column each) encoded as UTF-8,
 * the packet-rate sparkline of an RTP stream, and the clock shown in
 * the call list and the ladder.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/caps.h"
#include "present/view_int.h"

char *
view_encode(const uint32_t *cp, int total, int xoff, int width, char *buf,
    size_t n)
{
	size_t o = 0;

	for (int x = xoff; x < total && x < xoff + width; x++) {
		uint32_t c = cp[x];

		if (c < 0x80) {
			if (o + 2 > n)
				break;
			buf[o++] = (char)c;
		} else if (c < 0x800) {
			if (o + 3 > n)
				break;
			buf[o++] = (char)(0xc0 | (c >> 6));
			buf[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			if (o + 4 > n)
				break;
			buf[o++] = (char)(0xe0 | (c >> 12));
			buf[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			buf[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	if (n > 0)
		buf[o < n ? o : n - 1] = '\0';
	return buf;
}

const char *
view_clock(int64_t ns, char *buf, size_t n)
{
	time_t t = (time_t)(ns / CAP_NS_PER_SEC);
	struct tm tm;

	if (ns <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, n, "-");
		return buf;
	}
	snprintf(buf, n, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)((ns % CAP_NS_PER_SEC) / 1000000));
	return buf;
}

char *
view_sparkline(const uint16_t *rate, uint32_t nrate, int width, bool utf8,
    char *buf, size_t n)
{
	static const uint32_t blocks[8] = {
		0x2581, 0x2582, 0x2583, 0x2584, 0x2585, 0x2586, 0x2587, 0x2588
	};
	static const char ascii[] = ".:-=+*#@";
	uint32_t cp[512];
	uint32_t group, cells;
	double v[512], max = 0;

	if (width > 512)
		width = 512;
	if (nrate == 0 || width <= 0) {
		if (n > 0)
			buf[0] = '\0';
		return buf;
	}
	group = (nrate + (uint32_t)width - 1) / (uint32_t)width;
	cells = (nrate + group - 1) / group;
	for (uint32_t c = 0; c < cells; c++) {
		double sum = 0;
		uint32_t cnt = 0;

		for (uint32_t s = c * group; s < nrate && s < (c + 1) * group;
		    s++, cnt++)
			sum += rate[s];
		v[c] = cnt ? sum / cnt : 0;
		if (v[c] > max)
			max = v[c];
	}
	for (uint32_t c = 0; c < cells; c++) {
		int lvl;

		if (v[c] <= 0 || max <= 0) {
			cp[c] = ' ';
			continue;
		}
		lvl = (int)(v[c] * 8 / max + 0.999) - 1;
		if (lvl < 0)
			lvl = 0;
		if (lvl > 7)
			lvl = 7;
		cp[c] = utf8 ? blocks[lvl] : (unsigned char)ascii[lvl];
	}
	return view_encode(cp, (int)cells, 0, (int)cells, buf, n);
}
