#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/io_uring.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "decode.h"
#include "fdtable.h"
#include "inject.h"
#include "memregions.h"
#include "paths.h"
#include "script_host.h"
#include "snapshot.h"
#include "record.h"
#include "syscall_table.h"

#define PAGE_BYTES 4096u

static struct {
    uint64_t start_ns;
    uint64_t processes, threads, syscalls;
    uint64_t heap_bytes, mmap_bytes, mmap_regions;
    uint64_t file_read, file_written, net_sent, net_recv;
    uint64_t io_urings;
    uint64_t attach_heap, attach_mmap, attach_regions;
} totals;

/* Scratch text for the event being built; valid until the next event. */
static char fd_path_text[PATH_MAX + 200];
static char abs_path[PATH_MAX];
static char peer_text[160];

/* state_needs() runs the dispatch with this task: each case says what it
 * needs of its syscalls (SYSCALL_NEED_*) and returns before doing anything,
 * so that the answer is the dispatch itself, not a list kept beside it. */
static struct task needs_probe;
static unsigned probed_needs;
#define STATE_NEEDS(needs)                                                                         \
    do {                                                                                           \
        if (t == &needs_probe) {                                                                   \
            probed_needs |= (needs);                                                               \
            return true;                                                                           \
        }                                                                                          \
    } while (0)

void state_init(uint64_t start_ns)
{
    memset(&totals, 0, sizeof(totals));
    totals.start_ns = start_ns;
}

static cmp_str str_of(const char *s, int len)
{
    if (!s || len < 0)
        return (cmp_str){NULL, 0};
    return (cmp_str){s, (uint32_t)len};
}

static cmp_str cstr(const char *s)
{
    return s ? (cmp_str){s, (uint32_t)strlen(s)} : (cmp_str){NULL, 0};
}

static uint64_t page_round(uint64_t len)
{
    return (len + PAGE_BYTES - 1) & ~(uint64_t)(PAGE_BYTES - 1);
}

/* ---- what the record carries ---------------------------------------------- */

/* The socket address argument the source captured, decoded for the events. */
static void decode_captured_sockaddr(struct syscall_call *c)
{
    struct sockaddr_storage ss;
    if (!payload_has(&c->cap, PAYLOAD_SOCKADDR) || c->cap.sockaddr_len == 0)
        return;
    memcpy(&ss, c->cap.sockaddr, c->cap.sockaddr_len);
    size_t w = decode_sockaddr(&ss, c->cap.sockaddr_len, c->sockaddr, sizeof(c->sockaddr),
                               &c->sock_family);
    c->sockaddr_len = (int)(w < sizeof(c->sockaddr) ? w : sizeof(c->sockaddr) - 1);
}

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

/* The fd's description; an fd the state has not met (inherited, opened
 * before an attach) is learnt from the record. */
static struct ofd *fd_lookup(struct task *t, int fd)
{
    if (fd < 0 || !t->fds)
        return NULL;
    struct ofd *d = fdtable_get(t->fds, fd);
    if (!d)
        d = learn_captured(t, fd, NULL);
    return d;
}

/* How an fd reads in fd_path: a file's path, or "socket:tcp4:PEER", ... */
static cmp_str describe_fd(struct task *t, int fd)
{
    struct ofd *d = fd_lookup(t, fd);
    if (!d)
        return (cmp_str){NULL, 0};
    int n;
    if (d->kind == CMP_FD_SOCKET)
        n = snprintf(fd_path_text, sizeof(fd_path_text), "socket:%s%s%s", d->sock_type,
                     d->remote ? ":" : "", d->remote ? d->remote : "");
    else if (d->path[0])
        n = snprintf(fd_path_text, sizeof(fd_path_text), "%s", d->path);
    else
        return (cmp_str){NULL, 0}; /* a file with no name we could read */
    if (n >= (int)sizeof(fd_path_text))
        n = (int)sizeof(fd_path_text) - 1;
    return (cmp_str){fd_path_text, (uint32_t)n};
}

/* ---- building events ---------------------------------------------------- */

/* The task whose syscall is returning, while its exit is handled: the
 * events it makes are timed from the entry stop. Set only from an exit whose
 * entry was seen, so an entry time is never stale or guessed. */
static const struct task *returning;

static cmp_event *event_begin(struct task *t, int type, uint64_t now, bool with_call)
{
    cmp_event *e = &script_event;
    memset(e, 0, sizeof(*e));
    e->type = type;
    e->pid = t->pid;
    e->tid = t->tid;
    e->ts_ns = now;
    e->nr = -1;
    e->fd = -1;
    if (with_call) {
        struct syscall_call *c = &t->call;
        e->nr = c->nr;
        e->abi = c->abi;
        memcpy(e->args, c->args, sizeof(e->args));
        e->path = str_of(c->path, c->path_len);
        e->path2 = str_of(c->path2, c->path2_len);
        e->sockaddr = str_of(c->sockaddr, c->sockaddr_len);
        e->payloads = &c->cap;
        if (t == returning)
            e->entry_ns = c->entry_ns;
    }
    return e;
}

