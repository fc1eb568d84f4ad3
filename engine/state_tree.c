/* Changes to the file tree: rename, unlink, mkdir, rmdir, link, symlink,
 * chmod, chown, truncate and utimes in all their variants become one event
 * kind each, its paths made absolute the way the kernel reached them (the
 * working directory or the directory fd of a *at call; an f-variant's fd is
 * named by what the fd is). A failed call is an event too, with its error:
 * "which file did it try to remove?" is asked as often as "which did it". */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/syscall.h>

#include "paths.h"
#include "script_host.h"
#include "state_internal.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef AT_REMOVEDIR
#define AT_REMOVEDIR 0x200
#endif

/* The absolute paths of the event being built; valid until the next. */
static char abs_first[PATH_MAX], abs_second[PATH_MAX];

const char *state_absolute(struct task *t, int dirfd, const char *path, const char *cwd, char *out,
                           size_t cap)
{
    if (!path)
        return NULL;
    char base[PATH_MAX];
    base[0] = '\0';
    if (path[0] != '/') {
        struct ofd *d = dirfd == AT_FDCWD ? NULL : state_fd_lookup(t, dirfd);
        if (d && (d->kind == CMP_FD_DIR || d->kind == CMP_FD_FILE))
            snprintf(base, sizeof(base), "%s", d->path);
        else if (dirfd == AT_FDCWD && cwd)
            snprintf(base, sizeof(base), "%s", cwd);
        if (base[0] != '/')
            return NULL;
    }
    if (path_join_normalize(base, path, out, cap) == 0)
        return NULL;
    return out;
}

/* What an fd names, for an f-variant (or an empty path with AT_EMPTY_PATH):
 * a file or directory's path; NULL for anything else. */
static const char *fd_file(struct task *t, int fd)
{
    struct ofd *d = state_fd_lookup(t, fd);
    if (!d || !(d->kind == CMP_FD_DIR || d->kind == CMP_FD_FILE || d->kind == CMP_FD_MEMFD) ||
        d->path[0] != '/')
        return NULL;
    return d->path;
}

/* A path argument (which: 0 the first, 1 the second) relative to dirfd,
 * made absolute into out; an empty path with AT_EMPTY_PATH is the fd's own
 * file. */
static const char *tree_path(struct task *t, int which, int dirfd, bool fd_if_empty, char *out)
{
    struct syscall_call *c = &t->call;
    const char *p = which == 0 ? c->path : c->path2;
    int len = which == 0 ? c->path_len : c->path2_len;
    if (len == 0 && fd_if_empty)
        return fd_file(t, dirfd);
    if (len < 0)
        return NULL;
    const char *cwd = t->fs ? t->fs->cwd : NULL;
    return state_absolute(t, dirfd, p, cwd, out, PATH_MAX);
}

/* One file tree event: path is the file changed (NULL when it cannot be
 * named), requested the argument as passed. */
static cmp_event *tree_event(struct task *t, int type, int64_t ret, const char *path,
                             cmp_str requested, uint64_t now)
{
    cmp_event *e = state_event_begin(t, type, now);
    e->ret = ret;
    e->path = state_cstr(path);
    e->requested = requested;
    if (ret < 0)
        e->error = state_cstr(cmp_errno_name((int32_t)-ret));
    return e;
}

static cmp_str first_arg(struct task *t)
{
    return state_str(t->call.path, t->call.path_len);
}

static cmp_str second_arg(struct task *t)
{
    return state_str(t->call.path2, t->call.path2_len);
}

struct renaming {
    const char *from, *to;
};

static void rename_fds(struct task *t, void *arg)
{
    const struct renaming *r = arg;
    /* tasks sharing a table visit it again: the old name is gone by then */
    if (t->fds)
        fdtable_renamed(t->fds, r->from, r->to);
}

/* rename and link: from (the first path, relative to olddir) to the second
 * (exchange: RENAME_EXCHANGE swapped the two). A rename gives the fds open
 * under the old name the new one, so that an f-variant later names the file
 * by the name it has. */
static void two_paths(struct task *t, int type, int64_t ret, int olddir, int newdir,
                      bool empty_is_fd, bool exchange, uint64_t now)
{
    bool moves = type == CMP_EV_RENAME && ret == 0 && !exchange;
    if (!moves && !script_host_wants(type))
        return;
    const char *from = tree_path(t, 0, olddir, empty_is_fd, abs_first);
    const char *to = tree_path(t, 1, newdir, false, abs_second);
    if (moves && from && to)
        proctable_each(rename_fds, &(struct renaming){from, to});
    if (!script_host_wants(type))
        return;
    cmp_event *e = tree_event(t, type, ret, from, first_arg(t), now);
    e->new_path = state_cstr(to);
    e->exchange = exchange;
    script_host_dispatch();
}

static void symlink_made(struct task *t, int64_t ret, int dirfd, uint64_t now)
{
    if (!script_host_wants(CMP_EV_SYMLINK))
        return;
    const char *link = tree_path(t, 1, dirfd, false, abs_second);
    cmp_event *e = tree_event(t, CMP_EV_SYMLINK, ret, link, second_arg(t), now);
    e->link_target = first_arg(t);
    script_host_dispatch();
}

/* A change to one file: by path relative to dirfd, or (fd >= 0 and no path
 * argument) the fd's own file. Returns the event to fill, NULL when no
 * script wants it. */
