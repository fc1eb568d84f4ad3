#include "replay_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interest.h"
#include "output.h"
#include "proctable.h"
#include "record_file.h"
#include "stream.h"
#include "syscall_table.h"
#include "tracee_mem.h"
#include "xalloc.h"

/* Records applied per step, between looks at signals and the output. */
#define BATCH 1024

static struct {
    const char *path;
    uint8_t *map;
    size_t len;
    struct rf_reader *r;
    bool done;
    bool started;
    enum { STOPPED_NO, STOPPED_END, STOPPED_BROKEN } stopped;
    size_t answer_count;
    struct root_status root;
    pid_t root_pid;
    struct source_run run;
    struct rf_end end;
    bool have_end;
    /* A task's call when the recording names a task it does not have (a
     * damaged file): the record is read into this and dropped. */
    struct syscall_call scratch;
} rp;

static const struct root_status *replay_root(void)
{
    return &rp.root;
}

static pid_t replay_root_pid(void)
{
    return rp.root_pid;
}

static const struct source_run *replay_recorded(void)
{
    return &rp.run;
}

static void replay_prepare(void) {}

static bool map_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "compendium: cannot read recording %s: %s\n", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "compendium: %s is not a compendium recording (not a regular file)\n",
                path);
        close(fd);
        return false;
    }
    rp.len = (size_t)st.st_size;
    if (rp.len > 0) {
        void *m = mmap(NULL, rp.len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            fprintf(stderr, "compendium: cannot read recording %s: %s\n", path, strerror(errno));
            close(fd);
            return false;
        }
        rp.map = m;
    }
    close(fd);
    return true;
}

static enum source_open_result replay_open(const struct source_target *target, char **command)
{
    rp.path = target->recording;
    tracee_mem_refuse(); /* what a decoder shows comes from the record */
    if (!map_file(rp.path))
        return SOURCE_FAILED;
    enum rf_status status;
    uint64_t at;
    static const uint8_t empty[1];
    rp.r = rf_reader_new(rp.map ? rp.map : empty, rp.len, &status, &at);
    switch (status) {
    case RF_OK:
    case RF_CUT:
        break;
    case RF_NOT_RECORDING:
        fprintf(stderr, "compendium: %s is not a compendium recording\n", rp.path);
        return SOURCE_FAILED;
    case RF_NEWER: {
        const uint8_t *v = rp.map + 8;
        fprintf(stderr,
                "compendium: %s is a recording of format version %u; this compendium reads "
                "version %d: replay it with a newer compendium\n",
                rp.path, (unsigned)(v[0] | v[1] << 8 | v[2] << 16 | (uint32_t)v[3] << 24),
                RF_VERSION);
        return SOURCE_FAILED;
    }
    case RF_CORRUPT:
        fprintf(stderr,
                "compendium: %s is corrupted at byte %llu (its checksum does not match): "
                "it cannot be replayed\n",
                rp.path, (unsigned long long)at);
        return SOURCE_FAILED;
    }
    if (!rp.r) {
        fprintf(stderr,
                "compendium: %s is cut short before its header: there is nothing to "
                "replay\n",
                rp.path);
        return SOURCE_FAILED;
    }
    const struct rf_header *h = rf_reader_header(rp.r);
    rp.run.start_ns = rp.run.end_ns = h->start_ns;
    rp.run.wall_start_ns = h->wall_start_ns;
    rp.run.attached = (h->flags & RF_ATTACHED) != 0;
    rp.root.exit_code = -1;
    *command = xstrdup(h->command);
    return SOURCE_OPENED;
}

static bool was_traced(const struct rf_header *h, int32_t nr)
{
    if (h->flags & RF_ALL)
        return true;
    return nr >= 0 && nr < RF_BITMAP_BYTES * 8 && (h->traced[nr / 8] & (1u << (nr % 8)));
}

/* Hooks on syscalls the recording did not stop for would see nothing:
 * said once, naming them. */
