/* The syscalls of the traced thread groups (--bpf), without stopping them.
 *
 * `traced` holds the thread groups the engine traces (a bit per tgid, so
 * that every other task's syscall costs one load); the programs add a
 * traced process's children at fork, before they run, and drop a group when
 * its last thread exits, so children and threads are followed from their
 * first syscall. `specs` says, per syscall number, whether records leave the
 * kernel at all and what to capture of each argument (the engine fills it
 * from the syscall table and the scripts' interest, as it builds the seccomp
 * filter of the ptrace source).
 *
 * A syscall makes one record, at its exit: its arguments and entry time
 * (kept in the task's `inflight` storage meanwhile), its return value, and
 * what its arguments point to. Paths and addresses passed in are read at the exit too: the
 * kernel has faulted their pages in by then (a page not yet faulted in
 * cannot be read from a BPF program), and the caller's memory still holds
 * them. Only exec (whose memory is gone at its exit), the clone family
 * (whose children the fork record names between entry and exit) and exit
 * (which never returns) make a record at entry as well. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "syscalls.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define EBADF 9
#define EINVAL 22
#define E2BIG 7
#define SIGKILL 9
#define TS_COMPAT 0x0002 /* thread_info.status: in a 32-bit syscall */
/* Past this much unread data the consumer is woken; below, it drains on its
 * own short timer, so a busy task does not pay a wakeup per syscall. */
#define WAKEUP_BYTES (256 << 10)

/* Records the ring buffer had no room for. */
__u64 dropped = 0;
/* Syscalls made through the 32-bit entry, which have no decoding here. */
__u64 compat_calls = 0;

/* Bit tgid % 64 of word tgid / 64. The engine sizes it from pid_max, and
 * sets and clears bits through its own mapping, atomically as here. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(map_flags, BPF_F_MMAPABLE);
    __uint(max_entries, 65536); /* PID_MAX_LIMIT / 64 */
    __type(key, __u32);
    __type(value, __u64);
} traced SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SYS_SPEC_SIZE);
    __type(key, __u32);
    __type(value, struct sys_spec);
} specs SEC(".maps");

struct inflight {
    __u64 entry_ns; /* 0: not read (a call that continues a run) */
    __u64 args[6];
    __s32 nr;
    __u32 valid; /* a call of a traced task is under way */
    /* What the task's run slots hold, as far as it knows (another thread
     * closing an fd may have ended a run since): a call that continues
     * one needs no clock read at its entry. */
    __s32 run_nr[SYS_RUN_SLOTS];
    __s32 run_fd[SYS_RUN_SLOTS];
    __u64 last_exit_ns; /* the exit of its last call that read the clock */
};

/* In the task itself: a task that has none (every untraced one) costs its
 * syscall exits one pointer test, not a hash lookup. */
struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct inflight);
} inflight SEC(".maps");

/* The engine sets the size before load. */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct sys_event);
} scratch SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct sys_exec_event);
} exec_scratch SEC(".maps");

/* Runs of like calls (SYS_SPEC_MERGE) a task has made since its last record:
 * two at once, for a copy loop's reads of one fd and writes of another. The
 * first call of a kind on an fd leaves as a record of its own (so the state
 * meets its fd described); the calls after it are counted here, and leave as
 * one record when the task makes any other call, ends, or the run grows old;
 * the slot stays, and the calls after that are the next run. */
#define RUN_MAX_NS 20000000
#define PRECISE_EVERY 16

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 16384);
    __type(key, __u32); /* tid */
    __type(value, struct sys_runs);
} runs SEC(".maps");

static __always_inline bool group_traced(__u32 tgid)
{
    __u32 word = tgid / 64;
    __u64 *bits = bpf_map_lookup_elem(&traced, &word);
    return bits && (*bits >> (tgid % 64)) & 1;
}

static __always_inline void trace_group(__u32 tgid, bool on)
{
    __u32 word = tgid / 64;
    __u64 *bits = bpf_map_lookup_elem(&traced, &word);
    if (!bits)
        return;
    if (on)
        __sync_fetch_and_or(bits, 1ull << (tgid % 64));
    else
        __sync_fetch_and_and(bits, ~(1ull << (tgid % 64)));
}

