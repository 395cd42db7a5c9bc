/*
 * t_noserver.c — checks what the library decides before any I/O, with DLMD_SOCKET pointing at a
 * path where no daemon listens: versions, EINVAL on bad mode / namelen 65, ENOTCONN on unlocks
 * without a default lockspace, EINVAL on bad lockspace names, the connect error otherwise.
 * Built twice: against libdlm.so (threaded) and libdlm_lt.so (t_noserver_lt, no _REENTRANT).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

int main(void)
{
	#ifdef _REENTRANT
	test_begin("t_noserver", 10);
#else
	test_begin("t_noserver_lt", 10);
#endif
	setenv("DLMD_SOCKET", "/nonexistent-dlmd-dir/dlmd.sock", 1);

	uint32_t maj = 0, min = 0, pat = 0;
	dlm_library_version(&maj, &min, &pat);
	check(maj == 6 && min == 0 && pat == 1, "library version 6.0.1", "got %u.%u.%u", maj,
	      min, pat);
	errno = 0;
	check(dlm_kernel_version(&maj, &min, &pat) == -1, "kernel version -1 without daemon",
	      "returned 0");

	struct dlm_lksb lksb;
	memset(&lksb, 0, sizeof(lksb));
	errno = 0;
	int rc = dlm_lock(6, &lksb, 0, "r", 1, 0, rec_ast, NULL, NULL, NULL);
	check(rc == -1 && errno == EINVAL, "dlm_lock mode 6 is EINVAL", "rc %d errno %d", rc, errno);
	char name[65];
	memset(name, 'n', sizeof(name));
	errno = 0;
	rc = dlm_lock(LKM_EXMODE, &lksb, 0, name, 65, 0, rec_ast, NULL, NULL, NULL);
	check(rc == -1 && errno == EINVAL, "dlm_lock namelen 65 is EINVAL", "rc %d errno %d", rc,
	      errno);
	errno = 0;
	rc = dlm_lock(LKM_EXMODE, NULL, 0, "r", 1, 0, rec_ast, NULL, NULL, NULL);
	check(rc == -1 && errno == EINVAL, "dlm_lock NULL lksb is EINVAL", "rc %d errno %d", rc,
	      errno);
	errno = 0;
	rc = dlm_unlock(1, 0, &lksb, NULL);
	check(rc == -1 && errno == ENOTCONN, "dlm_unlock without default is ENOTCONN",
	      "rc %d errno %d", rc, errno);
	errno = 0;
	rc = dlm_unlock_wait(1, 0, &lksb);
	check(rc == -1 && errno == ENOTCONN, "dlm_unlock_wait without default is ENOTCONN",
	      "rc %d errno %d", rc, errno);
#ifdef _REENTRANT
	errno = 0;
	rc = unlock_resource(1);
	check(rc == -1 && errno == ENOTCONN, "unlock_resource without default is ENOTCONN",
	      "rc %d errno %d", rc, errno);
#endif
	errno = 0;
	dlm_lshandle_t ls = dlm_create_lockspace("", 0600);
	check(ls == NULL && errno == EINVAL, "empty lockspace name is EINVAL", "errno %d", errno);
	name[64] = '\0';
	char longname[66];
	memset(longname, 'x', 65);
	longname[65] = '\0';
	errno = 0;
	ls = dlm_open_lockspace(longname);
	check(ls == NULL && errno == EINVAL, "65-byte lockspace name is EINVAL", "errno %d", errno);
	errno = 0;
	ls = dlm_create_lockspace("nodaemon", 0600);
	check(ls == NULL && (errno == ENOENT || errno == ECONNREFUSED),
	      "create without daemon fails with the connect error", "errno %d", errno);
	errno = 0;
	rc = dlm_get_fd();
	check(rc == -1 && errno != 0, "dlm_get_fd without daemon fails", "rc %d errno %d", rc,
	      errno);
	return test_end();
}