static void replay_set_interest(void)
{
    const struct rf_header *h = rf_reader_header(rp.r);
    if (interest_all() && !(h->flags & RF_ALL)) {
        fprintf(stderr,
                "compendium: warning: the scripts hook every syscall, but %s has only those it "
                "stopped for: hooks see none of the others (record with --record-all to have "
                "them all)\n",
                rp.path);
        return;
    }
    char names[512];
    size_t len = 0, missing = 0, shown = 0;
    names[0] = '\0';
    for (int32_t nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        if (!interest_has(nr) || was_traced(h, nr) || !syscall_desc(nr))
            continue;
        missing++;
        if (shown < 8) {
            int n = snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "",
                             cmp_syscall_name(nr));
            if (n > 0 && (size_t)n < sizeof(names) - len) {
                len += (size_t)n;
                shown++;
            }
        }
    }
    if (missing == 0)
        return;
    fprintf(stderr,
            "compendium: warning: %s did not record %s%s: hooks on %s see nothing (record "
            "with the same scripts, or --record-all)\n",
            rp.path, names, missing > shown ? " and others" : "", missing == 1 ? "it" : "them");
}

static void root_ended(int code, int sig, bool core)
{
    rp.root.ended = true;
    rp.root.exit_code = sig ? -1 : code;
    rp.root.exit_signal = sig;
    rp.root.core_dumped = core;
}

static void apply_end(void)
{
    rp.have_end = true;
    rp.run.end_ns = rp.end.end_ns;
    rp.run.detached = rp.end.detached;
    rp.run.interrupted = rp.end.interrupted;
    if (rp.end.root_pid > 0)
        rp.root_pid = rp.end.root_pid;
    rp.root.ended = rp.end.root_ended;
    rp.root.exit_code = rp.end.exit_code;
    rp.root.exit_signal = rp.end.exit_signal;
    rp.root.core_dumped = rp.end.core_dumped;
    rp.root.exec_errno = rp.end.exec_errno;
    rp.root.program = rp.end.program ? rp.end.program : "?";
}

static bool apply_root(const struct rf_next *n)
{
    struct program_record prog;
    memset(&prog, 0, sizeof(prog));
    unsigned flags;
    bool ok = rf_read_root(rp.r, &prog, &flags);
    if (ok && !proctable_find(n->tid)) {
        struct task *t = proctable_add(n->tid);
        t->before_exec = (flags & RF_ROOT_BEFORE_EXEC) != 0;
        bool adopted = (flags & RF_ROOT_ADOPTED) != 0;
        if (!rp.root_pid && !adopted)
            rp.root_pid = n->tid;
        stream_root(t, &prog, adopted ? STREAM_ROOT_ADOPTED : 0, n->ts);
    }
    free(prog.argv);
    return ok;
}

static bool apply_attach(const struct rf_next *n)
{
    struct snapshot s;
    if (!rf_read_attach(rp.r, &s))
        return false;
    if (!rp.root_pid)
        rp.root_pid = s.pid;
    stream_attach(&s, n->ts);
    snapshot_free(&s);
    return true;
}

static bool apply_exec(const struct rf_next *n)
{
    struct program_record prog;
    memset(&prog, 0, sizeof(prog));
    pid_t former;
    bool ok = rf_read_exec(rp.r, &former, &prog);
    struct task *t = proctable_find(n->tid);
    if (ok && former != n->tid) {
        /* A non-leader thread exec'd: it takes over the leader's tid and the
         * leader vanishes without an exit of its own, as the kernel did it. */
        struct task *execer = proctable_find(former);
        if (execer) {
            if (t)
                proctable_remove(t);
            proctable_rekey(execer, n->tid);
            t = execer;
        }
    }
    if (ok && t && t->proc)
        stream_exec(t, former, &prog, n->ts);
    free(prog.argv);
    return ok;
}

static bool apply_exit(const struct rf_next *n)
{
    int code, sig;
    bool core;
    if (!rf_read_exit(rp.r, &code, &sig, &core))
        return false;
    struct task *t = proctable_find(n->tid);
    if (!t)
        return true;
    if (t->tid == rp.root_pid && !rp.root.ended)
        root_ended(code, sig, core);
    if (t->proc)
        stream_exit(t, code, sig, core, n->ts);
    proctable_remove(t);
    return true;
}

/* c.fd on an fd the state had not met, answered while the hooks of one
 * record ran: the answers follow that record in the file, and are read
 * ahead before it is applied, so that its hooks get them. */
#define ANSWERS_MAX 16
static struct answer {
    pid_t tid;
    int fd, err;
    struct snapshot_fd s;
} answers[ANSWERS_MAX];