/* When the consumer was last woken: under a backlog a wakeup per record
 * would cost the traced task an interrupt per syscall. */
__u64 woken_ns = 0;
#define WAKEUP_EVERY_NS 1000000

static __always_inline void output(void *data, __u64 size, __u64 now)
{
    __u64 flags = BPF_RB_NO_WAKEUP;
    if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > WAKEUP_BYTES &&
        now - woken_ns > WAKEUP_EVERY_NS) {
        woken_ns = now;
        flags = BPF_RB_FORCE_WAKEUP;
    }
    if (bpf_ringbuf_output(&events, data, size, flags) != 0)
        __sync_fetch_and_add(&dropped, 1);
}

static __noinline void read_path(struct sys_event *e, __u64 addr)
{
    __u32 k = e->p.npaths;
    if (k >= 2)
        return;
    e->p.npaths = k + 1;
    long n = bpf_probe_read_user_str(e->paths[k], SYS_PATH_MAX, (const void *)addr);
    if (n <= 0) {
        e->p.path_err[k] = n < 0 ? (__s32)-n : EINVAL;
        e->p.path_len[k] = 0;
        e->paths[k][0] = '\0';
    } else {
        e->p.path_err[k] = 0;
        e->p.path_len[k] = (__u32)(n - 1);
    }
}

/* What fd of the calling task is: its inode, flags and dentry name. */
__noinline int describe_fd(struct sys_payload *p, __s32 fd)
{
    if (!p)
        return 0;
    __u32 n = p->nfds;
    if (n >= SYS_FDS)
        return 0;
    p->nfds = n + 1;
    struct sys_fd *d = &p->fds[n];
    d->fd = fd;
    d->err = EBADF;
    struct task_struct *task = bpf_get_current_task_btf();
    struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
    if (!fdt || fd < 0)
        return 0;
    unsigned int max = BPF_CORE_READ(fdt, max_fds);
    if ((unsigned int)fd >= max)
        return 0;
    struct file **arr = BPF_CORE_READ(fdt, fd);
    struct file *f = NULL;
    bpf_probe_read_kernel(&f, sizeof(f), arr + fd);
    if (!f)
        return 0;
    d->err = 0;
    struct inode *inode = BPF_CORE_READ(f, f_inode);
    d->ino = BPF_CORE_READ(inode, i_ino);
    d->mode = BPF_CORE_READ(inode, i_mode);
    d->dev = BPF_CORE_READ(inode, i_sb, s_dev);
    d->flags = BPF_CORE_READ(f, f_flags);
    unsigned long *coe = BPF_CORE_READ(fdt, close_on_exec);
    unsigned long word = 0;
    bpf_probe_read_kernel(&word, sizeof(word), coe + fd / 64);
    d->cloexec = (word >> (fd % 64)) & 1;
    /* Only an anonymous inode (no file type) is named by its dentry. */
    d->name[0] = '\0';
    if ((d->mode & 0170000) == 0) {
        const unsigned char *name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
        bpf_probe_read_kernel_str(d->name, sizeof(d->name), name);
    }
    return 0;
}

static __noinline void read_addr(struct sys_payload *p, __u64 addr, __u32 len, __u32 bit)
{
    if (len > SYS_ADDR_MAX)
        len = SYS_ADDR_MAX;
    barrier_var(len); /* the bounded copy is the one passed on */
    long rc = bpf_probe_read_user(p->addr, len & (2 * SYS_ADDR_MAX - 1), (const void *)addr);
    if (rc == 0) {
        p->addr_len = len;
        p->have |= bit;
    } else {
        p->addr_err = (__s32)-rc;
    }
}

static __always_inline __s32 read_u64(__u64 *out, __u64 addr)
{
    long rc = bpf_probe_read_user(out, sizeof(*out), (const void *)addr);
    return rc ? (__s32)-rc : 0;
}

/* The bytes of a sendmmsg/recvmmsg: the msg_len of each of the n messages
 * the kernel says it moved (the first SYS_MMSG_MAX of them). Global: verified
 * once, its loop with it. */
