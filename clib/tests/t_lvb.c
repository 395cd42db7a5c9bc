/*
 * t_lvb.c — lock value blocks: an EX holder's LVB, written by a down-conversion with VALBLK, is
 * read by the next PR request; an LVB carried on an unlock from EX with VALBLK is written too
 * (dlmd sends the caller's LVB on unlock). A third lock holds NL throughout so the resource, and
 * its LVB, stay alive between holders.
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

static int lock_vb(dlm_lshandle_t ls, struct dlm_lksb *l, uint32_t mode, uint32_t flags)
{
	int rc = dlm_ls_lock_wait(ls, mode, l, flags | LKF_VALBLK, "lvbres", 6, 0, NULL, NULL,
				  NULL);
	return rc == 0 ? l->sb_status : -1000 - errno;
}

int main(void)
{
	test_begin("t_lvb", 20);
	const char *name = ls_name("lvb");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	char keep_buf[DLM_LVB_LEN], a_buf[DLM_LVB_LEN], b_buf[DLM_LVB_LEN];
	struct dlm_lksb keep = { .sb_lvbptr = keep_buf };
	struct dlm_lksb a = { .sb_lvbptr = a_buf };
	struct dlm_lksb b = { .sb_lvbptr = b_buf };
	check(lock_vb(ls, &keep, LKM_NLMODE, 0) == 0, "NL keeper granted", "status %d",
	      keep.sb_status);

	check(lock_vb(ls, &a, LKM_EXMODE, 0) == 0, "A granted EX", "status %d", a.sb_status);
	memset(a_buf, 0, sizeof(a_buf));
	strcpy(a_buf, "written-by-A");
	check(lock_vb(ls, &a, LKM_NLMODE, LKF_CONVERT) == 0, "A EX→NL writes", "status %d",
	      a.sb_status);
	memset(b_buf, 'z', sizeof(b_buf));
	check(lock_vb(ls, &b, LKM_PRMODE, 0) == 0, "B granted PR", "status %d", b.sb_status);
	check(strcmp(b_buf, "written-by-A") == 0, "B reads A's LVB", "got '%.31s'", b_buf);
	check(dlm_ls_unlock_wait(ls, b.sb_lkid, 0, &b) == 0 && b.sb_status == EUNLOCK,
	      "B unlocks", "status %d", b.sb_status);

	check(lock_vb(ls, &a, LKM_EXMODE, LKF_CONVERT) == 0, "A NL→EX", "status %d",
	      a.sb_status);
	memset(a_buf, 0, sizeof(a_buf));
	strcpy(a_buf, "sent-on-unlock");
	check(dlm_ls_unlock_wait(ls, a.sb_lkid, LKF_VALBLK, &a) == 0 && a.sb_status == EUNLOCK,
	      "A unlocks from EX with VALBLK", "status %d", a.sb_status);
	memset(&b, 0, sizeof(b));
	b.sb_lvbptr = b_buf;
	memset(b_buf, 'z', sizeof(b_buf));
	check(lock_vb(ls, &b, LKM_PRMODE, 0) == 0, "B granted PR again", "status %d",
	      b.sb_status);
	check(strcmp(b_buf, "sent-on-unlock") == 0, "LVB carried on unlock was written",
	      "got '%.31s'", b_buf);
	dlm_ls_unlock_wait(ls, b.sb_lkid, 0, &b);
	dlm_ls_unlock_wait(ls, keep.sb_lkid, 0, &keep);
	check(dlm_release_lockspace(name, ls, 0) == 0, "release", "errno %d", errno);
	return test_end();
}
