/*
 * t_poll.c — asynchronous locking without any library thread: the caller polls dlm_ls_get_fd
 * (and dlm_get_fd for the default lockspace) and runs ASTs with dlm_dispatch; the grant and
 * unlock ASTs arrive in order with status 0 and EUNLOCK.
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

static void one_cycle(dlm_lshandle_t ls, int fd, const char *label)
{
	struct dlm_lksb lksb;
	struct recorder rec;
	memset(&lksb, 0, sizeof(lksb));
	rec_init(&rec, &lksb);
	const char *res = ls_name("pollres");
	int rc = ls ? dlm_ls_lock(ls, LKM_EXMODE, &lksb, 0, res, strlen(res), 0, rec_ast, &rec,
				  NULL, NULL)
		    : dlm_lock(LKM_EXMODE, &lksb, 0, res, strlen(res), 0, rec_ast, &rec, NULL,
			       NULL);
	check(rc == 0, label, "lock rc %d errno %d", rc, errno);
	check(rec_poll_asts(&rec, fd, 1, 5000) && rec.last_status == 0,
	      "grant AST via poll + dlm_dispatch", "asts %d status %d", rec.asts, rec.last_status);
	rc = ls ? dlm_ls_unlock(ls, lksb.sb_lkid, 0, &lksb, &rec)
		: dlm_unlock(lksb.sb_lkid, 0, &lksb, &rec);
	check(rc == 0 && rec_poll_asts(&rec, fd, 2, 5000) && rec.last_status == EUNLOCK,
	      "unlock AST via poll + dlm_dispatch", "rc %d asts %d status %d", rc, rec.asts,
	      rec.last_status);
}

int main(void)
{
	test_begin("t_poll", 30);
	const char *name = ls_name("poll");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	one_cycle(ls, dlm_ls_get_fd(ls), "ls_lock accepted");
	check(dlm_dispatch(dlm_ls_get_fd(ls)) == 0, "dispatch on a drained fd returns 0",
	      "errno %d", errno);
	check(dlm_release_lockspace(name, ls, 0) == 0, "release", "errno %d", errno);

	int fd = dlm_get_fd();
	if (check(fd >= 0, "dlm_get_fd opens the default lockspace", "errno %d", errno))
		one_cycle(NULL, fd, "dlm_lock accepted");
	return test_end();
}