static int first_fd_arg(int32_t nr)
{
    const struct syscall_desc *desc = syscall_desc(nr);
    if (!desc || !desc->args)
        return -1;
    for (int i = 0; i < 6 && desc->args[i]; i++)
        if (desc->args[i] == 'd')
            return i;
    return -1;
}

static void set_fd_path(struct task *t, cmp_event *e)
{
    int fdarg = first_fd_arg(t->call.nr);
    if (fdarg >= 0)
        e->fd_path = describe_fd(t, (int)t->call.args[fdarg]);
}

static void dispatch_raw(struct task *t, int type, int64_t ret, uint64_t now)
{
    cmp_event *e = event_begin(t, type, now, true);
    e->ret = ret;
    set_fd_path(t, e);
    script_host_dispatch();
}

/* ---- injection ----------------------------------------------------------- */

/* An inject event: what a hook did to this syscall, so that nobody takes
 * an injected failure for a real one. */
static void emit_inject(struct task *t, const char *op, int64_t value, uint64_t delay_ns,
                        uint64_t now)
{
    if (!script_host_wants(CMP_EV_INJECT))
        return;
    cmp_event *e = event_begin(t, CMP_EV_INJECT, now, true);
    e->ret = value;
    e->delay_ns = delay_ns;
    e->op = cstr(op);
    if (strcmp(op, "error") == 0)
        e->error = cstr(cmp_errno_name((int32_t)-value));
    set_fd_path(t, e);
    script_host_dispatch();
}

/* Records in t->call what the hooks just run asked for (the ptrace source
 * acts on it); returns the value the syscall now returns. */
static int64_t take_injection(struct task *t, bool at_entry, int64_t ret, uint64_t now)
{
    struct inject_request req = inject_take();
    struct syscall_call *c = &t->call;
    if ((req.action & CMP_INJECT_DELAY) && req.delay_ns > 0) {
        c->delay_ns = req.delay_ns;
        emit_inject(t, "delay", 0, req.delay_ns, now);
    }
    if (!(req.action & CMP_INJECT_RETURN))
        return ret;
    if (at_entry) {
        c->skip = true;
        c->want_exit = true; /* even exit_group returns when skipped */
    }
    c->set_ret = true;
    c->ret_value = req.value;
    bool error = req.value < 0 && req.value >= -4095;
    emit_inject(t, error ? "error" : "return", req.value, 0, now);
    return req.value;
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

static void emit_io_uring(struct task *t, int fd, int entries, bool sqpoll, bool inherited,
                          uint64_t now)
{
    totals.io_urings++;
    if (!script_host_wants(CMP_EV_IO_URING))
        return;
    cmp_event *e = event_begin(t, CMP_EV_IO_URING, now, true);
    e->fd = fd;
    e->entries = entries;
    e->sqpoll = sqpoll;
    e->inherited = inherited;
    script_host_dispatch();
}

static void handle_io_uring_setup(struct task *t, int64_t ret, uint64_t now)
{
    const struct syscall_payloads *p = &t->call.cap;
    bool known = payload_has(p, PAYLOAD_URING);
    /* The kernel makes the fd O_RDWR | O_CLOEXEC. */
    struct ofd *d = fdtable_install(t->fds, (int)ret, CMP_FD_IO_URING, IO_URING_LINK, true);
    d->writable = true;
    emit_io_uring(t, (int)ret, known ? (int)p->uring_sq_entries : 0,
                  known && (p->uring_flags & IORING_SETUP_SQPOLL), false, now);
}

/* A ring used (io_uring_enter, io_uring_register, mmap) whose setup the
 * trace did not see: made before --pid attached, or received from another
 * process. Its fdinfo tells the size and whether a kernel thread polls it. */
static void notice_ring(struct task *t, int fd, uint64_t now)
{
    struct ofd *d = fd_lookup(t, fd);
    if (!d || d->kind == CMP_FD_IO_URING || strcmp(d->path, IO_URING_LINK) != 0)
        return;
    d->kind = CMP_FD_IO_URING;
    const struct captured_fd *cf = payload_fd(&t->call.cap, fd);
    bool known = cf && cf->ring_known;
    emit_io_uring(t, fd, known ? cf->ring_entries : 0, known && cf->ring_sqpoll, true, now);
}

/* ---- entry --------------------------------------------------------------- */

/* What the state takes from a syscall at its entry. */
static bool read_at_entry(struct task *t, uint64_t now)
{
    struct syscall_call *c = &t->call;
    const uint64_t *a = c->args;
    switch (c->nr) {
    case SYS_open:
    case SYS_creat:
    case SYS_execve:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        break; /* the path is in the record */
    case SYS_openat:
    case 437: /* openat2 */
    case SYS_execveat:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        break;
    case SYS_connect:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        break; /* the address is in the record */
    case SYS_sendto:
        STATE_NEEDS(SYSCALL_NEED_ENTRY);
        break;
    case SYS_clone:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        c->clone_flags = a[0];
        break;
    case 435: { /* clone3: flags are the first field of struct clone_args */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        if (payload_has(&c->cap, PAYLOAD_CLONE_ARGS))
            c->clone_flags = c->cap.clone_flags;
        break;
    }
    case SYS_fork:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        c->clone_flags = SIGCHLD;
        break;
    case SYS_vfork:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        c->clone_flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
        break;
    case SYS_exit:
    case SYS_exit_group:
        STATE_NEEDS(SYSCALL_NEED_NO_EXIT);
        c->want_exit = false;
        break;
    case SYS_io_uring_enter: /* before it submits anything */
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        if (!(a[3] & IORING_ENTER_REGISTERED_RING)) /* else a[0] indexes registered rings */
            notice_ring(t, (int)a[0], now);
        break;
    case SYS_io_uring_register:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_ENTRY);
        if (!(a[1] & USE_REGISTERED_RING))
            notice_ring(t, (int)a[0], now);
        break;
    default:
        return false;
    }
    return true;
}

