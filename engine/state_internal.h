/* What the state's files share, behind state.h: the run's counts, the
 * needs probe that makes state_needs() the dispatch itself, and each
 * concern's entry points for the dispatch and for building events. Only
 * engine/state_*.c include it. */
#ifndef COMPENDIUM_STATE_INTERNAL_H
#define COMPENDIUM_STATE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "event.h"
#include "fdtable.h"
#include "proctable.h"
#include "record.h"
#include "memregions.h"
#include "state.h"
#include "syscall_table.h"

/* ---- the run's counts (state_totals.c) ------------------------------------ */

/* Summed over the run as records are applied; state_totals() hands them out. */
struct state_counts {
    uint64_t start_ns;
    uint64_t processes, threads, syscalls;
    uint64_t heap_bytes, mmap_bytes, mmap_regions;
    uint64_t file_read, file_written, net_sent, net_recv;
    uint64_t io_urings;
    uint64_t attach_heap, attach_mmap, attach_regions;
    uint64_t map_use[USE_COUNT]; /* mmap_bytes by enum mm_use: sums of peaks */
    uint64_t attach_map_use[USE_COUNT];
};
extern struct state_counts state_counts;

/* ---- what the dispatch needs (state_events.c) ----------------------------- */

/* state_needs() runs the dispatch with this task: each case says what it
 * needs of its syscalls (SYSCALL_NEED_*) and returns before doing anything,
 * so that the answer is the dispatch itself, not a list kept beside it. */
extern struct task state_needs_probe;
extern unsigned state_probed_needs;
#define STATE_NEEDS(needs)                                                                         \
    do {                                                                                           \
        if (t == &state_needs_probe) {                                                             \
            state_probed_needs |= (needs);                                                         \
            return true;                                                                           \
        }                                                                                          \
    } while (0)

/* Each concern's part of the dispatch: true when the syscall is one it
 * handles (a syscall belongs to one concern at most). The _at_exit ones run
 * for successful calls only (and for connect, whose failure is an event). */
bool state_proc_at_entry(struct task *t, uint64_t now);
bool state_fd_at_entry(struct task *t, uint64_t now);
bool state_proc_at_exit(struct task *t, int64_t ret, uint64_t now);
bool state_fd_at_exit(struct task *t, int64_t ret, uint64_t now);
bool state_io_at_exit(struct task *t, int64_t ret, uint64_t now);
bool state_mm_at_exit(struct task *t, int64_t ret, uint64_t now);
/* File tree changes; for failed calls too (ret < 0). */
bool state_tree_at_exit(struct task *t, int64_t ret, uint64_t now);
/* A failed call whose failure is an event (open, connect). */
bool state_fd_failed(struct task *t, int64_t ret, uint64_t now);

/* path made absolute into out (cap bytes) as the kernel would reach it:
 * relative to dirfd's directory, or for AT_FDCWD to cwd; lexically. NULL
 * when it cannot be (no path, a directory fd with no name, a working
 * directory the kernel cannot name): never a guess. */
const char *state_absolute(struct task *t, int dirfd, const char *path, const char *cwd, char *out,
                           size_t cap);

/* ---- fds (state_fd.c) ------------------------------------------------------ */

/* The fd's description; an fd the state has not met (inherited, opened
 * before an attach) is learnt from the record. NULL when neither knows it. */
struct ofd *state_fd_lookup(struct task *t, int fd);
/* A ring in use whose setup the trace did not see becomes an io_uring fd,
 * reported once. */
void state_fd_notice_ring(struct task *t, int fd, uint64_t now);

/* A new task's table: its parent's shared (CLONE_FILES) or copied. */
void state_fd_spawn(struct task *parent, struct task *child, uint64_t clone_flags);
/* exec: a table of its own, without the close-on-exec fds. */
void state_fd_exec(struct task *t);
/* The address the kernel wrote out (accept's, recvfrom's, recvmsg's), as
 * text in out; NULL when the record has none that decodes. */
