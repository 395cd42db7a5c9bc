/*
 * t_sync.c — synchronous lock and unlock on a fresh lockspace: dlm_ls_lock_wait grants EX with
 * status 0 and a lock id, a 64-byte name is accepted, dlm_ls_unlock_wait ends with EUNLOCK, and
 * the dead lock id then gives ENOENT; the lockspace releases cleanly.
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

int main(void)
{
	test_begin("t_sync", 20);
	const char *name = ls_name("sync");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	check(dlm_ls_get_fd(ls) >= 0, "handle has an fd", "fd %d", dlm_ls_get_fd(ls));

	struct dlm_lksb lksb;
	memset(&lksb, 0, sizeof(lksb));
	int rc = dlm_ls_lock_wait(ls, LKM_EXMODE, &lksb, 0, "res", 3, 0, NULL, NULL, NULL);
	check(rc == 0 && lksb.sb_status == 0 && lksb.sb_lkid != 0, "lock_wait EX granted",
	      "rc %d errno %d status %d lkid %u", rc, errno, lksb.sb_status, lksb.sb_lkid);
	uint32_t lkid = lksb.sb_lkid;

	struct dlm_lksb lksb64;
	memset(&lksb64, 0, sizeof(lksb64));
	char n64[64];
	memset(n64, 'q', sizeof(n64));
	rc = dlm_ls_lock_wait(ls, LKM_PRMODE, &lksb64, 0, n64, 64, 0, NULL, NULL, NULL);
	check(rc == 0 && lksb64.sb_status == 0, "64-byte resource name accepted",
	      "rc %d errno %d status %d", rc, errno, lksb64.sb_status);

	rc = dlm_ls_unlock_wait(ls, lkid, 0, &lksb);
	check(rc == 0 && lksb.sb_status == EUNLOCK, "unlock_wait gives EUNLOCK",
	      "rc %d errno %d status %d", rc, errno, lksb.sb_status);
	errno = 0;
	rc = dlm_ls_unlock(ls, lkid, 0, &lksb, NULL);
	check(rc == -1 && errno == ENOENT, "unlock of a dead lock id is ENOENT",
	      "rc %d errno %d", rc, errno);
	rc = dlm_ls_unlock_wait(ls, lksb64.sb_lkid, 0, &lksb64);
	check(rc == 0 && lksb64.sb_status == EUNLOCK, "second unlock_wait gives EUNLOCK",
	      "rc %d status %d", rc, lksb64.sb_status);
	rc = dlm_release_lockspace(name, ls, 0);
	check(rc == 0, "release of an idle lockspace", "rc %d errno %d", rc, errno);
	return test_end();
}
