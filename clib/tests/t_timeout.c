/*
 * t_timeout.c — dlm_ls_lockx's timeout is sent (spec §0): an EX request blocked behind another
 * EX with a 20-centisecond timeout completes with ETIMEDOUT (and its lock id is dead), while the
 * holder keeps its lock; a blocked conversion with a timeout returns to its granted mode. With
 * DLMD_PEER_SOCKET (cluster runs) the same two waits time out behind an EX held on another node
 * (the timeout travels in REQUEST/CONVERT and runs on the master).
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

/* Both waits behind an EX held on the peer node (the master is there) time out too. */
static void cross_node(dlm_lshandle_t ls, const char *name)
{
	struct peer_holder peer = { .pid = -1 };
	int held = peer_hold(&peer, name, "pto", LKM_EXMODE, NULL);
	if (!check(held, "peer node holds EX", "pid %d", (int)peer.pid)) {
		peer_release(&peer);
		return;
	}
	struct dlm_lksb w;
	struct recorder rec;
	memset(&w, 0, sizeof(w));
	rec_init(&rec, &w);
	uint64_t timeout = 20;
	int rc = dlm_ls_lockx(ls, LKM_EXMODE, &w, 0, "pto", 3, 0, rec_ast, &rec, NULL, NULL, &timeout);
	check(rc == 0 && rec_wait_asts(&rec, 1, 5000) && rec_status(&rec) == ETIMEDOUT,
	      "cross-node request times out with ETIMEDOUT", "rc %d asts %d status %d", rc,
	      rec_asts(&rec), rec_status(&rec));
	memset(&w, 0, sizeof(w));
	rc = dlm_ls_lock_wait(ls, LKM_NLMODE, &w, 0, "pto", 3, 0, NULL, NULL, NULL);
	check(rc == 0 && w.sb_status == 0, "cross-node NL granted", "status %d", w.sb_status);
	struct recorder rec2;
	rec_init(&rec2, &w);
	rc = dlm_ls_lockx(ls, LKM_EXMODE, &w, LKF_CONVERT, NULL, 0, 0, rec_ast, &rec2, NULL, NULL,
			  &timeout);
	check(rc == 0 && rec_wait_asts(&rec2, 1, 5000) && rec_status(&rec2) == ETIMEDOUT,
	      "cross-node conversion times out", "rc %d status %d", rc, rec_status(&rec2));
	rc = dlm_ls_unlock_wait(ls, w.sb_lkid, 0, &w);
	check(rc == 0 && w.sb_status == EUNLOCK, "cross-node converted-back lock unlocks",
	      "rc %d errno %d status %d", rc, errno, w.sb_status);
	check(peer_release(&peer), "peer node unlocks and exits", "pid %d", (int)peer.pid);
}

int main(void)
{
	test_begin("t_timeout", 20);
	const char *name = ls_name("tmo");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	check(dlm_ls_pthread_init(ls) == 0, "ls_pthread_init", "errno %d", errno);
	struct dlm_lksb held, w;
	memset(&held, 0, sizeof(held));
	int rc = dlm_ls_lock_wait(ls, LKM_EXMODE, &held, 0, "t", 1, 0, NULL, NULL, NULL);
	check(rc == 0 && held.sb_status == 0, "EX held", "status %d", held.sb_status);

	struct recorder rec;
	memset(&w, 0, sizeof(w));
	rec_init(&rec, &w);
	uint64_t xid = 7, timeout = 20;
	rc = dlm_ls_lockx(ls, LKM_EXMODE, &w, 0, "t", 1, 0, rec_ast, &rec, NULL, &xid, &timeout);
	check(rc == 0 && rec_wait_asts(&rec, 1, 5000) && rec_status(&rec) == ETIMEDOUT,
	      "blocked request times out with ETIMEDOUT", "rc %d asts %d status %d", rc, rec_asts(&rec),
	      rec_status(&rec));
	errno = 0;
	rc = dlm_ls_unlock(ls, w.sb_lkid, 0, &w, NULL);
	check(rc == -1 && errno == ENOENT, "timed-out request is gone", "rc %d errno %d", rc,
	      errno);

	memset(&w, 0, sizeof(w));
	rc = dlm_ls_lock_wait(ls, LKM_NLMODE, &w, 0, "t", 1, 0, NULL, NULL, NULL);
	check(rc == 0 && w.sb_status == 0, "NL granted", "status %d", w.sb_status);
	struct recorder rec2;
	rec_init(&rec2, &w);
	rc = dlm_ls_lockx(ls, LKM_EXMODE, &w, LKF_CONVERT, NULL, 0, 0, rec_ast, &rec2, NULL, NULL,
			  &timeout);
	check(rc == 0 && rec_wait_asts(&rec2, 1, 5000) && rec_status(&rec2) == ETIMEDOUT,
	      "blocked conversion times out", "rc %d status %d", rc, rec_status(&rec2));
	rc = dlm_ls_unlock_wait(ls, w.sb_lkid, 0, &w);
	check(rc == 0 && w.sb_status == EUNLOCK, "converted-back lock still unlocks",
	      "rc %d errno %d status %d", rc, errno, w.sb_status);
	rc = dlm_ls_unlock_wait(ls, held.sb_lkid, 0, &held);
	check(rc == 0 && held.sb_status == EUNLOCK, "holder kept EX", "status %d",
	      held.sb_status);
	if (peer_socket())
		cross_node(ls, name);
	int released = dlm_release_lockspace(name, ls, 0);
	check(released == 0, "release", "errno %d", errno);
	return test_end();
}
