/*
 * libdlm.h — public interface of dlmd's drop-in C library (libdlm.so.3, libdlm_lt.so.3).
 *
 * Written for dlmd from the facts of the libdlm 4.x API (names, values, signatures and the
 * dlm_lksb layout) so that programs written for Debian's libdlm compile and link unchanged.
 * Calls return 0 on success or -1 with errno set; handle-returning calls return NULL + errno.
 * Completion statuses in sb_status are positive (0, EAGAIN, EDEADLK, ETIMEDOUT, ECANCEL, EUNLOCK);
 * EINPROG is written while an operation is pending. See docs/c-library.md.
 */
#ifndef DLMD_LIBDLM_H
#define DLMD_LIBDLM_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Length of a lock value block for lockspaces created through this library. */
#define DLM_LVB_LEN             32

#ifndef BUILDING_LIBDLM
/** Longest lockspace name, in bytes. */
#define DLM_LOCKSPACE_LEN       64
/** Longest resource name, in bytes. */
#define DLM_RESNAME_MAXLEN      64

/** Lock status block: the caller owns it; the library fills it before calling the AST. */
struct dlm_lksb {
	int sb_status;          /* positive completion status, EINPROG while pending */
	uint32_t sb_lkid;       /* lock id, set when the request is accepted */
	char sb_flags;          /* DLM_SBF_* */
	char *sb_lvbptr;        /* caller's DLM_LVB_LEN-byte value block, or NULL */
};

/* sb_flags bits */
#define DLM_SBF_DEMOTED         0x01
#define DLM_SBF_VALNOTVALID     0x02
#define DLM_SBF_ALTMODE         0x04

/* dlm_new_lockspace flags */
#define DLM_LSFL_TIMEWARN       0x00000002
#define DLM_LSFL_FS             0x00000004
#define DLM_LSFL_NEWEXCL        0x00000008
#endif /* BUILDING_LIBDLM */

/** Lockspace handle returned by dlm_create_lockspace / dlm_new_lockspace / dlm_open_lockspace. */
typedef void *dlm_lshandle_t;

/** Interface version the daemon offers (6.0.1); -1 + errno when no daemon socket exists. */
extern int dlm_kernel_version(uint32_t *maj, uint32_t *min, uint32_t *patch);
/** Interface version compiled into the library (6.0.1). */
extern void dlm_library_version(uint32_t *maj, uint32_t *min, uint32_t *patch);

#ifdef _REENTRANT
/** Synchronous request or conversion (CONVERT uses *lockid) in the default lockspace. */
extern int lock_resource(const char *resource, int mode, int flags, int *lockid);
/** Synchronous unlock in the default lockspace: 0 when the status is EUNLOCK. */
extern int unlock_resource(int lockid);
#endif

/** Asynchronous request or conversion in the default lockspace (opened or created on demand). */
extern int dlm_lock(uint32_t mode, struct dlm_lksb *lksb, uint32_t flags,
		const void *name, unsigned int namelen, uint32_t parent,
		void (*astaddr)(void *astarg), void *astarg,
		void (*bastaddr)(void *astarg), void *range);
/** Asynchronous unlock or cancel in the default lockspace. */
extern int dlm_unlock(uint32_t lkid, uint32_t flags, struct dlm_lksb *lksb, void *astarg);
/** Synchronous request or conversion in the default lockspace; result in lksb->sb_status. */
extern int dlm_lock_wait(uint32_t mode, struct dlm_lksb *lksb, uint32_t flags,
		const void *name, unsigned int namelen, uint32_t parent,
		void *bastarg, void (*bastaddr)(void *bastarg), void *range);
/** Synchronous unlock or cancel in the default lockspace. */
extern int dlm_unlock_wait(uint32_t lkid, uint32_t flags, struct dlm_lksb *lksb);
/** Pollable descriptor of the default lockspace. */
extern int dlm_get_fd(void);
/** Runs every callback pending on the lockspace whose descriptor is fd; never blocks. */
extern int dlm_dispatch(int fd);