static void read_answers(void)
{
    for (size_t i = 0; i < rp.answer_count; i++)
        snapshot_fd_free(&answers[i].s);
    rp.answer_count = 0;
    struct rf_mark m;
    rf_mark(rp.r, &m);
    struct rf_next n;
    while (rp.answer_count < ANSWERS_MAX && rf_peek_kind(rp.r) == RF_FD && rf_next(rp.r, &n) > 0) {
        struct answer *a = &answers[rp.answer_count];
        if (!rf_read_fd(rp.r, &a->fd, &a->err, &a->s))
            break; /* said when the replay gets there */
        a->tid = n.tid;
        rp.answer_count++;
    }
    rf_reset(rp.r, &m);
}

static int replay_query_fd(pid_t pid, int fd, struct snapshot_fd *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < rp.answer_count; i++) {
        const struct answer *a = &answers[i];
        struct task *t = proctable_find(a->tid);
        if (a->fd != fd || !t || t->pid != pid)
            continue;
        if (a->err)
            return a->err;
        *out = a->s;
        out->path = xstrdup(a->s.path);
        out->remote = xstrdup(a->s.remote);
        return 0;
    }
    return ENOENT; /* the live run did not ask: not known */
}

/* A record that names a task the replay has not (only a damaged file does)
 * is read into the scratch call and dropped. */
static struct task *task_of(pid_t tid)
{
    struct task *t = proctable_find(tid);
    return t && t->proc ? t : NULL;
}

static bool apply_one(void)
{
    struct rf_next n;
    int k = rf_next(rp.r, &n);
    if (k <= 0)
        return k == 0 ? false : (errno = EBADMSG, false);
    if (n.kind != RF_END && n.ts > rp.run.end_ns)
        rp.run.end_ns = n.ts;
    if (rp.answer_count || rf_peek_kind(rp.r) == RF_FD)
        read_answers();
    struct task *t;
    bool ok = true;
    switch (n.kind) {
    case RF_ROOT:
        ok = apply_root(&n);
        break;
    case RF_ATTACH:
        ok = apply_attach(&n);
        break;
    case RF_SPAWN: {
        pid_t child;
        uint64_t flags;
        ok = rf_read_spawn(rp.r, &child, &flags);
        t = task_of(n.tid);
        if (ok && t && !proctable_find(child))
            stream_spawn(t, proctable_add(child), flags, n.ts);
        break;
    }
    case RF_EXEC:
        ok = apply_exec(&n);
        break;
    case RF_EXIT:
        ok = apply_exit(&n);
        break;
    case RF_SIGNAL: {
        int sig;
        ok = rf_read_signal(rp.r, &sig);
        if (ok && (t = task_of(n.tid)))
            stream_signal(t, sig, n.ts);
        break;
    }
    case RF_ENTRY:
        t = task_of(n.tid);
        ok = rf_read_entry(rp.r, t ? &t->call : &rp.scratch);
        if (ok && t) {
            stream_syscall_entry(t, n.ts);
            if (!t->call.want_exit)
                t->call.active = false;
        }
        break;
    case RF_RETURN: {
        int64_t ret;
        t = task_of(n.tid);
        if (t && !t->call.active)
            t = NULL;
        ok = rf_read_return(rp.r, t ? &t->call : &rp.scratch, &ret);
        if (ok && t)
            stream_syscall_exit(t, ret, n.ts);
        break;
    }
    case RF_NATIVE: {
        struct native_record rec;
        struct rf_class cl;
        ok = rf_read_native(rp.r, &rec, &cl);
        struct fault_class fc = {
            cl.region, {cl.prot[0], cl.prot[1], cl.prot[2], '\0'}, cl.has_file ? cl.file : NULL};
        if (ok)
            stream_native(&rec, rec.kind == NATIVE_FAULT ? &fc : NULL);
        break;
    }
    case RF_FD: { /* read ahead for the hooks of the record before */
        int fd, err;
        struct snapshot_fd s;
        ok = rf_read_fd(rp.r, &fd, &err, &s);
        if (ok)
            snapshot_fd_free(&s);
        break;
    }
    case RF_END:
        ok = rf_read_end(rp.r, &rp.end);
        if (ok)
            apply_end();
        break;
    default:
        break; /* a kind this reader does not know: its length let it be skipped */
    }
    if (!ok)
        errno = EBADMSG;
    return ok;
}

