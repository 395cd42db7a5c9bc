/*
 * default_ls.c — the implicit "default" lockspace used by dlm_lock, dlm_unlock, dlm_lock_wait,
 * dlm_unlock_wait and dlm_get_fd: opened, or created with mode 0600, on first use.
 */
#include <errno.h>

#include "internal.h"

static pthread_mutex_t default_mu = PTHREAD_MUTEX_INITIALIZER;
static struct dlmc_ls *default_handle;

/* The default handle; when open_or_create, opens or creates it on first use (NULL + errno). */
struct dlmc_ls *default_ls_get(int open_or_create)
{
	pthread_mutex_lock(&default_mu);
	struct dlmc_ls *ls = default_handle;
	if (!ls && open_or_create) {
		ls = dlm_open_lockspace(DLMC_DEFAULT_LOCKSPACE);
		if (!ls && errno == ENOENT)
			ls = dlm_create_lockspace(DLMC_DEFAULT_LOCKSPACE, DLMC_DEFAULT_MODE);
		default_handle = ls;
	}
	int e = errno;
	pthread_mutex_unlock(&default_mu);
	if (!ls)
		errno = open_or_create ? e : ENOTCONN;
	return ls;
}

/* Called when a handle closes: it stops being the default. */
void default_ls_forget(struct dlmc_ls *ls)
{
	pthread_mutex_lock(&default_mu);
	if (default_handle == ls)
		default_handle = NULL;
	pthread_mutex_unlock(&default_mu);
}

DLM_EXPORT int dlm_lock(uint32_t mode, struct dlm_lksb *lksb, uint32_t flags,
		const void *name, unsigned int namelen, uint32_t parent,
		void (*astaddr)(void *), void *astarg, void (*bastaddr)(void *), void *range)
{
	(void)parent;
	int wait = (flags & LKF_WAIT) != 0;
	if (range || mode > DLMC_MODE_MAX || !lksb || (!astaddr && !wait) ||
	    (!(flags & LKF_CONVERT) && namelen > DLMC_NAME_BYTES_MAX)) {
		errno = range ? ENOSYS : EINVAL; /* rejected before the default lockspace opens */
		return -1;
	}
	struct dlmc_ls *ls = default_ls_get(1);
	if (!ls)
		return -1;
	return lock_request(ls, mode, lksb, flags, name, namelen, astaddr, astarg, bastaddr, 0,
			    wait);
}

DLM_EXPORT int dlm_lock_wait(uint32_t mode, struct dlm_lksb *lksb, uint32_t flags,
		const void *name, unsigned int namelen, uint32_t parent,
		void *bastarg, void (*bastaddr)(void *), void *range)
{
	if (range || mode > DLMC_MODE_MAX || !lksb ||
	    (!(flags & LKF_CONVERT) && namelen > DLMC_NAME_BYTES_MAX)) {
		errno = range ? ENOSYS : EINVAL;
		return -1;
	}
	struct dlmc_ls *ls = default_ls_get(1);
	if (!ls)
		return -1;
	return dlm_ls_lock_wait(ls, mode, lksb, flags, name, namelen, parent, bastarg, bastaddr,
				NULL);
}

DLM_EXPORT int dlm_unlock(uint32_t lkid, uint32_t flags, struct dlm_lksb *lksb, void *astarg)
{
	return lock_unlock(default_ls_get(0), lkid, flags, lksb, astarg, 0, 0);
}

DLM_EXPORT int dlm_unlock_wait(uint32_t lkid, uint32_t flags, struct dlm_lksb *lksb)
{
	return lock_unlock(default_ls_get(0), lkid, flags, lksb, NULL, 0, 1);
}

DLM_EXPORT int dlm_get_fd(void)
{
	struct dlmc_ls *ls = default_ls_get(1);
	return ls ? ls->fd : -1;
}
