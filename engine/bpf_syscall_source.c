#include "bpf_syscall_source.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/types.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_source.h"
#include "capture.h"
#include "command.h"
#include "fdtable.h"
#include "interest.h"
#include "own_fds.h"
#include "procfs.h"
#include "proctable.h"
#include "ptrace_source.h"
#include "record.h"
#include "script_host.h"
#include "snapshot.h"
#include "state_internal.h"
#include "stream.h"
#include "syscall_table.h"
#include "xalloc.h"

#include "syscalls.h"
#include "syscalls.lskel.h"
#include "syscalls.skel.h"

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"
/* Records are held this long before the state sees them, so that a record
 * another CPU made a moment earlier, but queued later, goes first. */
#define REORDER_NS 2000000u
/* How often the ring is drained while the kernel does not wake us (it does
 * only once much is waiting: see WAKEUP_BYTES in the BPF program). */
#define POLL_MS 5
/* How long without records before the tasks are checked for ones whose end
 * the ring had no room for. */
#define LIVENESS_NS 250000000u
/* The ring: most records are runs where reads and writes may be merged
 * (and a smaller ring starts faster); else a record per call. */
#define DEFAULT_RINGBUF (32u << 20)
#define RUNS_RINGBUF (8u << 20)
#define VERIFIER_LOG_SIZE (16u << 20)
/* Records copied out of the ring at most, waiting to be handed on. */
#define HELD_MAX 8192

/* Loaded by the kernel's loader program (light: no BTF parsed here), or,
 * where the kernel has none (before 5.17), by libbpf (skel); `loaded` holds
 * what the engine uses of either. */
static struct syscalls_light *light;
static struct syscalls_bpf *skel;
static struct {
    int specs, runs, events;
    __u64 *dropped, *compat_calls;
} loaded = {-1, -1, -1, NULL, NULL};
/* The traced thread groups, a bit per tgid: the programs' map, mapped here
 * (sized from pid_max: traced_words of 64 bits). */
static uint64_t *traced_bits;
static size_t traced_words, traced_mapped;
static struct ring_buffer *ring;

static pid_t root_pid;
static struct root_status root;
static bool spawned, root_reaped;
static int exec_error_fd = -1;
static char spawn_path[PATH_MAX];
static char *const *spawn_argv;
static pid_t attach_pid;
static char undecoded_text[64];

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the reorder window ---------------------------------------------------- */

struct held {
    uint64_t ts;
    size_t size;
    void *data;
};
/* held[held_head .. held_len) wait; what is before held_head went out. */
static struct held *held;
static size_t held_head, held_len, held_cap;
static uint64_t last_record_ns, records_seen, records_counted;

/* The ring is in the order records were queued, which is nearly their time
 * order: a record goes in after the later ones it was made before. */
static int on_record(void *ctx, void *data, size_t size)
{
    (void)ctx;
    if (size < sizeof(struct sys_hdr))
        return 0; /* a wakeup */
    const struct sys_hdr *h = data;
    if (held_len == held_cap) {
        /* Room again at the front, or a bigger array. */
        if (held_head > 0) {
            memmove(held, held + held_head, (held_len - held_head) * sizeof(*held));
            held_len -= held_head;
            held_head = 0;
        }
        if (held_len * 2 >= held_cap) {
            held_cap = held_cap ? held_cap * 2 : 1024;
            held = xrealloc(held, held_cap * sizeof(*held));
        }
    }
    size_t i = held_len++;
    while (i > held_head && held[i - 1].ts > h->ts_ns) {
        held[i] = held[i - 1];
        i--;
    }
    held[i].ts = h->ts_ns;
    held[i].size = size;
    held[i].data = xrealloc(NULL, size);
    memcpy(held[i].data, data, size);
    records_seen++;
    /* A backlog stays in the ring, not in copies of it here. */
    return held_len - held_head >= HELD_MAX ? -E2BIG : 0;
}

/* ---- records to the state ---------------------------------------------------- */

static const struct sys_spec *spec_of(int32_t nr);
static struct sys_spec spec_table[SYS_SPEC_SIZE];

static const struct sys_spec *spec_of(int32_t nr)
{
    return nr >= 0 && nr < SYS_SPEC_SIZE ? &spec_table[nr] : NULL;
}

static void copy_path(char *dst, int *len, int *err, const char *src, __u32 n, __s32 e)
{
    if (e) {
        dst[0] = '\0';
        *len = -1;
        if (err)
            *err = e;
        return;
    }
    if (n >= PATH_MAX)
        n = PATH_MAX - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    *len = (int)n;
}

/* What the caller passed in, into the task's record. */
static void apply_in(struct syscall_call *c, const struct sys_event *e, size_t size)
{
    const struct sys_payload *p = &e->p;
    c->path_len = c->path2_len = -1;
    c->path_err = 0;
    payloads_reset(&c->cap);
    size_t base = offsetof(struct sys_event, paths);
    if (p->npaths >= 1 && size > base)
        copy_path(c->path, &c->path_len, &c->path_err, e->paths[0], p->path_len[0], p->path_err[0]);
    if (p->npaths >= 2 && size > base + SYS_PATH_MAX)
        copy_path(c->path2, &c->path2_len, NULL, e->paths[1], p->path_len[1], p->path_err[1]);
    struct syscall_payloads *cap = &c->cap;
    if (p->have & SYS_HAVE_ADDR) {
        cap->sockaddr_len = p->addr_len;
        memcpy(cap->sockaddr, p->addr, p->addr_len);
        cap->have |= PAYLOAD_SOCKADDR;
    } else if (p->addr_err && !(p->have & SYS_HAVE_PEER)) {
        payload_mark(cap, PAYLOAD_SOCKADDR, &cap->sockaddr_err, p->addr_err);
    }
    if (p->have & SYS_HAVE_CLONE)
        cap->clone_flags = p->clone_flags;
    if (p->have & SYS_HAVE_CLONE || p->clone_err)
        payload_mark(cap, PAYLOAD_CLONE_ARGS, &cap->clone_args_err, p->clone_err);
    if (p->have & SYS_HAVE_OPEN_HOW)
        cap->open_flags = p->open_flags;
    if (p->have & SYS_HAVE_OPEN_HOW || p->open_how_err)
        payload_mark(cap, PAYLOAD_OPEN_HOW, &cap->open_how_err, p->open_how_err);
}