__noinline int read_mmsg_lens(struct sys_payload *p, __u64 vec, __s64 n)
{
    if (!p)
        return 0;
    __u64 total = 0;
    __u32 got = 0;
    for (__u32 k = 0; k < SYS_MMSG_MAX && k < n; k++) {
        __u32 len = 0;
        /* struct mmsghdr: a 56-byte struct msghdr, then msg_len */
        long rc = bpf_probe_read_user(&len, sizeof(len), (const void *)(vec + k * 64 + 56));
        if (rc) {
            p->mmsg_err = (__s32)-rc;
            break;
        }
        total += len;
        got++;
    }
    if (got < n && !p->mmsg_err)
        p->mmsg_err = E2BIG;
    p->mmsg_bytes = total;
    p->mmsg_read = got;
    p->have |= SYS_HAVE_MMSG;
    return 0;
}

/* An argument the spec names (an index below 6). */
#define ARG(e, i) ((e)->h.args[(i) < 6 ? (i) : 0])

/* What the caller passed in: paths, socket addresses, clone and open
 * structs. */
static __noinline void capture_in(struct sys_event *e, const struct sys_spec *s)
{
    __u8 i = s->path[0];
    if (i < 6)
        read_path(e, ARG(e, i));
    i = s->path[1];
    if (i < 6)
        read_path(e, ARG(e, i));
    i = s->addr_in;
    if (i < 5) {
        __u64 a = ARG(e, i), len = ARG(e, i + 1);
        if (a && len)
            read_addr(&e->p, a, (__u32)(len > SYS_ADDR_MAX ? SYS_ADDR_MAX : len), SYS_HAVE_ADDR);
    }
    i = s->clone;
    if (i < 6) {
        e->p.clone_err = read_u64(&e->p.clone_flags, ARG(e, i));
        if (!e->p.clone_err)
            e->p.have |= SYS_HAVE_CLONE;
    }
    i = s->open_how;
    if (i < 6) {
        e->p.open_how_err = read_u64(&e->p.open_flags, ARG(e, i));
        if (!e->p.open_how_err)
            e->p.have |= SYS_HAVE_OPEN_HOW;
    }
}

/* What the kernel wrote out, and what the fds named are. */
static __noinline void capture_out(struct sys_event *e, const struct sys_spec *s)
{
    __s64 ret = e->h.ret;
    __u8 i = s->addr_out;
    if (i < 5 && ret >= 0) {
        __u64 a = ARG(e, i), lenp = ARG(e, i + 1);
        if (a && lenp) {
            __s32 len = 0;
            long rc = bpf_probe_read_user(&len, sizeof(len), (const void *)lenp);
            if (rc)
                e->p.addr_err = (__s32)-rc;
            else if (len <= 0)
                e->p.addr_err = EINVAL;
            else
                read_addr(&e->p, a, (__u32)len, SYS_HAVE_PEER);
        }
    }
    i = s->msg_name;
    if (i < 6 && ret >= 0) {
        /* struct msghdr begins with msg_name and msg_namelen, which the
         * kernel set to the length it wrote (0: no address, as for TCP) */
        struct {
            __u64 name;
            __u32 namelen;
        } h = {};
        long rc =
            bpf_probe_read_user(&h, sizeof(h.name) + sizeof(h.namelen), (const void *)ARG(e, i));
        if (rc)
            e->p.addr_err = (__s32)-rc;
        else if (h.name && h.namelen > 0)
            read_addr(&e->p, h.name, h.namelen, SYS_HAVE_PEER);
    }
    i = s->fd_pair;
    if (i < 6 && ret >= 0) {
        long rc = bpf_probe_read_user(e->p.fd_pair, sizeof(e->p.fd_pair), (const void *)ARG(e, i));
        e->p.fd_pair_err = (__s32)-rc;
        if (!rc)
            e->p.have |= SYS_HAVE_FD_PAIR;
    }
    i = s->uring;
    if (i < 6 && ret >= 0) {
        __u32 params[3] = {};
        long rc = bpf_probe_read_user(params, sizeof(params), (const void *)ARG(e, i));
        e->p.uring_err = (__s32)-rc;
        if (!rc) {
            e->p.uring_sq_entries = params[0];
            e->p.uring_flags = params[2];
            e->p.have |= SYS_HAVE_URING;
        }
    }
    i = s->mmsg;
    if (i < 6 && ret > 0)
        read_mmsg_lens(&e->p, ARG(e, i), ret);
    i = s->fd[0];
    if (i < 6)
        describe_fd(&e->p, (__s32)ARG(e, i));
    i = s->fd[1];
    if (i < 6)
        describe_fd(&e->p, (__s32)ARG(e, i));
    if ((s->flags & SYS_SPEC_NEW_FD) && ret >= 0) {
        if (e->p.have & SYS_HAVE_FD_PAIR) {
            describe_fd(&e->p, e->p.fd_pair[0]);
            describe_fd(&e->p, e->p.fd_pair[1]);
        } else {
            describe_fd(&e->p, (__s32)ret);
        }
    }
}

