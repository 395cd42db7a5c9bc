/*
 * testlib.c — implementation of the shared test helpers (see testlib.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

static int failures;
static const char *program_name = "test";

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "FAIL timeout: test exceeded its time bound\n";
	ssize_t r = write(1, msg, sizeof(msg) - 1);
	(void)r;
	_exit(1);
}

void test_begin(const char *program, unsigned seconds)
{
	program_name = program;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	alarm(seconds);
}

int check(int ok, const char *name, const char *fmt, ...)
{
	if (ok) {
		printf("PASS %s: %s\n", program_name, name);
		return 1;
	}
	failures++;
	printf("FAIL %s: %s: ", program_name, name);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return 0;
}

int test_end(void)
{
	return failures ? 1 : 0;
}

const char *ls_name(const char *tag)
{
	static char buf[4][64];
	static int next;
	char *b = buf[next++ & 3];
	snprintf(b, sizeof(buf[0]), "%s%d", tag, (int)getpid());
	return b;
}

void rec_init(struct recorder *r, struct dlm_lksb *lksb)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->lksb = lksb;
	r->last_status = -1;
}

void rec_ast(void *arg)
{
	struct recorder *r = arg;
	pthread_mutex_lock(&r->mu);
	r->asts++;
	r->last_status = r->lksb ? r->lksb->sb_status : -1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void rec_bast(void *arg)
{
	struct recorder *r = arg;
	pthread_mutex_lock(&r->mu);
	r->basts++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static int read_locked(struct recorder *r, const int *field)
{
	pthread_mutex_lock(&r->mu);
	int v = *field;
	pthread_mutex_unlock(&r->mu);
	return v;
}

int rec_asts(struct recorder *r)
{
	return read_locked(r, &r->asts);
}

int rec_basts(struct recorder *r)
{
	return read_locked(r, &r->basts);
}

int rec_status(struct recorder *r)
{
	return read_locked(r, &r->last_status);
}

static int wait_count(struct recorder *r, const int *field, int n, int ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	int rc = 0;
	while (*field < n && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&r->cv, &r->mu, &until);
	int ok = *field >= n;
	pthread_mutex_unlock(&r->mu);
	return ok;
}

int rec_wait_asts(struct recorder *r, int n, int ms)
{
	return wait_count(r, &r->asts, n, ms);
}

int rec_wait_basts(struct recorder *r, int n, int ms)
{
	return wait_count(r, &r->basts, n, ms);
}

static int poll_count(struct recorder *r, const int *field, int fd, int n, int ms)
{
	for (int waited = 0; waited <= ms; waited += 50) {
		pthread_mutex_lock(&r->mu);
		int done = *field >= n;
		pthread_mutex_unlock(&r->mu);
		if (done)
			return 1;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 50) > 0)
			dlm_dispatch(fd);
	}
	return 0;
}

int rec_poll_asts(struct recorder *r, int fd, int n, int ms)
{
	return poll_count(r, &r->asts, fd, n, ms);
}

int rec_poll_basts(struct recorder *r, int fd, int n, int ms)
{
	return poll_count(r, &r->basts, fd, n, ms);
}

const char *peer_socket(void)
{
	const char *peer = getenv("DLMD_PEER_SOCKET");
	return (peer && *peer) ? peer : NULL;
}

int use_peer_node(void)
{
	const char *peer = peer_socket();
	if (!peer)
		return 0;
	setenv("DLMD_SOCKET", peer, 1);
	return 1;
}

/* The peer process: lock, report, wait for the word, unlock, release, exit. */
static void peer_main(int in, int out, const char *lsname, const char *res, uint32_t mode,
		      const char *lvb_text)
{
	alarm(30);
	use_peer_node();
	char r = 'c';
	char lvb[DLM_LVB_LEN] = { 0 };
	struct dlm_lksb l = { .sb_lvbptr = lvb };
	dlm_lshandle_t ls = dlm_create_lockspace(lsname, 0600);
	if (ls) {
		r = 'l';
		int len = (int)strlen(res);
		int rc = dlm_ls_lock_wait(ls, mode, &l, LKF_VALBLK, res, len, 0, NULL, NULL, NULL);
		if (rc == 0 && l.sb_status == 0)
			r = 'y';
		if (r == 'y' && lvb_text) {
			memset(lvb, 0, sizeof(lvb));
			strncpy(lvb, lvb_text, sizeof(lvb) - 1);
			rc = dlm_ls_lock_wait(ls, LKM_NLMODE, &l, LKF_CONVERT | LKF_VALBLK, res, len,
					      0, NULL, NULL, NULL);
			if (rc != 0 || l.sb_status != 0)
				r = 'v';
		}
	}
	if (write(out, &r, 1) != 1)
		_exit(2);
	char go;
	if (read(in, &go, 1) != 1)
		_exit(2);
	int ok = r == 'y';
	if (ok && (dlm_ls_unlock_wait(ls, l.sb_lkid, 0, &l) != 0 || l.sb_status != EUNLOCK))
		ok = 0;
	if (ls && dlm_release_lockspace(lsname, ls, 0) != 0)
		ok = 0;
	_exit(ok ? 0 : 1);
}

int peer_hold(struct peer_holder *p, const char *lsname, const char *res, uint32_t mode,
	      const char *lvb_text)
{
	int down[2], up[2];
	p->pid = -1;
	if (pipe(down) < 0 || pipe(up) < 0)
		return 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		peer_main(down[0], up[1], lsname, res, mode, lvb_text);
	}
	close(down[0]);
	close(up[1]);
	p->pid = pid;
	p->to_peer = down[1];
	p->from_peer = up[0];
	char r = '?';
	return read(p->from_peer, &r, 1) == 1 && r == 'y';
}

int peer_release(struct peer_holder *p)
{
	if (p->pid <= 0)
		return 0;
	char go = 'g';
	int wrote = write(p->to_peer, &go, 1) == 1;
	int status = 0;
	waitpid(p->pid, &status, 0);
	close(p->to_peer);
	close(p->from_peer);
	p->pid = -1;
	return wrote && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