/* Files by device and inode, as /proc named them while it could: what the
 * spawned command inherited (read while it waits to exec) and what later
 * lookups found. A task that has ended (or closed the fd) by the time its
 * record is read is told about from here. */
struct known_file {
    dev_t dev;
    ino_t ino;
    struct snapshot_fd info;
};
static struct known_file *known;
static size_t known_len, known_cap;

/* The kernel's s_dev encoding (major in the bits above 20) as stat's. */
static dev_t user_dev(__u32 kdev)
{
    return makedev(kdev >> 20, kdev & 0xfffff);
}

static void remember_file(const struct stat *st, const struct snapshot_fd *info)
{
    if ((st->st_mode & S_IFMT) == 0)
        return; /* anonymous inodes share one inode: their names tell them apart */
    for (size_t i = 0; i < known_len; i++)
        if (known[i].dev == st->st_dev && known[i].ino == st->st_ino)
            return;
    if (known_len == known_cap) {
        known_cap = known_cap ? known_cap * 2 : 64;
        known = xrealloc(known, known_cap * sizeof(*known));
    }
    struct known_file *k = &known[known_len++];
    k->dev = st->st_dev;
    k->ino = st->st_ino;
    k->info = *info;
    k->info.path = xstrdup(info->path);
    k->info.remote = info->remote ? xstrdup(info->remote) : NULL;
}

static const struct snapshot_fd *known_file(__u32 kdev, __u64 ino)
{
    dev_t dev = user_dev(kdev);
    for (size_t i = 0; i < known_len; i++)
        if (known[i].dev == dev && known[i].ino == ino)
            return &known[i].info;
    return NULL;
}

/* Every fd process pid has now, remembered. */
static void remember_fds(pid_t pid)
{
    size_t count = 0;
    int *fds = procfs_list(pid, "fd", &count);
    for (size_t i = 0; i < count; i++) {
        char entry[32];
        snprintf(entry, sizeof(entry), "fd/%d", fds[i]);
        struct stat st;
        struct snapshot_fd info;
        /* What exec closes is no file of the command's. */
        if (procfs_stat(pid, entry, &st) == 0 && snapshot_read_fd(pid, fds[i], &info) == 0 &&
            info.flags >= 0 && !(info.flags & O_CLOEXEC))
            remember_file(&st, &info);
        snapshot_fd_free(&info);
    }
    free(fds);
}

/* The kernel names an opened file with its symlinks resolved: so does
 * realpath, when it leads to that very file. */
static void resolve_if_same(char *path, __u32 kdev, __u64 ino)
{
    char real[PATH_MAX];
    struct stat st;
    if (realpath(path, real) && stat(real, &st) == 0 && st.st_ino == ino &&
        st.st_dev == user_dev(kdev))
        snprintf(path, PATH_MAX, "%s", real);
}

/* Whether the name /proc gave for an fd that was the file `before` is that
 * file's: the task runs on, and may close the fd and open another file at
 * that number between the reads (ld.so does, in microseconds). */
static bool still_named(pid_t tid, const char *entry, const struct stat *before,
                        const struct snapshot_fd *info)
{
    struct stat st;
    if (procfs_stat(tid, entry, &st) != 0 || st.st_ino != before->st_ino ||
        st.st_dev != before->st_dev)
        return false;
    /* a path that now leads elsewhere was read while another file had the fd */
    if ((info->kind == CMP_FD_FILE || info->kind == CMP_FD_DIR) && info->path[0] == '/' &&
        stat(info->path, &st) == 0 && (st.st_ino != before->st_ino || st.st_dev != before->st_dev))
        return false;
    return true;
}

/* The fd's description: /proc's name for it when /proc still shows that very
 * file (the task runs on, and may have closed it since); else what the
 * record itself names: pipes, sockets and anonymous inodes by their inode,
 * a file opened by the path it was opened with. An fd neither can name
 * stays unknown, never misnamed. */
static void describe_fd(struct task *t, const struct sys_fd *d, const char *opened, int dirfd)
{
    struct syscall_payloads *p = &t->call.cap;
    if (!fdtable_trackable(d->fd) || p->fd_count == PAYLOAD_FDS_MAX || payload_fd(p, d->fd))
        return;
    struct captured_fd *cf = &p->fds[p->fd_count++];
    memset(cf, 0, sizeof(*cf));
    cf->fd = d->fd;
    if (d->err) {
        cf->err = ENOENT;
        return;
    }
    char entry[32];
    snprintf(entry, sizeof(entry), "fd/%d", d->fd);
    struct stat st;
    if (procfs_stat(t->tid, entry, &st) == 0 && st.st_ino == d->ino &&
        snapshot_read_fd(t->tid, d->fd, &cf->info) == 0 &&
        still_named(t->tid, entry, &st, &cf->info)) {
        remember_file(&st, &cf->info);
        return;
    }
    snapshot_fd_free(&cf->info);
    const struct snapshot_fd *k = (d->mode & S_IFMT) ? known_file(d->dev, d->ino) : NULL;
    if (k) {
        cf->info = *k;
        cf->info.fd = d->fd;
        cf->info.path = xstrdup(k->path);
        cf->info.remote = k->remote ? xstrdup(k->remote) : NULL;
        cf->info.flags = (int)(d->flags | (d->cloexec ? O_CLOEXEC : 0));
        return;
    }
    char name[PATH_MAX];
    unsigned type = d->mode & S_IFMT;
    int kind;
    name[0] = '\0';
    if (type == S_IFSOCK) {
        snprintf(name, sizeof(name), "socket:[%llu]", (unsigned long long)d->ino);
        kind = CMP_FD_SOCKET;
    } else if (type == S_IFIFO && !opened) {
        snprintf(name, sizeof(name), "pipe:[%llu]", (unsigned long long)d->ino);
        kind = CMP_FD_PIPE;
    } else if (type == 0) {
        snprintf(name, sizeof(name), "anon_inode:%.*s", SYS_FD_NAME_MAX, d->name);
        kind = snapshot_kind_of_name(name);
    } else if (opened &&
               state_absolute(t, dirfd, opened, t->fs ? t->fs->cwd : NULL, name, sizeof(name))) {
        resolve_if_same(name, d->dev, d->ino);
        kind = type == S_IFDIR                      ? CMP_FD_DIR
               : type == S_IFCHR || type == S_IFBLK ? CMP_FD_DEVICE
               : type == S_IFIFO                    ? CMP_FD_PIPE
                                                    : CMP_FD_FILE;
    } else {
        cf->err = ENOENT;
        return;
    }
    cf->info.fd = d->fd;
    cf->info.kind = kind;
    cf->info.path = xstrdup(name);
    cf->info.flags = (int)(d->flags | (d->cloexec ? O_CLOEXEC : 0));
}

