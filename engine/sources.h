/* The sources besides ptrace (perf faults, BPF latency): opening them as the
 * options ask, telling them about new and finished tasks, and draining them
 * into the event stream in time order. */
#ifndef COMPENDIUM_SOURCES_H
#define COMPENDIUM_SOURCES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "native.h"

/* Opens what was asked for, before any tracee runs. One that is not
 * permitted is an error (false, message printed) when it is all that was
 * asked for, and a warning when another source still works. */
bool sources_open(bool faults, bool ebpf);
/* A task traced from the start (the spawned root before it runs, or an
 * attached thread): every source starts watching it; a root before_exec
 * only from sources_exec on. */
bool sources_track_root(pid_t tid, bool before_exec);
/* A root tracked before_exec has finished its execve (the exec stop): what
 * it does from now on is the command's, not compendium's start-up code. */
void sources_exec(pid_t tid);
/* A task created by a traced one; perf follows it by inheritance. */
void sources_track_child(pid_t tid);
void sources_untrack(pid_t tid);
/* Hands the records waiting in the sources up to time `until` (CLOCK_MONOTONIC
 * ns) to the scripts, oldest first; later ones wait for the next call.
 * Cheap when nothing is waiting; call before each tracee stop is handled,
 * with the time that stop is given, and with UINT64_MAX at the end. */
void sources_pump(uint64_t until);
struct fault_class;
/* Which memory a fault record touched, from the task's regions now (or
 * /proc for what no syscall showed). */
void sources_fault_class(const struct native_record *r, struct fault_class *out);
/* A companion's record to the scripts, as the stream hands it on; fc is its
 * fault's class, NULL to classify it now. */
void sources_dispatch(const struct native_record *r, const struct fault_class *fc);
/* When the loop must look again even if no tracee stops (0: never). */
uint64_t sources_next_pump(uint64_t now);
/* The run object's fields about faults, BPF and lost records. */
void sources_totals(cmp_run_info *out);
void sources_close(void);

#endif
