/*
 * lockspace.c — creating, opening, closing and releasing lockspace handles, plus the version
 * calls. Each handle is its own connection, bound by CREATE_LOCKSPACE or OPEN_LOCKSPACE.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int valid_ls_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return n >= 1 && n <= DLMC_NAME_BYTES_MAX;
}

/* Connects and binds a new handle with f (CREATE or OPEN, request id filled in by conn_call). */
static struct dlmc_ls *bind_handle(const char *name, struct dlmc_frame *f)
{
	int fd = conn_connect();
	if (fd < 0)
		return NULL;
	struct dlmc_ls *ls = conn_new(fd, name);
	if (!ls) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	struct dlmc_pending p = { .kind = PEND_PLAIN };
	if (conn_call(ls, f, &p) < 0) {
		int e = errno;
		conn_free(ls);
		errno = e;
		return NULL;
	}
	conn_register(ls);
	return ls;
}

DLM_EXPORT dlm_lshandle_t dlm_new_lockspace(const char *name, mode_t mode, uint32_t flags)
{
	if (!valid_ls_name(name)) {
		errno = EINVAL;
		return NULL;
	}
	struct dlmc_frame f;
	frame_begin(&f, DLMP_CREATE_LOCKSPACE);
	frame_u32(&f, flags & ~(uint32_t)DLM_LSFL_TIMEWARN);
	frame_u32(&f, (uint32_t)mode & 07777);
	frame_u32(&f, 0);
	frame_str(&f, name, strlen(name));
	return bind_handle(name, &f);
}

DLM_EXPORT dlm_lshandle_t dlm_create_lockspace(const char *name, mode_t mode)
{
	return dlm_new_lockspace(name, mode, 0);
}

DLM_EXPORT dlm_lshandle_t dlm_open_lockspace(const char *name)
{
	if (!valid_ls_name(name)) {
		errno = EINVAL;
		return NULL;
	}
	struct dlmc_frame f;
	frame_begin(&f, DLMP_OPEN_LOCKSPACE);
	frame_str(&f, name, strlen(name));
	return bind_handle(name, &f);
}

/* Stops the AST thread and frees the handle (deferred to the thread when called from it). */
int lockspace_close(struct dlmc_ls *ls)
{
	default_ls_forget(ls);
	conn_unregister(ls);
#ifndef DLM_LT
	pthread_mutex_lock(&ls->mu);
	int on_own_thread = ls->thread_running && pthread_equal(ls->thread, pthread_self());
	if (on_own_thread) {
		/* The thread frees the handle once the callback it is running returns. */
		ls->free_on_thread_exit = 1;
		ls->thread_stop = 1;
		pthread_mutex_unlock(&ls->mu);
		return 0;
	}
	pthread_mutex_unlock(&ls->mu);
	astthread_stop(ls);
#endif
	conn_free(ls);
	return 0;
}

DLM_EXPORT int dlm_close_lockspace(dlm_lshandle_t lockspace)
{
	if (!lockspace) {
		errno = EINVAL;
		return -1;
	}
	return lockspace_close(lockspace);
}

/* RELEASE_BY_NAME on a fresh unbound connection (dlm_release_lockspace with a NULL handle). */
static int release_by_name(const char *name, int force)
{
	if (!valid_ls_name(name)) {
		errno = EINVAL;
		return -1;
	}
	int fd = conn_connect();
	if (fd < 0)
		return -1;
	struct dlmc_ls *tmp = conn_new(fd, name);
	if (!tmp) {
		close(fd);
		return -1;
	}
	struct dlmc_frame f;
	frame_begin(&f, DLMP_RELEASE_BY_NAME);
	frame_u32(&f, force ? 1u : 0u);
	frame_str(&f, name, strlen(name));
	struct dlmc_pending p = { .kind = PEND_PLAIN };
	int rc = conn_call(tmp, &f, &p);
	int e = errno;
	conn_free(tmp);
	errno = e;
	return rc;
}

DLM_EXPORT int dlm_release_lockspace(const char *name, dlm_lshandle_t lockspace, int force)
{
	struct dlmc_ls *ls = lockspace;
	if (!ls)
		return release_by_name(name, force);
#ifndef DLM_LT
	astthread_stop(ls);
#endif
	struct dlmc_frame f;
	frame_begin(&f, DLMP_RELEASE_LOCKSPACE);
	frame_u32(&f, force ? 1u : 0u);
	struct dlmc_pending p = { .kind = PEND_PLAIN };
	int rc = conn_call(ls, &f, &p);
	int e = errno;
	lockspace_close(ls);
	errno = e;
	return rc;
}

DLM_EXPORT int dlm_ls_get_fd(dlm_lshandle_t lockspace)
{
	struct dlmc_ls *ls = lockspace;
	if (!ls) {
		errno = EINVAL;
		return -1;
	}
	return ls->fd;
}

DLM_EXPORT int dlm_kernel_version(uint32_t *maj, uint32_t *min, uint32_t *patch)
{
	if (access(conn_socket_path(), F_OK) < 0)
		return -1;
	if (maj)
		*maj = DLMC_VERSION_MAJOR;
	if (min)
		*min = DLMC_VERSION_MINOR;
	if (patch)
		*patch = DLMC_VERSION_PATCH;
	return 0;
}

DLM_EXPORT void dlm_library_version(uint32_t *maj, uint32_t *min, uint32_t *patch)
{
	if (maj)
		*maj = DLMC_VERSION_MAJOR;
	if (min)
		*min = DLMC_VERSION_MINOR;
	if (patch)
		*patch = DLMC_VERSION_PATCH;
}

DLM_EXPORT int dlm_dispatch(int fd)
{
	struct dlmc_ls *ls = conn_find_by_fd(fd);
	if (!ls) {
		errno = EBADF;
		return -1;
	}
	int rc = conn_pump(ls, 0);
	conn_run_callbacks(ls);
	if (rc < 0)
		errno = ENOTCONN;
	return rc;
}
