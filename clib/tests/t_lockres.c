/*
 * t_lockres.c — lock_resource / unlock_resource in the default lockspace: a grant returns a lock
 * id, a NOQUEUE conflict fails with errno EAGAIN, a conversion keeps the id, unlock_resource
 * returns 0, and unlocking the id again fails with ENOENT.
 */
#include <errno.h>

#include "testlib.h"

int main(void)
{
	test_begin("t_lockres", 20);
	const char *res = ls_name("lockres");
	int id = 0;
	int rc = lock_resource(res, LKM_EXMODE, 0, &id);
	check(rc == 0 && id > 0, "lock_resource EX", "rc %d errno %d id %d", rc, errno, id);
	int id2 = 0;
	errno = 0;
	rc = lock_resource(res, LKM_EXMODE, LKF_NOQUEUE, &id2);
	check(rc == -1 && errno == EAGAIN, "conflicting NOQUEUE is EAGAIN", "rc %d errno %d", rc,
	      errno);
	int conv = id;
	rc = lock_resource(res, LKM_NLMODE, LKF_CONVERT, &conv);
	check(rc == 0 && conv == id, "convert EX to NL keeps the id", "rc %d errno %d id %d", rc,
	      errno, conv);
	rc = lock_resource(res, LKM_PRMODE, LKF_NOQUEUE, &id2);
	check(rc == 0 && id2 > 0 && id2 != id, "PR now compatible", "rc %d errno %d", rc, errno);
	check(unlock_resource(id2) == 0, "unlock_resource of the PR lock", "errno %d", errno);
	check(unlock_resource(id) == 0, "unlock_resource of the NL lock", "errno %d", errno);
	errno = 0;
	rc = unlock_resource(id);
	check(rc == -1 && errno == ENOENT, "second unlock_resource is ENOENT", "rc %d errno %d",
	      rc, errno);
	check(dlm_pthread_cleanup() == 0, "cleanup", "errno %d", errno);
	return test_end();
}
