/* timeit: run a command many times and print its wall-time distribution.
 *
 * A small, dependency-free timer for tests/bench/bench.sh. Each run is one
 * fork + execvp + waitpid, timed with CLOCK_MONOTONIC from just before the
 * fork to just after the wait, so the figure includes process start-up:
 * that is what a one-off `crossroads QUESTION` costs its user. The child's
 * stdin, stdout and stderr are /dev/null, so terminal speed is not measured.
 *
 * Warm-up runs (page cache, dynamic loader) are run first and not counted.
 * Peak RSS is getrusage(RUSAGE_CHILDREN).ru_maxrss: the largest resident
 * set of any child this process has waited for, warm-ups included. Since
 * one timeit runs one command, that is the command's peak.
 *
 * Output is one line of six whitespace-separated fields, stable for scripts:
 *   LABEL RUNS MEDIAN_MS P10_MS P90_MS MAXRSS_KIB
 * Percentiles interpolate linearly between order statistics (Hyndman and
 * Fan's type 7, the default of R and NumPy).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *progname = "timeit";

static void usage(void)
{
	fprintf(stderr,
	    "usage: %s [-n RUNS] [-w WARMUP] LABEL -- CMD [ARGS...]\n"
	    "Runs CMD WARMUP times untimed (default 2), then RUNS times "
	    "(default 200),\nwith its output sent to /dev/null, and prints:\n"
	    "  LABEL RUNS MEDIAN_MS P10_MS P90_MS MAXRSS_KIB\n"
	    "Exits 1 if CMD fails (non-zero status or signal) in any run.\n",
	    progname);
	exit(2);
}

/* Parses a non-negative count for option OPT; exits on garbage. */
static long count(const char *s, char opt, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > 1000000) {
		fprintf(stderr, "%s: -%c: bad count '%s' (want %ld..1000000)\n",
		    progname, opt, s, min);
		exit(2);
	}
	return v;
}

static double now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("clock_gettime");
		exit(2);
	}
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* In the child: silence the standard streams and exec. On failure, say so
 * on the parent's stderr (kept open, close-on-exec) and exit 127 as the
 * shell does for a command it cannot run. */
static void child(char **argv, int errfd)
{
	int null = open("/dev/null", O_RDWR);

	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(null, 2) < 0) {
		dprintf(errfd, "%s: /dev/null: %s\n", progname,
		    strerror(errno));
		_exit(126);
	}
	if (null > 2)
		close(null);
	execvp(argv[0], argv);
	dprintf(errfd, "%s: %s: %s\n", progname, argv[0], strerror(errno));
	_exit(127);
}

/* Runs ARGV once and returns its wall time in ms. On failure, reports which
 * run failed and how, and exits 1. WHICH and I name the run in the report. */
static double run(char **argv, const char *label, const char *which, long i,
    int errfd)
{
	double t0, t1;
	pid_t pid;
	int st;

	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0)
		child(argv, errfd);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			perror("waitpid");
			exit(2);
		}
	}
	t1 = now_ms();
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return t1 - t0;
	if (WIFEXITED(st))
		fprintf(stderr, "%s: %s: %s run %ld of '%s' exited with "
		    "status %d\n", progname, label, which, i, argv[0],
		    WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		fprintf(stderr, "%s: %s: %s run %ld of '%s' killed by "
		    "signal %d\n", progname, label, which, i, argv[0],
		    WTERMSIG(st));
	else
		fprintf(stderr, "%s: %s: %s run %ld of '%s' failed\n",
		    progname, label, which, i, argv[0]);
	exit(1);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The P-quantile (0..1) of the N sorted values in V, type 7. */
static double quantile(const double *v, long n, double p)
{
	double h = (double)(n - 1) * p;
	long lo = (long)h;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

int main(int argc, char **argv)
{
	long runs = 200, warmup = 2, i;
	const char *label;
	struct rusage ru;
	double *t;
	long rss;
	int errfd, c;

	if (argc > 0 && argv[0][0] != '\0') {
		const char *slash = strrchr(argv[0], '/');

		progname = slash != NULL ? slash + 1 : argv[0];
	}
	while ((c = getopt(argc, argv, "+n:w:h")) != -1) {
		switch (c) {
		case 'n': runs = count(optarg, 'n', 1); break;
		case 'w': warmup = count(optarg, 'w', 0); break;
		default: usage();
		}
	}
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0)
		usage();
	label = argv[optind];
	argv += optind + 2;

	/* The children's stderr is /dev/null; exec failures go here. */
	errfd = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (errfd < 0) {
		perror("fcntl");
		return 2;
	}
	t = malloc((size_t)runs * sizeof *t);
	if (t == NULL) {
		perror("malloc");
		return 2;
	}
	for (i = 0; i < warmup; i++)
		run(argv, label, "warm-up", i + 1, errfd);
	for (i = 0; i < runs; i++)
		t[i] = run(argv, label, "timed", i + 1, errfd);
	qsort(t, (size_t)runs, sizeof *t, cmp);

	if (getrusage(RUSAGE_CHILDREN, &ru) != 0) {
		perror("getrusage");
		return 2;
	}
	rss = (long)ru.ru_maxrss;
#ifdef __APPLE__
	rss /= 1024; /* bytes there, KiB on Linux and the BSDs */
#endif
	printf("%s %ld %.3f %.3f %.3f %ld\n", label, runs,
	    quantile(t, runs, 0.5), quantile(t, runs, 0.1),
	    quantile(t, runs, 0.9), rss);
	free(t);
	return fflush(stdout) == 0 ? 0 : 2;
}
