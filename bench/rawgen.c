/*
 * rawgen.c — pipelined load on dlmd over the raw client protocol (docs/client-protocol.md), with
 * no client library: each of C connections (one thread each) keeps K lock/unlock pairs in flight,
 * batching every frame it has to send into one write per read, as a pipelining Redis client does.
 * It shows what the daemon itself can do, apart from libdlm's one-caller-per-request model.
 *   rawgen --socket PATH --lockspace NAME --seconds S --clients C --depth K [--samples FILE]
 * One sample per pair (LOCK sent to UNLOCK completion). Prints one JSON result line.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "benchutil.h"

#define CLIENTS_MAX 256
#define DEPTH_MAX 256
#define BUF_BYTES 65536
#define HDR 16
enum { T_OPEN = 0x0002, T_LOCK = 0x0010, T_UNLOCK = 0x0011, T_RESULT = 0x0081, T_COMPLETION = 0x0090 };
enum { MODE_EX = 5, STATUS_EUNLOCK = 0x10002 };

struct slot {
	int unlocking, need; /* need: RESULT and COMPLETION still due for the current operation */
	uint32_t lkid;
	uint64_t seq, started;
};

struct conn {
	int id, fd, depth;
	const char *path, *lsname;
	struct slot slots[DEPTH_MAX];
	uint8_t out[BUF_BYTES], in[BUF_BYTES];
	size_t outlen, inlen;
	struct bench_samples s;
};

static uint64_t g_deadline;

static void fail(struct conn *c, const char *what)
{
	fprintf(stderr, "rawgen: client %d: %s (%s)\n", c->id, what, strerror(errno));
	exit(1);
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* Appends a frame of type with payload to the output buffer. */
static void frame(struct conn *c, uint16_t type, uint32_t request, const uint8_t *payload, size_t len)
{
	uint8_t *p = c->out + c->outlen;
	put16(p, 0x4C44);
	p[2] = 1;
	p[3] = 0;
	put16(p + 4, type);
	put16(p + 6, 0);
	put32(p + 8, (uint32_t)(HDR + len));
	put32(p + 12, request);
	memcpy(p + HDR, payload, len);
	c->outlen += HDR + len;
}

static void send_lock(struct conn *c, int k)
{
	uint8_t pl[96];
	char name[64];
	int n = snprintf(name, sizeof name, "r%d.%d.%llu", c->id, k, (unsigned long long)c->slots[k].seq);
	put32(pl, MODE_EX);
	put32(pl + 4, 0);
	put32(pl + 8, 0);
	put32(pl + 12, 0);
	pl[16] = 0;
	pl[17] = 0;
	put16(pl + 18, (uint16_t)n);
	memcpy(pl + 20, name, (size_t)n);
	frame(c, T_LOCK, (uint32_t)k + 1, pl, 20 + (size_t)n);
	c->slots[k].unlocking = 0;
	c->slots[k].need = 2;
}

static void send_unlock(struct conn *c, int k)
{
	uint8_t pl[10];
	put32(pl, c->slots[k].lkid);
	put32(pl + 4, 0);
	pl[8] = 0;
	pl[9] = 0;
	frame(c, T_UNLOCK, (uint32_t)k + 1, pl, sizeof pl);
	c->slots[k].unlocking = 1;
	c->slots[k].need = 2;
}

static void flush_out(struct conn *c)
{
	size_t done = 0;
	while (done < c->outlen) {
		ssize_t w = write(c->fd, c->out + done, c->outlen - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			fail(c, "write");
		done += (size_t)w;
	}
	c->outlen = 0;
}

/* One operation of slot k got a reply; starts its next operation when both replies are in. */
static int advance(struct conn *c, int k)
{
	struct slot *sl = &c->slots[k];
	if (--sl->need > 0)
		return 1;
	if (!sl->unlocking) {
		send_unlock(c, k);
		return 1;
	}
	uint64_t now = bench_now_ns();
	bench_record(&c->s, now - sl->started);
	if (now >= g_deadline)
		return 0;
	sl->seq++;
	sl->started = now;
	send_lock(c, k);
	return 1;
}

static int find_slot(struct conn *c, uint32_t lkid)
{
	for (int k = 0; k < c->depth; k++)
		if (c->slots[k].lkid == lkid && c->slots[k].need > 0)
			return k;
	return -1;
}

/* Handles one frame; returns the change in the number of busy slots (0 or -1). */
static int handle(struct conn *c, const uint8_t *f, uint32_t len)
{
	uint16_t type = (uint16_t)(f[4] | f[5] << 8);
	uint32_t request = get32(f + 12);
	if (type == T_RESULT) {
		int k = (int)request - 1;
		if (k < 0 || k >= c->depth || get32(f + HDR) != 0)
			fail(c, "bad RESULT");
		if (!c->slots[k].unlocking)
			c->slots[k].lkid = get32(f + HDR + 4);
		return advance(c, k) ? 0 : -1;
	}
	if (type == T_COMPLETION) {
		uint32_t status = get32(f + HDR + 4);
		int k = find_slot(c, get32(f + HDR));
		if (k < 0 || status != (c->slots[k].unlocking ? STATUS_EUNLOCK : 0))
			fail(c, "unexpected COMPLETION");
		return advance(c, k) ? 0 : -1;
	}
	(void)len;
	return 0;
}

static void connect_and_open(struct conn *c)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s", c->path);
	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0)
		fail(c, "connect");
	uint8_t pl[80];
	size_t n = strlen(c->lsname);
	put16(pl, (uint16_t)n);
	memcpy(pl + 2, c->lsname, n);
	frame(c, T_OPEN, 1, pl, 2 + n);
	flush_out(c);
	uint8_t reply[HDR + 9];
	size_t got = 0;
	while (got < sizeof reply) {
		ssize_t r = read(c->fd, reply + got, sizeof reply - got);
		if (r <= 0)
			fail(c, "OPEN_LOCKSPACE reply");
		got += (size_t)r;
	}
	if (get32(reply + HDR) != 0)
		fail(c, "OPEN_LOCKSPACE refused");
}

