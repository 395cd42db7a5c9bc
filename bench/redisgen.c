/*
 * redisgen.c — the Redis side of the side-by-side benchmark, with hiredis: lock = SET key token
 * NX PX ttl, unlock = a Lua compare-and-delete run with EVALSHA.
 *   redisgen --port P --workload local|pipelined|contended --seconds S [--clients C]
 *            [--depth K] [--samples FILE] [--max-ops N]
 * local: one connection, lock then unlock on a new key each time (one sample per pair).
 * pipelined: C connections (one thread each) keeping K lock/unlock pairs in flight with hiredis
 * pipelining (one sample per pair). contended: C connections spinning on SET NX of one hot key
 * (one sample per acquisition: first attempt to success). Prints one JSON result line.
 */
#include <pthread.h>

#include <hiredis/hiredis.h>

#include "benchutil.h"

#define CLIENTS_MAX 256
#define DEPTH_MAX 256
#define TTL_MS "30000"

static const char *UNLOCK_LUA =
	"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

struct client {
	int id, depth, port;
	struct bench_samples s;
	uint64_t attempts;
};

static uint64_t g_deadline;
static long g_max_ops = 100000000;
static char g_sha[64];
static void *(*g_fn)(void *);

static void die(const char *what, redisContext *c)
{
	fprintf(stderr, "redisgen: %s: %s\n", what, c && c->err ? c->errstr : "unexpected reply");
	exit(1);
}

static redisContext *connect_port(int port)
{
	redisContext *c = redisConnect("127.0.0.1", port);
	if (!c || c->err)
		die("connect", c);
	return c;
}

static int running(struct client *cl)
{
	return (long)cl->s.ops < g_max_ops && bench_now_ns() < g_deadline;
}

/* Returns 1 when the SET NX succeeded, 0 when the key was taken. */
static int lock_key(redisContext *c, const char *key, const char *token)
{
	redisReply *r = redisCommand(c, "SET %s %s NX PX " TTL_MS, key, token);
	if (!r)
		die("SET", c);
	int ok = r->type == REDIS_REPLY_STATUS;
	freeReplyObject(r);
	return ok;
}

static void unlock_key(redisContext *c, const char *key, const char *token)
{
	redisReply *r = redisCommand(c, "EVALSHA %s 1 %s %s", g_sha, key, token);
	if (!r || r->type != REDIS_REPLY_INTEGER || r->integer != 1)
		die("EVALSHA", c);
	freeReplyObject(r);
}

static void *local_main(void *arg)
{
	struct client *cl = arg;
	redisContext *c = connect_port(cl->port);
	char key[64], token[32];
	snprintf(token, sizeof token, "t%d", cl->id);
	for (uint64_t i = 0; running(cl); i++) {
		snprintf(key, sizeof key, "l%d.%llu", cl->id, (unsigned long long)i);
		uint64_t t0 = bench_now_ns();
		if (!lock_key(c, key, token))
			die("SET NX on a fresh key", c);
		unlock_key(c, key, token);
		bench_record(&cl->s, bench_now_ns() - t0);
	}
	redisFree(c);
	return NULL;
}

static void *contended_main(void *arg)
{
	struct client *cl = arg;
	redisContext *c = connect_port(cl->port);
	char token[32];
	snprintf(token, sizeof token, "t%d", cl->id);
	while (running(cl)) {
		uint64_t t0 = bench_now_ns();
		int got = 0;
		while (!got && bench_now_ns() < g_deadline) {
			cl->attempts++;
			got = lock_key(c, "hot", token);
		}
		if (!got)
			break;
		bench_record(&cl->s, bench_now_ns() - t0);
		unlock_key(c, "hot", token);
	}
	redisFree(c);
	return NULL;
}

/* Appends slot's next command: SET (phase 0) or EVALSHA (phase 1). */
static void append_slot(redisContext *c, int id, int slot, uint64_t seq, int phase)
{
	char key[64];
	snprintf(key, sizeof key, "p%d.%d.%llu", id, slot, (unsigned long long)seq);
	if (phase == 0)
		redisAppendCommand(c, "SET %s t%d NX PX " TTL_MS, key, id);
	else
		redisAppendCommand(c, "EVALSHA %s 1 %s t%d", g_sha, key, id);
}