/* The path argument a call opens, and the directory fd it is relative to. */
static const char *opened_path(const struct syscall_call *c, int *dirfd)
{
    const struct syscall_desc *desc = syscall_desc(c->nr);
    *dirfd = AT_FDCWD;
    if (!desc || !desc->args || c->path_len < 0)
        return NULL;
    for (int i = 0; i < 6 && desc->args[i]; i++) {
        if (desc->args[i] != 'p')
            continue;
        if (i > 0 && desc->args[i - 1] == 'D')
            *dirfd = (int)c->args[i - 1];
        return c->path;
    }
    return NULL;
}

/* What the kernel wrote out and the fds the call named. */
static void apply_out(struct task *t, const struct sys_event *e)
{
    struct syscall_call *c = &t->call;
    struct syscall_payloads *cap = &c->cap;
    const struct sys_payload *p = &e->p;
    if (p->have & SYS_HAVE_PEER) {
        cap->peer_len = p->addr_len;
        memcpy(cap->peer, p->addr, p->addr_len);
        cap->have |= PAYLOAD_PEER;
    } else if (p->addr_err && !(p->have & SYS_HAVE_ADDR)) {
        payload_mark(cap, PAYLOAD_PEER, &cap->peer_err, p->addr_err);
    }
    if (p->have & SYS_HAVE_FD_PAIR)
        memcpy(cap->fd_pair, p->fd_pair, sizeof(cap->fd_pair));
    if (p->have & SYS_HAVE_FD_PAIR || p->fd_pair_err)
        payload_mark(cap, PAYLOAD_FD_PAIR, &cap->fd_pair_err, p->fd_pair_err);
    if (p->have & SYS_HAVE_URING) {
        cap->uring_sq_entries = p->uring_sq_entries;
        cap->uring_flags = p->uring_flags;
    }
    if (p->have & SYS_HAVE_URING || p->uring_err)
        payload_mark(cap, PAYLOAD_URING, &cap->uring_err, p->uring_err);
    if (p->have & SYS_HAVE_MMSG) {
        /* As the ptrace source: the bytes of the messages read, an error
         * when not all could be */
        cap->mmsg_bytes = p->mmsg_bytes;
        payload_mark(cap, PAYLOAD_MMSG, NULL, p->mmsg_err);
    }
    const struct sys_spec *s = spec_of(c->nr);
    int dirfd;
    const char *opened = opened_path(c, &dirfd);
    bool new_fds = s && (s->flags & SYS_SPEC_NEW_FD) && e->h.ret >= 0;
    size_t described = p->nfds < SYS_FDS ? p->nfds : SYS_FDS;
    size_t args = described;
    size_t made = new_fds ? ((p->have & SYS_HAVE_FD_PAIR) ? 2 : 1) : 0;
    args = described > made ? described - made : 0;
    for (size_t i = 0; i < described; i++) {
        const struct sys_fd *d = &p->fds[i];
        if (i < args) { /* an argument: described when the state has not met it */
            if (t->fds && !fdtable_get(t->fds, d->fd))
                describe_fd(t, d, NULL, AT_FDCWD);
        } else {
            describe_fd(t, d, (p->have & SYS_HAVE_FD_PAIR) ? NULL : opened, dirfd);
        }
    }
    const struct syscall_desc *desc = syscall_desc(c->nr);
    if (desc && (desc->needs & SYSCALL_NEED_CWD) && e->h.ret == 0) {
        /* The directory the call named, made absolute as the kernel looked
         * it up; fchdir's is its fd's. */
        const struct ofd *d =
            c->path_len < 0 && t->fds ? fdtable_get(t->fds, (int)c->args[0]) : NULL;
        const char *cwd = d ? d->path
                          : c->path_len >= 0
                              ? state_absolute(t, AT_FDCWD, c->path, t->fs ? t->fs->cwd : NULL,
                                               cap->cwd, sizeof(cap->cwd))
                              : NULL;
        if (cwd && cwd != cap->cwd)
            snprintf(cap->cwd, sizeof(cap->cwd), "%s", cwd);
        if (cwd)
            cap->have |= PAYLOAD_CWD;
        else
            cap->missing |= PAYLOAD_CWD;
    }
}

static void fill_call(struct task *t, const struct sys_event *e, size_t size)
{
    struct syscall_call *c = &t->call;
    c->nr = e->h.nr;
    c->abi = CMP_ABI_X86_64;
    memcpy(c->args, e->h.args, sizeof(c->args));
    apply_in(c, e, size);
}

static bool is_exec(int32_t nr)
{
    return nr == SYS_execve || nr == SYS_execveat;
}

static void on_syscall_enter(const struct sys_event *e, size_t size)
{
    struct task *t = proctable_find((pid_t)e->h.tid);
    /* Before its exec the spawned command runs our own setup code. */
    if (!t || (t->before_exec && !is_exec(e->h.nr)))
        return;
    fill_call(t, e, size);
    stream_syscall_entry(t, e->h.entry_ns);
    const struct sys_spec *s = spec_of(e->h.nr);
    if (!t->call.want_exit || (s && (s->flags & SYS_SPEC_NO_EXIT)))
        t->call.active = false;
}

static void on_syscall_exit(const struct sys_event *e, size_t size)
{
    struct task *t = proctable_find((pid_t)e->h.tid);
    if (!t)
        return;
    const struct sys_spec *s = spec_of(e->h.nr);
    if (s && (s->flags & SYS_SPEC_AT_ENTRY)) {
        /* Its entry went to the state when it was made. */
        if (!t->call.active || t->call.nr != e->h.nr)
            return;
    } else {
        if (t->before_exec)
            return;
        fill_call(t, e, size);
        stream_syscall_entry(t, e->h.entry_ns);
        if (!t->call.want_exit) {
            t->call.active = false;
            return;
        }
    }
    apply_out(t, e);
    stream_syscall_exit(t, e->h.ret, e->h.ts_ns);
}

/* A run of reads (or writes) of one fd the kernel counted: one call to the
 * state, standing for h->args[1] calls that moved h->ret bytes. Its first
 * call came as a record of its own, so the fd is known. */
