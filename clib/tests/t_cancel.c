/*
 * t_cancel.c — cancel: a conversion NL→EX waiting behind another lock's EX is cancelled with
 * dlm_ls_unlock(CANCEL) → AST ECANCEL, and the lock is still held at NL afterwards; cancelling a
 * granted idle lock with dlm_ls_unlock_wait returns at once with status 0 (no hang, spec §0);
 * dlm_ls_deadlock_cancel of a waiting conversion gives EDEADLK. With DLMD_PEER_SOCKET (cluster
 * runs) a conversion waiting behind an EX held on another node is cancelled too.
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

static int sync_lock(dlm_lshandle_t ls, struct dlm_lksb *l, uint32_t mode, uint32_t flags)
{
	int rc = dlm_ls_lock_wait(ls, mode, l, flags, "cx", 2, 0, NULL, NULL, NULL);
	return rc == 0 ? l->sb_status : -1000 - errno;
}

/* A conversion NL→EX waits behind an EX on another node; CANCEL ends it with ECANCEL. */
static void cross_node(dlm_lshandle_t ls, const char *name)
{
	struct peer_holder peer = { .pid = -1 };
	int held = peer_hold(&peer, name, "pcx", LKM_EXMODE, NULL);
	if (!check(held, "peer node holds EX", "pid %d",
		   (int)peer.pid)) {
		peer_release(&peer);
		return;
	}
	struct dlm_lksb w;
	memset(&w, 0, sizeof(w));
	int rc = dlm_ls_lock_wait(ls, LKM_NLMODE, &w, 0, "pcx", 3, 0, NULL, NULL, NULL);
	check(rc == 0 && w.sb_status == 0, "cross-node NL granted", "rc %d status %d", rc, w.sb_status);
	struct recorder rec;
	rec_init(&rec, &w);
	rc = dlm_ls_lock(ls, LKM_EXMODE, &w, LKF_CONVERT, NULL, 0, 0, rec_ast, &rec, NULL, NULL);
	check(rc == 0 && !rec_wait_asts(&rec, 1, 300), "cross-node conversion NL→EX waits",
	      "rc %d asts %d", rc, rec_asts(&rec));
	rc = dlm_ls_unlock(ls, w.sb_lkid, LKF_CANCEL, &w, &rec);
	check(rc == 0 && rec_wait_asts(&rec, 1, 5000) && rec_status(&rec) == ECANCEL,
	      "cross-node cancel → AST ECANCEL", "rc %d asts %d status %d", rc, rec_asts(&rec),
	      rec_status(&rec));
	check(dlm_ls_unlock_wait(ls, w.sb_lkid, 0, &w) == 0 && w.sb_status == EUNLOCK,
	      "cross-node unlock of the NL lock", "status %d", w.sb_status);
	check(peer_release(&peer), "peer node unlocks and exits", "pid %d", (int)peer.pid);
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
	check(!rec_wait_asts(&rec, 1, 300), "no AST while blocked", "asts %d", rec_asts(&rec));
	rc = dlm_ls_unlock(ls, w.sb_lkid, LKF_CANCEL, &w, &rec);
	check(rc == 0 && rec_wait_asts(&rec, 1, 5000) && rec_status(&rec) == ECANCEL,
	      "cancel → AST ECANCEL", "rc %d asts %d status %d", rc, rec_asts(&rec), rec_status(&rec));
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
	check(rc == 0 && rec_wait_asts(&rec2, 1, 5000) && rec_status(&rec2) == EDEADLK,
	      "deadlock_cancel → AST EDEADLK", "rc %d asts %d status %d", rc, rec_asts(&rec2),
	      rec_status(&rec2));

	check(dlm_ls_unlock_wait(ls, w.sb_lkid, 0, &w) == 0 && w.sb_status == EUNLOCK,
	      "unlock converted-back lock", "status %d", w.sb_status);
	check(dlm_ls_unlock_wait(ls, held.sb_lkid, 0, &held) == 0 && held.sb_status == EUNLOCK,
	      "unlock EX", "status %d", held.sb_status);
	if (peer_socket())
		cross_node(ls, name);
	int released = dlm_release_lockspace(name, ls, 0);
	check(released == 0, "release", "errno %d", errno);
	return test_end();
}