static void *pipelined_main(void *arg)
{
	struct client *cl = arg;
	redisContext *c = connect_port(cl->port);
	uint64_t seq[DEPTH_MAX], started[DEPTH_MAX];
	int phase[DEPTH_MAX], fifo[2 * DEPTH_MAX], head = 0, tail = 0, inflight = 0;
	for (int k = 0; k < cl->depth; k++) {
		seq[k] = 0;
		phase[k] = 0;
		started[k] = bench_now_ns();
		append_slot(c, cl->id, k, 0, 0);
		fifo[tail++ % (2 * DEPTH_MAX)] = k;
		inflight++;
	}
	while (inflight > 0) {
		redisReply *r;
		if (redisGetReply(c, (void **)&r) != REDIS_OK || !r)
			die("pipelined reply", c);
		int k = fifo[head++ % (2 * DEPTH_MAX)];
		int ok = phase[k] == 0 ? r->type == REDIS_REPLY_STATUS : r->type == REDIS_REPLY_INTEGER && r->integer == 1;
		freeReplyObject(r);
		if (!ok)
			die("pipelined command failed", NULL);
		inflight--;
		if (phase[k] == 1) {
			uint64_t now = bench_now_ns();
			bench_record(&cl->s, now - started[k]);
			if (!running(cl))
				continue;
			seq[k]++;
			started[k] = now;
		}
		phase[k] ^= 1;
		append_slot(c, cl->id, k, seq[k], phase[k]);
		fifo[tail++ % (2 * DEPTH_MAX)] = k;
		inflight++;
	}
	redisFree(c);
	return NULL;
}

static void load_script(int port)
{
	redisContext *c = connect_port(port);
	redisReply *r = redisCommand(c, "SCRIPT LOAD %s", UNLOCK_LUA);
	if (!r || r->type != REDIS_REPLY_STRING)
		die("SCRIPT LOAD", c);
	snprintf(g_sha, sizeof g_sha, "%s", r->str);
	freeReplyObject(r);
	redisFree(c);
}

int main(int argc, char **argv)
{
	const char *workload = bench_arg(argc, argv, "--workload", "local");
	int port = (int)bench_arg_long(argc, argv, "--port", 6379);
	int clients = (int)bench_arg_long(argc, argv, "--clients", 1);
	int depth = (int)bench_arg_long(argc, argv, "--depth", 1);
	double seconds = bench_arg_double(argc, argv, "--seconds", 2.0);
	g_max_ops = bench_arg_long(argc, argv, "--max-ops", g_max_ops);
	g_fn = strcmp(workload, "contended") == 0 ? contended_main :
		strcmp(workload, "pipelined") == 0 ? pipelined_main : local_main;
	if (g_fn == local_main)
		clients = depth = 1;
	if (clients < 1 || clients > CLIENTS_MAX || depth < 1 || depth > DEPTH_MAX) {
		fprintf(stderr, "redisgen: clients 1...%d, depth 1...%d\n", CLIENTS_MAX, DEPTH_MAX);
		return 2;
	}
	load_script(port);
	struct client *cl = calloc((size_t)clients, sizeof *cl);
	pthread_t tid[CLIENTS_MAX];
	uint64_t start = bench_now_ns();
	g_deadline = start + (uint64_t)(seconds * 1e9);
	for (int i = 0; i < clients; i++) {
		cl[i] = (struct client){ .id = i, .depth = depth, .port = port };
		pthread_create(&tid[i], NULL, g_fn, &cl[i]);
	}
	uint64_t attempts = 0;
	for (int i = 0; i < clients; i++) {
		pthread_join(tid[i], NULL);
		attempts += cl[i].attempts;
	}
	double elapsed = (double)(bench_now_ns() - start) / 1e9;
	struct bench_samples *all = malloc((size_t)clients * sizeof *all);
	for (int i = 0; i < clients; i++)
		all[i] = cl[i].s;
	if (bench_write_samples(bench_arg(argc, argv, "--samples", NULL), all, clients, 1) < 0)
		return 1;
	char extra[160];
	snprintf(extra, sizeof extra, ",\"clients\":%d,\"depth\":%d,\"attempts\":%llu", clients, depth,
			(unsigned long long)attempts);
	bench_print_result(bench_total_ops(all, clients), elapsed, extra);
	return 0;
}
