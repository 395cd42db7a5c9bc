/*
 * t_cancel.c — cancel: a conversion NL→EX waiting behind another lock's EX is cancelled with
 * dlm_ls_unlock(CANCEL) → AST ECANCEL, and the lock is still held at NL afterwards; cancelling a
 * granted idle lock with dlm_ls_unlock_wait returns at once with status 0 (no hang, spec §0);
 * dlm_ls_deadlock_cancel of a waiting conversion gives EDEADLK.
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

static int sync_lock(dlm_lshandle_t ls, struct dlm_lksb *l, uint32_t mode, uint32_t flags)
{
	int rc = dlm_ls_lock_wait(ls, mode, l, flags, "cx", 2, 0, NULL, NULL, NULL);
	return rc == 0 ? l->sb_status : -1000 - errno;
}

int main(void)
{
	test_begin("t_cancel", 20);
	const char *name = ls_name("cancel");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	check(dlm_ls_pthread_init(ls) == 0, "ls_pthread_init", "errno %d", errno);
	struct dlm_lksb held, w;
	memset(&held, 0, sizeof(held));
	memset(&w, 0, sizeof(w));
	check(sync_lock(ls, &held, LKM_EXMODE, 0) == 0, "EX held", "status %d", held.sb_status);
	check(sync_lock(ls, &w, LKM_NLMODE, 0) == 0, "NL granted", "status %d", w.sb_status);

	struct recorder rec;
	rec_init(&rec, &w);
	int rc = dlm_ls_lock(ls, LKM_EXMODE, &w, LKF_CONVERT, NULL, 0, 0, rec_ast, &rec, NULL,
			     NULL);
	check(rc == 0 && w.sb_status == EINPROG, "conversion NL→EX queued (EINPROG)",
	      "rc %d status %d", rc, w.sb_status);
	check(!rec_wait_asts(&rec, 1, 300), "no AST while blocked", "asts %d", rec.asts);
	rc = dlm_ls_unlock(ls, w.sb_lkid, LKF_CANCEL, &w, &rec);
	check(rc == 0 && rec_wait_asts(&rec, 1, 5000) && rec.last_status == ECANCEL,
	      "cancel → AST ECANCEL", "rc %d asts %d status %d", rc, rec.asts, rec.last_status);
	check(sync_lock(ls, &w, LKM_CRMODE, LKF_CONVERT | LKF_NOQUEUE) == EAGAIN,
	      "lock survives at NL (NL→CR NOQUEUE vs EX is EAGAIN)", "status %d", w.sb_status);

	rc = dlm_ls_unlock_wait(ls, held.sb_lkid, LKF_CANCEL, &held);
	check(rc == 0 && held.sb_status == 0, "cancel of a granted lock returns with status 0",
	      "rc %d errno %d status %d", rc, errno, held.sb_status);

	struct recorder rec2;
	rec_init(&rec2, &w);
	rc = dlm_ls_lock(ls, LKM_EXMODE, &w, LKF_CONVERT, NULL, 0, 0, rec_ast, &rec2, NULL, NULL);
	check(rc == 0, "second conversion queued", "rc %d errno %d", rc, errno);
	rc = dlm_ls_deadlock_cancel(ls, w.sb_lkid, 0);
	check(rc == 0 && rec_wait_asts(&rec2, 1, 5000) && rec2.last_status == EDEADLK,
	      "deadlock_cancel → AST EDEADLK", "rc %d asts %d status %d", rc, rec2.asts,
	      rec2.last_status);

	check(dlm_ls_unlock_wait(ls, w.sb_lkid, 0, &w) == 0 && w.sb_status == EUNLOCK,
	      "unlock converted-back lock", "status %d", w.sb_status);
	check(dlm_ls_unlock_wait(ls, held.sb_lkid, 0, &held) == 0 && held.sb_status == EUNLOCK,
	      "unlock EX", "status %d", held.sb_status);
	check(dlm_release_lockspace(name, ls, 0) == 0, "release", "errno %d", errno);
	return test_end();
}
