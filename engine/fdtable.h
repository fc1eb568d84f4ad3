/* Per-process file descriptor tables, modelled the way the kernel does it:
 * a table maps fd numbers to open file descriptions (shared by dup'ed fds and
 * across fork); a table itself is shared by tasks cloned with CLONE_FILES. */
#ifndef COMPENDIUM_FDTABLE_H
#define COMPENDIUM_FDTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h" /* enum cmp_fd_kind */

/* An open file description. */
struct ofd {
    int refs;
    int kind;           /* enum cmp_fd_kind */
    bool writable;      /* opened for writing (O_WRONLY/O_RDWR) */
    char *path;         /* file path, memfd:NAME, pipe:[ino], ...; never NULL */
    int sock_family;    /* AF_* for sockets, else 0 */
    char sock_type[16]; /* "tcp4", "unix", ... for sockets */
    char *remote;       /* peer for sockets once known, else NULL */
};

struct fdtable;

struct fdtable *fdtable_new(void);
struct fdtable *fdtable_ref(struct fdtable *t);
void fdtable_unref(struct fdtable *t);
/* A copy for fork without CLONE_FILES: same descriptions, new table. */
struct fdtable *fdtable_clone(const struct fdtable *t);

/* Whether the table keeps fd (numbers beyond a bound are not kept). */
bool fdtable_trackable(int fd);

/* The description behind fd, or NULL when the table does not know it. */
struct ofd *fdtable_get(const struct fdtable *t, int fd);
bool fdtable_cloexec(const struct fdtable *t, int fd);

/* Installs a fresh description at fd (closing what was there) and returns
 * it for the caller to fill in. path may be NULL (stored as ""). */
struct ofd *fdtable_install(struct fdtable *t, int fd, int kind, const char *path, bool cloexec);

/* dup2/dup3/F_DUPFD semantics: newfd shares oldfd's description. Returns
 * false when oldfd is unknown. */
bool fdtable_dup(struct fdtable *t, int oldfd, int newfd, bool cloexec);
void fdtable_set_cloexec(struct fdtable *t, int fd, bool cloexec);
void fdtable_close(struct fdtable *t, int fd);
/* close_range(2): with CLOSE_RANGE_CLOEXEC the fds are marked, not closed. */
void fdtable_close_range(struct fdtable *t, unsigned first, unsigned last, unsigned flags);
/* execve: drops every close-on-exec fd. */
void fdtable_exec(struct fdtable *t);
/* Number of open fds (for tests and stats). */
int fdtable_count(const struct fdtable *t);
/* A rename moved from (a file or a directory, absolute) to to: the files
 * and directories open under the old name now have the new one, as the
 * kernel names them. */
void fdtable_renamed(struct fdtable *t, const char *from, const char *to);

void ofd_set_path(struct ofd *d, const char *path);
void ofd_set_remote(struct ofd *d, const char *remote);

struct snapshot;
struct snapshot_fd;
/* Installs what a snapshot says an fd is (closing what was there). */
struct ofd *fdtable_apply_fd(struct fdtable *t, const struct snapshot_fd *s);
/* Installs every fd of a snapshot (an attach). */
void fdtable_apply_snapshot(struct fdtable *t, const struct snapshot *s);

#endif
