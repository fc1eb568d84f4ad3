/* fd tables as syscalls change them: opens, dups, closes, close-on-exec,
 * sockets and their peers, pipes and the other fds with no path of their
 * own, io_uring rings. What an fd is comes from the record (the kernel's
 * name, as the source captured it), never from a guess. fdtable.c keeps the
 * tables; this file knows which syscall does what to them. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/io_uring.h>
#include <linux/sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "decode.h"
#include "state_internal.h"

/* What the record says fd is, installed in t's table; NULL, with *err
 * saying why, when the source could not tell. */
static struct ofd *learn_captured(struct task *t, int fd, int *err)
{
    const struct captured_fd *cf = payload_fd(&t->call.cap, fd);
    int why = !cf || !cf->info.path ? ENOENT : cf->err;
    if (err)
        *err = why;
    if (why || !fdtable_trackable(fd))
        return NULL;
    return fdtable_apply_fd(t->fds, &cf->info);
}

struct ofd *state_fd_lookup(struct task *t, int fd)
{
    if (fd < 0 || !t->fds)
        return NULL;
    struct ofd *d = fdtable_get(t->fds, fd);
    if (!d)
        d = learn_captured(t, fd, NULL);
    return d;
}

/* ---- fd tables of tasks -------------------------------------------------- */

void state_fd_spawn(struct task *parent, struct task *child, uint64_t clone_flags)
{
    child->fds =
        (clone_flags & CLONE_FILES) ? fdtable_ref(parent->fds) : fdtable_clone(parent->fds);
}

void state_fd_exec(struct task *t)
{
    /* exec unshares the fd table and drops close-on-exec fds. */
    struct fdtable *fds = fdtable_clone(t->fds);
    fdtable_unref(t->fds);
    t->fds = fds;
    fdtable_exec(fds);
}

/* ---- io_uring ------------------------------------------------------------ */

/* What a ring's submissions do is not seen: the kernel reads them from
 * memory shared with the program (with SQPOLL, without any syscall). So each
 * ring is reported once, as an io_uring event, and counted in the totals;
 * the scripts say what could not be seen and the checks fail closed. */
#define IO_URING_LINK "anon_inode:[io_uring]"
/* io_uring_register's opcode flag IORING_REGISTER_USE_REGISTERED_RING (6.3),
 * which older headers lack: the fd is then an index, not an fd. */
#define USE_REGISTERED_RING (1ull << 31)

static void ring_seen(struct task *t, int fd, int entries, bool sqpoll, bool inherited,
                      uint64_t now)
{
    state_counts.io_urings++;
    state_emit_io_uring(t, fd, entries, sqpoll, inherited, now);
}

static void handle_io_uring_setup(struct task *t, int64_t ret, uint64_t now)
{
    const struct syscall_payloads *p = &t->call.cap;
    bool known = payload_has(p, PAYLOAD_URING);
    /* The kernel makes the fd O_RDWR | O_CLOEXEC. */
    struct ofd *d = fdtable_install(t->fds, (int)ret, CMP_FD_IO_URING, IO_URING_LINK, true);
    d->writable = true;
    ring_seen(t, (int)ret, known ? (int)p->uring_sq_entries : 0,
              known && (p->uring_flags & IORING_SETUP_SQPOLL), false, now);
}

/* A ring used (io_uring_enter, io_uring_register, mmap) whose setup the
 * trace did not see: made before --pid attached, or received from another
 * process. Its fdinfo tells the size and whether a kernel thread polls it. */
void state_fd_notice_ring(struct task *t, int fd, uint64_t now)
{
    struct ofd *d = state_fd_lookup(t, fd);
    if (!d || d->kind == CMP_FD_IO_URING || strcmp(d->path, IO_URING_LINK) != 0)
        return;
    d->kind = CMP_FD_IO_URING;
    const struct captured_fd *cf = payload_fd(&t->call.cap, fd);
    bool known = cf && cf->ring_known;
    ring_seen(t, fd, known ? cf->ring_entries : 0, known && cf->ring_sqpoll, true, now);
}

