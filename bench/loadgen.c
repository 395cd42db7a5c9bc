/*
 * loadgen.c — dlmd load generator driving the daemon through the C library (libdlm.so).
 *   loadgen --workload local|pipelined|contended|shared|held|split|keep --lockspace NAME --seconds S
 *           [--clients C] [--depth K] [--samples FILE] [--samples2 FILE] [--hold N]
 *           [--dlmd-pid PID] [--writer-interval-ms MS] [--max-ops N] [--names FILE] [--prefix P]
 *           [--hot NAME] [--ready FILE]
 * Every client is its own lockspace handle (its own connection). Because every libdlm call
 * waits for the daemon's RESULT, a client keeps K requests outstanding with K threads sharing
 * its handle, each running synchronous lock/unlock pairs. Latencies go to the samples file(s)
 * (see benchutil.h); one JSON result line is printed. The daemon socket comes from DLMD_SOCKET.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/types.h>
#include <unistd.h>

#include <libdlm.h>

#include "benchutil.h"

#define THREADS_MAX 1024
#define HOLD_THREADS 8

struct worker {
	dlm_lshandle_t ls;
	int client, thread, nthreads;
	uint64_t base, count; /* held: resource range */
	void *(*fn)(void *);
	struct bench_samples s;
	struct bench_samples s2; /* split: unlock latencies */
};

static uint64_t g_deadline;
static long g_max_ops = 100000000;
static long g_writer_interval_ms = 5;
static const char *g_hold_prefix = "held";

static void die(const char *what, int err)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(err));
	exit(1);
}

static dlm_lshandle_t open_handle(const char *name)
{
	dlm_lshandle_t ls = dlm_open_lockspace(name);
	if (!ls)
		ls = dlm_create_lockspace(name, 0666);
	if (!ls)
		die("open lockspace", errno);
	return ls;
}

/* Takes mode on name and waits for the grant; returns the lock id. */
static uint32_t take(dlm_lshandle_t ls, uint32_t mode, const char *name)
{
	struct dlm_lksb lksb = { 0 };
	if (dlm_ls_lock_wait(ls, mode, &lksb, 0, name, (unsigned)strlen(name), 0, NULL, NULL, NULL) < 0)
		die("dlm_ls_lock_wait", errno);
	if (lksb.sb_status != 0)
		die("lock status", lksb.sb_status);
	return lksb.sb_lkid;
}

static void release(dlm_lshandle_t ls, uint32_t lkid)
{
	struct dlm_lksb lksb = { 0 };
	if (dlm_ls_unlock_wait(ls, lkid, 0, &lksb) < 0)
		die("dlm_ls_unlock_wait", errno);
	if (lksb.sb_status != EUNLOCK)
		die("unlock status", lksb.sb_status);
}

static int running(struct worker *w)
{
	return (long)w->s.ops < g_max_ops && bench_now_ns() < g_deadline;
}

/* EX lock then unlock on a new resource each time; one sample per pair. */
static void *pairs_main(void *arg)
{
	struct worker *w = arg;
	char name[64];
	for (uint64_t i = 0; running(w); i++) {
		snprintf(name, sizeof name, "p%d.%d.%llu", w->client, w->thread, (unsigned long long)i);
		uint64_t t0 = bench_now_ns();
		release(w->ls, take(w->ls, LKM_EXMODE, name));
		bench_record(&w->s, bench_now_ns() - t0);
	}
	return NULL;
}

/* EX on one hot resource; one sample per grant: the wait from request to grant. */
static void *contended_main(void *arg)
{
	struct worker *w = arg;
	while (running(w)) {
		uint64_t t0 = bench_now_ns();
		uint32_t lkid = take(w->ls, LKM_EXMODE, "hot");
		bench_record(&w->s, bench_now_ns() - t0);
		release(w->ls, lkid);
	}
	return NULL;
}

