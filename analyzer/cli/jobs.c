/*
 * jobs.c - sipalg-analyze -j N (cli.h): each capture analysed (and
 * stored, with --db) on its own in a child process running the file
 * driver, N at a time.  Each child's report goes to a temporary file and
 * is printed whole, in the order the files were given; the exit status
 * is the worst of the children's.  A signal stops the children, each of
 * which gives its claims up, and waits for them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"

/* Combines two exit statuses: 130 (interrupted), then 3, then 1. */
static int
worse(int a, int b)
{
	static const int rank[] = { 130, 3, 2, 1, 0 };

	for (size_t i = 0; i < sizeof(rank) / sizeof(rank[0]); i++)
		if (a == rank[i] || b == rank[i])
			return rank[i];
	return a;
}

/* Copies an unlinked temporary file's content to stdout and closes it. */
static void
copy_out(FILE *f)
{
	char buf[65536];
	size_t n;

	fflush(f);
	rewind(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
}

/*
 * -j N: each file analysed on its own (and stored, with --db) in a child
 * process, N at a time; each child's report goes to a temporary file and
 * is printed whole, in the order the files were given.  A signal stops
 * the children (each gives its claims up) and waits for them.
 */
int
cli_run_jobs(const struct opts *o, char *const *files, int nfiles)
{
	pid_t *pid = calloc((size_t)nfiles, sizeof(*pid));
	FILE **out = calloc((size_t)nfiles, sizeof(*out));
	int *rc = calloc((size_t)nfiles, sizeof(*rc));
	int next = 0, shown = 0, running_n = 0, status = 0;

	if (pid == NULL || out == NULL || rc == NULL) {
		warn("out of memory");
		free(pid);
		free(out);
		free(rc);
		return 3;
	}
	cli_catch_signals();
	while (shown < nfiles) {
		int wst;
		pid_t p;

		while (!cli_interrupted && running_n < o->jobs && next < nfiles) {
			if ((out[next] = tmpfile()) == NULL) {
				warn("cannot create a temporary file: %s",
				    strerror(errno));
				cli_interrupted = 1;
				break;
			}
			/* Nothing of ours may be written twice by the child. */
			fflush(stdout);
			fflush(stderr);
			if ((p = fork()) < 0) {
				warn("cannot start a process: %s", strerror(errno));
				fclose(out[next]);
				out[next] = NULL;
				cli_interrupted = 1;
				break;
			}
			if (p == 0) {
				struct opts one = *o;

				if (dup2(fileno(out[next]), STDOUT_FILENO) < 0)
					_exit(3);
				one.jobs = 1;
				one.progress = false;
				rc[next] = cli_run_files(&one, files + next, 1);
				fflush(stdout);
				_exit(ferror(stdout) ? 3 : rc[next]);
			}
			pid[next++] = p;
			running_n++;
		}
		if (running_n == 0)
			break;
		p = waitpid(-1, &wst, 0);
		if (p < 0) {
			if (errno == EINTR && cli_interrupted) {
				/* Passed on: each child stops and gives up. */
				for (int i = 0; i < next; i++)
					if (pid[i] > 0)
						kill(pid[i], SIGTERM);
				continue;
			}
			break;
		}
		for (int i = 0; i < next; i++) {
			if (pid[i] != p)
				continue;
			pid[i] = 0;
			rc[i] = WIFEXITED(wst) ? WEXITSTATUS(wst) : 3;
			running_n--;
		}
		/* Reports in the order of the files. */
		while (shown < next && pid[shown] == 0) {
			if (out[shown] != NULL)
				copy_out(out[shown]);
			status = worse(status, rc[shown]);
			shown++;
		}
	}
	for (int i = shown; i < nfiles; i++)
		if (out[i] != NULL)
			fclose(out[i]);
	if (cli_interrupted)
		status = 130;
	free(pid);
	free(out);
	free(rc);
	return status;
}
