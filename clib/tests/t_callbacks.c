/*
 * t_callbacks.c — callback delivery corner cases: (1) without a library thread, a _wait call
 * runs the callbacks of other locks it read while waiting before it returns (the data is gone
 * from the socket, so poll could not report it); (2)
 * a blocking callback may close its own handle, both when run by dlm_dispatch and when run by
 * the library thread; the close releases its lock (the handle is freed once the callback
 * returns; run under valgrind to see no use after free).
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

static void inline_dispatch_in_wait(void)
{
	const char *name = ls_name("cbw");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return;
	struct dlm_lksb l1, l2, l3;
	struct recorder r1, r2;
	memset(&l1, 0, sizeof(l1));
	memset(&l2, 0, sizeof(l2));
	memset(&l3, 0, sizeof(l3));
	rec_init(&r1, &l1);
	rec_init(&r2, &l2);
	int rc = dlm_ls_lock_wait(ls, LKM_EXMODE, &l1, 0, "w", 1, 0, NULL, NULL, NULL);
	check(rc == 0 && l1.sb_status == 0, "EX held", "status %d", l1.sb_status);
	rc = dlm_ls_lock(ls, LKM_PRMODE, &l2, 0, "w", 1, 0, rec_ast, &r2, NULL, NULL);
	check(rc == 0, "PR queued", "rc %d errno %d", rc, errno);
	rc = dlm_ls_unlock(ls, l1.sb_lkid, 0, &l1, &r1);
	check(rc == 0, "async unlock of EX accepted", "rc %d errno %d", rc, errno);
	rc = dlm_ls_lock_wait(ls, LKM_NLMODE, &l3, 0, "other", 5, 0, NULL, NULL, NULL);
	check(rc == 0 && l3.sb_status == 0, "lock_wait on another resource", "status %d",
	      l3.sb_status);
	/* L1 was made by lock_wait (no AST function): its unlock only fills the lksb */
	check(l1.sb_status == EUNLOCK && rec_asts(&r1) == 0, "unlock status reached the lksb",
	      "status %d asts %d", l1.sb_status, rec_asts(&r1));
	check(rec_asts(&r2) == 1 && rec_status(&r2) == 0,
	      "grant AST read by lock_wait ran before it returned", "asts %d status %d",
	      rec_asts(&r2), rec_status(&r2));
	int released = dlm_release_lockspace(name, ls, 1);
	check(released == 0, "release", "errno %d", errno);
}

/* Shared with the callback, which may run on the library thread: atomics, not volatile (TSan). */
static _Atomic(dlm_lshandle_t) closing_ls;
static atomic_int closed_in_bast;

/* A blocking callback that gives the lock up by closing its whole handle. */
static void close_bast(void *arg)
{
	(void)arg;
	atomic_store(&closed_in_bast, dlm_close_lockspace(atomic_load(&closing_ls)) == 0 ? 1 : -1);
}

static void close_from_callback(int with_thread)
{
	const char *name = ls_name(with_thread ? "cbt" : "cbd");
	dlm_lshandle_t closing = dlm_create_lockspace(name, 0600);
	atomic_store(&closing_ls, closing);
	dlm_lshandle_t other = closing ? dlm_open_lockspace(name) : NULL;
	if (!check(closing && other, "two handles", "errno %d", errno))
		return;
	if (with_thread)
		check(dlm_ls_pthread_init(closing) == 0, "ls_pthread_init", "errno %d", errno);
	check(dlm_ls_pthread_init(other) == 0, "ls_pthread_init (other)", "errno %d", errno);
	int fd = dlm_ls_get_fd(closing);
	atomic_store(&closed_in_bast, 0);
	struct dlm_lksb l, o;
	struct recorder rec, orec;
	memset(&l, 0, sizeof(l));
	memset(&o, 0, sizeof(o));
	rec_init(&rec, &l);
	rec_init(&orec, &o);
	int rc = dlm_ls_lock(closing, LKM_EXMODE, &l, 0, "c", 1, 0, rec_ast, &rec, close_bast,
			     NULL);
	int ok = rc == 0 && (with_thread ? rec_wait_asts(&rec, 1, 5000)
					 : rec_poll_asts(&rec, fd, 1, 5000));
	check(ok, "EX granted", "rc %d asts %d", rc, rec_asts(&rec));
	rc = dlm_ls_lock(other, LKM_EXMODE, &o, 0, "c", 1, 0, rec_ast, &orec, NULL, NULL);
	check(rc == 0, "competing EX queued on the other handle", "rc %d errno %d", rc, errno);
	for (int i = 0; i < 250 && atomic_load(&closed_in_bast) == 0; i++) {
		if (!with_thread)
			dlm_dispatch(fd);
		usleep(20000);
	}
	int closed = atomic_load(&closed_in_bast);
	check(closed == 1,
	      with_thread ? "bast on the library thread closes its handle"
			  : "bast run by dlm_dispatch closes its handle",
	      "closed %d", closed);
	check(rec_wait_asts(&orec, 1, 5000) && rec_status(&orec) == 0,
	      "the close released the EX: other handle granted", "asts %d status %d",
	      rec_asts(&orec), rec_status(&orec));
	int released = dlm_release_lockspace(name, other, 1);
	check(released == 0, "release", "errno %d", errno);
}

int main(void)
{
	test_begin("t_callbacks", 30);
	inline_dispatch_in_wait();
	close_from_callback(0);
	close_from_callback(1);
	return test_end();
}