static __always_inline struct sys_event *start_event(__u32 type, __u64 id)
{
    __u32 zero = 0;
    struct sys_event *e = bpf_map_lookup_elem(&scratch, &zero);
    if (!e)
        return NULL;
    e->h.type = type;
    e->h.tid = (__u32)id;
    e->h.pid = (__u32)(id >> 32);
    /* The address and the fds are read only as far as have and nfds say. */
    __builtin_memset(&e->p, 0, __builtin_offsetof(struct sys_payload, fds));
    return e;
}

/* Only as much of the paths as was read leaves the kernel. */
static __always_inline void send_event(struct sys_event *e)
{
    __u64 size = __builtin_offsetof(struct sys_event, paths);
    __u32 n = e->p.npaths;
    __u32 nfds = e->p.nfds;
    if (nfds > SYS_FDS)
        nfds = SYS_FDS;
    barrier_var(nfds);
    if (n == 0 && !(e->p.have & (SYS_HAVE_ADDR | SYS_HAVE_PEER)))
        /* the fds it did not describe stay behind, and the address room */
        size = __builtin_offsetof(struct sys_event, p.fds) + nfds * sizeof(struct sys_fd);
    else if (n == 1)
        size += (e->p.path_len[0] & (SYS_PATH_MAX - 1)) + 1;
    else if (n >= 2)
        size += SYS_PATH_MAX + (e->p.path_len[1] & (SYS_PATH_MAX - 1)) + 1;
    if (size > sizeof(*e))
        size = sizeof(*e);
    barrier_var(size);
    e->h.ts_ns = bpf_ktime_get_ns();
    output(e, size, e->h.ts_ns);
}

/* ---- runs of like calls ------------------------------------------------- */

/* Which task holds a run on an fd of an fd table. Threads share their fd
 * table: when one closes an fd another holds a run on, the run leaves first
 * (the state would count it for whatever the fd names next). One holder per
 * fd: a second thread's calls on it leave as records. */
struct run_key {
    __u64 files;
    __s32 fd;
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 16384);
    __type(key, struct run_key);
    __type(value, __u32); /* tid */
} run_owners SEC(".maps");

/* The counts are taken with an exchange: the holder may be adding to them
 * on another CPU while a closing thread sends the run. */
static __always_inline void send_run(struct sys_run *r, __u32 tid, __u32 tgid)
{
    if (r->calls == 0)
        return;
    struct sys_hdr h = {};
    h.type = SYS_REC_IO_RUN;
    h.tid = tid;
    h.pid = tgid;
    h.nr = r->nr;
    h.args[0] = (__u64)(__s64)r->fd;
    h.args[1] = __sync_lock_test_and_set(&r->calls, 0);
    h.ret = (__s64)__sync_lock_test_and_set(&r->bytes, 0);
    h.entry_ns = r->first_ns;
    h.ts_ns = r->last_ns;
    if (h.args[1])
        output(&h, sizeof(h), h.ts_ns);
}

static __always_inline void disown(struct sys_run *r, __u32 tid)
{
    struct run_key k = {.files = r->files, .fd = r->fd};
    __u32 *owner = bpf_map_lookup_elem(&run_owners, &k);
    if (owner && *owner == tid)
        bpf_map_delete_elem(&run_owners, &k);
}

