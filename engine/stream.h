/* The record stream: the one way records reach the state, whichever source
 * made them. Each stream_* call is one record: it first hands the
 * companions' records (perf faults, BPF latency) up to the record's time to
 * the scripts, tells the companions about tasks that begin or end, gives
 * the record to the recorder when --record is on, and then applies it to
 * the state. Without companions or a recording it is a plain call-through. */
#ifndef COMPENDIUM_STREAM_H
#define COMPENDIUM_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fault_class.h"
#include "native.h"
#include "proctable.h"
#include "record.h"
#include "snapshot.h"

struct rf_header;
struct rf_end;

/* flags of stream_root */
enum {
    STREAM_ROOT_ADOPTED =
        1, /* a process whose parent never reported it: companions follow it as a child */
};

/* A task traced from its start (the spawned command, an adopted orphan).
 * False when a companion cannot watch it (the caller gives up on it). */
bool stream_root(struct task *t, const struct program_record *prog, unsigned flags, uint64_t now);
/* Tracing begins by attaching: the threads, fds and maps already there. */
void stream_attach(const struct snapshot *s, uint64_t now);
/* parent made child (already in the table) with these clone flags. */
void stream_spawn(struct task *parent, struct task *child, uint64_t clone_flags, uint64_t now);
/* t completed an exec; former is the tid it had before (a non-leader
 * thread's exec takes the leader's tid), t->tid when it had no other. */
void stream_exec(struct task *t, pid_t former, const struct program_record *prog, uint64_t now);
/* t is gone; the caller removes it from the table afterwards. */
void stream_exit(struct task *t, int code, int sig, bool core_dumped, uint64_t now);
void stream_signal(struct task *t, int sig, uint64_t now);
void stream_syscall_entry(struct task *t, uint64_t now);
void stream_syscall_exit(struct task *t, int64_t ret, uint64_t now);
/* A companion's record; fc is its fault's class when the source knows it
 * (a recording), NULL to classify it now. */
void stream_native(const struct native_record *r, const struct fault_class *fc);
/* c.fd on an fd the state has not met: what the source says it is (0, or
 * the errno; snapshot_fd_free frees out), recorded so that a replay gives
 * the same answer. The answer is the script's: the state learns fds from
 * records only. */
int stream_query_fd(struct task *t, int fd, struct snapshot_fd *out);
/* The companions' records up to now, when no record comes (an idle loop). */
void stream_pump(uint64_t now);

/* ---- the recorder (--record) ---- */

/* Creates the file; false after saying why. */
bool stream_record_open(const char *path, bool all);
bool stream_recording(void);
/* --record-all: every syscall stops and has its arguments captured. */
bool stream_record_all(void);
void stream_record_header(const struct rf_header *h);
/* The trailer, then the file is closed; a failure is reported as lost output. */
void stream_record_close(const struct rf_end *e);
/* Buffered records are written when a block fills, and once they have
 * waited RECORD_FLUSH_NS: the time to write them by (0 when none wait), and
 * the write. */
uint64_t stream_flush_due(void);
void stream_flush(uint64_t now);

#endif
