/*
 * t_noqueue.c — NOQUEUE against a held EX: the synchronous request returns 0 with sb_status
 * EAGAIN and its lock id is dead afterwards (unlock → ENOENT); the asynchronous form delivers an
 * AST with EAGAIN on the library thread.
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

int main(void)
{
	test_begin("t_noqueue", 20);
	const char *name = ls_name("noq");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	dlm_ls_pthread_init(ls);
	struct dlm_lksb held, probe;
	memset(&held, 0, sizeof(held));
	memset(&probe, 0, sizeof(probe));
	int rc = dlm_ls_lock_wait(ls, LKM_EXMODE, &held, 0, "nq", 2, 0, NULL, NULL, NULL);
	check(rc == 0 && held.sb_status == 0, "EX held", "rc %d status %d", rc, held.sb_status);
	rc = dlm_ls_lock_wait(ls, LKM_EXMODE, &probe, LKF_NOQUEUE, "nq", 2, 0, NULL, NULL, NULL);
	check(rc == 0 && probe.sb_status == EAGAIN, "sync NOQUEUE gives status EAGAIN",
	      "rc %d errno %d status %d", rc, errno, probe.sb_status);
	errno = 0;
	rc = dlm_ls_unlock(ls, probe.sb_lkid, 0, &probe, NULL);
	check(rc == -1 && errno == ENOENT, "failed NOQUEUE lock id is dead", "rc %d errno %d", rc,
	      errno);

	struct recorder rec;
	memset(&probe, 0, sizeof(probe));
	rec_init(&rec, &probe);
	rc = dlm_ls_lock(ls, LKM_PRMODE, &probe, LKF_NOQUEUE, "nq", 2, 0, rec_ast, &rec, NULL,
			 NULL);
	check(rc == 0 && rec_wait_asts(&rec, 1, 5000) && rec.last_status == EAGAIN,
	      "async NOQUEUE AST EAGAIN", "rc %d asts %d status %d", rc, rec.asts,
	      rec.last_status);
	rc = dlm_ls_unlock_wait(ls, held.sb_lkid, 0, &held);
	check(rc == 0 && held.sb_status == EUNLOCK, "unlock EX", "status %d", held.sb_status);
	check(dlm_release_lockspace(name, ls, 0) == 0, "release", "errno %d", errno);
	return test_end();
}
