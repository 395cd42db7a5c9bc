/*
 * t_busy.c — releasing a busy lockspace: handle 1 creates it, handle 2 opens it and holds EX;
 * dlm_release_lockspace(handle 1, force 0) is -1/EBUSY and the lockspace stays (it can still be
 * opened); a forced release then removes it (opening gives ENOENT).
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

int main(void)
{
	test_begin("t_busy", 20);
	const char *name = ls_name("busy");
	dlm_lshandle_t ls1 = dlm_create_lockspace(name, 0600);
	if (!check(ls1 != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	dlm_lshandle_t ls2 = dlm_open_lockspace(name);
	check(ls2 != NULL, "second handle opens it", "errno %d", errno);
	struct dlm_lksb l;
	memset(&l, 0, sizeof(l));
	int rc = dlm_ls_lock_wait(ls2, LKM_EXMODE, &l, 0, "b", 1, 0, NULL, NULL, NULL);
	check(rc == 0 && l.sb_status == 0, "lock held through handle 2", "status %d",
	      l.sb_status);
	errno = 0;
	rc = dlm_release_lockspace(name, ls1, 0);
	check(rc == -1 && errno == EBUSY, "release with a lock left is EBUSY", "rc %d errno %d",
	      rc, errno);
	dlm_lshandle_t ls3 = dlm_open_lockspace(name);
	check(ls3 != NULL, "lockspace still exists", "errno %d", errno);
	if (ls3) {
		rc = dlm_release_lockspace(name, ls3, 1);
		check(rc == 0, "forced release", "rc %d errno %d", rc, errno);
	}
	if (ls2)
		dlm_close_lockspace(ls2);
	errno = 0;
	dlm_lshandle_t ls4 = dlm_open_lockspace(name);
	check(ls4 == NULL && errno == ENOENT, "gone after forced release", "errno %d", errno);
	if (ls4)
		dlm_release_lockspace(name, ls4, 1);
	return test_end();
}
