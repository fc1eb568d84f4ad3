/* The state queries scripts make through ffi.C: c.proc, c.fd, the run and
 * what a record holds beyond the state (resolved paths). */
#include <fcntl.h>
#include <string.h>

#include "event.h"
#include "fdtable.h"
#include "memregions.h"
#include "proctable.h"
#include "record.h"
#include "session.h"
#include "snapshot.h"
#include "stream.h"

static cmp_str text(const char *s, size_t len)
{
    return s ? (cmp_str){s, (uint32_t)len} : (cmp_str){NULL, 0};
}

int cmp_host_proc(int32_t tid, cmp_proc_info *out)
{
    struct task *t = proctable_find(tid);
    if (!t || !t->proc)
        return 0;
    const struct process *p = t->proc;
    memset(out, 0, sizeof(*out));
    out->pid = t->pid;
    out->tid = t->tid;
    out->ppid = p->ppid;
    out->is_thread = t->is_thread;
    out->alive = !t->exited;
    out->exit_code = p->exit_code;
    out->exit_signal = p->exit_signal;
    out->start_ns = t->start_ns;
    out->end_ns = p->end_ns;
    out->comm = text(p->comm, strlen(p->comm));
    out->exe = text(p->exe, strlen(p->exe));
    out->argv = text(p->argv, p->argv_len);
    if (t->fs)
        out->cwd = text(t->fs->cwd, strlen(t->fs->cwd));
    if (t->mm) {
        struct mm_stats stats;
        mm_stats(t->mm, &stats);
        out->heap_bytes = stats.heap_bytes;
        out->mapped_bytes = stats.mapped_bytes;
        out->anon_bytes = stats.use_bytes[USE_ANON];
    }
    return 1;
}

/* The source's answer about an fd, kept until the next question: the
 * strings it hands out must outlive the call. */
static struct snapshot_fd asked;
static bool asked_held;

static int fd_from_source(struct task *t, int32_t fd, cmp_fd_info *out)
{
    if (asked_held)
        snapshot_fd_free(&asked);
    asked_held = false;
    if (stream_query_fd(t, fd, &asked) != 0)
        return 0;
    asked_held = true;
    memset(out, 0, sizeof(*out));
    out->fd = fd;
    out->kind = asked.kind;
    out->cloexec = asked.flags >= 0 && (asked.flags & O_CLOEXEC);
    out->writable = asked.flags >= 0 && (asked.flags & O_ACCMODE) != O_RDONLY;
    out->path = text(asked.path, strlen(asked.path));
    out->sock_type = text(asked.sock_type, strlen(asked.sock_type));
    out->remote_addr = text(asked.remote, asked.remote ? strlen(asked.remote) : 0);
    return 1;
}

int cmp_host_fd(int32_t pid, int32_t fd, cmp_fd_info *out)
{
    struct task *t = proctable_find(pid);
    if (!t || !t->fds)
        return 0;
    struct ofd *d = fdtable_get(t->fds, fd);
    if (!d)
        return fd_from_source(t, fd, out);
    memset(out, 0, sizeof(*out));
    out->fd = fd;
    out->kind = d->kind;
    out->cloexec = fdtable_cloexec(t->fds, fd);
    out->writable = d->writable;
    out->path = text(d->path, strlen(d->path));
    out->sock_type = text(d->sock_type, strlen(d->sock_type));
    out->remote_addr = text(d->remote, d->remote ? strlen(d->remote) : 0);
    return 1;
}

int cmp_host_resolved(const cmp_event *ev, int32_t which, cmp_resolved_path *out)
{
    const struct syscall_payloads *p = ev ? ev->payloads : NULL;
    if (!p || !payload_has(p, PAYLOAD_RESOLVED) || which < 0 || which > 1)
        return 0;
    const struct resolved_path *r = &p->resolved[which];
    memset(out, 0, sizeof(*out));
    if (!r->dir_err)
        out->dir = text(r->dir, strlen(r->dir));
    if (!r->full_err)
        out->full = text(r->full, strlen(r->full));
    out->dir_err = r->dir_err;
    out->full_err = r->full_err;
    return 1;
}

void cmp_host_run(cmp_run_info *out)
{
    session_run_info(out);
}