static void on_io_run(const struct sys_hdr *h)
{
    struct task *t = proctable_find((pid_t)h->tid);
    if (!t || t->before_exec)
        return;
    struct syscall_call *c = &t->call;
    c->nr = h->nr;
    c->abi = CMP_ABI_X86_64;
    memset(c->args, 0, sizeof(c->args));
    c->args[0] = h->args[0];
    c->args[2] = (uint64_t)h->ret;
    c->path_len = c->path2_len = -1;
    c->path_err = 0;
    payloads_reset(&c->cap);
    c->calls = (uint32_t)h->args[1];
    stream_syscall_entry(t, h->entry_ns);
    if (t->call.want_exit)
        stream_syscall_exit(t, h->ret, h->ts_ns);
    c->calls = 0;
    c->active = false;
}

static void on_fork(const struct sys_hdr *h)
{
    struct task *parent = proctable_find((pid_t)h->args[0]);
    if (!parent)
        return;
    struct task *child = proctable_find((pid_t)h->tid);
    if (child)
        proctable_remove(child); /* a tid used again before its end was seen */
    child = proctable_add((pid_t)h->tid);
    /* Without its entry (attached mid-call) the flags are not known. */
    stream_spawn(parent, child, parent->call.active ? parent->call.clone_flags : SIGCHLD, h->ts_ns);
}

/* The program an exec started, as the record names it; /proc's names where
 * /proc still shows that program. */
static void exec_program(struct task *t, const struct sys_exec_event *e,
                         struct program_record *prog)
{
    memset(prog, 0, sizeof(*prog));
    pid_t pid = (pid_t)e->h.pid;
    struct stat st;
    bool live = procfs_stat(pid, "exe", &st) == 0 && st.st_ino == e->exe_ino &&
                procfs_readlink(pid, "exe", prog->exe, sizeof(prog->exe)) > 0;
    const char *cwd = t->fs ? t->fs->cwd : NULL;
    if (!live && !state_absolute(t, AT_FDCWD, e->filename, cwd, prog->exe, sizeof(prog->exe)))
        prog->exe[0] = '\0';
    else if (!live && !e->script)
        resolve_if_same(prog->exe, e->exe_dev, e->exe_ino);
    if (!e->script)
        snprintf(prog->executed, sizeof(prog->executed), "%s", prog->exe);
    else if (!state_absolute(t, AT_FDCWD, e->filename, cwd, prog->executed, sizeof(prog->executed)))
        prog->executed[0] = '\0';
    bool relative = e->filename[0] != '/';
    prog->cwd_err = ENODATA;
    if (relative) {
        prog->cwd_err = procfs_readlink_err((pid_t)e->h.tid, "cwd", prog->cwd, sizeof(prog->cwd));
        if (prog->cwd_err && cwd) {
            snprintf(prog->cwd, sizeof(prog->cwd), "%s", cwd);
            prog->cwd_err = 0;
        } else if (prog->cwd_err) {
            prog->cwd[0] = '\0';
        }
    }
    if (e->argv_truncated && live)
        prog->argv = procfs_read_all(pid, "cmdline", &prog->argv_len);
    if (!prog->argv && e->argv_len > 0) {
        prog->argv_len = e->argv_len < SYS_ARGV_MAX ? e->argv_len : SYS_ARGV_MAX;
        prog->argv = xrealloc(NULL, prog->argv_len);
        memcpy(prog->argv, e->argv, prog->argv_len);
    }
}

static void task_ended(struct task *t, int status, uint64_t ts)
{
    stream_exit(t, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                WIFSIGNALED(status) && WCOREDUMP(status), ts);
    proctable_remove(t);
}

/* A leader that ends before its other threads is reported after them, as
 * the kernel reports it to its parent: it may yet be replaced by a thread
 * that execs, and then it vanishes without an end of its own. */
struct late_leader {
    pid_t tid;
    int status;
    uint64_t ts;
};
static struct late_leader *late;
static size_t late_len, late_cap;

struct group_count {
    pid_t pid;
    size_t others;
};

static void count_others(struct task *t, void *arg)
{
    struct group_count *g = arg;
    if (t->pid == g->pid && t->tid != g->pid)
        g->others++;
}

static size_t other_threads(pid_t pid)
{
    struct group_count g = {pid, 0};
    proctable_each(count_others, &g);
    return g.others;
}

static void forget_late(size_t i)
{
    late[i] = late[--late_len];
}

/* The late leaders whose threads have all ended, or which are gone. */
static void end_late_leaders(void)
{
    for (size_t i = 0; i < late_len;) {
        struct task *t = proctable_find(late[i].tid);
        if (!t || t->tid != t->pid) {
            forget_late(i);
        } else if (other_threads(t->pid) == 0) {
            struct late_leader l = late[i];
            forget_late(i);
            task_ended(t, l.status, l.ts);
            i = 0;
        } else {
            i++;
        }
    }
}

static void on_task_exit(const struct sys_hdr *h)
{
    struct task *t = proctable_find((pid_t)h->tid);
    if (!t)
        return;
    if (t->tid == t->pid && other_threads(t->pid) > 0) {
        if (late_len == late_cap) {
            late_cap = late_cap ? late_cap * 2 : 8;
            late = xrealloc(late, late_cap * sizeof(*late));
        }
        late[late_len++] = (struct late_leader){t->tid, (int)h->ret, h->ts_ns};
        return;
    }
    task_ended(t, (int)h->ret, h->ts_ns);
    end_late_leaders();
}

static void on_exec(const struct sys_exec_event *e)
{
    pid_t tid = (pid_t)e->h.tid, former = (pid_t)e->h.args[0];
    struct task *t = proctable_find(tid);
    if (former != tid && former > 0) {
        /* A thread other than the leader exec'd: it goes on under the
         * leader's tid, and the leader is gone. */
        struct task *execer = proctable_find(former);
        if (execer) {
            for (size_t i = late_len; i-- > 0;)
                if (late[i].tid == tid)
                    forget_late(i);
            if (t)
                proctable_remove(t);
            proctable_rekey(execer, tid);
            t = execer;
        }
    } else {
        former = tid;
    }
    if (!t)
        return;
    /* A path the program could not read at the entry (a page not faulted
     * in yet) is the one the kernel copied. */
    struct syscall_call *c = &t->call;
    if (c->active && is_exec(c->nr) && c->path_len < 0 && e->filename[0]) {
        snprintf(c->path, sizeof(c->path), "%s", e->filename);
        c->path_len = (int)strlen(c->path);
        c->path_err = 0;
    }
    struct program_record prog;
    exec_program(t, e, &prog);
    stream_exec(t, former, &prog, e->h.ts_ns);
    program_release(&prog);
}

