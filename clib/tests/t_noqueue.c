/*
 * t_noqueue.c — NOQUEUE against a held EX: the synchronous request returns 0 with sb_status
 * EAGAIN and its lock id is dead afterwards (unlock → ENOENT); the asynchronous form delivers an
 * AST with EAGAIN on the library thread. With DLMD_PEER_SOCKET (cluster runs) the same checks run
 * again with the EX held by a process on another node.
 */
#include <errno.h>
#include <string.h>

#include "testlib.h"

/* The EX is held on another node: NOQUEUE gets EAGAIN from the remote master too. */
static void cross_node(dlm_lshandle_t ls, const char *name)
{
	struct peer_holder peer = { .pid = -1 };
	int held = peer_hold(&peer, name, "pnq", LKM_EXMODE, NULL);
	if (!check(held, "peer node holds EX", "pid %d",
		   (int)peer.pid)) {
		peer_release(&peer);
		return;
	}
	struct dlm_lksb probe;
	memset(&probe, 0, sizeof(probe));
	int rc = dlm_ls_lock_wait(ls, LKM_EXMODE, &probe, LKF_NOQUEUE, "pnq", 3, 0, NULL, NULL, NULL);
	check(rc == 0 && probe.sb_status == EAGAIN, "cross-node sync NOQUEUE gives EAGAIN",
	      "rc %d errno %d status %d", rc, errno, probe.sb_status);
	struct recorder rec;
	memset(&probe, 0, sizeof(probe));
	rec_init(&rec, &probe);
	rc = dlm_ls_lock(ls, LKM_PRMODE, &probe, LKF_NOQUEUE, "pnq", 3, 0, rec_ast, &rec, NULL, NULL);
	check(rc == 0 && rec_wait_asts(&rec, 1, 5000) && rec_status(&rec) == EAGAIN,
	      "cross-node async NOQUEUE AST EAGAIN", "rc %d asts %d status %d", rc, rec_asts(&rec),
	      rec_status(&rec));
	check(peer_release(&peer), "peer node unlocks and exits", "pid %d", (int)peer.pid);
}

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
	check(rc == 0 && rec_wait_asts(&rec, 1, 5000) && rec_status(&rec) == EAGAIN,
	      "async NOQUEUE AST EAGAIN", "rc %d asts %d status %d", rc, rec_asts(&rec),
	      rec_status(&rec));
	rc = dlm_ls_unlock_wait(ls, held.sb_lkid, 0, &held);
	check(rc == 0 && held.sb_status == EUNLOCK, "unlock EX", "status %d", held.sb_status);
	if (peer_socket())
		cross_node(ls, name);
	int released = dlm_release_lockspace(name, ls, 0);
	check(released == 0, "release", "errno %d", errno);
	return test_end();
}