/** Creates (or joins) a lockspace; same as dlm_new_lockspace(name, mode, 0). */
extern dlm_lshandle_t dlm_create_lockspace(const char *name, mode_t mode);
/** Closes the handle, drops one create reference; EBUSY when locks remain and force is 0. */
extern int dlm_release_lockspace(const char *name, dlm_lshandle_t ls, int force);
/** Opens an existing lockspace. */
extern dlm_lshandle_t dlm_open_lockspace(const char *name);
/** Closes a handle: its locks are released (PERSISTENT ones become orphans). */
extern int dlm_close_lockspace(dlm_lshandle_t ls);
/** The handle's pollable descriptor. */
extern int dlm_ls_get_fd(dlm_lshandle_t ls);
/** Creates (or joins) a lockspace with DLM_LSFL_* flags. */
extern dlm_lshandle_t dlm_new_lockspace(const char *name, mode_t mode, uint32_t flags);

/** Asynchronous request or conversion in ls. */
extern int dlm_ls_lock(dlm_lshandle_t lockspace, uint32_t mode, struct dlm_lksb *lksb,
		uint32_t flags, const void *name, unsigned int namelen, uint32_t parent,
		void (*astaddr)(void *astarg), void *astarg,
		void (*bastaddr)(void *astarg), void *range);
/** As dlm_ls_lock with a transaction id (recorded only) and a timeout in centiseconds. */
extern int dlm_ls_lockx(dlm_lshandle_t lockspace, uint32_t mode, struct dlm_lksb *lksb,
		uint32_t flags, const void *name, unsigned int namelen, uint32_t parent,
		void (*astaddr)(void *astarg), void *astarg,
		void (*bastaddr)(void *astarg), uint64_t *xid, uint64_t *timeout);
/** Asynchronous unlock or cancel in ls. */
extern int dlm_ls_unlock(dlm_lshandle_t lockspace, uint32_t lkid, uint32_t flags,
		struct dlm_lksb *lksb, void *astarg);
/** Synchronous request or conversion in ls. */
extern int dlm_ls_lock_wait(dlm_lshandle_t lockspace, uint32_t mode, struct dlm_lksb *lksb,
		uint32_t flags, const void *name, unsigned int namelen, uint32_t parent,
		void *bastarg, void (*bastaddr)(void *bastarg), void *range);
/** Synchronous unlock or cancel in ls. */
extern int dlm_ls_unlock_wait(dlm_lshandle_t lockspace, uint32_t lkid, uint32_t flags,
		struct dlm_lksb *lksb);
/** Cancels a pending request or conversion with completion status EDEADLK. */
extern int dlm_ls_deadlock_cancel(dlm_lshandle_t ls, uint32_t lkid, uint32_t flags);
/** Releases this handle's locks (pid = own) or orphans of pid (0 = all orphans). */
extern int dlm_ls_purge(dlm_lshandle_t lockspace, int nodeid, int pid);

#ifdef _REENTRANT
/** Starts the callback thread of the default lockspace. */
extern int dlm_pthread_init(void);
/** Starts the callback thread of ls. */
extern int dlm_ls_pthread_init(dlm_lshandle_t lockspace);
/** Stops the default lockspace's callback thread and closes the default handle. */
extern int dlm_pthread_cleanup(void);
#endif

/* Lock modes */
#define LKM_NLMODE          0
#define LKM_CRMODE          1
#define LKM_CWMODE          2
#define LKM_PRMODE          3
#define LKM_PWMODE          4
#define LKM_EXMODE          5

/* Lock flags */
#define LKF_NOQUEUE         0x00000001
#define LKF_CANCEL          0x00000002
#define LKF_CONVERT         0x00000004
#define LKF_VALBLK          0x00000008
#define LKF_QUECVT          0x00000010
#define LKF_IVVALBLK        0x00000020
#define LKF_CONVDEADLK      0x00000040
#define LKF_PERSISTENT      0x00000080
#define LKF_NODLCKWT        0x00000100
#define LKF_NODLCKBLK       0x00000200
#define LKF_EXPEDITE        0x00000400
#define LKF_NOQUEUEBAST     0x00000800
#define LKF_HEADQUE         0x00001000
#define LKF_NOORDER         0x00002000
#define LKF_ORPHAN          0x00004000
#define LKF_ALTPR           0x00008000
#define LKF_ALTCW           0x00010000
#define LKF_FORCEUNLOCK     0x00020000
#define LKF_TIMEOUT         0x00040000
#define LKF_WAIT            0x80000000

/* Completion statuses beyond errno.h */
#define ECANCEL             0x10001
#define EUNLOCK             0x10002
#define EINPROG             0x10003

#ifdef __cplusplus
}
#endif

#endif /* DLMD_LIBDLM_H */