void state_syscall_entry(struct task *t, uint64_t now)
{
    struct syscall_call *c = &t->call;
    c->active = true;
    c->want_exit = true;
    c->entry_ns = now;
    c->sockaddr_len = -1;
    c->sock_family = 0;
    c->clone_flags = 0;
    c->skip = c->set_ret = false;
    c->delay_ns = 0;
    decode_captured_sockaddr(c);
    read_at_entry(t, now);

    bool at_entry = script_host_wants_entry(c->nr);
    /* The command's own exec starts the run: hooks may not fail or delay it. */
    if (at_entry && !t->before_exec) {
        inject_take(); /* only these hooks' requests count */
        dispatch_raw(t, CMP_EV_ENTER, 0, now);
        take_injection(t, true, 0, now);
    }
}

/* ---- I/O ----------------------------------------------------------------- */

static bool is_inet(const struct ofd *d)
{
    return d->sock_family == AF_INET || d->sock_family == AF_INET6;
}

static void io_event(struct task *t, int fd, uint64_t bytes, bool is_write, const char *peer,
                     uint64_t now)
{
    struct ofd *d = fd_lookup(t, fd);
    int type;
    if (d && d->kind == CMP_FD_SOCKET) {
        type = is_write ? CMP_EV_SEND : CMP_EV_RECV;
        if (is_inet(d))
            *(is_write ? &totals.net_sent : &totals.net_recv) += bytes;
    } else {
        type = is_write ? CMP_EV_WRITE : CMP_EV_READ;
        *(is_write ? &totals.file_written : &totals.file_read) += bytes;
    }
    if (!script_host_wants(type))
        return;
    cmp_event *e = event_begin(t, type, now, true);
    e->ret = (int64_t)bytes;
    e->fd = fd;
    e->bytes = bytes;
    if (d && d->kind == CMP_FD_SOCKET) {
        e->sock_type = cstr(d->sock_type);
        e->remote_addr = cstr(peer && *peer ? peer : d->remote);
    } else if (d) {
        if (d->path[0])
            e->filename = cstr(d->path);
        switch (d->kind) {
        case CMP_FD_FILE:
        case CMP_FD_DIR:
        case CMP_FD_MEMFD:
            e->target = CMP_TARGET_FILE;
            break;
        case CMP_FD_PIPE:
            e->target = CMP_TARGET_PIPE;
            break;
        default:
            e->target = CMP_TARGET_OTHER;
            break;
        }
    } else {
        e->target = CMP_TARGET_OTHER;
    }
    script_host_dispatch();
}