static void *client_main(void *arg)
{
	struct conn *c = arg;
	connect_and_open(c);
	int busy = c->depth;
	for (int k = 0; k < c->depth; k++) {
		c->slots[k].started = bench_now_ns();
		send_lock(c, k);
	}
	while (busy > 0) {
		flush_out(c);
		ssize_t r = read(c->fd, c->in + c->inlen, sizeof c->in - c->inlen);
		if (r <= 0)
			fail(c, "read");
		c->inlen += (size_t)r;
		size_t off = 0;
		while (c->inlen - off >= HDR && c->inlen - off >= get32(c->in + off + 8)) {
			uint32_t len = get32(c->in + off + 8);
			busy += handle(c, c->in + off, len);
			off += len;
		}
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
	close(c->fd);
	return NULL;
}

int main(int argc, char **argv)
{
	int clients = (int)bench_arg_long(argc, argv, "--clients", 16);
	int depth = (int)bench_arg_long(argc, argv, "--depth", 16);
	double seconds = bench_arg_double(argc, argv, "--seconds", 2.0);
	const char *path = bench_arg(argc, argv, "--socket", getenv("DLMD_SOCKET"));
	if (!path || clients < 1 || clients > CLIENTS_MAX || depth < 1 || depth > DEPTH_MAX) {
		fprintf(stderr, "rawgen: needs --socket (or DLMD_SOCKET), clients 1...%d, depth 1...%d\n",
				CLIENTS_MAX, DEPTH_MAX);
		return 2;
	}
	struct conn *c = calloc((size_t)clients, sizeof *c);
	pthread_t tid[CLIENTS_MAX];
	uint64_t start = bench_now_ns();
	g_deadline = start + (uint64_t)(seconds * 1e9);
	for (int i = 0; i < clients; i++) {
		c[i].id = i;
		c[i].depth = depth;
		c[i].path = path;
		c[i].lsname = bench_arg(argc, argv, "--lockspace", "bench");
		pthread_create(&tid[i], NULL, client_main, &c[i]);
	}
	struct bench_samples *all = calloc((size_t)clients, sizeof *all);
	for (int i = 0; i < clients; i++) {
		pthread_join(tid[i], NULL);
		all[i] = c[i].s;
	}
	double elapsed = (double)(bench_now_ns() - start) / 1e9;
	if (bench_write_samples(bench_arg(argc, argv, "--samples", NULL), all, clients, 1) < 0)
		return 1;
	char extra[96];
	snprintf(extra, sizeof extra, ",\"clients\":%d,\"depth\":%d", clients, depth);
	bench_print_result(bench_total_ops(all, clients), elapsed, extra);
	return 0;
}
