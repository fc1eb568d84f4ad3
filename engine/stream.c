#include "stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "record_file.h"
#include "session.h"
#include "source.h"
#include "sources.h"
#include "state.h"

/* Often enough that a crash loses little, seldom enough that a busy trace
 * does not pay a write and a block header per tracee stop. */
#define RECORD_FLUSH_NS 100000000u

static struct rf_writer *recorder;
static uint64_t last_flush_ns;
static const char *record_path;
static bool record_all;

/* A write that failed ends the recording there: said once, like any lost
 * output (exit status 125). */
static void check_recorder(int err)
{
    if (!err)
        return;
    output_failed(record_path, strerror(err));
    rf_writer_close(recorder);
    recorder = NULL;
}

bool stream_root(struct task *t, const struct program_record *prog, unsigned flags, uint64_t now)
{
    sources_pump(now);
    if (recorder)
        rf_write_root(recorder, t, prog,
                      (t->before_exec ? RF_ROOT_BEFORE_EXEC : 0) |
                          ((flags & STREAM_ROOT_ADOPTED) ? RF_ROOT_ADOPTED : 0),
                      now);
    state_track_root(t, NULL, prog, now);
    if (flags & STREAM_ROOT_ADOPTED) {
        sources_track_child(t->tid);
        return true;
    }
    return sources_track_root(t->tid, t->before_exec);
}

void stream_attach(const struct snapshot *s, uint64_t now)
{
    sources_pump(now);
    if (recorder)
        rf_write_attach(recorder, s, now);
    state_attach(s, now);
    for (size_t i = 0; i < s->tid_count; i++)
        sources_track_root(s->tids[i], false);
}

void stream_spawn(struct task *parent, struct task *child, uint64_t clone_flags, uint64_t now)
{
    sources_pump(now);
    if (recorder)
        rf_write_spawn(recorder, parent, child->tid, clone_flags, now);
    parent->call.clone_flags = clone_flags;
    state_spawn(parent, child, now);
    sources_track_child(child->tid);
}

void stream_exec(struct task *t, pid_t former, const struct program_record *prog, uint64_t now)
{
    sources_pump(now);
    if (recorder)
        rf_write_exec(recorder, t, former, prog, now);
    if (t->before_exec)
        sources_exec(t->tid);
    state_exec(t, prog, now);
}

void stream_exit(struct task *t, int code, int sig, bool core_dumped, uint64_t now)
{
    sources_pump(now);
    if (recorder)
        rf_write_exit(recorder, t, code, sig, core_dumped, now);
    state_exit(t, code, sig, core_dumped, now);
    sources_untrack(t->tid);
}

void stream_signal(struct task *t, int sig, uint64_t now)
{
    sources_pump(now);
    if (recorder)
        rf_write_signal(recorder, t, sig, now);
    state_signal(t, sig, now);
}

void stream_syscall_entry(struct task *t, uint64_t now)
{
    sources_pump(now);
    if (recorder)
        rf_write_entry(recorder, t, now);
    state_syscall_entry(t, now);
}

void stream_syscall_exit(struct task *t, int64_t ret, uint64_t now)
{
    sources_pump(now);
    if (recorder)
        rf_write_return(recorder, t, ret, now);
    state_syscall_exit(t, ret, now);
}

void stream_native(const struct native_record *r, const struct fault_class *fc)
{
    struct fault_class now_class;
    if (!fc && recorder && r->kind == NATIVE_FAULT) {
        sources_fault_class(r, &now_class);
        fc = &now_class;
    }
    if (recorder) {
        struct rf_class c;
        if (fc) {
            memset(&c, 0, sizeof(c));
            snprintf(c.region, sizeof(c.region), "%s", fc->region ? fc->region : "other");
            memcpy(c.prot, fc->prot, 3);
            c.has_file = fc->file != NULL;
            snprintf(c.file, sizeof(c.file), "%s", fc->file ? fc->file : "");
        }
        rf_write_native(recorder, r, fc ? &c : NULL);
    }
    sources_dispatch(r, fc);
}

int stream_query_fd(struct task *t, int fd, struct snapshot_fd *out)
{
    memset(out, 0, sizeof(*out));
    const struct source *src = session_source();
    if (!src || !src->query_fd)
        return ENOSYS;
    int err = src->query_fd(t->pid, fd, out);
    if (recorder)
        rf_write_fd(recorder, t->tid, fd, err, out);
    return err;
}

void stream_pump(uint64_t now)
{
    sources_pump(now);
}

bool stream_record_open(const char *path, bool all)
{
    record_all = all;
    if (!path)
        return true;
    recorder = rf_writer_open(path);
    if (!recorder) {
        fprintf(stderr, "compendium: cannot write recording %s: %s\n", path, strerror(errno));
        return false;
    }
    record_path = path;
    return true;
}

bool stream_recording(void)
{
    return recorder != NULL;
}

bool stream_record_all(void)
{
    return record_all;
}

void stream_record_header(const struct rf_header *h)
{
    if (!recorder)
        return;
    last_flush_ns = h->start_ns;
    rf_write_header(recorder, h);
    check_recorder(rf_writer_flush(recorder));
}

void stream_record_close(const struct rf_end *e)
{
    if (!recorder)
        return;
    if (e)
        rf_write_end(recorder, e);
    struct rf_writer *w = recorder;
    recorder = NULL;
    int err = rf_writer_close(w);
    if (err)
        output_failed(record_path, strerror(err));
}

uint64_t stream_flush_due(void)
{
    return recorder && rf_writer_pending(recorder) ? last_flush_ns + RECORD_FLUSH_NS : 0;
}

void stream_flush(uint64_t now)
{
    last_flush_ns = now;
    if (recorder)
        check_recorder(rf_writer_flush(recorder));
}
