/*
 * replay.c - runs a fuzz target's LLVMFuzzerTestOneInput over corpus files
 * without libFuzzer, so `make check` replays every committed seed and
 * regression input on the normal (or sanitizer) build.
 *
 *	replay_<target> [FILE|DIR]...
 *
 * With no argument it replays $top_srcdir/tests/fuzz/corpus/<target>/
 * (FUZZ_TARGET is set at compile time), skipping the inputs listed in
 * tests/fuzz/KNOWN: crashers in code this suite may not fix yet, one per
 * line as "<target>/<file>  reason".  A crash is the test failing; exit
 * status is 0 when every input ran, 2 on a usage or I/O error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_TARGET
#define FUZZ_TARGET "unknown"
#endif

#define REPLAY_MAX_BYTES (16 * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *known;             /* contents of tests/fuzz/KNOWN, or NULL */
static unsigned long nrun, nskipped;

static void
load_known(const char *srcdir)
{
	char path[4096];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/fuzz/KNOWN", srcdir);
	if ((f = fopen(path, "rb")) == NULL)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (known = calloc(1,
	    (size_t)n + 1)) != NULL && fread(known, 1, (size_t)n, f) !=
	    (size_t)n) {
		free(known);
		known = NULL;
	}
	fclose(f);
}

/* True when "<target>/<base>" starts a line of KNOWN. */
static int
is_known(const char *base)
{
	char key[1024];
	size_t kl;
	const char *l;

	if (known == NULL)
		return 0;
	kl = (size_t)snprintf(key, sizeof(key), "%s/%s", FUZZ_TARGET, base);
	for (l = known; l != NULL && *l != '\0'; ) {
		if (strncmp(l, key, kl) == 0 && (l[kl] == ' ' ||
		    l[kl] == '\t' || l[kl] == '\n' || l[kl] == '\0'))
			return 1;
		l = strchr(l, '\n');
		if (l != NULL)
			l++;
	}
	return 0;
}

static int
run_file(const char *path, const char *base)
{
	FILE *f;
	uint8_t *buf;
	size_t n;

	if (is_known(base)) {
		fprintf(stderr, "replay_%s: skipping %s (listed in KNOWN)\n",
		    FUZZ_TARGET, path);
		nskipped++;
		return 0;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay_%s: %s: %s\n", FUZZ_TARGET, path,
		    strerror(errno));
		return -1;
	}
	buf = malloc(REPLAY_MAX_BYTES);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_BYTES, f);
	fclose(f);
	/* An exact-size copy, so ASan catches reads one past the input. */
	uint8_t *in = malloc(n ? n : 1);
	if (in == NULL) {
		free(buf);
		return -1;
	}
	memcpy(in, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(in, n);
	free(in);
	nrun++;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_path(const char *path)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	char **names = NULL, full[4096];
	size_t n = 0, cap = 0;
	int rc = 0;
	const char *base;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay_%s: %s: %s\n", FUZZ_TARGET, path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		base = strrchr(path, '/');
		return run_file(path, base ? base + 1 : path);
	}
	if ((dir = opendir(path)) == NULL)
		return -1;
	/* Sorted, so a failure names the same file on every machine. */
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) *
			    sizeof(*names));

			if (nn == NULL)
				break;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    run_file(full, names[i]) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *srcdir = getenv("top_srcdir");
	char dflt[4096];
	int rc = 0;

	if (srcdir == NULL)
		srcdir = ".";
	load_known(srcdir);
	if (argc < 2) {
		snprintf(dflt, sizeof(dflt), "%s/tests/fuzz/corpus/%s", srcdir,
		    FUZZ_TARGET);
		rc = run_path(dflt);
	}
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i]) != 0)
			rc = -1;
	printf("replay_%s: %lu inputs replayed, %lu skipped (KNOWN)\n",
	    FUZZ_TARGET, nrun, nskipped);
	free(known);
	return rc != 0 ? 2 : 0;
}