/* PR lock then unlock on the shared resource; one sample per pair. */
static void *reader_main(void *arg)
{
	struct worker *w = arg;
	while (running(w)) {
		uint64_t t0 = bench_now_ns();
		release(w->ls, take(w->ls, LKM_PRMODE, "shared"));
		bench_record(&w->s, bench_now_ns() - t0);
	}
	return NULL;
}

/* An occasional EX writer on the shared resource; one sample per grant wait. */
static void *writer_main(void *arg)
{
	struct worker *w = arg;
	while (running(w)) {
		uint64_t t0 = bench_now_ns();
		uint32_t lkid = take(w->ls, LKM_EXMODE, "shared");
		bench_record(&w->s, bench_now_ns() - t0);
		release(w->ls, lkid);
		usleep((useconds_t)(g_writer_interval_ms * 1000));
	}
	return NULL;
}

/* split: resource names, one per line (--names), used once each in order */
static char **g_names;
static size_t g_name_count;
static const char *g_prefix = "s";

/*
 * One client, EX lock then unlock on a new resource each time (the next --names line, else
 * PREFIX.i); the lock's latency (request to grant) goes to s, the unlock's to s2.
 */
static void *split_main(void *arg)
{
	struct worker *w = arg;
	char buf[80];
	for (uint64_t i = 0; running(w); i++) {
		const char *name = buf;
		if (g_names) {
			if (i >= g_name_count)
				break;
			name = g_names[i];
		} else {
			snprintf(buf, sizeof buf, "%s.%llu", g_prefix, (unsigned long long)i);
		}
		uint64_t t0 = bench_now_ns();
		uint32_t lkid = take(w->ls, LKM_EXMODE, name);
		uint64_t t1 = bench_now_ns();
		release(w->ls, lkid);
		uint64_t t2 = bench_now_ns();
		bench_record(&w->s, t1 - t0);
		bench_record(&w->s2, t2 - t1);
	}
	return NULL;
}

/* Reads --names FILE into g_names (the file's buffer is kept for the process's life). */
static void load_names(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die(path, errno);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *text = malloc((size_t)size + 1);
	if (!text || fread(text, 1, (size_t)size, f) != (size_t)size)
		die("read names", errno ? errno : EIO);
	fclose(f);
	text[size] = 0;
	size_t lines = 0;
	for (long i = 0; i < size; i++)
		lines += text[i] == '\n';
	g_names = calloc(lines + 1, sizeof *g_names);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		g_names[g_name_count++] = line;
}

/* Takes EX on w->count distinct resources from w->base and keeps them. */
static void *hold_main(void *arg)
{
	struct worker *w = arg;
	char name[64];
	for (uint64_t i = 0; i < w->count; i++) {
		snprintf(name, sizeof name, "%s.%llu", g_hold_prefix, (unsigned long long)(w->base + i));
		take(w->ls, LKM_EXMODE, name);
	}
	return NULL;
}

/* Runs n workers (each its own fn, else fn) until the deadline; returns the elapsed seconds. */
static double run_workers(struct worker *w, int n, void *(*fn)(void *), double seconds)
{
	pthread_t tid[THREADS_MAX];
	uint64_t start = bench_now_ns();
	g_deadline = start + (uint64_t)(seconds * 1e9);
	for (int i = 0; i < n; i++)
		if (pthread_create(&tid[i], NULL, w[i].fn ? w[i].fn : fn, &w[i]) != 0)
			die("pthread_create", errno);
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	return (double)(bench_now_ns() - start) / 1e9;
}

/* Fills n workers: clients handles, depth threads each (worker i uses handle i / depth). */
static struct worker *make_workers(const char *lsname, int clients, int depth)
{
	if (clients < 1 || depth < 1 || clients * depth > THREADS_MAX) {
		fprintf(stderr, "loadgen: clients x depth must be 1...%d\n", THREADS_MAX);
		exit(2);
	}
	struct worker *w = calloc((size_t)(clients * depth), sizeof *w);
	for (int c = 0; c < clients; c++) {
		dlm_lshandle_t ls = open_handle(lsname);
		for (int t = 0; t < depth; t++)
			w[c * depth + t] = (struct worker){ .ls = ls, .client = c, .thread = t, .nthreads = depth };
	}
	return w;
}