/* The replay stops at a record that does not parse, or at the end: a file
 * without its trailer was cut short, and the output says so. */
static void finish(bool broken)
{
    rp.done = true;
    char why[160];
    if (broken) {
        snprintf(why, sizeof(why), "a record at byte %llu does not parse: replayed up to there",
                 (unsigned long long)rf_reader_offset(rp.r));
        output_input_incomplete(rp.path, why);
    } else if (rf_reader_cut(rp.r)) {
        snprintf(why, sizeof(why),
                 "the recording is cut short at byte %llu (it was not finished): replayed up to "
                 "its last whole record",
                 (unsigned long long)rf_reader_offset(rp.r));
        output_input_incomplete(rp.path, why);
    }
}

static bool replay_start(uint64_t now)
{
    (void)now;
    rp.started = true;
    /* The root (or the attach snapshot) comes first, before the start hooks,
     * as a live source starts. */
    errno = 0;
    if (!apply_one())
        rp.stopped = errno == EBADMSG ? STOPPED_BROKEN : STOPPED_END;
    return true;
}

static bool replay_tracing(void)
{
    return !rp.done;
}

static enum source_step replay_next(uint64_t deadline, bool block)
{
    (void)deadline;
    (void)block;
    if (rp.done)
        return SOURCE_ENDED;
    if (rp.stopped) { /* at the start: said once the start hooks have run */
        finish(rp.stopped == STOPPED_BROKEN);
        return SOURCE_ENDED;
    }
    for (int i = 0; i < BATCH; i++) {
        errno = 0;
        if (!apply_one()) {
            finish(errno == EBADMSG);
            return SOURCE_ENDED;
        }
    }
    return SOURCE_HANDLED;
}

static void replay_stop(enum source_stop_how how)
{
    (void)how;
    if (rp.done)
        return;
    rp.done = true;
    char why[128];
    snprintf(why, sizeof(why), "the replay was stopped at byte %llu: the rest is not replayed",
             (unsigned long long)rf_reader_offset(rp.r));
    output_input_incomplete(rp.path, why);
}

static void replay_close(void)
{
    rf_reader_free(rp.r);
    rp.r = NULL;
    if (rp.map)
        munmap(rp.map, rp.len);
    rp.map = NULL;
    rf_end_free(&rp.end);
    payloads_reset(&rp.scratch.cap);
    for (size_t i = 0; i < rp.answer_count; i++)
        snapshot_fd_free(&answers[i].s);
    rp.answer_count = 0;
}

/* What the live source and its companions said at the end. */
static void replay_totals(cmp_run_info *out)
{
    const struct rf_header *h = rf_reader_header(rp.r);
    out->io_traced = (h->flags & RF_IO_TRACED) != 0;
    out->faults_traced = rp.have_end ? rp.end.faults_traced : (h->flags & RF_FAULTS) != 0;
    out->ebpf_traced = rp.have_end ? rp.end.ebpf_traced : (h->flags & RF_EBPF) != 0;
    out->page_size = out->faults_traced ? (rp.have_end ? rp.end.page_size : h->page_size) : 0;
    if (rp.have_end) {
        out->faults_dropped = rp.end.faults_dropped;
        out->ebpf_dropped = rp.end.ebpf_dropped;
        out->dropped = out->faults_dropped + out->ebpf_dropped;
        out->undecoded = rp.end.undecoded;
        const char *names = rp.end.undecoded_names ? rp.end.undecoded_names : "";
        out->undecoded_names = (cmp_str){names, (uint32_t)strlen(names)};
    }
}

const struct source replay_source = {
    .caps = {.name = "recording", .live = false, .can_stop = false, .can_attach = false},
    .prepare = replay_prepare,
    .open = replay_open,
    .set_interest = replay_set_interest,
    .start = replay_start,
    .tracing = replay_tracing,
    .next = replay_next,
    .stop = replay_stop,
    .close = replay_close,
    .root = replay_root,
    .root_pid = replay_root_pid,
    .totals = replay_totals,
    .recorded = replay_recorded,
    .query_fd = replay_query_fd,
};