static cmp_event *one_path(struct task *t, int type, int64_t ret, int dirfd, bool empty_is_fd,
                           uint64_t now)
{
    if (!script_host_wants(type))
        return NULL;
    const char *path = tree_path(t, 0, dirfd, empty_is_fd, abs_first);
    return tree_event(t, type, ret, path, first_arg(t), now);
}

static cmp_event *by_fd(struct task *t, int type, int64_t ret, int fd, uint64_t now)
{
    if (!script_host_wants(type))
        return NULL;
    return tree_event(t, type, ret, fd_file(t, fd), (cmp_str){NULL, 0}, now);
}

static void send_mode(cmp_event *e, uint64_t mode)
{
    if (!e)
        return;
    e->mode = (int32_t)(mode & 07777);
    script_host_dispatch();
}

static void send_owner(cmp_event *e, uint64_t uid, uint64_t gid)
{
    if (!e)
        return;
    e->uid = (int32_t)(uint32_t)uid;
    e->gid = (int32_t)(uint32_t)gid;
    script_host_dispatch();
}

static void send_size(cmp_event *e, uint64_t size)
{
    if (!e)
        return;
    e->size = size;
    script_host_dispatch();
}

static void send(cmp_event *e)
{
    if (e)
        script_host_dispatch();
}

bool state_tree_at_exit(struct task *t, int64_t ret, uint64_t now)
{
    const uint64_t *a = t->call.args;
    const int cwd = AT_FDCWD;
    switch (t->call.nr) {
    case SYS_rename:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        two_paths(t, CMP_EV_RENAME, ret, cwd, cwd, false, false, now);
        return true;
    case SYS_renameat:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        two_paths(t, CMP_EV_RENAME, ret, (int)a[0], (int)a[2], false, false, now);
        return true;
    case SYS_renameat2:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        two_paths(t, CMP_EV_RENAME, ret, (int)a[0], (int)a[2], false, (a[4] & RENAME_EXCHANGE) != 0,
                  now);
        return true;
    case SYS_link:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        two_paths(t, CMP_EV_LINK, ret, cwd, cwd, false, false, now);
        return true;
    case SYS_linkat:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        two_paths(t, CMP_EV_LINK, ret, (int)a[0], (int)a[2], (a[4] & AT_EMPTY_PATH) != 0, false,
                  now);
        return true;
    case SYS_symlink:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        symlink_made(t, ret, cwd, now);
        return true;
    case SYS_symlinkat:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        symlink_made(t, ret, (int)a[1], now);
        return true;
    case SYS_unlink:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send(one_path(t, CMP_EV_UNLINK, ret, cwd, false, now));
        return true;
    case SYS_unlinkat:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send(one_path(t, (a[2] & AT_REMOVEDIR) ? CMP_EV_RMDIR : CMP_EV_UNLINK, ret, (int)a[0],
                      false, now));
        return true;
    case SYS_rmdir:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send(one_path(t, CMP_EV_RMDIR, ret, cwd, false, now));
        return true;
    case SYS_mkdir:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send_mode(one_path(t, CMP_EV_MKDIR, ret, cwd, false, now), a[1]);
        return true;
    case SYS_mkdirat:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send_mode(one_path(t, CMP_EV_MKDIR, ret, (int)a[0], false, now), a[2]);
        return true;
    case SYS_chmod:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send_mode(one_path(t, CMP_EV_CHMOD, ret, cwd, false, now), a[1]);
        return true;
    case SYS_fchmod:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send_mode(by_fd(t, CMP_EV_CHMOD, ret, (int)a[0], now), a[1]);
        return true;
    case SYS_fchmodat:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send_mode(one_path(t, CMP_EV_CHMOD, ret, (int)a[0], false, now), a[2]);
        return true;
    case 452: /* fchmodat2 */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send_mode(one_path(t, CMP_EV_CHMOD, ret, (int)a[0], (a[3] & AT_EMPTY_PATH) != 0, now),
                  a[2]);
        return true;
    case SYS_chown:
    case SYS_lchown:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send_owner(one_path(t, CMP_EV_CHOWN, ret, cwd, false, now), a[1], a[2]);
        return true;
    case SYS_fchown:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send_owner(by_fd(t, CMP_EV_CHOWN, ret, (int)a[0], now), a[1], a[2]);
        return true;
    case SYS_fchownat:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send_owner(one_path(t, CMP_EV_CHOWN, ret, (int)a[0], (a[4] & AT_EMPTY_PATH) != 0, now),
                   a[2], a[3]);
        return true;
    case SYS_truncate:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send_size(one_path(t, CMP_EV_TRUNCATE, ret, cwd, false, now), a[1]);
        return true;
    case SYS_ftruncate:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send_size(by_fd(t, CMP_EV_TRUNCATE, ret, (int)a[0], now), a[1]);
        return true;
    case SYS_utime:
    case SYS_utimes:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        send(one_path(t, CMP_EV_UTIMES, ret, cwd, false, now));
        return true;
    case SYS_futimesat:
    case SYS_utimensat: /* a NULL path (futimens) is the fd's own file */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        if (a[1] == 0)
            send(by_fd(t, CMP_EV_UTIMES, ret, (int)a[0], now));
        else
            send(one_path(t, CMP_EV_UTIMES, ret, (int)a[0],
                          t->call.nr == SYS_utimensat && (a[3] & AT_EMPTY_PATH), now));
        return true;
    default:
        return false;
    }
}
