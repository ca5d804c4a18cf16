/*
 * test_outfile.c - output files (outfile.h): the same file recognised
 * through another name, a symlink or a hard link; a replacement appears
 * whole or not at all, keeps the replaced file's mode and goes through a
 * symlink to its target; device names are written directly; a full
 * device is reported at close.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "base/outfile.h"

static char dir[64];

static const char *
path(const char *name)
{
	static char p[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static void
put(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static const char *
get(const char *p)
{
	static char buf[256];
	FILE *f = fopen(p, "r");
	size_t n;

	if (f == NULL)
		return "(none)";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Files in dir whose name holds ".tmp-" (left-over temporaries). */
static int
temporaries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".tmp-") != NULL)
			n++;
	if (d != NULL)
		closedir(d);
	return n;
}

static void
test_same(void)
{
	char rel[160];

	put(path("in.pcap"), "input");
	CU_ASSERT_EQUAL_FATAL(symlink(path("in.pcap"), path("link.pcap")), 0);
	CU_ASSERT_EQUAL_FATAL(link(path("in.pcap"), path("hard.pcap")), 0);
	put(path("other.pcap"), "input");
	snprintf(rel, sizeof(rel), "%s/./../%s/in.pcap", dir, strrchr(dir, '/') + 1);
	CU_ASSERT_TRUE(outfile_same(path("in.pcap"), path("in.pcap")));
	CU_ASSERT_TRUE(outfile_same(path("link.pcap"), path("in.pcap")));
	CU_ASSERT_TRUE(outfile_same(path("hard.pcap"), path("in.pcap")));
	CU_ASSERT_TRUE(outfile_same(rel, path("in.pcap")));
	/* Same bytes, another file. */
	CU_ASSERT_FALSE(outfile_same(path("other.pcap"), path("in.pcap")));
	CU_ASSERT_FALSE(outfile_same(path("new.pcap"), path("in.pcap")));
	CU_ASSERT_FALSE(outfile_same(NULL, path("in.pcap")));
	/* A device shared by input and output destroys nothing. */
	CU_ASSERT_FALSE(outfile_same("/dev/null", "/dev/null"));
}

