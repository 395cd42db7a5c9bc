/*
 * t_lvb.c — lock value blocks: an EX holder's LVB, written by a down-conversion with VALBLK, is
 * read by the next PR request; an LVB carried on an unlock from EX with VALBLK is written too
 * (dlmd sends the caller's LVB on unlock). A third lock holds NL throughout so the resource, and
 * its LVB, stay alive between holders. With DLMD_PEER_SOCKET (cluster runs) an LVB written by an
 * EX holder on another node (EX→NL with VALBLK) is read by a PR request here.
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

/* EX→NL with VALBLK on another node writes the LVB; PR with VALBLK here reads it. */
static void cross_node(dlm_lshandle_t ls, const char *name)
{
	struct peer_holder peer = { .pid = -1 };
	int held = peer_hold(&peer, name, "plvb", LKM_EXMODE, "written-on-peer");
	if (!check(held,
		   "peer node writes the LVB (EX→NL)", "pid %d", (int)peer.pid)) {
		peer_release(&peer);
		return;
	}
	char buf[DLM_LVB_LEN];
	memset(buf, 'z', sizeof(buf));
	struct dlm_lksb r = { .sb_lvbptr = buf };
	int rc = dlm_ls_lock_wait(ls, LKM_PRMODE, &r, LKF_VALBLK, "plvb", 4, 0, NULL, NULL, NULL);
	check(rc == 0 && r.sb_status == 0, "cross-node PR granted", "rc %d status %d", rc, r.sb_status);
	check(strcmp(buf, "written-on-peer") == 0, "PR here reads the peer's LVB", "got '%.31s'", buf);
	check(dlm_ls_unlock_wait(ls, r.sb_lkid, 0, &r) == 0 && r.sb_status == EUNLOCK,
	      "cross-node PR unlocks", "status %d", r.sb_status);
	check(peer_release(&peer), "peer node unlocks and exits", "pid %d", (int)peer.pid);
}

int main(void)
{
	test_begin("t_lvb", 20);
	const char *name = ls_name("lvb");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	char keep_buf[DLM_LVB_LEN] = { 0 }, a_buf[DLM_LVB_LEN] = { 0 }, b_buf[DLM_LVB_LEN] = { 0 };
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
	if (peer_socket())
		cross_node(ls, name);
	int released = dlm_release_lockspace(name, ls, 0);
	check(released == 0, "release", "errno %d", errno);
	return test_end();
}