static bool handle_io(struct task *t, int64_t ret, uint64_t now)
{
    const uint64_t *a = t->call.args;
    int fd = (int)a[0];
    uint64_t n = (uint64_t)ret;
    switch (t->call.nr) {
    case SYS_read:
    case SYS_readv:
    case SYS_pread64:
    case SYS_preadv:
    case SYS_preadv2:
    case SYS_recvfrom:
    case SYS_recvmsg:
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0)
            io_event(t, fd, n, false, NULL, now);
        return true;
    case SYS_write:
    case SYS_writev:
    case SYS_pwrite64:
    case SYS_pwritev:
    case SYS_pwritev2:
    case SYS_sendmsg:
    case SYS_vmsplice:
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0)
            io_event(t, fd, n, true, NULL, now);
        return true;
    case SYS_sendto:
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0)
            io_event(t, fd, n, true, t->call.sockaddr_len > 0 ? t->call.sockaddr : NULL, now);
        return true;
    case SYS_recvmmsg:
    case SYS_sendmmsg:
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0) {
            /* recvmmsg/sendmmsg return a message count; the record has the bytes. */
            uint64_t bytes = t->call.cap.mmsg_bytes;
            io_event(t, fd, bytes, t->call.nr == SYS_sendmmsg, NULL, now);
        }
        return true;
    case SYS_sendfile: /* (out_fd, in_fd, ...) */
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0) {
            io_event(t, (int)a[1], n, false, NULL, now);
            io_event(t, (int)a[0], n, true, NULL, now);
        }
        return true;
    case SYS_copy_file_range: /* (fd_in, off_in, fd_out, ...) */
    case SYS_splice:
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0) {
            io_event(t, (int)a[0], n, false, NULL, now);
            io_event(t, (int)a[2], n, true, NULL, now);
        }
        return true;
    case SYS_tee: /* (fd_in, fd_out, ...) */
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0) {
            io_event(t, (int)a[0], n, false, NULL, now);
            io_event(t, (int)a[1], n, true, NULL, now);
        }
        return true;
    default:
        return false;
    }
}

/* ---- fds ----------------------------------------------------------------- */

/* Absolute form of the path argument of an exec, lexically; NULL when it
 * cannot be made absolute (a working directory the kernel cannot name within
 * PATH_MAX, a directory fd with no path): never a guess. */
static const char *absolute_path(struct task *t, int dirfd, const char *cwd)
{
    const char *path = t->call.path;
    if (t->call.path_len < 0)
        return NULL;
    char base[PATH_MAX];
    base[0] = '\0';
    if (path[0] != '/') {
        struct ofd *d = dirfd == AT_FDCWD ? NULL : fd_lookup(t, dirfd);
        if (d && (d->kind == CMP_FD_DIR || d->kind == CMP_FD_FILE))
            snprintf(base, sizeof(base), "%s", d->path);
        else if (dirfd == AT_FDCWD)
            snprintf(base, sizeof(base), "%s", cwd);
        if (base[0] != '/')
            return NULL;
    }
    if (path_join_normalize(base, path, abs_path, sizeof(abs_path)) == 0)
        return NULL;
    return abs_path;
}

/* A successful open: the file of record is the one the kernel opened, as
 * its fd names it now; the argument, read at entry (and maybe rewritten by
 * another thread since, or naming a symlink), is only what was asked for. */
static void handle_open(struct task *t, int64_t ret, uint64_t flags, uint64_t now)
{
    int fd = (int)ret;
    struct syscall_call *c = &t->call;
    fdtable_close(t->fds, fd);
    int err;
    struct ofd *d = learn_captured(t, fd, &err);
    if (d && !d->path[0])
        err = ENAMETOOLONG;
    if (!d) /* closed already by another thread sharing the table */
        d = fdtable_install(t->fds, fd, CMP_FD_FILE, NULL, (flags & O_CLOEXEC) != 0);
    /* fdinfo says how the file was opened; the flags argument counts too,
     * should fdinfo have been unreadable: a write is never missed. */
    d->writable = d->writable || (flags & O_ACCMODE) != O_RDONLY;
    if (!script_host_wants(CMP_EV_OPEN))
        return;
    cmp_event *e = event_begin(t, CMP_EV_OPEN, now, true);
    e->ret = ret;
    e->path = err ? (cmp_str){NULL, 0} : cstr(d->path);
    e->path_error = err ? cstr(cmp_errno_name(err)) : (cmp_str){NULL, 0};
    e->requested = str_of(c->path, c->path_len);
    if (c->path_err) /* open_by_handle_at has no path to read */
        e->arg_error = cstr(cmp_errno_name(c->path_err));
    e->writable = d->writable;
    e->fd = fd;
    script_host_dispatch();
}

/* fds with no path of their own (pipes, eventfds, ...) are learnt as the
 * record names them, so they carry the kernel's name and inode, as
 * inherited ones do. */
static void learn_fd(struct task *t, int fd)
{
    fdtable_close(t->fds, fd);
    learn_captured(t, fd, NULL);
}

static void learn_fd_pair(struct task *t)
{
    const struct syscall_payloads *p = &t->call.cap;
    if (!payload_has(p, PAYLOAD_FD_PAIR))
        return;
    learn_fd(t, p->fd_pair[0]);
    learn_fd(t, p->fd_pair[1]);
}