/* The task's runs leave before its next record: they came first. Global,
 * as the other helpers called from several places: verified once, not at
 * each call. */
__noinline int end_runs(__u64 pid_tgid)
{
    __u32 tid = (__u32)pid_tgid;
    struct sys_runs *rs = bpf_map_lookup_elem(&runs, &tid);
    if (!rs)
        return 0;
    for (int i = 0; i < SYS_RUN_SLOTS; i++)
        send_run(&rs->slot[i], tid, (__u32)(pid_tgid >> 32));
    return 0;
}

/* A task's slots holding a run on fd of the fd table files. */
static __always_inline bool holds(struct sys_runs *rs, __u64 files, __s32 fd)
{
    for (int i = 0; i < SYS_RUN_SLOTS; i++)
        if (rs->slot[i].nr >= 0 && rs->slot[i].files == files && rs->slot[i].fd == fd)
            return true;
    return false;
}

/* Before fd is closed: the runs on it leave, whichever task of the fd
 * table holds them, and the slots are free. */
__noinline int end_runs_on(__u64 files, __s32 fd)
{
    struct run_key k = {.files = files, .fd = fd};
    __u32 *owner = bpf_map_lookup_elem(&run_owners, &k);
    if (!owner)
        return 0;
    __u32 holder = *owner;
    bpf_map_delete_elem(&run_owners, &k);
    struct sys_runs *rs = bpf_map_lookup_elem(&runs, &holder);
    if (!rs)
        return 0;
    for (int i = 0; i < SYS_RUN_SLOTS; i++) {
        struct sys_run *r = &rs->slot[i];
        /* The holder's group is the caller's: an fd table is one group's
         * (a CLONE_FILES child of another group is not followed here). */
        if (r->nr >= 0 && r->files == files && r->fd == fd) {
            send_run(r, holder, (__u32)(bpf_get_current_pid_tgid() >> 32));
            r->nr = -1;
        }
    }
    return 0;
}

struct range_ctx {
    __u64 files;
    __u32 first, last;
};

static long end_range_run(struct bpf_map *map, struct run_key *k, __u32 *owner, struct range_ctx *c)
{
    if (k->files == c->files && (__u32)k->fd >= c->first && (__u32)k->fd <= c->last)
        end_runs_on(c->files, k->fd);
    return 0;
}

/* The fd table of the calling task, whether other tasks share it, and the
 * open file fd names in it (0: none). */
static __always_inline __u64 file_of(__s32 fd, __u64 *files_out, bool *shared)
{
    struct task_struct *task = bpf_get_current_task_btf();
    struct files_struct *files = task->files;
    *files_out = (__u64)files;
    if (!files || fd < 0)
        return 0;
    *shared = files->count.counter != 1;
    struct fdtable *fdt = files->fdt;
    if (!fdt || (unsigned int)fd >= fdt->max_fds)
        return 0;
    struct file **arr = fdt->fd;
    struct file *f = NULL;
    bpf_probe_read_kernel(&f, sizeof(f), arr + fd);
    return (__u64)f;
}

/* The calling task's fd table, as a plain number (a global function takes
 * no kernel pointer). */
static __always_inline __u64 files_of_current(void)
{
    __u64 files = 0;
    bpf_probe_read_kernel(&files, sizeof(files), &bpf_get_current_task_btf()->files);
    return files;
}

/* Counts a call that returned ret > 0 into the task's run of its kind on
 * its fd: true when it was, and makes no record of its own. Otherwise it
 * starts a run in the older slot (the one there leaves first) and makes its
 * record as any call does. */
