/*
 * rx.c — receiving daemon frames into the handle's buffer. One recv takes a whole burst; every
 * complete frame in it is processed at once (under the handle's mutex), so between reads the
 * buffer holds at most the head of one partial frame whose tail is still in the socket (and keeps
 * the fd readable for poll). The exact mode serves asynchronous calls on a handle without an AST
 * thread: it peeks, then consumes frames only up to the caller's own RESULT, so callbacks that
 * follow it stay in the socket for the program's poll + dlm_dispatch.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

/* Bytes of the complete frame at p (n available): >0, 0 if incomplete, -1 if malformed. */
static long frame_span(const uint8_t *p, size_t n)
{
	if (n < DLMP_HEADER_BYTES)
		return 0;
	if (get_le16(p) != DLMP_MAGIC || p[2] != DLMP_MAJOR)
		return -1;
	uint32_t len = get_le32(p + 8);
	if (len < DLMP_HEADER_BYTES || len > DLMP_FRAME_BYTES_MAX)
		return -1;
	return n >= len ? (long)len : 0;
}

/*
 * Where the exact mode stops in p[0..n): after the RESULT of request, else after the last complete
 * frame; n when the data is malformed (processing then reports it).
 */
static size_t exact_end(const uint8_t *p, size_t n, uint32_t request)
{
	size_t off = 0;
	for (;;) {
		long span = frame_span(p + off, n - off);
		if (span < 0)
			return n;
		if (span == 0)
			return off;
		int mine = get_le16(p + off + 4) == DLMP_RESULT && get_le32(p + off + 12) == request;
		off += (size_t)span;
		if (mine)
			return off;
	}
}

/* Processes every complete frame in the buffer and keeps the partial rest; -1 if malformed. */
static int process_buffer(struct dlmc_ls *ls)
{
	size_t off = 0;
	for (;;) {
		long span = frame_span(ls->rx + off, ls->rx_len - off);
		if (span < 0)
			return -1;
		if (span == 0)
			break;
		const uint8_t *f = ls->rx + off;
		frames_process(ls, get_le16(f + 4), get_le32(f + 12), f + DLMP_HEADER_BYTES,
			       (size_t)span - DLMP_HEADER_BYTES);
		off += (size_t)span;
	}
	if (off > 0) {
		memmove(ls->rx, ls->rx + off, ls->rx_len - off);
		ls->rx_len -= off;
	}
	return 0;
}

static ssize_t recv_retry(int fd, void *buf, size_t n, int flags)
{
	ssize_t r;
	do
		r = recv(fd, buf, n, flags);
	while (r < 0 && errno == EINTR);
	return r;
}

/*
 * One read into the buffer, then processing of its complete frames. Called with ls->mu held by the
 * reader-role thread; drops the mutex during I/O. Returns RX_GONE (connection lost or malformed;
 * the handle is then dead), RX_NOTHING (non-blocking and nothing there), RX_SOME, or RX_FULL (the
 * read filled the buffer's free space: more may be waiting).
 */
int rx_read(struct dlmc_ls *ls, enum dlmc_rx_mode mode, uint32_t request)
{
	size_t have = ls->rx_len;
	size_t room = sizeof(ls->rx) - have;
	int flags = mode == RX_AHEAD_NOWAIT ? MSG_DONTWAIT : mode == RX_EXACT_BLOCK ? MSG_PEEK : 0;
	pthread_mutex_unlock(&ls->mu);
	ssize_t r = recv_retry(ls->fd, ls->rx + have, room, flags);
	if (r > 0 && mode == RX_EXACT_BLOCK) {
		size_t end = exact_end(ls->rx, have + (size_t)r, request);
		size_t take = end > have ? end - have : (size_t)r;
		ssize_t got = recv_retry(ls->fd, ls->rx + have, take, MSG_WAITALL);
		r = got == (ssize_t)take ? got : -1;
	}
	int e = errno;
	pthread_mutex_lock(&ls->mu);
	if (r < 0 && mode == RX_AHEAD_NOWAIT && (e == EAGAIN || e == EWOULDBLOCK))
		return RX_NOTHING;
	if (r <= 0) {
		conn_mark_dead(ls);
		return RX_GONE;
	}
	ls->rx_len = have + (size_t)r;
	if (process_buffer(ls) < 0) {
		conn_mark_dead(ls);
		return RX_GONE;
	}
	return (size_t)r == room && mode != RX_EXACT_BLOCK ? RX_FULL : RX_SOME;
}