static void close_workers(struct worker *w, int clients, int depth)
{
	for (int c = 0; c < clients; c++)
		dlm_close_lockspace(w[c * depth].ls);
}

/* Writes the samples of n workers to path (truncating it); returns their total operations, or -1. */
static long long save_samples(const char *path, struct worker *w, int n)
{
	struct bench_samples *all = calloc((size_t)n, sizeof *all);
	for (int i = 0; i < n; i++)
		all[i] = w[i].s;
	long long ops = (long long)bench_total_ops(all, n);
	int rc = bench_write_samples(path, all, n, 1);
	free(all);
	return rc < 0 ? -1 : ops;
}

static long rss_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Acquires locks [from, to) on one handle with HOLD_THREADS threads; returns seconds taken. */
static double hold_range(dlm_lshandle_t ls, uint64_t from, uint64_t to)
{
	struct worker w[HOLD_THREADS];
	uint64_t per = (to - from + HOLD_THREADS - 1) / HOLD_THREADS;
	for (int i = 0; i < HOLD_THREADS; i++) {
		uint64_t b = from + (uint64_t)i * per;
		uint64_t e = b + per < to ? b + per : to;
		w[i] = (struct worker){ .ls = ls, .base = b, .count = e > b ? e - b : 0 };
	}
	return run_workers(w, HOLD_THREADS, hold_main, 1e6);
}

/* held: RSS of dlmd per held lock, and local pair latency with 1000 and with N locks held. */
static int run_held(int argc, char **argv, const char *lsname, const char *path, const char *path2,
		double seconds)
{
	long pid = bench_arg_long(argc, argv, "--dlmd-pid", 0);
	uint64_t hold = (uint64_t)bench_arg_long(argc, argv, "--hold", 100000);
	uint64_t small = hold < 1000 ? hold : 1000;
	dlm_lshandle_t holder = open_handle(lsname);
	struct worker *w = make_workers(lsname, 1, 1);
	long rss0 = rss_kb(pid);
	hold_range(holder, 0, small);
	double small_elapsed = run_workers(w, 1, pairs_main, seconds);
	long long small_ops = save_samples(path, w, 1);
	if (small_ops < 0)
		return 1;
	double acquire = hold_range(holder, small, hold);
	long rss1 = rss_kb(pid);
	w->s.n = w->s.ops = 0;
	double elapsed = run_workers(w, 1, pairs_main, seconds);
	if (save_samples(path2, w, 1) < 0)
		return 1;
	/* Closing the holder makes dlmd release every held lock; a probe pair shows how long other
	 * clients wait for that. */
	uint64_t closed = bench_now_ns();
	dlm_close_lockspace(holder);
	release(w->ls, take(w->ls, LKM_EXMODE, "probe"));
	double release_s = (double)(bench_now_ns() - closed) / 1e9;
	char extra[480];
	double per_lock = hold > 0 && rss0 > 0 && rss1 > 0 ? (double)(rss1 - rss0) * 1024.0 / (double)hold : -1;
	snprintf(extra, sizeof extra,
			",\"held\":%llu,\"held_small\":%llu,\"rss_before_kb\":%ld,\"rss_after_kb\":%ld,"
			"\"bytes_per_lock\":%.1f,\"acquire_seconds\":%.3f,\"acquire_per_second\":%.0f,"
			"\"small_ops\":%llu,\"small_seconds\":%.6f,\"release_stall_seconds\":%.4f",
			(unsigned long long)hold, (unsigned long long)small, rss0, rss1, per_lock, acquire,
			(double)(hold - small) / acquire, (unsigned long long)small_ops, small_elapsed, release_s);
	bench_print_result(w->s.ops, elapsed, extra);
	close_workers(w, 1, 1);
	return 0;
}

