/*
 * conn.c — one connection to dlmd per lockspace handle. Whoever needs a reply reads the socket
 * itself (the "reader" role, one thread at a time, handed over under the handle's mutex and
 * announced with a condition-variable broadcast), so a synchronous call never waits for another
 * thread to hop in. Callbacks read on the way are queued for dlm_dispatch or the AST thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct dlmc_ls *registry;

const char *conn_socket_path(void)
{
	const char *env = getenv(DLMC_SOCKET_ENV);
	return (env && *env) ? env : DLMC_DEFAULT_SOCKET;
}

/* Connects to the daemon; -1 + errno (ENOENT / ECONNREFUSED when no daemon listens). */
int conn_connect(void)
{
	struct sockaddr_un sa;
	const char *path = conn_socket_path();
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct dlmc_ls *conn_new(int fd, const char *name)
{
	struct dlmc_ls *ls = calloc(1, sizeof(*ls));
	if (!ls) {
		errno = ENOMEM;
		return NULL;
	}
	ls->fd = fd;
	snprintf(ls->name, sizeof(ls->name), "%s", name ? name : "");
	pthread_mutex_init(&ls->mu, NULL);
	pthread_cond_init(&ls->cv, NULL);
	pthread_mutex_init(&ls->send_mu, NULL);
	ls->next_request = 1;
	ls->wake_fd[0] = ls->wake_fd[1] = -1;
	return ls;
}

/* Frees the handle and its queued callbacks; closes the socket. */
void conn_free(struct dlmc_ls *ls)
{
	if (ls->fd >= 0)
		close(ls->fd);
	for (int i = 0; i < 2; i++)
		if (ls->wake_fd[i] >= 0)
			close(ls->wake_fd[i]);
	while (ls->cb_head) {
		struct dlmc_cb *cb = ls->cb_head;
		ls->cb_head = cb->next;
		free(cb);
	}
	locktable_clear(ls);
	pthread_mutex_destroy(&ls->send_mu);
	pthread_cond_destroy(&ls->cv);
	pthread_mutex_destroy(&ls->mu);
	free(ls);
}

void conn_register(struct dlmc_ls *ls)
{
	pthread_mutex_lock(&registry_mu);
	ls->next_all = registry;
	registry = ls;
	pthread_mutex_unlock(&registry_mu);
}

void conn_unregister(struct dlmc_ls *ls)
{
	pthread_mutex_lock(&registry_mu);
	for (struct dlmc_ls **pp = &registry; *pp; pp = &(*pp)->next_all) {
		if (*pp == ls) {
			*pp = ls->next_all;
			break;
		}
	}
	pthread_mutex_unlock(&registry_mu);
}

struct dlmc_ls *conn_find_by_fd(int fd)
{
	pthread_mutex_lock(&registry_mu);
	struct dlmc_ls *ls = registry;
	while (ls && ls->fd != fd)
		ls = ls->next_all;
	pthread_mutex_unlock(&registry_mu);
	return ls;
}

/* Nudges the AST thread out of poll(); called with ls->mu held. */
void conn_wake_thread(struct dlmc_ls *ls)
{
	if (ls->thread_running && ls->wake_fd[1] >= 0) {
		char b = 1;
		ssize_t r = write(ls->wake_fd[1], &b, 1);
		(void)r; /* a full pipe already means "wake up" */
	}
}

static int send_all(struct dlmc_ls *ls, const uint8_t *p, size_t n)
{
	pthread_mutex_lock(&ls->send_mu);
	while (n > 0) {
		ssize_t w = send(ls->fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			pthread_mutex_unlock(&ls->send_mu);
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	pthread_mutex_unlock(&ls->send_mu);
	return 0;
}

static int recv_exact(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, p, n, MSG_WAITALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void mark_dead(struct dlmc_ls *ls)
{
	ls->dead = 1;
	frames_fail_all(ls);
}

/*
 * Reads and processes at most one frame. Called with ls->mu held by the thread that owns the
 * reader role; drops the mutex during I/O. timeout_ms as for poll(). Returns 1 after a frame,
 * 0 when none arrived in time, -1 when the connection is gone.
 */
static int read_one(struct dlmc_ls *ls, int timeout_ms)
{
	uint8_t buf[DLMP_FRAME_BYTES_MAX];
	struct pollfd pfd = { .fd = ls->fd, .events = POLLIN };
	pthread_mutex_unlock(&ls->mu);
	int r;
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	int ok = r > 0 && recv_exact(ls->fd, buf, DLMP_HEADER_BYTES) == 0;
	uint32_t len = ok ? get_le32(buf + 8) : 0;
	ok = ok && get_le16(buf) == DLMP_MAGIC && buf[2] == DLMP_MAJOR &&
	     len >= DLMP_HEADER_BYTES && len <= DLMP_FRAME_BYTES_MAX &&
	     recv_exact(ls->fd, buf + DLMP_HEADER_BYTES, len - DLMP_HEADER_BYTES) == 0;
	pthread_mutex_lock(&ls->mu);
	if (r == 0)
		return 0;
	if (!ok) {
		mark_dead(ls);
		return -1;
	}
	frames_process(ls, get_le16(buf + 4), get_le32(buf + 12), buf + DLMP_HEADER_BYTES,
		       len - DLMP_HEADER_BYTES);
	return 1;
}

/* Blocks (ls->mu held) until *flag is set or the connection dies, reading frames as needed. */
static void wait_flag(struct dlmc_ls *ls, const int *flag)
{
	while (!*flag && !ls->dead) {
		if (ls->reader_busy) {
			pthread_cond_wait(&ls->cv, &ls->mu);
			continue;
		}
		ls->reader_busy = 1;
		read_one(ls, -1);
		ls->reader_busy = 0;
		pthread_cond_broadcast(&ls->cv);
	}
}

/* Sends f as a new request and waits for its RESULT; 0, or -1 with errno = the daemon's errno. */
int conn_call(struct dlmc_ls *ls, struct dlmc_frame *f, struct dlmc_pending *p)
{
	if (f->overflow) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&ls->mu);
	if (ls->dead) {
		pthread_mutex_unlock(&ls->mu);
		errno = ENOTCONN;
		return -1;
	}
	p->request = ls->next_request++;
	if (ls->next_request == 0)
		ls->next_request = 1;
	p->done = 0;
	p->next = ls->pending;
	ls->pending = p;
	pthread_mutex_unlock(&ls->mu);
	frame_finish(f, p->request);
	if (send_all(ls, f->buf, f->len) < 0) {
		int e = errno;
		pthread_mutex_lock(&ls->mu);
		if (!p->done)
			mark_dead(ls); /* a half-written frame leaves the stream unusable */
		pthread_cond_broadcast(&ls->cv);
		pthread_mutex_unlock(&ls->mu);
		errno = e;
		return -1;
	}
	pthread_mutex_lock(&ls->mu);
	wait_flag(ls, &p->done);
	pthread_mutex_unlock(&ls->mu);
	if (p->err) {
		errno = p->err;
		return -1;
	}
	return 0;
}

/* Waits for the COMPLETION armed in s; 0, or -1/ENOTCONN if the connection died first. */
int conn_wait_sync(struct dlmc_ls *ls, struct dlmc_sync *s)
{
	pthread_mutex_lock(&ls->mu);
	wait_flag(ls, &s->done);
	int ok = s->done && s->status != -1;
	pthread_mutex_unlock(&ls->mu);
	if (!ok) {
		errno = ENOTCONN;
		return -1;
	}
	return 0;
}

/*
 * Reads every frame already available without blocking; -1 if the connection is gone. With
 * wait_turn, first waits while another thread reads, unless callbacks are queued or a stop is
 * requested (the AST thread uses this so it never spins on a readable fd someone else drains).
 */
int conn_pump(struct dlmc_ls *ls, int wait_turn)
{
	pthread_mutex_lock(&ls->mu);
	while (wait_turn && ls->reader_busy && !ls->cb_head && !ls->thread_stop && !ls->dead)
		pthread_cond_wait(&ls->cv, &ls->mu);
	if (!ls->reader_busy && !ls->dead) {
		ls->reader_busy = 1;
		while (read_one(ls, 0) > 0)
			;
		ls->reader_busy = 0;
		pthread_cond_broadcast(&ls->cv);
	}
	int dead = ls->dead;
	pthread_mutex_unlock(&ls->mu);
	return dead ? -1 : 0;
}

static void deliver(struct dlmc_cb *cb)
{
	if (cb->kind == CB_AST && cb->lksb) {
		if (cb->has_lvb && cb->lksb->sb_lvbptr)
			memcpy(cb->lksb->sb_lvbptr, cb->lvb, DLMC_LVB_BYTES);
		cb->lksb->sb_lkid = cb->lkid;
		cb->lksb->sb_flags = cb->flags;
		cb->lksb->sb_status = cb->status;
	}
	cb->fn(cb->arg);
}

/* Runs queued callbacks in the calling thread; one dispatcher per handle at a time. */
void conn_run_callbacks(struct dlmc_ls *ls)
{
	pthread_mutex_lock(&ls->mu);
	if (ls->dispatching) {
		pthread_mutex_unlock(&ls->mu);
		return;
	}
	ls->dispatching = 1;
	while (ls->cb_head && !ls->free_on_thread_exit) {
		struct dlmc_cb *cb = ls->cb_head;
		ls->cb_head = cb->next;
		if (!ls->cb_head)
			ls->cb_tail = NULL;
		pthread_mutex_unlock(&ls->mu);
		deliver(cb);
		free(cb);
		pthread_mutex_lock(&ls->mu);
	}
	ls->dispatching = 0;
	pthread_mutex_unlock(&ls->mu);
}
