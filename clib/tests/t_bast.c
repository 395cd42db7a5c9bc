/*
 * t_bast.c — blocking callbacks between two processes: the parent holds EX with a bast; a forked
 * child requests EX on the same resource and waits; the parent's bast runs on its AST thread,
 * the parent unlocks, and the child's AST reports the grant (status 0) back through a pipe. With
 * DLMD_PEER_SOCKET (cluster runs) the child runs on another node and creates the lockspace there.
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static void child(const char *name, int report_fd)
{
	alarm(10);
	/* On a cluster run the child is on another node, where the lockspace must be created (joined). */
	int remote = use_peer_node();
	dlm_lshandle_t ls = remote ? dlm_create_lockspace(name, 0666) : dlm_open_lockspace(name);
	char r = 'o';
	if (ls && dlm_ls_pthread_init(ls) == 0) {
		struct dlm_lksb l;
		struct recorder rec;
		memset(&l, 0, sizeof(l));
		rec_init(&rec, &l);
		r = 'l';
		if (dlm_ls_lock(ls, LKM_EXMODE, &l, 0, "bast", 4, 0, rec_ast, &rec, NULL, NULL) == 0)
			r = (rec_wait_asts(&rec, 1, 8000) && rec_status(&rec) == 0) ? 'y' : 'a';
		/* unlock before reporting, so the parent's release finds no lock left */
		if (r == 'y' && (dlm_ls_unlock_wait(ls, l.sb_lkid, 0, &l) != 0 ||
				 l.sb_status != EUNLOCK))
			r = 'u';
		if (remote)
			dlm_release_lockspace(name, ls, 0);
		else
			dlm_close_lockspace(ls);
	}
	_exit(write(report_fd, &r, 1) == 1 ? 0 : 1);
}

int main(void)
{
	test_begin("t_bast", 20);
	const char *name = ls_name("bast");
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0666);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	check(dlm_ls_pthread_init(ls) == 0, "ls_pthread_init", "errno %d", errno);
	struct dlm_lksb l;
	struct recorder rec;
	memset(&l, 0, sizeof(l));
	rec_init(&rec, &l);
	int rc = dlm_ls_lock(ls, LKM_EXMODE, &l, 0, "bast", 4, 0, rec_ast, &rec, rec_bast, NULL);
	check(rc == 0 && rec_wait_asts(&rec, 1, 5000) && rec_status(&rec) == 0, "parent holds EX",
	      "rc %d status %d", rc, rec_status(&rec));
	int report[2];
	if (pipe(report) < 0)
		return test_end();
	pid_t pid = fork();
	if (pid == 0)
		child(name, report[1]);
	check(rec_wait_basts(&rec, 1, 8000), "parent receives the bast", "basts %d", rec_basts(&rec));
	rc = dlm_ls_unlock(ls, l.sb_lkid, 0, &l, &rec);
	check(rc == 0 && rec_wait_asts(&rec, 2, 5000) && rec_status(&rec) == EUNLOCK,
	      "parent unlocks", "rc %d status %d", rc, rec_status(&rec));
	char r = '?';
	int got = (int)read(report[0], &r, 1);
	check(got == 1 && r == 'y', "child granted EX after the unlock", "got %d '%c'", got, r);
	int status = 0;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exits 0", "status %d",
	      status);
	int released = dlm_release_lockspace(name, ls, 0);
	check(released == 0, "release", "errno %d", errno);
	return test_end();
}