/* split: lock and unlock latencies of one client, in --samples and --samples2. */
static int run_split(int argc, char **argv, const char *lsname, const char *path, const char *path2,
		double seconds)
{
	const char *names = bench_arg(argc, argv, "--names", NULL);
	g_prefix = bench_arg(argc, argv, "--prefix", g_prefix);
	if (names)
		load_names(names);
	struct worker *w = make_workers(lsname, 1, 1);
	double elapsed = run_workers(w, 1, split_main, seconds);
	if (save_samples(path, w, 1) < 0)
		return 1;
	struct bench_samples unlocks = w->s2;
	if (bench_write_samples(path2, &unlocks, 1, 1) < 0)
		return 1;
	bench_print_result(w->s.ops, elapsed, ",\"clients\":1,\"depth\":1");
	close_workers(w, 1, 1);
	return 0;
}

/*
 * keep (the recovery workload): EX on --hot NAME first (so this node masters it), then EX on --hold N
 * resources PREFIX.i; writes the result line to --ready FILE (by rename, so it appears whole) and
 * keeps every lock until it is stopped by a signal.
 */
static __attribute__((noreturn)) void run_keep(int argc, char **argv, const char *lsname)
{
	uint64_t hold = (uint64_t)bench_arg_long(argc, argv, "--hold", 100000);
	const char *hot = bench_arg(argc, argv, "--hot", NULL);
	const char *ready = bench_arg(argc, argv, "--ready", NULL);
	g_hold_prefix = bench_arg(argc, argv, "--prefix", g_hold_prefix);
	dlm_lshandle_t holder = open_handle(lsname);
	if (hot)
		take(holder, LKM_EXMODE, hot);
	double acquire = hold_range(holder, 0, hold);
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", ready ? ready : "keep");
	FILE *f = fopen(tmp, "w");
	if (!f)
		die(tmp, errno);
	fprintf(f, "{\"held\":%llu,\"acquire_seconds\":%.6f}\n", (unsigned long long)hold, acquire);
	if (fclose(f) != 0 || (ready && rename(tmp, ready) != 0))
		die("write --ready", errno);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *workload = bench_arg(argc, argv, "--workload", "local");
	const char *lsname = bench_arg(argc, argv, "--lockspace", "bench");
	const char *path = bench_arg(argc, argv, "--samples", NULL);
	const char *path2 = bench_arg(argc, argv, "--samples2", NULL);
	double seconds = bench_arg_double(argc, argv, "--seconds", 2.0);
	int clients = (int)bench_arg_long(argc, argv, "--clients", 1);
	int depth = (int)bench_arg_long(argc, argv, "--depth", 1);
	g_max_ops = bench_arg_long(argc, argv, "--max-ops", g_max_ops);
	g_writer_interval_ms = bench_arg_long(argc, argv, "--writer-interval-ms", 5);
	if (strcmp(workload, "held") == 0)
		return run_held(argc, argv, lsname, path, path2, seconds);
	if (strcmp(workload, "keep") == 0)
		run_keep(argc, argv, lsname);
	if (strcmp(workload, "split") == 0)
		return run_split(argc, argv, lsname, path, path2, seconds);
	int shared = strcmp(workload, "shared") == 0;
	void *(*fn)(void *) = strcmp(workload, "contended") == 0 ? contended_main :
			shared ? reader_main : pairs_main;
	if (strcmp(workload, "local") == 0)
		clients = depth = 1;
	struct worker *w = make_workers(lsname, clients + shared, depth);
	int n = clients * depth;
	if (shared)
		w[n].fn = writer_main; /* the extra client's first thread is the writer */
	double elapsed = run_workers(w, n + shared, fn, seconds);
	long long ops = save_samples(path, w, n);
	if (ops < 0 || (shared && save_samples(path2, &w[n], 1) < 0))
		return 1;
	char extra[256];
	snprintf(extra, sizeof extra, ",\"clients\":%d,\"depth\":%d,\"writer_ops\":%llu", clients, depth,
			shared ? (unsigned long long)w[n].s.ops : 0ull);
	bench_print_result((uint64_t)ops, elapsed, extra);
	close_workers(w, clients + shared, depth);
	return 0;
}