/* ---- entry --------------------------------------------------------------- */

bool state_fd_at_entry(struct task *t, uint64_t now)
{
    const uint64_t *a = t->call.args;
    switch (t->call.nr) {
    case SYS_open:
    case SYS_creat:
    case SYS_openat:
    case 437: /* openat2 */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        return true; /* the path is in the record */
    case SYS_connect:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        return true; /* the address is in the record */
    case SYS_sendto:
        STATE_NEEDS(SYSCALL_NEED_ENTRY);
        return true;
    case SYS_io_uring_enter: /* before it submits anything */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        if (!(a[3] & IORING_ENTER_REGISTERED_RING)) /* else a[0] indexes registered rings */
            state_fd_notice_ring(t, (int)a[0], now);
        return true;
    case SYS_io_uring_register:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        if (!(a[1] & USE_REGISTERED_RING))
            state_fd_notice_ring(t, (int)a[0], now);
        return true;
    default:
        return false;
    }
}

/* ---- exit ---------------------------------------------------------------- */

/* A successful open: the file of record is the one the kernel opened, as
 * its fd names it now; the argument, read at entry (and maybe rewritten by
 * another thread since, or naming a symlink), is only what was asked for. */
static void handle_open(struct task *t, int64_t ret, uint64_t flags, uint64_t now)
{
    int fd = (int)ret;
    fdtable_close(t->fds, fd);
    int err;
    struct ofd *d = learn_captured(t, fd, &err);
    if (d && !d->path[0])
        err = ENAMETOOLONG;
    if (!d) /* closed already by another thread sharing the table */
        d = fdtable_install(t->fds, fd, CMP_FD_FILE, NULL, false);
    /* O_CLOEXEC asked for is set, whatever the record read of the fd's
     * flags (nothing, when its fdinfo was unreadable). */
    if (flags & O_CLOEXEC)
        fdtable_set_cloexec(t->fds, fd, true);
    /* fdinfo says how the file was opened; the flags argument counts too,
     * should fdinfo have been unreadable: a write is never missed. */
    d->writable = d->writable || (flags & O_ACCMODE) != O_RDONLY;
    state_emit_open(t, fd, d, err, now);
}

/* fds with no path of their own (pipes, eventfds, ...) are learnt as the
 * record names them, so they carry the kernel's name and inode, as
 * inherited ones do. */
static void learn_fd(struct task *t, int fd, bool cloexec)
{
    fdtable_close(t->fds, fd);
    learn_captured(t, fd, NULL);
    /* The flag the call asked for (the kernel set it), should the record
     * have no flags of the fd's own. */
    if (cloexec)
        fdtable_set_cloexec(t->fds, fd, true);
}

static void learn_fd_pair(struct task *t, bool cloexec)
{
    const struct syscall_payloads *p = &t->call.cap;
    if (!payload_has(p, PAYLOAD_FD_PAIR))
        return;
    learn_fd(t, p->fd_pair[0], cloexec);
    learn_fd(t, p->fd_pair[1], cloexec);
}

static void install_socket(struct task *t, int fd, const uint64_t *a)
{
    struct ofd *d =
        fdtable_install(t->fds, fd, CMP_FD_SOCKET, "socket", (a[1] & SOCK_CLOEXEC) != 0);
    d->writable = true;
    d->sock_family = (int)a[0];
    snprintf(d->sock_type, sizeof(d->sock_type), "%s",
             decode_sock_type((int)a[0], (int)a[1], (int)a[2]));
}

static void install_socket_pair(struct task *t, const uint64_t *a)
{
    const struct syscall_payloads *p = &t->call.cap;
    if (!payload_has(p, PAYLOAD_FD_PAIR))
        return;
    for (int i = 0; i < 2; i++)
        install_socket(t, p->fd_pair[i], a);
}

