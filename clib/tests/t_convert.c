/*
 * t_convert.c — conversions on one resource with two locks of one handle: PR→EX up, EX→NL down,
 * a second lock NL→EX granted once the first is NL, then NL→PR with NOQUEUE against that EX is
 * EAGAIN and leaves the lock at NL (it can still be unlocked). CONVERT with lock id 0 is ENOENT.
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

static int convert(dlm_lshandle_t ls, struct dlm_lksb *lksb, uint32_t mode, uint32_t flags)
{
	int rc = dlm_ls_lock_wait(ls, mode, lksb, flags | LKF_CONVERT, NULL, 0, 0, NULL, NULL,
				  NULL);
	return rc == 0 ? lksb->sb_status : -1000 - errno;
}

int main(void)
{
	test_begin("t_convert", 20);
	const char *name = ls_name("conv");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	struct dlm_lksb a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	int rc = dlm_ls_lock_wait(ls, LKM_PRMODE, &a, 0, "cv", 2, 0, NULL, NULL, NULL);
	check(rc == 0 && a.sb_status == 0, "A granted PR", "rc %d status %d", rc, a.sb_status);
	uint32_t id = a.sb_lkid;
	int st = convert(ls, &a, LKM_EXMODE, 0);
	check(st == 0 && a.sb_lkid == id, "A PR→EX", "status %d", st);
	rc = dlm_ls_lock_wait(ls, LKM_NLMODE, &b, 0, "cv", 2, 0, NULL, NULL, NULL);
	check(rc == 0 && b.sb_status == 0, "B granted NL beside EX", "status %d", b.sb_status);
	st = convert(ls, &a, LKM_NLMODE, 0);
	check(st == 0, "A EX→NL", "status %d", st);
	st = convert(ls, &b, LKM_EXMODE, 0);
	check(st == 0, "B NL→EX once A is NL", "status %d", st);
	st = convert(ls, &a, LKM_PRMODE, LKF_NOQUEUE);
	check(st == EAGAIN, "A NL→PR NOQUEUE against EX is EAGAIN", "status %d", st);
	st = convert(ls, &b, LKM_NLMODE, 0);
	check(st == 0, "B EX→NL", "status %d", st);
	st = convert(ls, &a, LKM_PRMODE, LKF_NOQUEUE);
	check(st == 0, "A still alive at NL and converts to PR", "status %d", st);

	struct dlm_lksb z;
	memset(&z, 0, sizeof(z));
	errno = 0;
	rc = dlm_ls_lock(ls, LKM_EXMODE, &z, LKF_CONVERT, NULL, 0, 0, rec_ast, NULL, NULL, NULL);
	check(rc == -1 && errno == ENOENT, "CONVERT with lock id 0 is ENOENT", "rc %d errno %d",
	      rc, errno);
	check(dlm_ls_unlock_wait(ls, a.sb_lkid, 0, &a) == 0 && a.sb_status == EUNLOCK, "unlock A",
	      "status %d", a.sb_status);
	check(dlm_ls_unlock_wait(ls, b.sb_lkid, 0, &b) == 0 && b.sb_status == EUNLOCK, "unlock B",
	      "status %d", b.sb_status);
	check(dlm_release_lockspace(name, ls, 0) == 0, "release", "errno %d", errno);
	return test_end();
}
