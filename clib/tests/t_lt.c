/*
 * t_lt.c — libdlm_lt (built without -pthread/_REENTRANT, linked with -ldlm_lt): a synchronous
 * NOQUEUE conflict returns -1 with errno EAGAIN (libdlm_lt reports failed statuses that way), a
 * synchronous unlock returns 0, and asynchronous locking works with poll + dlm_dispatch.
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

int main(void)
{
	test_begin("t_lt", 20);
	const char *name = ls_name("lt");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	struct dlm_lksb held, probe;
	memset(&held, 0, sizeof(held));
	memset(&probe, 0, sizeof(probe));
	int rc = dlm_ls_lock_wait(ls, LKM_EXMODE, &held, 0, "lt", 2, 0, NULL, NULL, NULL);
	check(rc == 0 && held.sb_status == 0, "lock_wait EX", "rc %d errno %d", rc, errno);
	errno = 0;
	rc = dlm_ls_lock_wait(ls, LKM_EXMODE, &probe, LKF_NOQUEUE, "lt", 2, 0, NULL, NULL, NULL);
	int e = errno;
	check(rc == -1 && e == EAGAIN && probe.sb_status == EAGAIN,
	      "NOQUEUE conflict is -1/EAGAIN in libdlm_lt", "rc %d errno %d status %d", rc, e,
	      probe.sb_status);

	struct dlm_lksb a;
	struct recorder rec;
	memset(&a, 0, sizeof(a));
	rec_init(&rec, &a);
	rc = dlm_ls_lock(ls, LKM_PRMODE, &a, 0, "lt", 2, 0, rec_ast, &rec, NULL, NULL);
	check(rc == 0, "async PR queued behind EX", "rc %d errno %d", rc, errno);
	rc = dlm_ls_unlock_wait(ls, held.sb_lkid, 0, &held);
	check(rc == 0 && held.sb_status == EUNLOCK, "unlock_wait returns 0 with EUNLOCK",
	      "rc %d errno %d status %d", rc, errno, held.sb_status);
	int fd = dlm_ls_get_fd(ls);
	int ok = rec_poll_asts(&rec, fd, 1, 5000);
	check(ok && rec_status(&rec) == 0, "PR granted via poll + dlm_dispatch",
	      "asts %d status %d", rec_asts(&rec), rec_status(&rec));
	rc = dlm_ls_unlock_wait(ls, a.sb_lkid, 0, &a);
	check(rc == 0 && a.sb_status == EUNLOCK, "unlock PR", "rc %d status %d", rc, a.sb_status);
	int released = dlm_release_lockspace(name, ls, 0);
	check(released == 0, "release", "errno %d", errno);
	return test_end();
}