const char *state_peer_text(const struct syscall_payloads *p, char *out, size_t size)
{
    if (!payload_has(p, PAYLOAD_PEER) || p->peer_len == 0)
        return NULL;
    struct sockaddr_storage ss;
    int family = 0;
    memcpy(&ss, p->peer, p->peer_len);
    return decode_sockaddr(&ss, p->peer_len, out, size, &family) > 0 ? out : NULL;
}

static void handle_accept(struct task *t, int64_t ret, bool cloexec)
{
    const uint64_t *a = t->call.args;
    struct ofd *listener = state_fd_lookup(t, (int)a[0]);
    struct ofd *d = fdtable_install(t->fds, (int)ret, CMP_FD_SOCKET, "socket", cloexec);
    d->writable = true;
    if (listener) {
        snprintf(d->sock_type, sizeof(d->sock_type), "%s", listener->sock_type);
        d->sock_family = listener->sock_family;
    }
    char peer[160];
    if (state_peer_text(&t->call.cap, peer, sizeof(peer))) {
        ofd_set_remote(d, peer);
        return;
    }
    /* No address asked for: the record describes the new socket. */
    fdtable_close(t->fds, (int)ret);
    struct ofd *probed = learn_captured(t, (int)ret, NULL);
    if (probed && listener && !probed->sock_type[0])
        snprintf(probed->sock_type, sizeof(probed->sock_type), "%s", listener->sock_type);
    if (probed)
        fdtable_set_cloexec(t->fds, (int)ret, cloexec);
}

/* A successful dup, dup2, dup3 or F_DUPFD: newfd now shares oldfd's
 * description. Whatever newfd was before is gone (dup2 closed it; for the
 * others it was free, so an entry there is stale), also when oldfd is one
 * neither the state nor the record knows: newfd is then unknown too. */
static void handle_dup(struct task *t, int oldfd, int newfd, bool cloexec)
{
    if (oldfd == newfd)
        return; /* dup2(fd, fd) changes nothing, not even close-on-exec */
    if (state_fd_lookup(t, oldfd))
        fdtable_dup(t->fds, oldfd, newfd, cloexec);
    else
        fdtable_close(t->fds, newfd);
}

static void handle_connect(struct task *t, int64_t ret, uint64_t now)
{
    struct syscall_call *c = &t->call;
    if (c->sock_family == AF_UNSPEC)
        return; /* a UDP "disconnect", or an unreadable address */
    struct ofd *d = state_fd_lookup(t, (int)c->args[0]);
    if (d && (ret == 0 || ret == -EINPROGRESS))
        ofd_set_remote(d, c->sockaddr);
    state_emit_connect(t, ret, d, now);
}

/* A failed open: the path it asked for, made absolute as the kernel would
 * have looked it up (there is no fd to name it by). */
static void open_failed(struct task *t, int64_t ret, int dirfd, uint64_t flags, uint64_t now)
{
    static char path[PATH_MAX];
    struct syscall_call *c = &t->call;
    const char *abs = state_absolute(t, dirfd, c->path_len >= 0 ? c->path : NULL,
                                     t->fs ? t->fs->cwd : NULL, path, sizeof(path));
    state_emit_open_failed(t, ret, abs, (flags & O_ACCMODE) != O_RDONLY, now);
}

bool state_fd_failed(struct task *t, int64_t ret, uint64_t now)
{
    const uint64_t *a = t->call.args;
    switch (t->call.nr) {
    case SYS_open:
        open_failed(t, ret, AT_FDCWD, a[1], now);
        return true;
    case SYS_creat:
        open_failed(t, ret, AT_FDCWD, O_CREAT | O_WRONLY | O_TRUNC, now);
        return true;
    case SYS_openat:
        open_failed(t, ret, (int)a[0], a[2], now);
        return true;
    case 437: /* openat2 */
        open_failed(t, ret, (int)a[0],
                    payload_has(&t->call.cap, PAYLOAD_OPEN_HOW) ? t->call.cap.open_flags : 0, now);
        return true;
    case SYS_connect:
        handle_connect(t, ret, now);
        return true;
    default:
        return false;
    }
}

