/* The state layer: applies syscall records and task records in order,
 * keeps processes, fd tables and memory regions, and turns what happened
 * into semantic events for the scripts. It reads neither a tracee nor
 * /proc: what it needs comes in the records (record.h). */
#ifndef COMPENDIUM_STATE_H
#define COMPENDIUM_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "proctable.h"

void state_init(uint64_t start_ns);

/* A syscall entry: t->call's nr, args and the payloads captured at entry
 * are set. Runs enter hooks. */
void state_syscall_entry(struct task *t, uint64_t now);
/* The matching exit (no-op without an active entry), with the payloads
 * captured at the exit added to t->call. */
void state_syscall_exit(struct task *t, int64_t ret, uint64_t now);
/* What the state's dispatch does with syscall nr, as SYSCALL_NEED_* bits:
 * the syscall table must say the same (a unit test checks every number). */
unsigned state_needs(int32_t nr);

/* A task traced from the start of the run (the spawned command or an
 * attached process's threads): gives it process, fd and memory state. */
struct program_record;
void state_track_root(struct task *t, struct task *leader, const struct program_record *prog,
                      uint64_t now);

struct snapshot;
/* Tracing begins by attaching: makes a task for each of the snapshot's
 * threads (the leader first) and gives the process the fds and memory the
 * snapshot says it has. */
void state_attach(const struct snapshot *s, uint64_t now);

/* parent created child (already in the table) with the clone flags that
 * parent->call holds; fills the child's process, fds and memory. */
void state_spawn(struct task *parent, struct task *child, uint64_t now);
/* t completed an execve (after any tid change); prog is what it now runs. */
void state_exec(struct task *t, const struct program_record *prog, uint64_t now);
/* t is gone; emits the exit event and folds its memory into the totals.
 * The caller removes the task afterwards. */
void state_exit(struct task *t, int code, int signal, bool core_dumped, uint64_t now);
/* A signal is about to be delivered to t. */
void state_signal(struct task *t, int signal, uint64_t now);
/* Folds the memory of every live process into the totals (end of run). */
void state_finish(void);

/* Totals for the run object. */
void state_totals(cmp_run_info *out);

#endif