__noinline int into_run(__u64 pid_tgid, __u64 nr_fd, __s64 ret, __u64 entry_ns, struct inflight *in)
{
    if (!in)
        return false;
    __s32 nr = (__s32)(nr_fd >> 32), fd = (__s32)nr_fd;
    __u32 tid = (__u32)pid_tgid, tgid = (__u32)(pid_tgid >> 32);
    /* The tick count is a load; the clock costs a third of a call: a run
     * reads the clock when the tick has moved on, and every PRECISE_EVERY
     * calls, so its end is exact to within those. */
    __u64 ticks = bpf_jiffies64();
    __u64 files = 0;
    bool shared = true;
    __u64 file = file_of(fd, &files, &shared);
    if (!file)
        return false;
    struct sys_runs *rs = bpf_map_lookup_elem(&runs, &tid);
    if (!rs) {
        struct sys_runs fresh = {};
        for (int i = 0; i < SYS_RUN_SLOTS; i++)
            fresh.slot[i].nr = -1;
        bpf_map_update_elem(&runs, &tid, &fresh, BPF_NOEXIST);
        rs = bpf_map_lookup_elem(&runs, &tid);
        if (!rs)
            return false;
    }
    int victim = 0;
    for (int i = 0; i < SYS_RUN_SLOTS; i++) {
        struct sys_run *r = &rs->slot[i];
        if (r->nr == nr && r->fd == fd && r->file == file && r->files == files) {
            __u64 now = r->last_ns;
            if (ticks != r->ticks || (r->calls & (PRECISE_EVERY - 1)) == PRECISE_EVERY - 1) {
                now = bpf_ktime_get_ns();
                r->ticks = ticks;
                in->last_exit_ns = now;
                if (now - r->start_ns > RUN_MAX_NS) {
                    /* An old run leaves, and a new one starts with this call. */
                    send_run(r, tid, tgid);
                    r->start_ns = now;
                }
            }
            if (r->calls == 0)
                r->first_ns = entry_ns ? entry_ns : now;
            if (shared) {
                /* another thread closing the fd may be sending the run */
                __sync_fetch_and_add(&r->calls, 1);
                __sync_fetch_and_add(&r->bytes, (__u64)ret);
            } else {
                r->calls++;
                r->bytes += (__u64)ret;
            }
            r->last_ns = now;
            return true;
        }
        if (r->last_ns < rs->slot[victim].last_ns || r->nr < 0)
            victim = i;
    }
    victim &= SYS_RUN_SLOTS - 1;
    struct sys_run *r = &rs->slot[victim];
    send_run(r, tid, tgid);
    /* The slot's fd is another now, unless the other slot holds it too. */
    struct sys_run *other = &rs->slot[(victim + 1) & (SYS_RUN_SLOTS - 1)];
    if (r->nr >= 0 && !(other->nr >= 0 && other->fd == r->fd && other->files == r->files))
        disown(r, tid);
    r->nr = -1;
    in->run_nr[victim] = -1;
    struct run_key k = {.files = files, .fd = fd};
    if (bpf_map_update_elem(&run_owners, &k, &tid, BPF_NOEXIST) != 0) {
        __u32 *owner = bpf_map_lookup_elem(&run_owners, &k);
        if (!owner)
            return false;
        __u32 holder = *owner;
        if (holder != tid) {
            struct sys_runs *theirs = bpf_map_lookup_elem(&runs, &holder);
            if (theirs && holds(theirs, files, fd))
                return false; /* another thread's run: this call leaves as a record */
            *owner = tid;
        }
    }
    r->nr = nr;
    r->fd = fd;
    r->file = file;
    r->files = files;
    __u64 now = bpf_ktime_get_ns();
    in->last_exit_ns = now;
    r->start_ns = now;
    r->ticks = ticks;
    r->last_ns = now;
    in->run_nr[victim] = nr;
    in->run_fd[victim] = fd;
    return false;
}

/* Whether a call of nr on fd continues one of the task's runs. */
static __always_inline bool continues_run(const struct inflight *in, __s32 nr, __s32 fd)
{
    for (int i = 0; i < SYS_RUN_SLOTS; i++)
        if (in->run_nr[i] == nr && in->run_fd[i] == fd)
            return true;
    return false;
}

/* Before a call that closes fds: the runs on them leave (the caller's own
 * would at its exit, but those of other threads only at their next call). */