const char *state_peer_text(const struct syscall_payloads *p, char *out, size_t size);

/* ---- memory (state_mm.c) --------------------------------------------------- */

/* Adds an address space's peaks to the run's memory totals: once, when the
 * last task using it exits or execs, or at the end of the run. */
void state_mm_fold(struct mm *mm);
/* A new task's address space: its parent's shared (CLONE_VM, borrowed by a
 * vfork child) or copied. */
void state_mm_spawn(struct task *parent, struct task *child, uint64_t clone_flags);
/* exec: a new, empty address space; a borrowed one goes back to its owner. */
void state_mm_exec(struct task *t);
/* The last task of a process exits: its address space is counted. */
void state_mm_exit(struct task *t);
/* An attached process's maps, from its snapshot. */
struct snapshot;
void state_mm_attach(struct task *leader, const struct snapshot *s);

/* ---- injection (state_inject.c) -------------------------------------------- */

/* A syscall entry: nothing injected into it yet. */
void state_inject_clear(struct syscall_call *c);
/* Before a hook runs: requests left from an earlier event do not count. */
void state_inject_before_hooks(void);
/* After the hooks of the enter (at_entry) or syscall event ran: records in
 * t->call what they asked for (the source acts on it) and returns the value
 * the syscall now returns. */
int64_t state_inject_after_hooks(struct task *t, bool at_entry, int64_t ret, uint64_t now);
/* The result the state goes on with: a call the kernel skipped returns
 * what was injected. */
int64_t state_inject_result(const struct syscall_call *c, int64_t ret);

/* ---- events (state_events.c) ------------------------------------------------ */

static inline cmp_str state_str(const char *s, int len)
{
    if (!s || len < 0)
        return (cmp_str){NULL, 0};
    return (cmp_str){s, (uint32_t)len};
}

static inline cmp_str state_cstr(const char *s)
{
    return s ? (cmp_str){s, (uint32_t)strlen(s)} : (cmp_str){NULL, 0};
}

/* Each emitter builds one event and hands it to the script host, if any
 * script hooks its type; strings it points to stay valid until the next. */
void state_emit_syscall(struct task *t, int type, int64_t ret, uint64_t now);
void state_emit_inject(struct task *t, const char *op, int64_t value, uint64_t delay_ns,
                       uint64_t now);
/* open: d is the new fd's description, err why its path is unknown (0). */
void state_emit_open(struct task *t, int fd, const struct ofd *d, int err, uint64_t now);
/* A failed open: path is the argument made absolute (NULL when it cannot
 * be), ret the -errno. */
void state_emit_open_failed(struct task *t, int64_t ret, const char *path, bool writable,
                            uint64_t now);
void state_emit_connect(struct task *t, int64_t ret, const struct ofd *d, uint64_t now);
/* An event of type with t's syscall context, for the emitters of other
 * files to fill and dispatch. */
cmp_event *state_event_begin(struct task *t, int type, uint64_t now);
/* read/write/send/recv (type) of bytes on fd, whose description d may be
 * unknown; peer, when not NULL, is the address a sendto named. */
void state_emit_io(struct task *t, int type, int fd, const struct ofd *d, uint64_t bytes,
                   const char *peer, uint64_t now);
void state_emit_io_uring(struct task *t, int fd, int entries, bool sqpoll, bool inherited,
                         uint64_t now);
void state_emit_mmap(struct task *t, uint64_t addr, uint64_t len, int prot, const char *file,
                     uint64_t now);
void state_emit_munmap(struct task *t, uint64_t addr, uint64_t len, const char *file, uint64_t now);
void state_emit_brk(struct task *t, int64_t ret, int64_t growth, uint64_t now);
void state_emit_spawn(struct task *parent, const struct task *child, uint64_t now);
void state_emit_exec(struct task *t, const struct program_record *prog, uint64_t now);
void state_emit_exit(struct task *t, int code, int signal, bool core_dumped, uint64_t now);
void state_emit_signal(struct task *t, int signal, uint64_t now);

#endif