static void apply(const void *data, size_t size)
{
    const struct sys_hdr *h = data;
    switch (h->type) {
    case SYS_REC_ENTER:
        on_syscall_enter(data, size);
        break;
    case SYS_REC_EXIT:
        on_syscall_exit(data, size);
        break;
    case SYS_REC_FORK:
        on_fork(h);
        break;
    case SYS_REC_IO_RUN:
        on_io_run(h);
        break;
    case SYS_REC_EXEC:
        if (size >= sizeof(struct sys_exec_event))
            on_exec(data);
        break;
    case SYS_REC_TASK_EXIT:
        on_task_exit(h);
        break;
    case SYS_REC_SIGNAL: {
        struct task *t = proctable_find((pid_t)h->tid);
        if (t)
            stream_signal(t, (int)h->args[0], h->ts_ns);
        break;
    }
    default:
        break;
    }
}

/* Hands the records made up to `until` to the state, oldest first. */
static size_t deliver(uint64_t until)
{
    size_t n = 0;
    /* apply may drain the ring (through the stream's companions): take
     * one record at a time from the front. */
    while (held_head < held_len && held[held_head].ts <= until) {
        struct held r = held[held_head++];
        apply(r.data, r.size);
        free(r.data);
        n++;
    }
    if (held_head == held_len)
        held_head = held_len = 0;
    return n;
}

/* ---- tasks whose end no record told ------------------------------------------ */

static struct task **gone_list;
static size_t gone_len, gone_cap;

static void collect_gone(struct task *t, void *arg)
{
    (void)arg;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)t->pid, (int)t->tid);
    if (access(path, F_OK) == 0)
        return;
    if (gone_len == gone_cap) {
        gone_cap = gone_cap ? gone_cap * 2 : 16;
        gone_list = xrealloc(gone_list, gone_cap * sizeof(*gone_list));
    }
    gone_list[gone_len++] = t;
}

/* A task that is gone while the ring had no room for its exit record ends
 * here, so that the trace ends too (its exit status is unknown: -1). */
static size_t end_vanished(uint64_t now)
{
    gone_len = 0;
    proctable_each(collect_gone, NULL);
    for (size_t i = 0; i < gone_len; i++) {
        stream_exit(gone_list[i], -1, 0, false, now);
        proctable_remove(gone_list[i]);
    }
    return gone_len;
}

/* ---- loading ------------------------------------------------------------------ */

/* COMPENDIUM_BPF_RINGBUF: the ring buffer's size in bytes (a power of two,
 * at least a page), to see what happens when it overflows. */
static bool ringbuf_size(uint32_t *out, uint32_t fallback)
{
    const char *v = getenv("COMPENDIUM_BPF_RINGBUF");
    *out = fallback;
    if (!v || !*v)
        return true;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    long page = sysconf(_SC_PAGESIZE);
    if (errno || *end || n < (unsigned long long)page || n > (1ull << 30) || (n & (n - 1))) {
        fprintf(stderr,
                "compendium: COMPENDIUM_BPF_RINGBUF must be a power of two from %ld to 2^30 "
                "bytes, not '%s'\n",
                page, v);
        return false;
    }
    *out = (uint32_t)n;
    return true;
}

static void say_why(int err, const char *what)
{
    if ((err == EPERM || err == EACCES) && geteuid() == 0)
        fprintf(stderr,
                "compendium: --bpf: the kernel refused to %s the BPF programs: %s "
                "(COMPENDIUM_BPF_DEBUG=1 shows why)\n",
                what, strerror(err));
    else if (err == EPERM || err == EACCES)
        fprintf(stderr, "compendium: --bpf needs CAP_BPF and CAP_PERFMON (or root): the kernel "
                        "refused to load the BPF programs\n");
    else
        fprintf(stderr,
                "compendium: --bpf: cannot %s the BPF programs: %s (COMPENDIUM_BPF_DEBUG=1 shows "
                "why)\n",
                what, strerror(err));
}

static void unload(void)
{
    ring_buffer__free(ring);
    ring = NULL;
    syscalls_light__destroy(light);
    light = NULL;
    syscalls_bpf__destroy(skel);
    skel = NULL;
    if (traced_bits)
        munmap(traced_bits, traced_mapped);
    traced_bits = NULL;
    loaded.specs = loaded.runs = loaded.events = -1;
    loaded.dropped = loaded.compat_calls = NULL;
}

/* Words of the traced bitmap for every pid the kernel may hand out. */
static size_t words_for_pids(void)
{
    long pid_max = procfs_sysctl_int("kernel/pid_max", 4194304);
    if (pid_max <= 0 || pid_max > 4194304)
        pid_max = 4194304; /* PID_MAX_LIMIT */
    return (size_t)(pid_max + 63) / 64;
}

