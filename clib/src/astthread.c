/*
 * astthread.c — the per-handle callback thread (dlm_ls_pthread_init) and the calls that exist
 * only in the threaded libdlm.so: dlm_pthread_init, dlm_pthread_cleanup, lock_resource,
 * unlock_resource. Not compiled into libdlm_lt.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static void drain_wake_pipe(int fd)
{
	char buf[64];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static int should_stop(struct dlmc_ls *ls, int *has_callbacks, int *dead)
{
	pthread_mutex_lock(&ls->mu);
	int stop = ls->thread_stop;
	*has_callbacks = ls->cb_head != NULL;
	*dead = ls->dead;
	/* from here on, whoever queues a callback writes to the pipe (conn_wake_thread) */
	ls->ast_polling = !stop && !*has_callbacks;
	pthread_mutex_unlock(&ls->mu);
	return stop;
}

/* After poll(): stop asking for pipe writes; reports whether a wake-up byte may be waiting. */
static int end_polling(struct dlmc_ls *ls)
{
	pthread_mutex_lock(&ls->mu);
	ls->ast_polling = 0;
	int pending = ls->wake_pending;
	ls->wake_pending = 0;
	pthread_mutex_unlock(&ls->mu);
	return pending;
}

/* Polls the socket and the wake pipe; reads what arrives and runs the queued callbacks. */
static void *ast_thread_main(void *arg)
{
	struct dlmc_ls *ls = arg;
	int has_callbacks, dead;
	while (!should_stop(ls, &has_callbacks, &dead)) {
		if (has_callbacks) {
			conn_run_callbacks(ls);
			continue;
		}
		/* once the connection is gone only the wake pipe matters (EOF stays readable) */
		struct pollfd pfd[2] = {
			{ .fd = dead ? -1 : ls->fd, .events = POLLIN },
			{ .fd = ls->wake_fd[0], .events = POLLIN },
		};
		int pr = poll(pfd, 2, -1);
		int poll_errno = errno;
		int pending = end_polling(ls);
		if (pr < 0 && poll_errno != EINTR)
			break;
		if (pending || pfd[1].revents)
			drain_wake_pipe(ls->wake_fd[0]);
		if (pfd[0].revents)
			conn_pump(ls, 1);
	}
	pthread_mutex_lock(&ls->mu);
	int free_it = ls->free_on_thread_exit;
	pthread_mutex_unlock(&ls->mu);
	if (free_it) {
		pthread_detach(pthread_self());
		conn_free(ls);
	}
	return NULL;
}

/* Stops and joins the handle's AST thread, if any (never from the thread itself). */
void astthread_stop(struct dlmc_ls *ls)
{
	pthread_mutex_lock(&ls->mu);
	if (!ls->thread_running || pthread_equal(ls->thread, pthread_self())) {
		pthread_mutex_unlock(&ls->mu);
		return;
	}
	ls->thread_stop = 1;
	conn_wake_thread(ls);
	pthread_cond_broadcast(&ls->cv);
	pthread_t t = ls->thread;
	pthread_mutex_unlock(&ls->mu);
	pthread_join(t, NULL);
	pthread_mutex_lock(&ls->mu);
	ls->thread_running = 0;
	ls->thread_stop = 0;
	pthread_mutex_unlock(&ls->mu);
}

DLM_EXPORT int dlm_ls_pthread_init(dlm_lshandle_t lockspace)
{
	struct dlmc_ls *ls = lockspace;
	if (!ls) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&ls->mu);
	if (ls->thread_running) {
		pthread_mutex_unlock(&ls->mu);
		errno = EEXIST;
		return -1;
	}
	if (ls->wake_fd[0] < 0 && pipe2(ls->wake_fd, O_CLOEXEC | O_NONBLOCK) < 0) {
		int e = errno;
		pthread_mutex_unlock(&ls->mu);
		return e;
	}
	ls->thread_stop = 0;
	int rc = pthread_create(&ls->thread, NULL, ast_thread_main, ls);
	ls->thread_running = rc == 0;
	pthread_mutex_unlock(&ls->mu);
	return rc; /* pthread_create's own error code, as libdlm does */
}

DLM_EXPORT int dlm_pthread_init(void)
{
	struct dlmc_ls *ls = default_ls_get(1);
	if (!ls)
		return -1;
	return dlm_ls_pthread_init(ls);
}

DLM_EXPORT int dlm_pthread_cleanup(void)
{
	struct dlmc_ls *ls = default_ls_get(0);
	if (ls)
		lockspace_close(ls);
	return 0;
}

DLM_EXPORT int lock_resource(const char *resource, int mode, int flags, int *lockid)
{
	if (!resource || !lockid || mode < 0 || mode > DLMC_MODE_MAX ||
	    strlen(resource) > DLMC_NAME_BYTES_MAX) {
		errno = EINVAL;
		return -1;
	}
	struct dlmc_ls *ls = default_ls_get(1);
	if (!ls)
		return -1;
	int rc = dlm_ls_pthread_init(ls);
	if (rc != 0 && !(rc == -1 && errno == EEXIST)) {
		errno = rc > 0 ? rc : errno;
		return -1;
	}
	struct dlm_lksb lksb;
	memset(&lksb, 0, sizeof(lksb));
	if (flags & LKF_CONVERT)
		lksb.sb_lkid = (uint32_t)*lockid;
	if (lock_request(ls, (uint32_t)mode, &lksb, (uint32_t)flags, resource,
			 (unsigned)strlen(resource), NULL, NULL, NULL, 0, 1) < 0)
		return -1;
	pthread_mutex_lock(&ls->mu);
	struct dlmc_lock *lk = locktable_find(ls, lksb.sb_lkid);
	if (lk)
		lk->lksb = NULL; /* lksb lives on this stack frame */
	pthread_mutex_unlock(&ls->mu);
	if (lksb.sb_status != 0) {
		errno = lksb.sb_status;
		return -1;
	}
	*lockid = (int)lksb.sb_lkid;
	return 0;
}

DLM_EXPORT int unlock_resource(int lockid)
{
	struct dlmc_ls *ls = default_ls_get(0);
	if (!ls) {
		errno = ENOTCONN; /* positive, unlike libdlm's negative value (docs/c-library.md) */
		return -1;
	}
	struct dlm_lksb lksb;
	memset(&lksb, 0, sizeof(lksb));
	int rc = lock_unlock(ls, (uint32_t)lockid, 0, &lksb, NULL, 0, 1);
	pthread_mutex_lock(&ls->mu);
	struct dlmc_lock *lk = locktable_find(ls, (uint32_t)lockid);
	if (lk && lk->lksb == &lksb)
		lk->lksb = NULL; /* the lock outlived this call: forget the stack lksb */
	pthread_mutex_unlock(&ls->mu);
	if (rc < 0)
		return -1;
	if (lksb.sb_status == EUNLOCK)
		return 0;
	errno = lksb.sb_status;
	return -1;
}
