/*
 * t_orphan.c — spec §0/§7.6 through the C API: a PERSISTENT PR lock outlives its closed handle
 * as an orphan that still blocks EX (NOQUEUE → EAGAIN); adopting it with LKF_ORPHAN in mode EX is
 * EAGAIN, an unknown name is ENOENT, and dlm_ls_lock_wait with the right mode returns at once
 * (no hang) with status 0 and the orphan's lock id. dlm_ls_purge(ls, 0, 0) removes orphans.
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

static int lockw(dlm_lshandle_t ls, struct dlm_lksb *l, uint32_t mode, uint32_t flags,
		const char *res)
{
	memset(l, 0, sizeof(*l));
	return dlm_ls_lock_wait(ls, mode, l, flags, res, strlen(res), 0, NULL, NULL, NULL);
}

static uint32_t make_orphan(const char *name, const char *res)
{
	dlm_lshandle_t a = dlm_open_lockspace(name);
	struct dlm_lksb l;
	int rc = a ? lockw(a, &l, LKM_PRMODE, LKF_PERSISTENT, res) : -1;
	check(rc == 0 && l.sb_status == 0, "PERSISTENT PR granted", "rc %d errno %d", rc, errno);
	if (a)
		dlm_close_lockspace(a);
	return l.sb_lkid;
}

int main(void)
{
	test_begin("t_orphan", 20);
	const char *name = ls_name("orph");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	uint32_t orphan = make_orphan(name, "o1");
	struct dlm_lksb l;
	int rc = lockw(ls, &l, LKM_EXMODE, LKF_NOQUEUE, "o1");
	check(rc == 0 && l.sb_status == EAGAIN, "orphan still blocks EX", "status %d",
	      l.sb_status);
	errno = 0;
	rc = lockw(ls, &l, LKM_EXMODE, LKF_ORPHAN | LKF_PERSISTENT, "o1");
	check(rc == -1 && errno == EAGAIN, "adopting with another mode is EAGAIN",
	      "rc %d errno %d", rc, errno);
	errno = 0;
	rc = lockw(ls, &l, LKM_PRMODE, LKF_ORPHAN | LKF_PERSISTENT, "nosuch");
	check(rc == -1 && errno == ENOENT, "adopting an unknown name is ENOENT",
	      "rc %d errno %d", rc, errno);
	rc = lockw(ls, &l, LKM_PRMODE, LKF_ORPHAN | LKF_PERSISTENT, "o1");
	check(rc == 0 && l.sb_status == 0 && l.sb_lkid == orphan,
	      "lock_wait adoption returns at once with the orphan's id",
	      "rc %d errno %d status %d lkid %u/%u", rc, errno, l.sb_status, l.sb_lkid, orphan);
	rc = dlm_ls_unlock_wait(ls, l.sb_lkid, 0, &l);
	check(rc == 0 && l.sb_status == EUNLOCK, "adopted lock unlocks", "status %d",
	      l.sb_status);

	make_orphan(name, "o2");
	rc = dlm_ls_purge(ls, 0, 0);
	check(rc == 0, "purge of every orphan", "rc %d errno %d", rc, errno);
	rc = lockw(ls, &l, LKM_EXMODE, LKF_NOQUEUE, "o2");
	check(rc == 0 && l.sb_status == 0, "EX granted after the purge", "status %d",
	      l.sb_status);
	dlm_ls_unlock_wait(ls, l.sb_lkid, 0, &l);
	int released = dlm_release_lockspace(name, ls, 0);
	check(released == 0, "release", "errno %d", errno);
	return test_end();
}