static bool map_traced(int fd)
{
    long page = sysconf(_SC_PAGESIZE);
    traced_mapped =
        (traced_words * sizeof(uint64_t) + (size_t)page - 1) / (size_t)page * (size_t)page;
    void *p = mmap(NULL, traced_mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return false;
    traced_bits = p;
    return true;
}

/* What --bpf needs before anything runs: kernel BTF, and a valid ring size. */
static bool usable(void)
{
    if (access(KERNEL_BTF, R_OK) != 0) {
        fprintf(stderr,
                "compendium: --bpf needs kernel BTF, and " KERNEL_BTF " is %s (the kernel must "
                "be built with CONFIG_DEBUG_INFO_BTF=y)\n",
                errno == ENOENT ? "missing" : "unreadable");
        return false;
    }
    uint32_t size;
    return ringbuf_size(&size, DEFAULT_RINGBUF);
}

/* The light skeleton: 0 or a positive errno. */
static int load_light(uint32_t size)
{
    light = syscalls_light__open();
    if (!light)
        return errno ? errno : ENOMEM;
    light->maps.events.max_entries = size;
    light->maps.traced.max_entries = (__u32)traced_words;
    /* The kernel's loader program loads the programs: their verifier logs
     * come back through its context. */
    char *log = NULL;
    if (bpf_debugging()) {
        log = xcalloc(1, VERIFIER_LOG_SIZE);
        light->ctx.log_level = 1;
        light->ctx.log_size = VERIFIER_LOG_SIZE;
        light->ctx.log_buf = (__u64)(uintptr_t)log;
    }
    int err = syscalls_light__load(light);
    if (log && err)
        fprintf(stderr, "%s\n", log);
    free(log);
    if (!err)
        err = syscalls_light__attach(light);
    if (err)
        return -err;
    if (!map_traced(light->maps.traced.map_fd))
        return errno;
    loaded.specs = light->maps.specs.map_fd;
    loaded.runs = light->maps.runs.map_fd;
    loaded.events = light->maps.events.map_fd;
    loaded.dropped = &light->bss->dropped;
    loaded.compat_calls = &light->bss->compat_calls;
    return 0;
}

/* libbpf's skeleton: 0 or a positive errno. */
static int load_libbpf(uint32_t size)
{
    skel = syscalls_bpf__open();
    if (!skel)
        return errno ? errno : ENOMEM;
    bpf_map__set_max_entries(skel->maps.events, size);
    bpf_map__set_max_entries(skel->maps.traced, (__u32)traced_words);
    int err = syscalls_bpf__load(skel);
    if (!err)
        err = syscalls_bpf__attach(skel);
    if (err)
        return -err;
    if (!map_traced(bpf_map__fd(skel->maps.traced)))
        return errno;
    loaded.specs = bpf_map__fd(skel->maps.specs);
    loaded.runs = bpf_map__fd(skel->maps.runs);
    loaded.events = bpf_map__fd(skel->maps.events);
    loaded.dropped = &skel->bss->dropped;
    loaded.compat_calls = &skel->bss->compat_calls;
    return 0;
}

/* Loads and attaches the programs, with a ring of `size` bytes: through
 * the kernel's loader where it has one, else (or with
 * COMPENDIUM_BPF_LOADER=libbpf) through libbpf. */
static bool load(uint32_t size)
{
    bpf_libbpf_print_setup();
    traced_words = words_for_pids();
    int err = bpf_light_wanted() ? load_light(size) : EOPNOTSUPP;
    if (bpf_retry_with_libbpf(err)) {
        unload();
        err = load_libbpf(size);
    }
    if (err) {
        say_why(err, "load");
        unload();
        return false;
    }
    ring = ring_buffer__new(loaded.events, on_record, NULL, NULL);
    if (!ring) {
        say_why(errno, "read the ring buffer of");
        unload();
        return false;
    }
    return true;
}

/* The word of the traced bitmap that holds pid's bit, NULL beyond it. Set
 * and cleared with the same atomic operations as the programs'. */
static uint64_t *traced_word(pid_t pid, uint64_t *bit)
{
    if (!traced_bits || pid <= 0 || (size_t)pid / 64 >= traced_words)
        return NULL;
    *bit = 1ull << (pid % 64);
    return &traced_bits[pid / 64];
}

static bool trace_group(pid_t pid)
{
    uint64_t bit;
    uint64_t *word = traced_word(pid, &bit);
    if (!word) {
        errno = ERANGE;
        return false;
    }
    __atomic_fetch_or(word, bit, __ATOMIC_SEQ_CST);
    return true;
}

/* ---- the source interface ------------------------------------------------------- */

static enum source_open_result bpf_open(const struct source_target *target, char **command)
{
    if (target->argv) {
        int rc = command_resolve(target->argv[0], spawn_path, sizeof(spawn_path));
        if (rc != 0)
            return rc == ENOENT ? SOURCE_NOT_FOUND : SOURCE_NOT_EXECUTABLE;
    } else if (target->pid == getpid()) {
        fprintf(stderr, "compendium: cannot trace itself (PID %d)\n", (int)target->pid);
        return SOURCE_FAILED;
    } else if (kill(target->pid, 0) != 0 && errno == ESRCH) {
        fprintf(stderr, "compendium: no process with PID %d\n", (int)target->pid);
        return SOURCE_FAILED;
    }
    if (!usable())
        return SOURCE_FAILED;
    if (target->argv) {
        spawn_argv = target->argv;
        root.program = spawn_path;
        *command = command_join(target->argv);
        return SOURCE_OPENED;
    }
    attach_pid = target->pid;
    size_t n = 0;
    char *text = procfs_read_all(target->pid, "cmdline", &n);
    for (size_t i = 0; text && i + 1 < n; i++)
        if (text[i] == '\0')
            text[i] = ' ';
    *command = text && n ? text : xstrdup("?");
    if (text && !n)
        free(text);
    return SOURCE_OPENED;
}

static bool wants_decoded(int32_t nr)
{
    return script_host_wants_entry(nr) || script_host_wants_exit(nr) || stream_record_all();
}

/* Reads and writes may leave the kernel as runs when every script takes
 * runs, none hooks the syscall itself, and no recording keeps each call. */
static bool mergeable(int32_t nr)
{
    return (nr == SYS_read || nr == SYS_write) && script_host_io_runs() && !stream_recording() &&
           !wants_decoded(nr) && !getenv("COMPENDIUM_BPF_NO_RUNS");
}

/* A call that closes an fd another thread may hold a run on (in the
 * kernel) makes the run leave first. */
static void closes_fds(struct sys_spec *s, int32_t nr)
{
    int arg = syscall_closed_fd_arg(nr);
    if (arg >= 0) {
        s->flags |= SYS_SPEC_CLOSES;
        s->closes = (__u8)arg;
    } else if (arg == SYSCALL_CLOSES_RANGE) {
        s->flags |= SYS_SPEC_CLOSES_RANGE;
    }
}

static void spec_clear(struct sys_spec *s)
{
    memset(s, 0, sizeof(*s));
    s->path[0] = s->path[1] = s->addr_in = s->addr_out = s->fd_pair = SYS_ARG_NONE;
    s->clone = s->open_how = s->uring = s->fd[0] = s->fd[1] = s->mmsg = SYS_ARG_NONE;
    s->msg_name = SYS_ARG_NONE;
}

/* Argument i takes capture letter c (a SYSCALL_CAPTURE_*). */
static void spec_capture(struct sys_spec *s, char c, __u8 i)
{
    __u8 *slot = NULL;
    switch (c) {
    case SYSCALL_CAPTURE_PATH:
        slot = s->path[0] == SYS_ARG_NONE ? &s->path[0] : &s->path[1];
        break;
    case SYSCALL_CAPTURE_SOCKADDR_IN:
        slot = &s->addr_in;
        break;
    case SYSCALL_CAPTURE_SOCKADDR_OUT:
        slot = &s->addr_out;
        break;
    case SYSCALL_CAPTURE_FD_PAIR:
        slot = &s->fd_pair;
        break;
    case SYSCALL_CAPTURE_CLONE_ARGS:
        slot = &s->clone;
        break;
    case SYSCALL_CAPTURE_OPEN_HOW:
        slot = &s->open_how;
        break;
    case SYSCALL_CAPTURE_URING_PARAMS:
        slot = &s->uring;
        break;
    case SYSCALL_CAPTURE_MMSG_VEC:
        slot = &s->mmsg;
        break;
    case SYSCALL_CAPTURE_MSG_NAME:
        slot = &s->msg_name;
        break;
    case SYSCALL_CAPTURE_FD:
    case SYSCALL_CAPTURE_RING_FD:
        slot = s->fd[0] == SYS_ARG_NONE ? &s->fd[0] : &s->fd[1];
        break;
    default:
        return;
    }
    if (*slot == SYS_ARG_NONE)
        *slot = i;
}

/* What leaves the kernel, per syscall: those the interest holds (the ones
 * the ptrace source's seccomp filter stops), with the table's captures and
 * the decoded arguments a script hooking the syscall reads. */
static void bpf_set_interest(void)
{
    bool runs = false;
    for (int32_t nr = 0; nr < SYS_SPEC_SIZE; nr++) {
        struct sys_spec *s = &spec_table[nr];
        spec_clear(s);
        const struct syscall_desc *desc = syscall_desc(nr);
        if (desc && interest_has(nr)) {
            unsigned needs = desc->needs;
            s->flags = SYS_SPEC_TRACE;
            if (needs & SYSCALL_NEED_NO_EXIT)
                s->flags |= SYS_SPEC_NO_EXIT | SYS_SPEC_AT_ENTRY;
            if (needs & SYSCALL_NEED_NEW_FD)
                s->flags |= SYS_SPEC_NEW_FD;
            if (needs & SYSCALL_NEED_STARTS)
                s->flags |= SYS_SPEC_AT_ENTRY;
            if (mergeable(nr)) {
                s->flags |= SYS_SPEC_MERGE;
                runs = true;
            }
            closes_fds(s, nr);
            const char *cap = desc->capture ? desc->capture : "";
            const char *kinds = desc->args ? desc->args : "";
            bool decoded = wants_decoded(nr), first_fd = decoded;
            for (size_t i = 0; i < 6; i++) {
                char c = i < strlen(cap) ? cap[i] : '-';
                char k = i < strlen(kinds) ? kinds[i] : '-';
                if (c == '-' && decoded && (k == 'p' || k == 'a'))
                    c = k;
                if (c == '-' && k == 'd' && first_fd)
                    c = 'd';
                if (k == 'd')
                    first_fd = false;
                spec_capture(s, c, (__u8)i);
            }
        }
    }
    /* Loaded only now that the scripts say what leaves the kernel: a ring
     * that takes a record per read and write must be bigger. */
    uint32_t size;
    if (!ring && (!ringbuf_size(&size, runs ? RUNS_RINGBUF : DEFAULT_RINGBUF) || !load(size)))
        return;
    for (int32_t nr = 0; nr < SYS_SPEC_SIZE; nr++) {
        __u32 key = (__u32)nr;
        bpf_map_update_elem(loaded.specs, &key, &spec_table[nr], BPF_ANY);
    }
}

static bool spawn(uint64_t now)
{
    int errpipe[2], gopipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0 || pipe2(gopipe, O_CLOEXEC) != 0) {
        fprintf(stderr, "compendium: pipe: %s\n", strerror(errno));
        return false;
    }
    own_fds_cloexec();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "compendium: fork: %s\n", strerror(errno));
        return false;
    }
    if (pid == 0) {
        /* Wait until the programs follow this process: its exec is its
         * first syscall they report. */
        close(errpipe[0]);
        close(gopipe[1]);
        source_child_dispositions();
        char go;
        ssize_t n;
        while ((n = read(gopipe[0], &go, 1)) < 0 && errno == EINTR)
            ;
        if (n != 1)
            _exit(126);
        source_exec_command(spawn_path, spawn_argv, errpipe[1]);
    }
    close(errpipe[1]);
    close(gopipe[0]);
    exec_error_fd = errpipe[0];
    spawned = true;
    root_pid = pid;
    if (!trace_group(pid)) {
        fprintf(stderr, "compendium: --bpf: cannot follow the command: %s\n", strerror(errno));
        close(gopipe[1]);
        kill(pid, SIGKILL);
        return false;
    }
    remember_fds(pid);
    struct task *t = proctable_add(pid);
    t->before_exec = true;
    struct program_record prog;
    capture_program(pid, pid, true, &prog);
    bool ok = stream_root(t, &prog, 0, now);
    program_release(&prog);
    ssize_t w = ok ? write(gopipe[1], "g", 1) : -1;
    close(gopipe[1]);
    if (w != 1) {
        kill(pid, SIGKILL);
        return false;
    }
    return true;
}

