/*
 * t_pthread.c — asynchronous locking with the library's AST thread: dlm_ls_pthread_init (and
 * EEXIST on a second call), dlm_ls_lock / dlm_ls_unlock whose ASTs run on that thread with
 * status 0 then EUNLOCK; then the default lockspace through dlm_pthread_init, dlm_lock,
 * dlm_unlock and dlm_pthread_cleanup.
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

static void named_lockspace(void)
{
	const char *name = ls_name("pth");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return;
	check(dlm_ls_pthread_init(ls) == 0, "ls_pthread_init", "errno %d", errno);
	errno = 0;
	int rc = dlm_ls_pthread_init(ls);
	check(rc == -1 && errno == EEXIST, "second ls_pthread_init is EEXIST", "rc %d errno %d",
	      rc, errno);

	struct dlm_lksb lksb;
	struct recorder rec;
	memset(&lksb, 0, sizeof(lksb));
	rec_init(&rec, &lksb);
	rc = dlm_ls_lock(ls, LKM_PRMODE, &lksb, 0, "async", 5, 0, rec_ast, &rec, rec_bast, NULL);
	check(rc == 0, "ls_lock accepted", "rc %d errno %d", rc, errno);
	check(rec_wait_asts(&rec, 1, 5000) && rec.last_status == 0, "grant AST on the thread",
	      "asts %d status %d", rec.asts, rec.last_status);
	rc = dlm_ls_unlock(ls, lksb.sb_lkid, 0, &lksb, &rec);
	check(rc == 0, "ls_unlock accepted", "rc %d errno %d", rc, errno);
	check(rec_wait_asts(&rec, 2, 5000) && rec.last_status == EUNLOCK, "unlock AST EUNLOCK",
	      "asts %d status %d", rec.asts, rec.last_status);
	check(dlm_release_lockspace(name, ls, 0) == 0, "release", "errno %d", errno);
}

static void default_lockspace(void)
{
	check(dlm_pthread_init() == 0, "dlm_pthread_init on the default lockspace", "errno %d",
	      errno);
	struct dlm_lksb lksb;
	struct recorder rec;
	memset(&lksb, 0, sizeof(lksb));
	rec_init(&rec, &lksb);
	const char *res = ls_name("defres");
	int rc = dlm_lock(LKM_EXMODE, &lksb, 0, res, strlen(res), 0, rec_ast, &rec, NULL, NULL);
	check(rc == 0 && rec_wait_asts(&rec, 1, 5000) && rec.last_status == 0,
	      "dlm_lock in the default lockspace", "rc %d asts %d status %d", rc, rec.asts,
	      rec.last_status);
	rc = dlm_unlock(lksb.sb_lkid, 0, &lksb, &rec);
	check(rc == 0 && rec_wait_asts(&rec, 2, 5000) && rec.last_status == EUNLOCK,
	      "dlm_unlock in the default lockspace", "rc %d asts %d status %d", rc, rec.asts,
	      rec.last_status);
	check(dlm_pthread_cleanup() == 0, "dlm_pthread_cleanup", "errno %d", errno);
	errno = 0;
	rc = dlm_unlock(lksb.sb_lkid, 0, &lksb, NULL);
	check(rc == -1 && errno == ENOTCONN, "default handle closed by cleanup",
	      "rc %d errno %d", rc, errno);
}

int main(void)
{
	test_begin("t_pthread", 30);
	named_lockspace();
	default_lockspace();
	return test_end();
}
