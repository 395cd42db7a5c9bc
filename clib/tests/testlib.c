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
