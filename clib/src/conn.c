/*
 * conn.c — one connection to dlmd per lockspace handle. Whoever needs a reply reads the socket
 * itself (the "reader" role, one thread at a time, handed over under the handle's mutex to one
 * waiting thread), so a synchronous call never waits for another thread to hop in. The reader
 * reads bursts into the handle's buffer (rx.c) and signals only the waiters whose reply it read.
 * Callbacks read on the way are queued for dlm_dispatch or the AST thread.
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

/*
 * Nudges the AST thread: out of poll() through its pipe (one byte per poll), out of conn_pump's
 * wait through ls->cv. Called with ls->mu held.
 */
void conn_wake_thread(struct dlmc_ls *ls)
{
	if (!ls->thread_running)
		return;
	pthread_cond_broadcast(&ls->cv);
	if (ls->ast_polling && !ls->wake_pending && ls->wake_fd[1] >= 0) {
		char b = 1;
		ssize_t r = write(ls->wake_fd[1], &b, 1);
		(void)r; /* a full pipe already means "wake up" */
		ls->wake_pending = 1;
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

/* The connection is gone: fail everything pending and wake every waiter. Caller holds ls->mu. */
void conn_mark_dead(struct dlmc_ls *ls)
{
	ls->dead = 1;
	frames_fail_all(ls);
}

/* Signals the waiters whose flag is now set (all of them once the handle is dead). */
static void wake_finished(struct dlmc_ls *ls)
{
	for (struct dlmc_waiter *w = ls->waiters; w; w = w->next) {
		if (!w->signaled && (*w->flag || ls->dead)) {
			w->signaled = 1;
			pthread_cond_signal(&w->cv);
		}
	}
}

/* The reader leaves its role: one waiter that still needs a reply takes it over. */
static void release_reader(struct dlmc_ls *ls)
{
	ls->reader_busy = 0;
	wake_finished(ls);
	for (struct dlmc_waiter *w = ls->waiters; w; w = w->next) {
		if (!w->signaled) {
			w->signaled = 1;
			pthread_cond_signal(&w->cv);
			break;
		}
	}
	pthread_cond_broadcast(&ls->cv); /* an AST thread waiting for its turn */
}

static void waiter_remove(struct dlmc_ls *ls, struct dlmc_waiter *w)
{
	for (struct dlmc_waiter **pp = &ls->waiters; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			return;
		}
	}
}

/*
 * Blocks (ls->mu held) until *flag is set or the connection dies. Takes the reader role when it is
 * free and keeps it until its own flag is set, waking each waiter whose reply it read; otherwise
 * sleeps on its own condition variable. exact selects RX_EXACT_BLOCK for request's RESULT.
 */
static void wait_flag(struct dlmc_ls *ls, const int *flag, int exact, uint32_t request)
{
	struct dlmc_waiter w = { .flag = flag };
	int cv_ready = 0;
	while (!*flag && !ls->dead) {
		if (!ls->reader_busy) {
			ls->reader_busy = 1;
			while (!*flag && !ls->dead) {
				rx_read(ls, exact ? RX_EXACT_BLOCK : RX_AHEAD_BLOCK, request);
				wake_finished(ls);
			}
			release_reader(ls);
			break;
		}
		if (!cv_ready) {
			pthread_cond_init(&w.cv, NULL);
			cv_ready = 1;
		}
		w.signaled = 0;
		w.next = ls->waiters;
		ls->waiters = &w;
		pthread_cond_wait(&w.cv, &ls->mu);
		waiter_remove(ls, &w);
	}
	if (cv_ready)
		pthread_cond_destroy(&w.cv);
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
			conn_mark_dead(ls); /* a half-written frame leaves the stream unusable */
		wake_finished(ls);
		pthread_cond_broadcast(&ls->cv);
		pthread_mutex_unlock(&ls->mu);
		errno = e;
		return -1;
	}
	pthread_mutex_lock(&ls->mu);
	/* without an AST thread, callbacks after an asynchronous call's RESULT stay in the socket */
	int exact = !p->readahead && !ls->thread_running;
	wait_flag(ls, &p->done, exact, p->request);
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
	wait_flag(ls, &s->done, 0, 0);
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
 * Complete frames never wait in the buffer (rx.c), so this drains the socket only.
 */
int conn_pump(struct dlmc_ls *ls, int wait_turn)
{
	pthread_mutex_lock(&ls->mu);
	while (wait_turn && ls->reader_busy && !ls->cb_head && !ls->thread_stop && !ls->dead)
		pthread_cond_wait(&ls->cv, &ls->mu);
	if (!ls->reader_busy && !ls->dead) {
		ls->reader_busy = 1;
		while (rx_read(ls, RX_AHEAD_NOWAIT, 0) == RX_FULL)
			;
		release_reader(ls);
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
	ls->dispatcher = pthread_self();
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
	/* a callback closed this handle and no AST thread will free it: do it now */
	int free_now = ls->free_on_thread_exit && !ls->thread_running;
	pthread_mutex_unlock(&ls->mu);
	if (free_now)
		conn_free(ls);
}
