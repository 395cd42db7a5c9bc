/*
 * benchutil.h — shared helpers of dlmd's C benchmark programs (pingpong, loadgen, redisgen):
 * a monotonic nanosecond clock, growable per-thread latency sample buffers, the samples file
 * that dlm-bench reads into an HdrHistogram (raw little-endian uint64 nanoseconds, one per
 * operation), command-line parsing of "--name value" pairs, and the result JSON line.
 */
#ifndef BENCHUTIL_H
#define BENCHUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Upper bound of samples any one buffer keeps; operations beyond it are counted, not sampled. */
#define BENCH_SAMPLES_MAX (8u * 1024u * 1024u)

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One thread's latencies. */
struct bench_samples {
	uint64_t *v;
	size_t n, cap;
	uint64_t ops; /* operations done, sampled or not */
};

static inline void bench_record(struct bench_samples *s, uint64_t ns)
{
	s->ops++;
	if (s->n == s->cap) {
		if (s->cap >= BENCH_SAMPLES_MAX)
			return;
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint64_t *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ns;
}

/* Appends every buffer to path (created or truncated by the first call with truncate=1). */
static inline int bench_write_samples(const char *path, struct bench_samples *all, int count,
		int truncate)
{
	if (!path)
		return 0;
	FILE *f = fopen(path, truncate ? "wb" : "ab");
	if (!f) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < count; i++)
		if (all[i].n && fwrite(all[i].v, sizeof(uint64_t), all[i].n, f) != all[i].n) {
			perror(path);
			fclose(f);
			return -1;
		}
	return fclose(f);
}

static inline uint64_t bench_total_ops(struct bench_samples *all, int count)
{
	uint64_t t = 0;
	for (int i = 0; i < count; i++)
		t += all[i].ops;
	return t;
}

/* "--key value" lookup in argv; returns def when absent. */
static inline const char *bench_arg(int argc, char **argv, const char *key, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], key) == 0)
			return argv[i + 1];
	return def;
}

static inline long bench_arg_long(int argc, char **argv, const char *key, long def)
{
	const char *v = bench_arg(argc, argv, key, NULL);
	return v ? strtol(v, NULL, 10) : def;
}

static inline double bench_arg_double(int argc, char **argv, const char *key, double def)
{
	const char *v = bench_arg(argc, argv, key, NULL);
	return v ? strtod(v, NULL) : def;
}

/* Prints the result line dlm-bench parses: {"ops":..,"seconds":..} plus extra fields (a JSON
 * fragment starting with a comma, or ""). */
static inline void bench_print_result(uint64_t ops, double seconds, const char *extra)
{
	printf("{\"ops\":%llu,\"seconds\":%.6f%s}\n", (unsigned long long)ops, seconds,
			extra ? extra : "");
	fflush(stdout);
}

#endif
