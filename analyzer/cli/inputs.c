/*
 * inputs.c - what sipalg-analyze does with an input before and after the
 * analysis (cli.h).  Before, with --db: the capture's SHA-256, which
 * claims it in the store; a regular file is hashed and read again, any
 * other input (standard input, a pipe) can be read only once, so it is
 * copied to an unlinked temporary file while hashed and the analysis
 * reads the copy.  After: what a user must not miss on stderr -- a file
 * cut short, a file without any SIP and the likely reason -- so that a
 * verdict of "unknown" is not mistaken for a clean bill.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/sha256.h"

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The descriptor a name stands for (/dev/stdin, /dev/fd/N,
 * /proc/self/fd/N), or -1. */
static int
fd_name(const char *name)
{
	uint64_t n;
	const char *p = NULL;

	if (strcmp(name, "/dev/stdin") == 0 || strcmp(name, "-") == 0)
		return STDIN_FILENO;
	if (strncmp(name, "/dev/fd/", 8) == 0)
		p = name + 8;
	else if (strncmp(name, "/proc/self/fd/", 14) == 0)
		p = name + 14;
	if (p == NULL || text_parse_uint(p, strlen(p), 65535, &n) != 0)
		return -1;
	return (int)n;
}

/*
 * What a user must not miss on stderr, once the files are read: a file
 * cut short (the results cover only the part read, as tshark warns) and a
 * file in which no SIP was found at all, with the likely reason, so that
 * a verdict of "unknown" is not mistaken for a clean bill.
 */
void
cli_warn_inputs(struct source *a)
{
	for (size_t i = 0; i < source_capture_count(a); i++) {
		const struct capture_info *ci = source_capture_info(a, i);
		const struct analysis_capstats *cs = source_capture_stats(a, i);
		unsigned long long pk = (unsigned long long)ci->packets;
		uint64_t refused;

		if (ci->err[0] != '\0') {
			if (ci->an.n[ANOMALY_PCAP_TRUNCATED] > 0 &&
			    ci->size == 0)      /* a stream: no size known */
				warn("%s: truncated after packet %llu (byte %llu "
				    "of the stream); results cover the part read",
				    ci->path, pk,
				    (unsigned long long)ci->bytes_read);
			else if (ci->an.n[ANOMALY_PCAP_TRUNCATED] > 0)
				warn("%s: truncated after packet %llu (byte %llu "
				    "of %llu); results cover the part read",
				    ci->path, pk,
				    (unsigned long long)ci->bytes_read,
				    (unsigned long long)ci->size);
			else
				warn("%s: read error after packet %llu (%s); "
				    "results cover the part read", ci->path, pk,
				    ci->err);
		}
		if (cs->sip_messages > 0)
			continue;
		refused = ci->an.n[ANOMALY_SIP_UNPARSEABLE] +
		    ci->an.n[ANOMALY_SIP_MISSING_HEADER] +
		    ci->an.n[ANOMALY_SIP_TOO_LARGE] +
		    ci->an.n[ANOMALY_SIP_LINE_TOO_LONG];
		if (ci->packets == 0)
			warn("%s: no packets", ci->path);
		else if (refused > 0)
			warn("%s: no usable SIP message: %llu looked like SIP but "
			    "could not be read (see the anomalies)", ci->path,
			    (unsigned long long)refused);
		else if (ci->an.n[ANOMALY_TLS_UNDECRYPTABLE] > 0)
			warn("%s: no SIP found in %llu packets: %llu TLS "
			    "records (SIP over TLS, port 5061?) cannot be read "
			    "without the keys; capture before the TLS endpoint "
			    "or use UDP/TCP", ci->path, pk, (unsigned long long)
			    ci->an.n[ANOMALY_TLS_UNDECRYPTABLE]);
		else if (cs->rtp_packets > 0)
			warn("%s: no SIP found, only RTP (%llu packets): did a "
			    "capture filter drop the signalling?", ci->path,
			    (unsigned long long)cs->rtp_packets);
		else
			warn("%s: no SIP found in %llu packets: a capture filter "
			    "that dropped SIP, or SIP on a transport this tool "
			    "does not read?", ci->path, pk);
	}
}

/*
 * The SHA-256 of the capture named name, and the name the analysis should
 * open.  A regular file is hashed and read again by the analysis.  Any
 * other file (standard input, a pipe, a FIFO, a terminal) can be read
 * only once: it is copied into an unlinked temporary file ($TMPDIR, else
 * /tmp) while hashed, and the analysis reads the copy.  When name is a
 * file descriptor's (/dev/stdin, /dev/fd/N, /proc/self/fd/N) the copy
 * takes that descriptor's place, so the report names the input as given;
 * otherwise the analysis opens "/dev/fd/K" (written into alias).  Returns
 * the name to open, or NULL with a reason in err.
 */
const char *
cli_hash_input(const char *name, char sha[65], uint64_t *size, char *alias,
    size_t aliaslen, char *err, size_t errlen)
{
	const char *tmpdir = getenv("TMPDIR");
	struct sha256 h;
	struct stat sb;
	char tpl[4096];
	uint8_t d[32], *buf;
	int in, out, fdno = -1;
	ssize_t r;

	if (strcmp(name, "-") == 0 ? fstat(STDIN_FILENO, &sb) != 0 :
	    stat(name, &sb) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s", strerror(EISDIR));
		return NULL;
	}
	if (S_ISREG(sb.st_mode) && strcmp(name, "-") != 0) {
		if (sha256_file(name, sha) != 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			return NULL;
		}
		*size = (uint64_t)sb.st_size;
		return name;
	}
	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	snprintf(tpl, sizeof(tpl), "%s/sipalg-input-XXXXXX", tmpdir);
	if ((in = strcmp(name, "-") == 0 ? dup(STDIN_FILENO) :
	    open(name, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if ((buf = malloc(1 << 16)) == NULL || (out = mkstemp(tpl)) < 0) {
		snprintf(err, errlen, "cannot copy it to a temporary file in %s "
		    "(it can be read only once, and --db reads it twice): %s",
		    tmpdir, strerror(buf == NULL ? ENOMEM : errno));
		free(buf);
		close(in);
		return NULL;
	}
	(void)unlink(tpl);
	sha256_init(&h);
	*size = 0;
	while ((r = read(in, buf, 1 << 16)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			goto fail;
		}
		sha256_update(&h, buf, (size_t)r);
		*size += (uint64_t)r;
		if (write_all(out, buf, (size_t)r) != 0) {
			snprintf(err, errlen, "cannot copy it to a temporary file "
			    "in %s: %s", tmpdir, strerror(errno));
			goto fail;
		}
	}
	free(buf);
	close(in);
	sha256_final(&h, d);
	for (int i = 0; i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", d[i]);
	fdno = fd_name(name);
	if (fdno >= 0 && fdno != out) {
		if (dup2(out, fdno) < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			close(out);
			return NULL;
		}
		close(out);
		out = fdno;
	}
	(void)lseek(out, 0, SEEK_SET);
	if (fdno >= 0)
		return name;
	snprintf(alias, aliaslen, "/dev/fd/%d", out);
	return alias;
fail:
	free(buf);
	close(in);
	close(out);
	return NULL;
}