static __always_inline void before_close(const struct sys_spec *s, const __u64 *args)
{
    __u64 files = files_of_current();
    if (s->flags & SYS_SPEC_CLOSES) {
        __u8 i = s->closes;
        if (i < 6)
            end_runs_on(files, (__s32)args[i]);
    } else {
        struct range_ctx c = {.files = files, .first = (__u32)args[0], .last = (__u32)args[1]};
        bpf_for_each_map_elem(&run_owners, end_range_run, &c, 0);
    }
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
    if (!group_traced((__u32)(bpf_get_current_pid_tgid() >> 32)))
        return 0;
    struct task_struct *task = bpf_get_current_task_btf();
    struct inflight *slot = bpf_task_storage_get(&inflight, task, 0, 0);
    if (!slot) {
        /* The task's first syscall. */
        slot = bpf_task_storage_get(&inflight, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
        if (!slot)
            return 0;
        for (int i = 0; i < SYS_RUN_SLOTS; i++)
            slot->run_nr[i] = -1;
    }
    if (task->thread_info.status & TS_COMPAT) {
        __sync_fetch_and_add(&compat_calls, 1);
        return 0;
    }
    __u32 nr = (__u32)id;
    if (nr >= SYS_SPEC_SIZE)
        return 0;
    struct sys_spec *s = bpf_map_lookup_elem(&specs, &nr);
    if (!s || !(s->flags & SYS_SPEC_TRACE))
        return 0;
    __u64 args[6];
    /* tp_btf: regs is the kernel's own, read directly (no helper call). */
    args[0] = regs->di;
    args[1] = regs->si;
    args[2] = regs->dx;
    args[3] = regs->r10;
    args[4] = regs->r8;
    args[5] = regs->r9;
    /* A call that goes on with a run is counted at its exit, and its entry
     * time is not needed: a clock read is a third of what a call costs. */
    __u64 entry_ns = 0;
    if (!(s->flags & SYS_SPEC_MERGE) || !continues_run(slot, (__s32)nr, (__s32)args[0]))
        entry_ns = bpf_ktime_get_ns();
    if (!(s->flags & SYS_SPEC_NO_EXIT)) {
        slot->entry_ns = entry_ns;
        __builtin_memcpy(slot->args, args, sizeof(args));
        slot->nr = (__s32)nr;
        slot->valid = 1;
    }
    if (s->flags & (SYS_SPEC_CLOSES | SYS_SPEC_CLOSES_RANGE))
        before_close(s, args);
    if (!(s->flags & SYS_SPEC_AT_ENTRY))
        return 0;
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    end_runs(pid_tgid);
    struct sys_event *e = start_event(SYS_REC_ENTER, pid_tgid);
    if (!e)
        return 0;
    e->h.entry_ns = entry_ns;
    e->h.nr = (__s32)nr;
    e->h.ret = 0;
    __builtin_memcpy(e->h.args, args, sizeof(args));
    capture_in(e, s);
    send_event(e);
    return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
    struct inflight *in = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);
    if (!in || !in->valid)
        return 0;
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    in->valid = 0;
    __u32 nr = (__u32)in->nr;
    if (nr >= SYS_SPEC_SIZE)
        return 0;
    struct sys_spec *s = bpf_map_lookup_elem(&specs, &nr);
    if (!s)
        return 0;
    /* Its entry was not timed when it looked like more of a run: it began
     * after the task's last call ended. */
    __u64 entry_ns = in->entry_ns ? in->entry_ns : in->last_exit_ns;
    if ((s->flags & SYS_SPEC_MERGE) && ret > 0) {
        if (into_run(pid_tgid, ((__u64)nr << 32) | (__u32)in->args[0], ret, entry_ns, in))
            return 0;
    } else {
        end_runs(pid_tgid);
    }
    struct sys_event *e = start_event(SYS_REC_EXIT, pid_tgid);
    if (!e)
        return 0;
    e->h.entry_ns = entry_ns ? entry_ns : bpf_ktime_get_ns();
    e->h.nr = (__s32)nr;
    e->h.ret = ret;
    __builtin_memcpy(e->h.args, in->args, sizeof(in->args));
    if (!(s->flags & SYS_SPEC_AT_ENTRY))
        capture_in(e, s);
    capture_out(e, s);
    send_event(e);
    in->last_exit_ns = e->h.ts_ns;
    return 0;
}

/* ---- following the traced tasks ----------------------------------------- */