static void
test_replace(void)
{
	struct outfile o;
	char err[256];
	struct stat sb;
	FILE *f;

	put(path("out.pcap"), "old");
	CU_ASSERT_EQUAL_FATAL(chmod(path("out.pcap"), 0640), 0);
	CU_ASSERT_EQUAL_FATAL(outfile_begin(&o, path("out.pcap"), err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_NOT_EQUAL(o.write_path, path("out.pcap"));
	f = fopen(o.write_path, "w");
	fputs("new, half", f);
	fflush(f);
	/* Meanwhile the name still holds the old file. */
	CU_ASSERT_STRING_EQUAL(get(path("out.pcap")), "old");
	fputs(" and whole", f);
	fclose(f);
	CU_ASSERT_EQUAL(outfile_commit(&o, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(get(path("out.pcap")), "new, half and whole");
	CU_ASSERT_EQUAL(stat(path("out.pcap"), &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0640);
	CU_ASSERT_EQUAL(temporaries(), 0);

	/* Given up: the old file stays, no temporary is left. */
	CU_ASSERT_EQUAL_FATAL(outfile_begin(&o, path("out.pcap"), err,
	    sizeof(err)), 0);
	put(o.write_path, "broken");
	outfile_abort(&o);
	CU_ASSERT_STRING_EQUAL(get(path("out.pcap")), "new, half and whole");
	CU_ASSERT_EQUAL(temporaries(), 0);

	/* Through a symlink: the target is replaced, the link stays one. */
	put(path("target.pcap"), "old target");
	CU_ASSERT_EQUAL_FATAL(symlink(path("target.pcap"), path("via.pcap")),
	    0);
	CU_ASSERT_EQUAL_FATAL(outfile_begin(&o, path("via.pcap"), err,
	    sizeof(err)), 0);
	put(o.write_path, "new target");
	CU_ASSERT_EQUAL(outfile_commit(&o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(lstat(path("via.pcap"), &sb), 0);
	CU_ASSERT_TRUE(S_ISLNK(sb.st_mode));
	CU_ASSERT_STRING_EQUAL(get(path("target.pcap")), "new target");

	/* A new name. */
	CU_ASSERT_EQUAL_FATAL(outfile_begin(&o, path("fresh.pcap"), err,
	    sizeof(err)), 0);
	put(o.write_path, "fresh");
	CU_ASSERT_EQUAL(outfile_commit(&o, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(get(path("fresh.pcap")), "fresh");

	/* Devices are written directly. */
	CU_ASSERT_EQUAL_FATAL(outfile_begin(&o, "/dev/null", err, sizeof(err)),
	    0);
	CU_ASSERT_STRING_EQUAL(o.write_path, "/dev/null");
	CU_ASSERT_EQUAL(outfile_commit(&o, err, sizeof(err)), 0);

	/* A folder that does not exist: the reason. */
	CU_ASSERT_EQUAL(outfile_begin(&o, path("no/such/x.pcap"), err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file or directory"));
}

static void
test_close(void)
{
	FILE *f = fopen("/dev/full", "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("a line that does not fit\n", f);
	CU_ASSERT_EQUAL(outfile_close(f), ENOSPC);
	f = fopen("/dev/null", "w");
	fputs("fits\n", f);
	CU_ASSERT_EQUAL(outfile_close(f), 0);
}

/*
 * A flush in the middle (a report writer's) meets the error first: plain
 * stdio then knows only that something failed; the stream keeps ENOSPC.
 */
static void
test_stream(void)
{
	struct outfile_stream s;
	int fd = open("/dev/full", O_WRONLY);
	FILE *f, *g;

	CU_ASSERT_FATAL(fd >= 0);
	f = outfile_stream_open(&s, fd);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("report\n", f);
	CU_ASSERT_NOT_EQUAL(fflush(f), 0);
	errno = 0;
	CU_ASSERT_EQUAL(outfile_stream_close(f, &s), ENOSPC);
	/* The same with plain stdio: the errno is gone. */
	g = fdopen(fd, "w");
	fputs("report\n", g);
	CU_ASSERT_NOT_EQUAL(fflush(g), 0);
	errno = 0;
	CU_ASSERT_EQUAL(outfile_close(g), EIO);
	/* Written in full when it fits. */
	fd = open("/dev/null", O_WRONLY);
	f = outfile_stream_open(&s, fd);
	for (int i = 0; i < 100000; i++)
		fputs("a line of a long report\n", f);
	CU_ASSERT_EQUAL(outfile_stream_close(f, &s), 0);
	close(fd);
}

/*
 * A file (not a terminal) gets the large buffer: 100 KB are still in it
 * (stdio's own 8 KB would have been written a dozen times over), then
 * all of it reaches the file, in order, at the close.
 */
static void
test_stream_buffer(void)
{
	struct outfile_stream s;
	char path[300], line[32], *got;
	struct stat st;
	FILE *f, *in;
	int fd;

	snprintf(path, sizeof(path), "%s/stream", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	f = outfile_stream_open(&s, fd);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (int i = 0; i < 10000; i++)
		fprintf(f, "line %05d\n", i);          /* 11 bytes each */
	CU_ASSERT_EQUAL(fstat(fd, &st), 0);
	CU_ASSERT_EQUAL(st.st_size, 0);
	CU_ASSERT_EQUAL(outfile_stream_close(f, &s), 0);
	CU_ASSERT_PTR_NULL(s.buf);
	CU_ASSERT_EQUAL(fstat(fd, &st), 0);
	CU_ASSERT_EQUAL(st.st_size, 110000);
	close(fd);
	in = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	got = malloc(120000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(fread(got, 1, 120000, in), 110000);
	for (int i = 0; i < 10000; i++) {
		snprintf(line, sizeof(line), "line %05d\n", i);
		if (memcmp(got + 11 * i, line, 11) != 0) {
			CU_FAIL("stream: bytes out of order");
			break;
		}
	}
	free(got);
	fclose(in);
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/sipalg-outfile-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("outfile", NULL, NULL);
	CU_add_test(s, "same file", test_same);
	CU_add_test(s, "replace", test_replace);
	CU_add_test(s, "close", test_close);
	CU_add_test(s, "stream", test_stream);
	CU_add_test(s, "stream buffer", test_stream_buffer);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fails++;
	return fails != 0;
}
