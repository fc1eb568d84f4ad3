/* Feeding the state records by hand, as a source would hand them over, and
 * keeping the events it emits. The events go through the real script host:
 * it runs state_events.lua, whose hooks call back unit_event_seen(), which
 * copies the event the engine built. So a test sees exactly what a script
 * would, and nothing of the state is stubbed.
 *
 * The tids are made up: the state reads no process, so whatever it
 * answers must come from the records. */
#ifndef COMPENDIUM_TEST_STATE_FEED_H
#define COMPENDIUM_TEST_STATE_FEED_H

#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "cli.h"
#include "fdtable.h"
#include "memregions.h"
#include "proctable.h"
#include "record.h"
#include "script_host.h"
#include "state.h"

#define FEED_TID_BASE 900000

/* ---- events ---------------------------------------------------------------- */

#define SEEN_TEXT 256
struct seen_event {
    int type, pid, tid, fd, child, code, signal, is_thread, core_dumped, writable, target;
    int64_t ret, growth_bytes;
    uint64_t bytes, addr, end_addr, size, delay_ns;
    char path[SEEN_TEXT], filename[SEEN_TEXT], fd_path[SEEN_TEXT], requested[SEEN_TEXT];
    char program[SEEN_TEXT], map_type[16], prot[8], op[16], error[32];
    char sock_type[16], remote_addr[SEEN_TEXT];
    char new_path[SEEN_TEXT], link_target[SEEN_TEXT];
    int mode;
};

#define SEEN_MAX 64
static struct seen_event seen[SEEN_MAX];
static int seen_count;

static inline void seen_text(char *out, size_t cap, cmp_str s)
{
    size_t n = s.ptr ? s.len : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s.ptr ? s.ptr : "", n);
    out[n] = '\0';
}

/* Called from state_events.lua's hooks, through the FFI. */
void unit_event_seen(void);
void unit_event_seen(void)
{
    if (seen_count == SEEN_MAX) {
        CHECK(!"more events than a test expects");
        return;
    }
    const cmp_event *e = &script_event;
    struct seen_event *s = &seen[seen_count++];
    memset(s, 0, sizeof(*s));
    s->type = e->type;
    s->pid = e->pid;
    s->tid = e->tid;
    s->fd = e->fd;
    s->child = e->child;
    s->code = e->code;
    s->signal = e->signal;
    s->is_thread = e->is_thread;
    s->core_dumped = e->core_dumped;
    s->writable = e->writable;
    s->target = e->target;
    s->ret = e->ret;
    s->growth_bytes = e->growth_bytes;
    s->bytes = e->bytes;
    s->addr = e->addr;
    s->end_addr = e->end_addr;
    s->size = e->size;
    s->delay_ns = e->delay_ns;
    seen_text(s->path, sizeof(s->path), e->path);
    seen_text(s->filename, sizeof(s->filename), e->filename);
    seen_text(s->fd_path, sizeof(s->fd_path), e->fd_path);
    seen_text(s->requested, sizeof(s->requested), e->requested);
    seen_text(s->program, sizeof(s->program), e->program);
    seen_text(s->map_type, sizeof(s->map_type), e->map_type);
    seen_text(s->prot, sizeof(s->prot), e->prot);
    seen_text(s->op, sizeof(s->op), e->op);
    seen_text(s->error, sizeof(s->error), e->error);
    seen_text(s->sock_type, sizeof(s->sock_type), e->sock_type);
    seen_text(s->remote_addr, sizeof(s->remote_addr), e->remote_addr);
    seen_text(s->new_path, sizeof(s->new_path), e->new_path);
    seen_text(s->link_target, sizeof(s->link_target), e->link_target);
    s->mode = e->mode;
}

static inline void seen_reset(void)
{
    seen_count = 0;
}

/* How many events of type were seen since the last seen_reset. */
static inline int seen_of(int type)
{
    int n = 0;
    for (int i = 0; i < seen_count; i++)
        n += seen[i].type == type;
    return n;
}

/* The nth (from 0) event of type since the last seen_reset; a failed check
 * and an empty event when there is none. */
static inline const struct seen_event *seen_nth_at(int type, int nth, const char *file, int line)
{
    for (int i = 0; i < seen_count; i++)
        if (seen[i].type == type && nth-- == 0)
            return &seen[i];
    check_count++;
    check_failures++;
    fprintf(stderr, "%s:%d: no such event of type %d\n", file, line, type);
    static struct seen_event none;
    memset(&none, 0, sizeof(none));
    none.type = -1;
    return &none;
}
#define seen_nth(type, nth) seen_nth_at((type), (nth), __FILE__, __LINE__)

/* ---- records ------------------------------------------------------------------ */

/* The script host with state_events.lua, and a fresh state. */
static inline void feed_init(void)
{
    static const char *scripts[] = {COMPENDIUM_TEST_UNIT_DIR "/state_events.lua"};
    struct cli_options opts;
    memset(&opts, 0, sizeof(opts));
    opts.scripts = scripts;
    opts.nscripts = 1;
    opts.quiet = true;
    if (!script_host_init(COMPENDIUM_TEST_DATA_DIR, &opts, "unit")) {
        fprintf(stderr, "the script host did not start\n");
        exit(1);
    }
    state_init(0);
}

