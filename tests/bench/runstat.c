/*
 * runstat.c - the benchmark's stopwatch: runs one command and prints, on
 * one line to the file named by -o, its elapsed time, its CPU time (user
 * plus system, the child's own from wait4) in seconds to the microsecond,
 * its peak RSS in KB and its page faults (minor plus major: each a trap
 * into the kernel, and on a virtual machine often into the host too).
 *
 * GNU time prints CPU times to the hundredth of a second, which is a few
 * per cent of the analyzer's run on the benchmark's captures; this keeps
 * the microseconds wait4 reports.  The command's standard output and
 * input are the caller's; its exit status is passed on (128 + the signal
 * when it was killed), so the caller can tell "findings reported" (1)
 * from a failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	const char *out;
	FILE *f;
	pid_t pid;
	int status;

	if (argc < 4 || strcmp(argv[1], "-o") != 0) {
		fprintf(stderr, "usage: runstat -o FILE COMMAND [ARG...]\n");
		return 2;
	}
	out = argv[2];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "runstat: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "runstat: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "runstat: wait4: %s\n", strerror(errno));
			return 2;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if ((f = fopen(out, "w")) == NULL) {
		fprintf(stderr, "runstat: %s: %s\n", out, strerror(errno));
		return 2;
	}
	fprintf(f, "%.6f %.6f %ld %ld\n",
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	    seconds(ru.ru_utime) + seconds(ru.ru_stime), ru.ru_maxrss,
	    ru.ru_minflt + ru.ru_majflt);
	if (fclose(f) != 0) {
		fprintf(stderr, "runstat: %s: %s\n", out, strerror(errno));
		return 2;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