static __always_inline void task_record(__u32 type, __u32 tid, __u32 pid, __u64 arg, __s64 ret)
{
    struct {
        struct sys_hdr h;
    } r = {};
    r.h.type = type;
    r.h.tid = tid;
    r.h.pid = pid;
    r.h.nr = -1;
    r.h.args[0] = arg;
    r.h.ret = ret;
    r.h.ts_ns = bpf_ktime_get_ns();
    r.h.entry_ns = r.h.ts_ns;
    output(&r, sizeof(r), r.h.ts_ns);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
    __u32 ptgid = BPF_CORE_READ(parent, tgid);
    if (!group_traced(ptgid))
        return 0;
    __u32 ctgid = BPF_CORE_READ(child, tgid);
    if (ctgid != ptgid)
        trace_group(ctgid, true);
    task_record(SYS_REC_FORK, BPF_CORE_READ(child, pid), ctgid, BPF_CORE_READ(parent, pid), 0);
    return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_task_exit, struct task_struct *p)
{
    __u32 tgid = BPF_CORE_READ(p, tgid), tid = BPF_CORE_READ(p, pid);
    if (!group_traced(tgid))
        return 0;
    bpf_task_storage_delete(&inflight, p);
    end_runs(((__u64)tgid << 32) | tid);
    struct sys_runs *rs = bpf_map_lookup_elem(&runs, &tid);
    if (rs) {
        for (int i = 0; i < SYS_RUN_SLOTS; i++)
            if (rs->slot[i].nr >= 0)
                disown(&rs->slot[i], tid);
    }
    bpf_map_delete_elem(&runs, &tid);
    task_record(SYS_REC_TASK_EXIT, tid, tgid, 0, BPF_CORE_READ(p, exit_code));
    if (BPF_CORE_READ(p, signal, live.counter) == 0)
        trace_group(tgid, false);
    return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
    __u32 tgid = BPF_CORE_READ(p, tgid);
    if (!group_traced(tgid))
        return 0;
    __u32 zero = 0;
    struct sys_exec_event *e = bpf_map_lookup_elem(&exec_scratch, &zero);
    if (!e)
        return 0;
    __builtin_memset(&e->h, 0, sizeof(e->h));
    e->h.type = SYS_REC_EXEC;
    e->h.tid = BPF_CORE_READ(p, pid);
    e->h.pid = tgid;
    e->h.nr = -1;
    e->h.args[0] = (__u32)old_pid;
    const char *filename = BPF_CORE_READ(bprm, filename);
    e->script = filename != BPF_CORE_READ(bprm, interp);
    if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename) < 0)
        e->filename[0] = '\0';
    struct file *exe = BPF_CORE_READ(p, mm, exe_file);
    e->exe_ino = BPF_CORE_READ(exe, f_inode, i_ino);
    e->exe_dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
    __u64 start = BPF_CORE_READ(p, mm, arg_start), end = BPF_CORE_READ(p, mm, arg_end);
    __u64 len = end > start ? end - start : 0;
    e->argv_truncated = len > SYS_ARGV_MAX;
    if (len > SYS_ARGV_MAX)
        len = SYS_ARGV_MAX;
    if (bpf_probe_read_user(e->argv, len, (const void *)start) != 0)
        len = 0;
    e->argv_len = (__u32)len;
    e->h.ts_ns = bpf_ktime_get_ns();
    e->h.entry_ns = e->h.ts_ns;
    output(e, sizeof(*e), e->h.ts_ns);
    return 0;
}

/* A signal sent to a traced task, as it is queued (or dropped at once because
 * the task ignores it: a tracer that stops the task sees those too). At
 * delivery a fatal signal would already be SIGKILL, which never stops a
 * task for its tracer either: its end tells. */
#define TRACE_SIGNAL_DELIVERED 0
#define TRACE_SIGNAL_IGNORED 1

SEC("tp_btf/signal_generate")
int BPF_PROG(on_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
             int group, int result)
{
    if (sig == SIGKILL || (result != TRACE_SIGNAL_DELIVERED && result != TRACE_SIGNAL_IGNORED))
        return 0;
    __u32 tgid = BPF_CORE_READ(task, tgid);
    if (group_traced(tgid))
        task_record(SYS_REC_SIGNAL, BPF_CORE_READ(task, pid), tgid, (__u64)sig, 0);
    return 0;
}