static inline struct program_record feed_program(const char *exe, const char *cwd, const char *argv,
                                                 size_t argv_len)
{
    struct program_record p;
    memset(&p, 0, sizeof(p));
    snprintf(p.exe, sizeof(p.exe), "%s", exe);
    snprintf(p.cwd, sizeof(p.cwd), "%s", cwd);
    p.argv = (char *)argv;
    p.argv_len = argv_len;
    return p;
}

/* A root task running /bin/root in /, past its first exec. */
static inline struct task *feed_root(pid_t tid)
{
    struct task *t = proctable_add(tid);
    struct program_record prog = feed_program("/bin/root", "/", "root\0", 5);
    state_track_root(t, NULL, &prog, 1);
    t->before_exec = false;
    return t;
}

/* A record as a source hands it over at the entry: nr and args, no payload
 * yet (the test adds what it captured). */
static inline void feed_begin(struct task *t, int32_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                              uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct syscall_call *c = &t->call;
    c->nr = nr;
    c->abi = 0;
    const uint64_t args[6] = {a0, a1, a2, a3, a4, a5};
    memcpy(c->args, args, sizeof(args));
    c->path_len = c->path2_len = -1;
    c->path_err = 0;
    payloads_reset(&c->cap);
}

static inline void feed_path(struct task *t, const char *path)
{
    snprintf(t->call.path, sizeof(t->call.path), "%s", path);
    t->call.path_len = (int)strlen(t->call.path);
}

/* What the source says fd is (an fd the call made, or one the state has not
 * met), as the record carries it. */
static inline void feed_fd(struct task *t, int fd, int kind, const char *path, int flags)
{
    struct syscall_payloads *p = &t->call.cap;
    if (p->fd_count == PAYLOAD_FDS_MAX) {
        CHECK(!"too many fds in one record");
        return;
    }
    struct captured_fd *cf = &p->fds[p->fd_count++];
    memset(cf, 0, sizeof(*cf));
    cf->fd = fd;
    cf->info.fd = fd;
    cf->info.kind = kind;
    cf->info.path = strdup(path);
    cf->info.flags = flags;
}

/* The entry and the exit of the record begun, returning ret. */
static inline void feed_call(struct task *t, int64_t ret)
{
    state_syscall_entry(t, 10);
    state_syscall_exit(t, ret, 20);
}

/* syscall(nr, args...) = ret, with no payload. */
static inline void feed(struct task *t, int64_t ret, int32_t nr, uint64_t a0, uint64_t a1,
                        uint64_t a2, uint64_t a3)
{
    feed_begin(t, nr, a0, a1, a2, a3, 0, 0);
    feed_call(t, ret);
}

/* openat(AT_FDCWD, path, flags) = fd, the kernel naming the file opened. */
static inline void feed_open(struct task *t, int fd, const char *path, int flags)
{
    feed_begin(t, SYS_openat, (uint64_t)AT_FDCWD, 0x1000, (uint64_t)flags, 0, 0, 0);
    feed_path(t, path);
    state_syscall_entry(t, 10);
    feed_fd(t, fd, CMP_FD_FILE, path, flags);
    state_syscall_exit(t, fd, 20);
}

/* A clone by parent with flags, reported with child as the new task. */
static inline struct task *feed_clone(struct task *parent, int32_t nr, uint64_t flags,
                                      pid_t child_tid)
{
    feed_begin(parent, nr, flags, 0, 0, 0, 0, 0);
    state_syscall_entry(parent, 10);
    struct task *child = proctable_add(child_tid);
    state_spawn(parent, child, 15);
    state_syscall_exit(parent, child_tid, 20);
    return child;
}

/* An execve of path that t completed; the new program is exe. */
static inline void feed_exec(struct task *t, const char *path, const char *exe)
{
    feed_begin(t, SYS_execve, 0x1000, 0x2000, 0x3000, 0, 0, 0);
    feed_path(t, path);
    state_syscall_entry(t, 10);
    struct program_record prog = feed_program(exe, "/", "prog\0", 5);
    state_exec(t, &prog, 20);
}

/* Drops every task without a word to the state, so that what a test asks
 * of the whole table (state_finish) is about its own tasks only. */
static inline void feed_forget_all(void)
{
    pid_t tids[256];
    size_t n = proctable_tids(tids, 256);
    for (size_t i = 0; i < n; i++)
        proctable_remove(proctable_find(tids[i]));
}

/* The description behind fd in t's table, NULL when it is not open there. */
static inline struct ofd *fd_of(struct task *t, int fd)
{
    return fdtable_get(t->fds, fd);
}

static inline const char *path_of(struct task *t, int fd)
{
    struct ofd *d = fd_of(t, fd);
    return d ? d->path : "(not open)";
}

#endif
