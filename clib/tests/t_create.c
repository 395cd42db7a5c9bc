/*
 * t_create.c — lockspace creation: a second dlm_new_lockspace with DLM_LSFL_NEWEXCL is EEXIST;
 * without it two processes (fork) both create — join — the same lockspace while both hold it,
 * and both releases succeed (with DLMD_PEER_SOCKET the child joins from another node).
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static void newexcl(void)
{
	const char *name = ls_name("excl");
	dlm_lshandle_t ls = dlm_new_lockspace(name, 0600, DLM_LSFL_NEWEXCL);
	check(ls != NULL, "first NEWEXCL create", "errno %d", errno);
	errno = 0;
	dlm_lshandle_t again = dlm_new_lockspace(name, 0600, DLM_LSFL_NEWEXCL);
	check(again == NULL && errno == EEXIST, "second NEWEXCL create is EEXIST", "errno %d",
	      errno);
	if (again)
		dlm_release_lockspace(name, again, 0);
	if (ls) {
		int released = dlm_release_lockspace(name, ls, 0);
		check(released == 0, "release", "errno %d", errno);
	}
}

static void two_processes(void)
{
	const char *name = ls_name("shared");
	int to_child[2], to_parent[2];
	if (pipe(to_child) < 0 || pipe(to_parent) < 0)
		return;
	dlm_lshandle_t ls = dlm_create_lockspace(name, 0600);
	check(ls != NULL, "parent creates", "errno %d", errno);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10);
		use_peer_node();
		dlm_lshandle_t cls = dlm_create_lockspace(name, 0600);
		char ok = cls != NULL ? 'y' : 'n';
		if (write(to_parent[1], &ok, 1) != 1)
			_exit(2);
		char go;
		if (read(to_child[0], &go, 1) != 1)
			_exit(2);
		ok = (cls && dlm_release_lockspace(name, cls, 0) == 0) ? 'y' : 'n';
		_exit(write(to_parent[1], &ok, 1) == 1 && ok == 'y' ? 0 : 1);
	}
	char ok = 'n';
	int got = (int)read(to_parent[0], &ok, 1);
	check(got == 1 && ok == 'y', "child creates the same lockspace without NEWEXCL",
	      "got %d '%c'", got, ok);
	char go = 'g';
	if (write(to_child[1], &go, 1) != 1)
		return;
	got = (int)read(to_parent[0], &ok, 1);
	check(got == 1 && ok == 'y', "child releases its create reference", "got %d", got);
	int status = 0;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exits 0", "status %d",
	      status);
	if (ls)
		check(dlm_release_lockspace(name, ls, 0) == 0, "parent releases last", "errno %d",
		      errno);
}

int main(void)
{
	test_begin("t_create", 20);
	newexcl();
	two_processes();
	return test_end();
}
