/*
 * t_cluster.c — the C library against a three-node dlmd cluster, each process on its own node
 * (the socket comes from DLMD_SOCKET, read at connect time). Arguments: the three sockets.
 *   bast: the parent holds EX with a bast on node 1; a child on node 3 requests EX and waits; the
 *         parent's bast arrives, it unlocks, and the child's grant is reported through a pipe.
 *   lvb:  a child on node 2 takes EX with LKF_VALBLK and down-converts to NL writing the LVB (the NL
 *         lock keeps it alive); a child on node 3 then takes PR with LKF_VALBLK and must read it.
 * Uses the configured lockspace "default" (known on every node). Bounded by alarm() in each process.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static const char lvb_text[32] = "written on node 2, read on 3";

static dlm_lshandle_t join(const char *socket_path)
{
	setenv("DLMD_SOCKET", socket_path, 1);
	dlm_lshandle_t ls = dlm_create_lockspace("default", 0600);
	if (ls && dlm_ls_pthread_init(ls) != 0)
		return NULL;
	return ls;
}

/* Node 3: EX on "cbast"; reports 'y' once granted (and unlocked again). */
static void bast_child(const char *socket_path, int report_fd)
{
	alarm(15);
	char r = 'o';
	dlm_lshandle_t ls = join(socket_path);
	if (ls) {
		struct dlm_lksb l;
		struct recorder rec;
		memset(&l, 0, sizeof(l));
		rec_init(&rec, &l);
		r = 'l';
		if (dlm_ls_lock(ls, LKM_EXMODE, &l, 0, "cbast", 5, 0, rec_ast, &rec, NULL, NULL) == 0)
			r = (rec_wait_asts(&rec, 1, 10000) && rec_status(&rec) == 0) ? 'y' : 'a';
		if (r == 'y' && (dlm_ls_unlock_wait(ls, l.sb_lkid, 0, &l) != 0 || l.sb_status != EUNLOCK))
			r = 'u';
		dlm_release_lockspace("default", ls, 0);
	}
	_exit(write(report_fd, &r, 1) == 1 ? 0 : 1);
}

static void test_bast(const char *node1, const char *node3)
{
	dlm_lshandle_t ls = join(node1);
	if (!check(ls != NULL, "bast: join default on node 1", "errno %d", errno))
		return;
	struct dlm_lksb l;
	struct recorder rec;
	memset(&l, 0, sizeof(l));
	rec_init(&rec, &l);
	int rc = dlm_ls_lock(ls, LKM_EXMODE, &l, 0, "cbast", 5, 0, rec_ast, &rec, rec_bast, NULL);
	check(rc == 0 && rec_wait_asts(&rec, 1, 5000) && rec_status(&rec) == 0, "bast: node 1 holds EX",
	      "rc %d status %d", rc, rec_status(&rec));
	int report[2];
	if (pipe(report) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0)
		bast_child(node3, report[1]);
	check(rec_wait_basts(&rec, 1, 10000), "bast: node 1 receives the bast for node 3's EX", "basts %d",
	      rec_basts(&rec));
	rc = dlm_ls_unlock(ls, l.sb_lkid, 0, &l, &rec);
	check(rc == 0 && rec_wait_asts(&rec, 2, 5000) && rec_status(&rec) == EUNLOCK, "bast: node 1 unlocks",
	      "rc %d status %d", rc, rec_status(&rec));
	char r = '?';
	int got = (int)read(report[0], &r, 1);
	check(got == 1 && r == 'y', "bast: node 3 granted EX after the unlock", "got %d '%c'", got, r);
	int status = 0;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "bast: node 3 child exits 0", "status %d", status);
	dlm_release_lockspace("default", ls, 0);
}

/* Node 2: EX with VALBLK, convert to NL writing lvb_text; report 'w'; hold NL until `hold_fd` closes. */
static void lvb_writer(const char *socket_path, int report_fd, int hold_fd)
{
	alarm(20);
	char r = 'o';
	dlm_lshandle_t ls = join(socket_path);
	struct dlm_lksb l;
	char lvb[32];
	memset(&l, 0, sizeof(l));
	memset(lvb, 0, sizeof(lvb));
	l.sb_lvbptr = lvb;
	if (ls && dlm_ls_lock_wait(ls, LKM_EXMODE, &l, LKF_VALBLK, "clvb", 4, 0, NULL, NULL, NULL) == 0 &&
	    l.sb_status == 0) {
		memcpy(lvb, lvb_text, sizeof(lvb));
		r = (dlm_ls_lock_wait(ls, LKM_NLMODE, &l, LKF_CONVERT | LKF_VALBLK, "clvb", 4, 0, NULL, NULL,
				      NULL) == 0 && l.sb_status == 0) ? 'w' : 'c';
	}
	if (write(report_fd, &r, 1) != 1)
		_exit(1);
	char ignored;
	while (read(hold_fd, &ignored, 1) > 0) {
	}
	if (ls)
		dlm_release_lockspace("default", ls, 1);
	_exit(0);
}

static void test_lvb(const char *node2, const char *node3)
{
	int report[2], hold[2];
	if (pipe(report) < 0 || pipe(hold) < 0)
		return;
	pid_t writer = fork();
	if (writer == 0) {
		close(hold[1]);
		lvb_writer(node2, report[1], hold[0]);
	}
	close(hold[0]);
	char r = '?';
	int got = (int)read(report[0], &r, 1);
	check(got == 1 && r == 'w', "lvb: node 2 writes the LVB (EX, then NL with VALBLK)", "got %d '%c'", got, r);
	dlm_lshandle_t ls = join(node3);
	if (check(ls != NULL, "lvb: join default on node 3", "errno %d", errno)) {
		struct dlm_lksb l;
		char lvb[32];
		memset(&l, 0, sizeof(l));
		memset(lvb, 0, sizeof(lvb));
		l.sb_lvbptr = lvb;
		int rc = dlm_ls_lock_wait(ls, LKM_PRMODE, &l, LKF_VALBLK, "clvb", 4, 0, NULL, NULL, NULL);
		check(rc == 0 && l.sb_status == 0, "lvb: node 3 granted PR", "rc %d status %d", rc, l.sb_status);
		check(memcmp(lvb, lvb_text, sizeof(lvb)) == 0, "lvb: node 3 reads node 2's LVB", "got '%.32s'", lvb);
		dlm_ls_unlock_wait(ls, l.sb_lkid, 0, &l);
		dlm_release_lockspace("default", ls, 0);
	}
	close(hold[1]);
	int status = 0;
	waitpid(writer, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "lvb: node 2 child exits 0", "status %d", status);
}

int main(int argc, char **argv)
{
	test_begin("t_cluster", 40);
	if (!check(argc == 4, "usage: t_cluster NODE1_SOCK NODE2_SOCK NODE3_SOCK", "argc %d", argc))
		return test_end();
	test_bast(argv[1], argv[3]);
	test_lvb(argv[2], argv[3]);
	return test_end();
}