static void install_socket_pair(struct task *t, const uint64_t *a)
{
    const struct syscall_payloads *p = &t->call.cap;
    if (!payload_has(p, PAYLOAD_FD_PAIR))
        return;
    const int *fds = p->fd_pair;
    for (int i = 0; i < 2; i++) {
        struct ofd *d =
            fdtable_install(t->fds, fds[i], CMP_FD_SOCKET, "socket", (a[1] & SOCK_CLOEXEC) != 0);
        d->writable = true;
        d->sock_family = (int)a[0];
        snprintf(d->sock_type, sizeof(d->sock_type), "%s",
                 decode_sock_type((int)a[0], (int)a[1], (int)a[2]));
    }
}

static void handle_accept(struct task *t, int64_t ret, bool cloexec)
{
    const uint64_t *a = t->call.args;
    struct ofd *listener = fd_lookup(t, (int)a[0]);
    struct ofd *d = fdtable_install(t->fds, (int)ret, CMP_FD_SOCKET, "socket", cloexec);
    d->writable = true;
    if (listener) {
        snprintf(d->sock_type, sizeof(d->sock_type), "%s", listener->sock_type);
        d->sock_family = listener->sock_family;
    }
    const struct syscall_payloads *p = &t->call.cap;
    if (payload_has(p, PAYLOAD_PEER)) {
        struct sockaddr_storage ss;
        memcpy(&ss, p->peer, p->peer_len);
        int family = 0;
        if (decode_sockaddr(&ss, p->peer_len, peer_text, sizeof(peer_text), &family) > 0) {
            ofd_set_remote(d, peer_text);
            return;
        }
    }
    /* No address asked for: the record describes the new socket. */
    fdtable_close(t->fds, (int)ret);
    struct ofd *probed = learn_captured(t, (int)ret, NULL);
    if (probed && listener && !probed->sock_type[0])
        snprintf(probed->sock_type, sizeof(probed->sock_type), "%s", listener->sock_type);
    if (probed)
        fdtable_set_cloexec(t->fds, (int)ret, cloexec);
}

static void handle_connect(struct task *t, int64_t ret, uint64_t now)
{
    struct syscall_call *c = &t->call;
    if (c->sock_family == AF_UNSPEC)
        return; /* a UDP "disconnect", or an unreadable address */
    struct ofd *d = fd_lookup(t, (int)c->args[0]);
    if (d && (ret == 0 || ret == -EINPROGRESS))
        ofd_set_remote(d, c->sockaddr);
    if (!script_host_wants(CMP_EV_CONNECT))
        return;
    cmp_event *e = event_begin(t, CMP_EV_CONNECT, now, true);
    e->ret = ret;
    e->fd = (int)c->args[0];
    e->sock_type = d ? cstr(d->sock_type) : cstr("socket");
    e->remote_addr = str_of(c->sockaddr, c->sockaddr_len);
    if (ret < 0)
        e->error = cstr(cmp_errno_name((int32_t)-ret));
    script_host_dispatch();
}

static bool handle_fd_syscall(struct task *t, int64_t ret, uint64_t now)
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
        STATE_NEEDS(SYSCALL_NEED_STOP);
        fdtable_close(t->fds, (int)a[0]);
        return true;
    case 436: /* close_range */
        STATE_NEEDS(SYSCALL_NEED_STOP);
        if (a[2] & CLOSE_RANGE_UNSHARE) {
            struct fdtable *own = fdtable_clone(t->fds);
            fdtable_unref(t->fds);
            t->fds = own;
        }
        fdtable_close_range(t->fds, (unsigned)a[0], (unsigned)a[1], (unsigned)a[2]);
        return true;
    case SYS_dup:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        if (fd_lookup(t, (int)a[0]))
            fdtable_dup(t->fds, (int)a[0], newfd, false);
        return true;
    case SYS_dup2:
    case SYS_dup3:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        if ((int)a[0] != newfd && fd_lookup(t, (int)a[0]))
            fdtable_dup(t->fds, (int)a[0], newfd, t->call.nr == SYS_dup3 && (a[2] & O_CLOEXEC));
        return true;
    case SYS_fcntl:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        if ((a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC) && fd_lookup(t, (int)a[0]))
            fdtable_dup(t->fds, (int)a[0], newfd, a[1] == F_DUPFD_CLOEXEC);
        else if (a[1] == F_SETFD)
            fdtable_set_cloexec(t->fds, (int)a[0], (a[2] & FD_CLOEXEC) != 0);
        return true;
    case SYS_socket: {
        STATE_NEEDS(SYSCALL_NEED_STOP);
        struct ofd *d =
            fdtable_install(t->fds, newfd, CMP_FD_SOCKET, "socket", (a[1] & SOCK_CLOEXEC) != 0);
        d->writable = true;
        d->sock_family = (int)a[0];
        snprintf(d->sock_type, sizeof(d->sock_type), "%s",
                 decode_sock_type((int)a[0], (int)a[1], (int)a[2]));
        return true;
    }
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
        learn_fd_pair(t);
        return true;
    case SYS_eventfd:
    case SYS_eventfd2:
    case SYS_timerfd_create:
    case SYS_epoll_create:
    case SYS_epoll_create1:
    case SYS_inotify_init:
    case SYS_inotify_init1:
    case 434: /* pidfd_open */
    case SYS_memfd_create:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        learn_fd(t, newfd);
        return true;
    case SYS_signalfd:
    case SYS_signalfd4:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_NEW_FD);
        if ((int)a[0] == -1) /* otherwise it updates an existing signalfd */
            learn_fd(t, newfd);
        return true;
    case SYS_io_uring_setup:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        handle_io_uring_setup(t, ret, now);
        return true;
    default:
        return false;
    }
}