bool state_fd_at_exit(struct task *t, int64_t ret, uint64_t now)
{
    const uint64_t *a = t->call.args;
    int newfd = (int)ret;
    switch (t->call.nr) {
    case SYS_open:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        handle_open(t, ret, a[1], now);
        return true;
    case SYS_creat:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        handle_open(t, ret, O_CREAT | O_WRONLY | O_TRUNC, now);
        return true;
    case SYS_openat:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        handle_open(t, ret, a[2], now);
        return true;
    case SYS_open_by_handle_at: /* a file opened with no path at all */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        handle_open(t, ret, a[2], now);
        return true;
    case 437: { /* openat2: struct open_how starts with the flags */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        uint64_t flags = payload_has(&t->call.cap, PAYLOAD_OPEN_HOW) ? t->call.cap.open_flags : 0;
        handle_open(t, ret, flags, now);
        return true;
    }
    case SYS_close:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_CLOSES);
        fdtable_close(t->fds, (int)a[0]);
        return true;
    case 436: /* close_range */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_CLOSES);
        if (a[2] & CLOSE_RANGE_UNSHARE) {
            struct fdtable *own = fdtable_clone(t->fds);
            fdtable_unref(t->fds);
            t->fds = own;
        }
        fdtable_close_range(t->fds, (unsigned)a[0], (unsigned)a[1], (unsigned)a[2]);
        return true;
    case SYS_dup:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        handle_dup(t, (int)a[0], newfd, false);
        return true;
    case SYS_dup2:
    case SYS_dup3: /* whatever newfd was is closed */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_CLOSES);
        handle_dup(t, (int)a[0], newfd, t->call.nr == SYS_dup3 && (a[2] & O_CLOEXEC));
        return true;
    case SYS_fcntl:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        if (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC)
            handle_dup(t, (int)a[0], newfd, a[1] == F_DUPFD_CLOEXEC);
        else if (a[1] == F_SETFD)
            fdtable_set_cloexec(t->fds, (int)a[0], (a[2] & FD_CLOEXEC) != 0);
        return true;
    case SYS_socket:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        install_socket(t, newfd, a);
        return true;
    case SYS_socketpair:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        install_socket_pair(t, a);
        return true;
    case SYS_accept:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        handle_accept(t, ret, false);
        return true;
    case SYS_accept4:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        handle_accept(t, ret, (a[3] & SOCK_CLOEXEC) != 0);
        return true;
    case SYS_connect:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        handle_connect(t, ret, now);
        return true;
    case SYS_pipe:
    case SYS_pipe2:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        learn_fd_pair(t, t->call.nr == SYS_pipe2 && (a[1] & O_CLOEXEC));
        return true;
    /* The *_CLOEXEC flags of these are O_CLOEXEC, but memfd_create's. */
    case SYS_eventfd:
    case SYS_epoll_create:
    case SYS_inotify_init:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        learn_fd(t, newfd, false);
        return true;
    case SYS_epoll_create1: /* (flags) */
    case SYS_inotify_init1:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        learn_fd(t, newfd, (a[0] & O_CLOEXEC) != 0);
        return true;
    case SYS_eventfd2: /* (initval, flags), (clockid, flags) */
    case SYS_timerfd_create:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        learn_fd(t, newfd, (a[1] & O_CLOEXEC) != 0);
        return true;
    case SYS_memfd_create:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        learn_fd(t, newfd, (a[1] & MFD_CLOEXEC) != 0);
        return true;
    case 434: /* pidfd_open: the kernel makes every pidfd close-on-exec */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        learn_fd(t, newfd, true);
        return true;
    case SYS_signalfd:
    case SYS_signalfd4: /* (fd, mask, sizemask, flags) */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        if ((int)a[0] == -1) /* otherwise it updates an existing signalfd */
            learn_fd(t, newfd, t->call.nr == SYS_signalfd4 && (a[3] & O_CLOEXEC));
        return true;
    case SYS_io_uring_setup:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        handle_io_uring_setup(t, ret, now);
        return true;
    default:
        return false;
    }
}
