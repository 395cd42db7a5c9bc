/*
 * t_orphan.c — spec §0/§7.6 through the C API: a PERSISTENT PR lock outlives its closed handle
 * as an orphan that still blocks EX (NOQUEUE → EAGAIN); adopting it with LKF_ORPHAN in mode EX is
 * EAGAIN, an unknown name is ENOENT, and dlm_ls_lock_wait with the right mode returns at once
 * (no hang) with status 0 and the orphan's lock id. dlm_ls_purge(ls, 0, 0) removes orphans.
 * With DLMD_PEER_SOCKET and DLMD_PEER_NODEID (cluster runs): a PERSISTENT lock taken on the peer
 * node, on a resource mastered here, outlives its process there as an orphan that blocks EX here;
 * a second process on the peer node adopts it; a further orphan there is removed by
 * dlm_ls_purge(ls, peer node id, 0) from this node.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* A process on the peer node: PR PERSISTENT on res, then exit without unlocking (adopt = 0), or
 * adopt the orphan with LKF_ORPHAN and unlock it (adopt = 1). Exit status 0 on success. */
static int on_peer(const char *name, const char *res, int adopt)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10);
		use_peer_node();
		dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
		struct dlm_lksb l;
		uint32_t flags = LKF_PERSISTENT | (adopt ? LKF_ORPHAN : 0);
		int rc = ls ? lockw(ls, &l, LKM_PRMODE, flags, res) : -1;
		if (rc != 0 || l.sb_status != 0)
			_exit(1);
		if (adopt && (dlm_ls_unlock_wait(ls, l.sb_lkid, 0, &l) != 0 || l.sb_status != EUNLOCK))
			_exit(2);
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* EX NOQUEUE on res until granted (the purge travels to the peer and back), up to 3 s. */
static int ex_after_purge(dlm_lshandle_t ls, const char *res)
{
	struct dlm_lksb l;
	for (int i = 0; i < 60; i++) {
		if (lockw(ls, &l, LKM_EXMODE, LKF_NOQUEUE, res) == 0 && l.sb_status == 0) {
			dlm_ls_unlock_wait(ls, l.sb_lkid, 0, &l);
			return 1;
		}
		usleep(50000);
	}
	return 0;
}

static void cross_node(dlm_lshandle_t ls, const char *name)
{
	const char *peer_id = getenv("DLMD_PEER_NODEID");
	struct dlm_lksb keep, l;
	/* An NL lock here first, so this node masters the resources. */
	check(lockw(ls, &keep, LKM_NLMODE, 0, "po") == 0 && keep.sb_status == 0, "NL keeper here",
	      "status %d", keep.sb_status);
	check(on_peer(name, "po", 0), "peer process leaves a PERSISTENT PR", "see above");
	int rc = lockw(ls, &l, LKM_EXMODE, LKF_NOQUEUE, "po");
	check(rc == 0 && l.sb_status == EAGAIN, "the peer's orphan blocks EX here", "status %d",
	      l.sb_status);
	check(on_peer(name, "po", 1), "a second peer process adopts and unlocks the orphan",
	      "see above");
	check(ex_after_purge(ls, "po"), "EX granted once the adopted lock is unlocked", "no grant");
	dlm_ls_unlock_wait(ls, keep.sb_lkid, 0, &keep);

	struct dlm_lksb keep2;
	check(lockw(ls, &keep2, LKM_NLMODE, 0, "po2") == 0, "NL keeper on po2", "errno %d", errno);
	check(on_peer(name, "po2", 0), "peer process leaves another orphan", "see above");
	rc = dlm_ls_purge(ls, peer_id ? atoi(peer_id) : 0, 0);
	check(peer_id && rc == 0, "purge naming the peer node", "rc %d errno %d", rc, errno);
	check(ex_after_purge(ls, "po2"), "EX granted after the remote purge", "no grant");
	dlm_ls_unlock_wait(ls, keep2.sb_lkid, 0, &keep2);
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
	if (peer_socket())
		cross_node(ls, name);
	int released = dlm_release_lockspace(name, ls, 0);
	check(released == 0, "release", "errno %d", errno);
	return test_end();
}