/* ---- memory -------------------------------------------------------------- */

static void emit_mmap(struct task *t, uint64_t addr, uint64_t len, int prot, const char *file,
                      uint64_t now)
{
    if (!script_host_wants(CMP_EV_MMAP))
        return;
    static char prot_buf[4];
    decode_prot_rwx((uint64_t)prot, prot_buf);
    cmp_event *e = event_begin(t, CMP_EV_MMAP, now, true);
    e->ret = (int64_t)addr;
    e->addr = addr;
    e->size = page_round(len);
    e->end_addr = addr + e->size;
    e->prot = cstr(prot_buf);
    e->map_type = cstr(file ? "file" : "anon");
    e->filename = cstr(file);
    script_host_dispatch();
}

static void emit_munmap(struct task *t, uint64_t addr, uint64_t len, const char *file, uint64_t now)
{
    if (!script_host_wants(CMP_EV_MUNMAP))
        return;
    cmp_event *e = event_begin(t, CMP_EV_MUNMAP, now, true);
    e->addr = addr;
    e->size = page_round(len);
    e->filename = cstr(file);
    script_host_dispatch();
}

/* The file mapped at addr, copied before the region goes away. */
static const char *mapped_file(struct task *t, uint64_t addr, char *buf, size_t cap)
{
    struct region scratch;
    const struct region *r = mm_find(t->mm, addr, &scratch);
    if (!r || r->kind != REGION_FILE || !r->name)
        return NULL;
    snprintf(buf, cap, "%s", r->name);
    return buf;
}

static bool handle_memory(struct task *t, int64_t ret, uint64_t now)
{
    const uint64_t *a = t->call.args;
    switch (t->call.nr) {
    case SYS_mmap: {
        STATE_NEEDS(SYSCALL_NEED_STOP);
        const char *file = NULL;
        if (!(a[3] & MAP_ANONYMOUS)) {
            notice_ring(t, (int)a[4], now);
            struct ofd *d = fd_lookup(t, (int)a[4]);
            file = d ? d->path : "?";
        }
        mm_map(t->mm, (uint64_t)ret, a[1], (int)a[2], (int)a[3], file);
        emit_mmap(t, (uint64_t)ret, a[1], (int)a[2], file, now);
        return true;
    }
    case SYS_munmap: {
        STATE_NEEDS(SYSCALL_NEED_STOP);
        char name[PATH_MAX];
        const char *file = mapped_file(t, a[0], name, sizeof(name));
        mm_unmap(t->mm, a[0], a[1]);
        emit_munmap(t, a[0], a[1], file, now);
        return true;
    }
    case SYS_mremap: {
        STATE_NEEDS(SYSCALL_NEED_STOP);
        struct region scratch;
        const struct region *old = mm_find(t->mm, a[0], &scratch);
        int prot = old ? old->prot : 0;
        char name[PATH_MAX];
        const char *file = mapped_file(t, a[0], name, sizeof(name));
        mm_remap(t->mm, a[0], a[1], (uint64_t)ret, a[2]);
        emit_munmap(t, a[0], a[1], file, now);
        emit_mmap(t, (uint64_t)ret, a[2], prot, file, now);
        return true;
    }
    case SYS_mprotect:
    case SYS_pkey_mprotect:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        mm_protect(t->mm, a[0], a[1], (int)a[2]);
        return true;
    case SYS_brk: {
        STATE_NEEDS(SYSCALL_NEED_STOP);
        int64_t growth = mm_brk(t->mm, (uint64_t)ret);
        if (growth != 0 && script_host_wants(CMP_EV_BRK)) {
            cmp_event *e = event_begin(t, CMP_EV_BRK, now, true);
            e->ret = ret;
            e->growth_bytes = growth;
            script_host_dispatch();
        }
        return true;
    }
    default:
        return false;
    }
}