static bool attach(pid_t pid, uint64_t now)
{
    root_pid = pid;
    /* Followed first, then read: what the snapshot misses, records tell. */
    if (!trace_group(pid)) {
        fprintf(stderr, "compendium: --bpf: cannot follow PID %d: %s\n", (int)pid, strerror(errno));
        return false;
    }
    size_t count = 0;
    int *tids = procfs_list(pid, "task", &count);
    if (!tids || count == 0) {
        free(tids);
        fprintf(stderr, "compendium: no process with PID %d\n", (int)pid);
        return false;
    }
    /* The leader first. */
    pid_t *order = xcalloc(count, sizeof(*order));
    size_t n = 0;
    order[n++] = pid;
    for (size_t i = 0; i < count; i++)
        if ((pid_t)tids[i] != pid && tids[i] > 0)
            order[n++] = (pid_t)tids[i];
    free(tids);
    struct snapshot snap;
    snapshot_read(&snap, pid, order, n);
    stream_attach(&snap, now);
    snapshot_free(&snap);
    free(order);
    return true;
}

static bool bpf_start(uint64_t now)
{
    if (!ring)
        return false; /* the load failed, and said why */
    return spawn_argv ? spawn(now) : attach(attach_pid, now);
}

static void reap_root(void)
{
    if (!spawned || root_reaped)
        return;
    int status;
    if (waitpid(root_pid, &status, WNOHANG) != root_pid)
        return;
    root_reaped = true;
    root.ended = true;
    root.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    root.exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    root.core_dumped = WIFSIGNALED(status) && WCOREDUMP(status);
    int err = 0;
    if (exec_error_fd >= 0 && read(exec_error_fd, &err, sizeof(err)) == (ssize_t)sizeof(err))
        root.exec_errno = err;
}

