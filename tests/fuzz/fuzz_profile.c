/*
 * fuzz_profile.c - libFuzzer target: the ALG profile parser
 * (alg/profile.c), which reads the profile files the simulator emulates
 * and the inside/outside comparison scores, plus --set arguments.
 *
 * The input is a profile file as it is (no header).  It is written to an
 * anonymous in-memory file (memfd_create) and read with
 * profile_load_file as /proc/self/fd/N, "include NAME" resolved in the
 * shipped profiles (the search path); then each of its lines is given to
 * profile_set_arg on the Linux defaults, and its first word to
 * profile_load as a profile name.
 *
 * Contracts checked (an abort() is a crash): an error message is
 * NUL-terminated within its buffer and not empty; a file that loads
 * prints (profile_print) as a profile that loads back to the same knob
 * values (what --show-profile promises); every knob value reads back
 * (profile_get) within its buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alg/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void
check_err(const char *err, size_t n)
{
	if (memchr(err, '\0', n) == NULL || err[0] == '\0')
		abort();
	sink += strlen(err);
}

/* An in-memory file holding p[0..n): its /proc path in path, fd returned. */
static int
memfile(const void *p, size_t n, char *path, size_t pn)
{
	int fd = memfd_create("fuzz-profile", 0);
	size_t done = 0;

	if (fd < 0)
		abort();
	while (done < n) {
		ssize_t w = write(fd, (const char *)p + done, n - done);

		if (w <= 0)
			abort();
		done += (size_t)w;
	}
	snprintf(path, pn, "/proc/self/fd/%d", fd);
	return fd;
}

/* a and b hold the same value for every knob */
static void
same_knobs(const struct sim_cfg *a, const struct sim_cfg *b)
{
	for (size_t i = 0; i < profile_nknobs(); i++) {
		const char *k = profile_knob_name(i);
		char va[512], vb[512];

		if (profile_get(a, k, va, sizeof(va)) == NULL ||
		    profile_get(b, k, vb, sizeof(vb)) == NULL ||
		    strcmp(va, vb) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dirs[4];
	struct sim_cfg c, again;
	char path[64], err[2048], line[512];
	size_t i = 0;
	int fd;

	profile_search_path(dirs, sizeof(dirs) / sizeof(dirs[0]));
	fd = memfile(data, size, path, sizeof(path));
	profile_defaults(&c);
	err[0] = '\0';
	if (profile_load_file(&c, path, dirs, err, sizeof(err)) == 0) {
		char *text = NULL, ppath[64];
		size_t tlen = 0;
		FILE *f = open_memstream(&text, &tlen);
		int pfd;

		if (f == NULL)
			abort();
		profile_print(&c, f);
		fclose(f);
		pfd = memfile(text, tlen, ppath, sizeof(ppath));
		profile_defaults(&again);
		if (profile_load_file(&again, ppath, dirs, err, sizeof(err)) != 0)
			abort();
		same_knobs(&c, &again);
		close(pfd);
		free(text);
	} else {
		check_err(err, sizeof(err));
	}
	close(fd);

	/* each line as a --set argument */
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t l = nl ? (size_t)(nl - data) - i : size - i;
		size_t cl = l < sizeof(line) - 1 ? l : sizeof(line) - 1;

		memcpy(line, data + i, cl);
		line[cl] = '\0';
		profile_defaults(&c);
		if (memchr(line, '\0', cl) == NULL &&
		    profile_set_arg(&c, line, err, sizeof(err)) != 0)
			check_err(err, sizeof(err));
		i += l + 1;
	}
	/* the first word as a profile name */
	{
		size_t l = 0;

		while (l < size && l < 60 && data[l] != '\n' && data[l] != ' ' &&
		    data[l] != '\0')
			l++;
		memcpy(line, data, l);
		line[l] = '\0';
		if (profile_load(&c, line, dirs, err, sizeof(err)) != 0)
			check_err(err, sizeof(err));
	}
	return 0;
}