/* ---- exit of a syscall ------------------------------------------------------ */

/* ---- working directory ----------------------------------------------------------- */

static bool handle_cwd(struct task *t)
{
    switch (t->call.nr) {
    case SYS_chdir:
    case SYS_fchdir:
        STATE_NEEDS(SYSCALL_NEED_STOP | SYSCALL_NEED_CWD);
        /* The record has it as the kernel names it: a lexical join would
         * miss the symlinks on the way. */
        if (t->fs && payload_has(&t->call.cap, PAYLOAD_CWD))
            task_fs_set_cwd(t->fs, t->call.cap.cwd);
        return true;
    default:
        return false;
    }
}

/* What a returned syscall changes: a syscall is one of these at most. */
static bool apply_at_exit(struct task *t, int64_t ret, uint64_t now)
{
    return handle_io(t, ret, now) || handle_fd_syscall(t, ret, now) || handle_memory(t, ret, now) ||
           handle_cwd(t);
}

static void syscall_returned(struct task *t, int64_t ret, uint64_t now)
{
    struct syscall_call *c = &t->call;
    c->active = false;
    totals.syscalls++;
    if (c->skip) /* the kernel skipped it: the injected value is the result */
        ret = c->ret_value;
    if (script_host_wants_exit(c->nr)) {
        inject_take();
        dispatch_raw(t, CMP_EV_SYSCALL, ret, now);
        ret = take_injection(t, false, ret, now);
    }
    if (ret < 0 && c->nr != SYS_connect)
        return;
    apply_at_exit(t, ret, now);
}

unsigned state_needs(int32_t nr)
{
    needs_probe.call.nr = nr;
    probed_needs = 0;
    read_at_entry(&needs_probe, 0);
    apply_at_exit(&needs_probe, 0, 0);
    return probed_needs;
}

void state_syscall_exit(struct task *t, int64_t ret, uint64_t now)
{
    if (!t->call.active)
        return; /* its entry was not seen: nothing to pair the exit with */
    returning = t;
    syscall_returned(t, ret, now);
    returning = NULL;
}

/* ---- processes -------------------------------------------------------------- */

static void fold_memory(struct mm *mm)
{
    struct mm_stats s;
    mm_stats(mm, &s);
    totals.heap_bytes += s.peak_heap_bytes;
    totals.mmap_bytes += s.peak_mapped_bytes;
    totals.mmap_regions += s.peak_regions;
}

void state_track_root(struct task *t, struct task *leader, const struct program_record *prog,
                      uint64_t now)
{
    t->start_ns = now;
    if (leader && leader != t) {
        t->is_thread = true;
        t->pid = leader->pid;
        t->proc = process_ref(leader->proc);
        t->fds = fdtable_ref(leader->fds);
        t->mm = mm_ref(leader->mm);
        t->fs = task_fs_ref(leader->fs);
        totals.threads++;
        return;
    }
    t->fs = task_fs_new(prog->cwd);
    t->proc = process_new(t->tid, 0, prog->exe);
    process_set_program(t->proc, prog->exe, prog->argv, prog->argv_len);
    t->proc->start_ns = now;
    t->fds = fdtable_new();
    t->mm = mm_new();
    totals.processes++;
}

void state_attach(const struct snapshot *s, uint64_t now)
{
    if (s->tid_count == 0 || proctable_find(s->tids[0]))
        return;
    struct task *leader = proctable_add(s->tids[0]);
    leader->start_ns = now;
    leader->proc = process_new(leader->tid, 0, s->exe);
    process_set_program(leader->proc, s->exe, s->argv, s->argv_len);
    leader->proc->start_ns = now;
    leader->fds = fdtable_new();
    leader->mm = mm_new();
    leader->fs = task_fs_new(s->cwd);
    totals.processes++;
    for (size_t i = 1; i < s->tid_count; i++)
        if (!proctable_find(s->tids[i]))
            state_track_root(proctable_add(s->tids[i]), leader, NULL, now);
    fdtable_apply_snapshot(leader->fds, s);
    mm_apply_snapshot(leader->mm, s);
    struct mm_stats m;
    mm_stats(leader->mm, &m);
    totals.attach_heap += m.heap_bytes;
    totals.attach_mmap += m.mapped_bytes;
    totals.attach_regions += m.regions;
}

