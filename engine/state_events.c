/* Turning what happened into events: the syscall dispatch (what the state
 * takes from a syscall at its entry and its exit, and the enter and syscall
 * hooks around them), and the builders of every event the state emits,
 * which fill script_event and hand it to the script host. */
#include <limits.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "decode.h"
#include "memregions.h"
#include "script_host.h"
#include "state_internal.h"

#define PAGE_BYTES 4096u

/* Scratch text for the event being built; valid until the next event. */
static char fd_path_text[PATH_MAX + 200];

static uint64_t page_round(uint64_t len)
{
    return (len + PAGE_BYTES - 1) & ~(uint64_t)(PAGE_BYTES - 1);
}

/* ---- building events ------------------------------------------------------ */

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
        e->path = state_str(c->path, c->path_len);
        e->path2 = state_str(c->path2, c->path2_len);
        e->sockaddr = state_str(c->sockaddr, c->sockaddr_len);
        e->payloads = &c->cap;
        if (t == returning)
            e->entry_ns = c->entry_ns;
    }
    return e;
}

cmp_event *state_event_begin(struct task *t, int type, uint64_t now)
{
    return event_begin(t, type, now, true);
}

/* How an fd reads in fd_path: a file's path, or "socket:tcp4:PEER", ... */
static cmp_str describe_fd(struct task *t, int fd)
{
    struct ofd *d = state_fd_lookup(t, fd);
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

void state_emit_syscall(struct task *t, int type, int64_t ret, uint64_t now)
{
    cmp_event *e = event_begin(t, type, now, true);
    e->ret = ret;
    set_fd_path(t, e);
    script_host_dispatch();
}

void state_emit_inject(struct task *t, const char *op, int64_t value, uint64_t delay_ns,
                       uint64_t now)
{
    if (!script_host_wants(CMP_EV_INJECT))
        return;
    cmp_event *e = event_begin(t, CMP_EV_INJECT, now, true);
    e->ret = value;
    e->delay_ns = delay_ns;
    e->op = state_cstr(op);
    if (strcmp(op, "error") == 0)
        e->error = state_cstr(cmp_errno_name((int32_t)-value));
    set_fd_path(t, e);
    script_host_dispatch();
}

void state_emit_open(struct task *t, int fd, const struct ofd *d, int err, uint64_t now)
{
    if (!script_host_wants(CMP_EV_OPEN))
        return;
    struct syscall_call *c = &t->call;
    cmp_event *e = event_begin(t, CMP_EV_OPEN, now, true);
    e->ret = fd;
    e->path = err ? (cmp_str){NULL, 0} : state_cstr(d->path);
    e->path_error = err ? state_cstr(cmp_errno_name(err)) : (cmp_str){NULL, 0};
    e->requested = state_str(c->path, c->path_len);
    if (c->path_err) /* open_by_handle_at has no path to read */
        e->arg_error = state_cstr(cmp_errno_name(c->path_err));
    e->writable = d->writable;
    e->fd = fd;
    script_host_dispatch();
}

void state_emit_open_failed(struct task *t, int64_t ret, const char *path, bool writable,
                            uint64_t now)
{
    if (!script_host_wants(CMP_EV_OPEN))
        return;
    struct syscall_call *c = &t->call;
    cmp_event *e = event_begin(t, CMP_EV_OPEN, now, true);
    e->ret = ret;
    e->path = state_cstr(path);
    e->requested = state_str(c->path, c->path_len);
    if (c->path_err)
        e->arg_error = state_cstr(cmp_errno_name(c->path_err));
    e->error = state_cstr(cmp_errno_name((int32_t)-ret));
    e->writable = writable;
    script_host_dispatch();
}

void state_emit_connect(struct task *t, int64_t ret, const struct ofd *d, uint64_t now)
{
    if (!script_host_wants(CMP_EV_CONNECT))
        return;
    struct syscall_call *c = &t->call;
    cmp_event *e = event_begin(t, CMP_EV_CONNECT, now, true);
    e->ret = ret;
    e->fd = (int)c->args[0];
    e->sock_type = d ? state_cstr(d->sock_type) : state_cstr("socket");
    e->remote_addr = state_str(c->sockaddr, c->sockaddr_len);
    if (ret < 0)
        e->error = state_cstr(cmp_errno_name((int32_t)-ret));
    script_host_dispatch();
}

void state_emit_io(struct task *t, int type, int fd, const struct ofd *d, uint64_t bytes,
                   const char *peer, uint64_t now)
{
    if (!script_host_wants(type))
        return;
    cmp_event *e = event_begin(t, type, now, true);
    e->ret = (int64_t)bytes;
    e->fd = fd;
    e->bytes = bytes;
    e->calls = t->call.calls ? t->call.calls : 1;
    if (d && d->kind == CMP_FD_SOCKET) {
        e->sock_type = state_cstr(d->sock_type);
        e->remote_addr = state_cstr(peer && *peer ? peer : d->remote);
    } else if (d) {
        if (d->path[0])
            e->filename = state_cstr(d->path);
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

void state_emit_io_uring(struct task *t, int fd, int entries, bool sqpoll, bool inherited,
                         uint64_t now)
{
    if (!script_host_wants(CMP_EV_IO_URING))
        return;
    cmp_event *e = event_begin(t, CMP_EV_IO_URING, now, true);
    e->fd = fd;
    e->entries = entries;
    e->sqpoll = sqpoll;
    e->inherited = inherited;
    script_host_dispatch();
}

void state_emit_mmap(struct task *t, uint64_t addr, uint64_t len, int prot, const char *file,
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
    e->prot = state_cstr(prot_buf);
    e->map_type = state_cstr(file ? "file" : "anon");
    e->filename = state_cstr(file);
    script_host_dispatch();
}

void state_emit_munmap(struct task *t, uint64_t addr, uint64_t len, const char *file, uint64_t now)
{
    if (!script_host_wants(CMP_EV_MUNMAP))
        return;
    cmp_event *e = event_begin(t, CMP_EV_MUNMAP, now, true);
    e->addr = addr;
    e->size = page_round(len);
    e->filename = state_cstr(file);
    script_host_dispatch();
}

void state_emit_brk(struct task *t, int64_t ret, int64_t growth, uint64_t now)
{
    if (growth == 0 || !script_host_wants(CMP_EV_BRK))
        return;
    cmp_event *e = event_begin(t, CMP_EV_BRK, now, true);
    e->ret = ret;
    e->growth_bytes = growth;
    script_host_dispatch();
}

void state_emit_spawn(struct task *parent, const struct task *child, uint64_t now)
{
    int type = child->is_thread ? CMP_EV_SPAWN_THREAD : CMP_EV_SPAWN_PROCESS;
    if (!script_host_wants(type))
        return;
    cmp_event *e = event_begin(parent, type, now, true);
    e->ret = child->tid;
    e->child = child->tid;
    script_host_dispatch();
}

void state_emit_exec(struct task *t, const struct program_record *prog, uint64_t now)
{
    if (!script_host_wants(CMP_EV_EXEC))
        return;
    cmp_event *e = event_begin(t, CMP_EV_EXEC, now, true);
    e->program = state_cstr(t->proc->exe);
    e->path = prog->executed[0] ? state_cstr(prog->executed) : (cmp_str){0};
    e->argv = (cmp_str){t->proc->argv, (uint32_t)t->proc->argv_len};
    script_host_dispatch();
}

void state_emit_exit(struct task *t, int code, int signal, bool core_dumped, uint64_t now)
{
    if (!script_host_wants(CMP_EV_EXIT))
        return;
    cmp_event *e = event_begin(t, CMP_EV_EXIT, now, false);
    e->code = signal ? -1 : code;
    e->signal = signal;
    e->is_thread = t->is_thread;
    e->core_dumped = core_dumped;
    script_host_dispatch();
}

void state_emit_signal(struct task *t, int signal, uint64_t now)
{
    if (!script_host_wants(CMP_EV_SIGNAL))
        return;
    cmp_event *e = event_begin(t, CMP_EV_SIGNAL, now, false);
    e->signal = signal;
    script_host_dispatch();
}

/* ---- the syscall dispatch -------------------------------------------------- */

struct task state_needs_probe;
unsigned state_probed_needs;

/* The socket address argument the source captured, decoded for the events
 * (sockaddr) and for the fd state (a connect's peer). */
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

/* What the state takes from a syscall at its entry. */
static bool read_at_entry(struct task *t, uint64_t now)
{
    return state_proc_at_entry(t, now) || state_fd_at_entry(t, now);
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
    state_inject_clear(c);
    decode_captured_sockaddr(c);
    read_at_entry(t, now);

    /* exit and exit_group never return: their `syscall` event is now, as
     * strace shows "exit_group(0) = ?" (the formatter prints the "?"). */
    if (!c->want_exit && !t->before_exec && script_host_wants_exit(c->nr))
        state_emit_syscall(t, CMP_EV_SYSCALL, 0, now);

    bool at_entry = script_host_wants_entry(c->nr);
    /* The command's own exec starts the run: hooks may not fail or delay it. */
    if (at_entry && !t->before_exec) {
        state_inject_before_hooks(); /* only these hooks' requests count */
        state_emit_syscall(t, CMP_EV_ENTER, 0, now);
        state_inject_after_hooks(t, true, 0, now);
    }
}

/* What a returned syscall changes: a syscall is one of these at most. */
static bool apply_at_exit(struct task *t, int64_t ret, uint64_t now)
{
    return state_io_at_exit(t, ret, now) || state_fd_at_exit(t, ret, now) ||
           state_mm_at_exit(t, ret, now) || state_proc_at_exit(t, ret, now) ||
           state_tree_at_exit(t, ret, now);
}

static void syscall_returned(struct task *t, int64_t ret, uint64_t now)
{
    struct syscall_call *c = &t->call;
    c->active = false;
    state_counts.syscalls += c->calls ? c->calls : 1;
    ret = state_inject_result(c, ret);
    if (script_host_wants_exit(c->nr)) {
        state_inject_before_hooks();
        state_emit_syscall(t, CMP_EV_SYSCALL, ret, now);
        ret = state_inject_after_hooks(t, false, ret, now);
    }
    /* A failed call changed nothing; those whose failure is news (an open
     * of a missing file, a refused connect, a rename that did not happen)
     * are events all the same. */
    if (ret < 0) {
        if (!state_fd_failed(t, ret, now))
            state_tree_at_exit(t, ret, now);
    } else {
        apply_at_exit(t, ret, now);
    }
}

unsigned state_needs(int32_t nr)
{
    state_needs_probe.call.nr = nr;
    state_probed_needs = 0;
    read_at_entry(&state_needs_probe, 0);
    apply_at_exit(&state_needs_probe, 0, 0);
    return state_probed_needs;
}

void state_syscall_exit(struct task *t, int64_t ret, uint64_t now)
{
    if (!t->call.active)
        return; /* its entry was not seen: nothing to pair the exit with */
    returning = t;
    syscall_returned(t, ret, now);
    returning = NULL;
}
