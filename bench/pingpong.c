/*
 * pingpong.c — the physical limit under dlmd: a raw request/response ping-pong between two
 * processes (no pinning) over a Unix stream socketpair or loopback TCP with TCP_NODELAY, with the
 * message sizes of dlmd's lock request and its replies.
 *   pingpong --transport unix|tcp --seconds S --req BYTES --resp BYTES --samples FILE [--max-ops N]
 * The child echoes resp bytes for every req bytes until EOF; the parent times each round trip,
 * writes the samples file and prints one JSON result line. The child is reaped by its PID.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchutil.h"

#define MSG_MAX 4096

static int full_io(int fd, char *buf, size_t len, int writing)
{
	size_t done = 0;
	while (done < len) {
		ssize_t r = writing ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

static void serve(int fd, size_t req, size_t resp)
{
	char buf[MSG_MAX];
	memset(buf, 'p', sizeof buf);
	while (full_io(fd, buf, req, 0) == 0)
		if (full_io(fd, buf, resp, 1) < 0)
			break;
	_exit(0);
}

/* Creates a connected pair of descriptors for the transport; returns 0 on success. */
static int make_pair(const char *transport, int *client, int *server)
{
	int sv[2];
	if (strcmp(transport, "unix") == 0) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return -1;
		*client = sv[0];
		*server = sv[1];
		return 0;
	}
	int one = 1;
	int lst = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	if (lst < 0 || bind(lst, (struct sockaddr *)&a, sizeof a) < 0 || listen(lst, 1) < 0 ||
			getsockname(lst, (struct sockaddr *)&a, &alen) < 0)
		return -1;
	*client = socket(AF_INET, SOCK_STREAM, 0);
	if (*client < 0 || connect(*client, (struct sockaddr *)&a, sizeof a) < 0)
		return -1;
	*server = accept(lst, NULL, NULL);
	close(lst);
	if (*server < 0)
		return -1;
	setsockopt(*client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(*server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return 0;
}

int main(int argc, char **argv)
{
	const char *transport = bench_arg(argc, argv, "--transport", "unix");
	double seconds = bench_arg_double(argc, argv, "--seconds", 2.0);
	long req = bench_arg_long(argc, argv, "--req", 46), resp = bench_arg_long(argc, argv, "--resp", 52);
	long max_ops = bench_arg_long(argc, argv, "--max-ops", 50000000);
	const char *path = bench_arg(argc, argv, "--samples", NULL);
	if (req < 1 || req > MSG_MAX || resp < 1 || resp > MSG_MAX) {
		fprintf(stderr, "pingpong: sizes must be 1...%d\n", MSG_MAX);
		return 2;
	}
	int client, server;
	if (make_pair(transport, &client, &server) < 0) {
		perror("pingpong: socket setup");
		return 1;
	}
	pid_t child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		close(client);
		serve(server, (size_t)req, (size_t)resp);
	}
	close(server);
	char buf[MSG_MAX];
	memset(buf, 'q', sizeof buf);
	struct bench_samples s = { 0 };
	uint64_t start = bench_now_ns(), end = start + (uint64_t)(seconds * 1e9), now = start;
	while (now < end && (long)s.ops < max_ops) {
		uint64_t t0 = now;
		if (full_io(client, buf, (size_t)req, 1) < 0 || full_io(client, buf, (size_t)resp, 0) < 0)
			break;
		now = bench_now_ns();
		bench_record(&s, now - t0);
	}
	close(client);
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	if (bench_write_samples(path, &s, 1, 1) < 0)
		return 1;
	char extra[160];
	snprintf(extra, sizeof extra, ",\"transport\":\"%s\",\"req_bytes\":%ld,\"resp_bytes\":%ld",
			transport, req, resp);
	bench_print_result(s.ops, (double)(now - start) / 1e9, extra);
	return 0;
}