void state_spawn(struct task *parent, struct task *child, uint64_t now)
{
    uint64_t flags = parent->call.clone_flags;
    bool thread = (flags & CLONE_THREAD) != 0;
    child->is_thread = thread;
    child->pid = thread ? parent->pid : child->tid;
    child->start_ns = now;
    if (thread) {
        child->proc = process_ref(parent->proc);
    } else {
        child->proc = process_new(child->tid, parent->pid, parent->proc->exe);
        process_set_program(child->proc, parent->proc->exe, parent->proc->argv,
                            parent->proc->argv_len);
        child->proc->start_ns = now;
    }
    child->fds = (flags & CLONE_FILES) ? fdtable_ref(parent->fds) : fdtable_clone(parent->fds);
    child->mm = (flags & CLONE_VM) ? mm_ref(parent->mm) : mm_clone(parent->mm);
    child->fs = (flags & CLONE_FS) ? task_fs_ref(parent->fs)
                                   : task_fs_new(parent->fs ? parent->fs->cwd : NULL);
    /* A vfork child borrows its parent's memory until it execs: its totals
     * belong to the parent. */
    child->mm_borrowed = thread ? parent->mm_borrowed : (flags & CLONE_VM) != 0;
    if (thread)
        totals.threads++;
    else
        totals.processes++;

    int type = thread ? CMP_EV_SPAWN_THREAD : CMP_EV_SPAWN_PROCESS;
    if (!script_host_wants(type))
        return;
    cmp_event *e = event_begin(parent, type, now, true);
    e->ret = child->tid;
    e->child = child->tid;
    script_host_dispatch();
}

void state_exec(struct task *t, const struct program_record *prog, uint64_t now)
{
    const char *path =
        absolute_path(t, t->call.nr == SYS_execveat ? (int)t->call.args[0] : AT_FDCWD, prog->cwd);
    const char *program = path && t->call.path_len > 0 ? path : prog->exe;
    process_set_program(t->proc, program, prog->argv, prog->argv_len);

    /* exec unshares the fd table and drops close-on-exec fds. */
    struct fdtable *fds = fdtable_clone(t->fds);
    fdtable_unref(t->fds);
    t->fds = fds;
    fdtable_exec(fds);
    if (!t->mm_borrowed)
        fold_memory(t->mm);
    mm_unref(t->mm);
    t->mm = mm_new();
    t->mm_borrowed = false;
    t->is_thread = false;
    t->before_exec = false;

    if (!script_host_wants(CMP_EV_EXEC))
        return;
    cmp_event *e = event_begin(t, CMP_EV_EXEC, now, true);
    e->program = cstr(t->proc->exe);
    e->path = prog->executed[0] ? cstr(prog->executed) : (cmp_str){0};
    e->argv = (cmp_str){t->proc->argv, (uint32_t)t->proc->argv_len};
    script_host_dispatch();
}

void state_exit(struct task *t, int code, int signal, bool core_dumped, uint64_t now)
{
    /* The last task of a process takes the process's memory with it. */
    if (t->proc && t->proc->refs == 1) {
        if (t->mm && !t->mm_borrowed)
            fold_memory(t->mm);
        t->proc->alive = false;
        t->proc->end_ns = now;
        t->proc->exit_code = signal ? -1 : code;
        t->proc->exit_signal = signal;
    }
    t->exited = true;
    if (t->before_exec || !script_host_wants(CMP_EV_EXIT))
        return;
    cmp_event *e = event_begin(t, CMP_EV_EXIT, now, false);
    e->code = signal ? -1 : code;
    e->signal = signal;
    e->is_thread = t->is_thread;
    e->core_dumped = core_dumped;
    script_host_dispatch();
}

void state_signal(struct task *t, int signal, uint64_t now)
{
    if (t->before_exec || !script_host_wants(CMP_EV_SIGNAL))
        return;
    cmp_event *e = event_begin(t, CMP_EV_SIGNAL, now, false);
    e->signal = signal;
    script_host_dispatch();
}

static void fold_live(struct task *t, void *arg)
{
    (void)arg;
    /* One fold per process: its leader, or any task when the leader is gone. */
    if (t->mm && !t->mm_borrowed && !t->exited && t->proc && t->proc->pid == t->tid) {
        fold_memory(t->mm);
        t->exited = true;
    }
}

void state_finish(void)
{
    proctable_each(fold_live, NULL);
}

void state_totals(cmp_run_info *out)
{
    out->processes = totals.processes;
    out->threads = totals.threads;
    out->syscalls = totals.syscalls;
    out->heap_bytes = totals.heap_bytes;
    out->mmap_bytes = totals.mmap_bytes;
    out->mmap_regions = totals.mmap_regions;
    out->file_read_bytes = totals.file_read;
    out->file_written_bytes = totals.file_written;
    out->net_sent_bytes = totals.net_sent;
    out->net_recv_bytes = totals.net_recv;
    out->io_urings = totals.io_urings;
    out->attach_heap_bytes = totals.attach_heap;
    out->attach_mmap_bytes = totals.attach_mmap;
    out->attach_mmap_regions = totals.attach_regions;
}