static bool bpf_tracing(void)
{
    return proctable_count() > 0 || held_len > held_head || (spawned && !root_reaped);
}

/* Under a flood of records there is always a batch to hand on; a look
 * without blocking says idle this often all the same, so that the loop
 * writes out what it holds. */
#define OUTPUT_EVERY_NS 50000000u

static enum source_step bpf_next(uint64_t deadline, bool block)
{
    static uint64_t last_idle;
    if (!block) {
        uint64_t now = now_ns();
        if (now - last_idle > OUTPUT_EVERY_NS) {
            last_idle = now;
            return SOURCE_IDLE;
        }
    }
    for (;;) {
        reap_root();
        ring_buffer__consume(ring);
        uint64_t now = now_ns();
        if (records_seen != records_counted) { /* here or in the last poll */
            records_counted = records_seen;
            last_record_ns = now;
        }
        if (deliver(now > REORDER_NS ? now - REORDER_NS : 0) > 0)
            return SOURCE_HANDLED;
        if (held_len == held_head && now - last_record_ns > LIVENESS_NS && proctable_count() > 0) {
            last_record_ns = now;
            if (end_vanished(now) > 0)
                return SOURCE_HANDLED;
        }
        if (!bpf_tracing())
            return SOURCE_ENDED;
        if (!block || (deadline && now >= deadline))
            return SOURCE_IDLE;
        uint64_t wait = (uint64_t)POLL_MS * 1000000u;
        if (held_len > held_head) {
            uint64_t due = held[held_head].ts + REORDER_NS;
            if (due > now && due - now < wait)
                wait = due - now;
        }
        if (deadline && deadline - now < wait)
            wait = deadline - now;
        int ms = (int)((wait + 999999u) / 1000000u);
        if (ring_buffer__poll(ring, ms) == -EINTR)
            return SOURCE_IDLE;
    }
}

static void untrace_group(struct task *t, void *arg)
{
    (void)arg;
    uint64_t bit;
    uint64_t *word = traced_word(t->pid, &bit);
    if (word)
        __atomic_fetch_and(word, ~bit, __ATOMIC_SEQ_CST);
}

static void kill_group(struct task *t, void *arg)
{
    (void)arg;
    kill(t->pid, SIGKILL);
}

static void forget_all(void)
{
    pid_t tids[256];
    size_t n;
    while ((n = proctable_tids(tids, 256)) > 0)
        for (size_t i = 0; i < n; i++) {
            struct task *t = proctable_find(tids[i]);
            if (t)
                proctable_remove(t);
        }
}

/* The runs a task still holds in the kernel when the tracing stops, as the
 * records they would have been. */
static void take_runs(struct task *t, void *arg)
{
    (void)arg;
    __u32 key = (__u32)t->tid;
    struct sys_runs v;
    if (bpf_map_lookup_and_delete_elem(loaded.runs, &key, &v) != 0)
        return;
    for (int i = 0; i < SYS_RUN_SLOTS; i++) {
        if (v.slot[i].calls == 0)
            continue;
        struct sys_hdr h = {.ts_ns = v.slot[i].last_ns,
                            .entry_ns = v.slot[i].first_ns,
                            .args = {(__u64)(__s64)v.slot[i].fd, v.slot[i].calls},
                            .ret = (__s64)v.slot[i].bytes,
                            .type = SYS_REC_IO_RUN,
                            .tid = (__u32)t->tid,
                            .pid = (__u32)t->pid,
                            .nr = v.slot[i].nr};
        on_record(NULL, &h, sizeof(h));
    }
}

/* Nothing to release: the tasks never stopped. What they did up to now
 * still reaches the state. */
static void bpf_stop(enum source_stop_how how)
{
    if (how == SOURCE_KILL) {
        proctable_each(kill_group, NULL);
        return;
    }
    proctable_each(untrace_group, NULL);
    ring_buffer__consume(ring);
    proctable_each(take_runs, NULL);
    deliver(UINT64_MAX);
    forget_all();
}

static void bpf_close(void)
{
    unload();
    if (exec_error_fd >= 0)
        close(exec_error_fd);
    exec_error_fd = -1;
    for (size_t i = held_head; i < held_len; i++)
        free(held[i].data);
    free(held);
    held = NULL;
    held_head = held_len = held_cap = 0;
    for (size_t i = 0; i < known_len; i++)
        snapshot_fd_free(&known[i].info);
    free(known);
    known = NULL;
    known_len = known_cap = 0;
    free(late);
    late = NULL;
    late_len = late_cap = 0;
    free(gone_list);
    gone_list = NULL;
    gone_len = gone_cap = 0;
}

static const struct root_status *bpf_root(void)
{
    return &root;
}

static pid_t bpf_root_pid(void)
{
    return root_pid;
}

static uint64_t bss_value(const __u64 *v)
{
    return __atomic_load_n(v, __ATOMIC_RELAXED);
}

/* Records the ring had no room for count as dropped, beside those of the
 * companions; 32-bit syscalls, which have no decoding here, as undecoded. */
static void bpf_totals(cmp_run_info *out)
{
    if (!loaded.dropped)
        return;
    uint64_t dropped = bss_value(loaded.dropped);
    out->ebpf_dropped += dropped;
    out->dropped += dropped;
    uint64_t compat = bss_value(loaded.compat_calls);
    int n = compat ? snprintf(undecoded_text, sizeof(undecoded_text), "i386=%llu",
                              (unsigned long long)compat)
                   : 0;
    out->undecoded = compat;
    out->undecoded_names = (cmp_str){undecoded_text, n > 0 ? (uint32_t)n : 0};
}

const struct source bpf_syscall_source = {
    .caps = {.name = "bpf", .live = true, .can_stop = false, .can_attach = true},
    .prepare = ptrace_inherit_signals,
    .open = bpf_open,
    .set_interest = bpf_set_interest,
    .start = bpf_start,
    .tracing = bpf_tracing,
    .next = bpf_next,
    .stop = bpf_stop,
    .close = bpf_close,
    .root = bpf_root,
    .root_pid = bpf_root_pid,
    .totals = bpf_totals,
    .query_fd = capture_query_fd,
};
