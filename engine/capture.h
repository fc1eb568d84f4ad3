/* The ptrace source's capture: what the memory of a stopped task's syscall
 * arguments holds, copied into the task's record as the syscall table's
 * capture letters say, so that the state reads the record only. */
#ifndef COMPENDIUM_CAPTURE_H
#define COMPENDIUM_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct task;

/* What scripts want of a syscall beyond what the state needs (the source
 * asks the script host; what nobody wants is not read). */
enum {
    /* Every path and socket address argument, and what the first fd
     * argument is, for the hooks' decoded fields (a hook on the syscall). */
    CAPTURE_DECODED = 1u << 0,
    /* What a decoder shows of the memory the arguments point to: strings,
     * buffers, socket addresses (payloads.shown[], c.want_format). */
    CAPTURE_SHOWN = 1u << 1,
    /* The path arguments as the kernel resolves them once the call has
     * returned (payloads.resolved[], c.want_resolved). */
    CAPTURE_RESOLVED = 1u << 2,
};

/* At the entry stop (t->call's nr and args set): clears the record's
 * payloads and captures what the caller passes, as the syscall table says
 * and the CAPTURE_* bits of want ask. */
void capture_entry(struct task *t, unsigned want);
/* At the exit stop: what the kernel wrote out for a call returning ret. */
void capture_exit(struct task *t, int64_t ret, unsigned want);

struct snapshot_fd;
/* What fd of process pid is, asked by a script (c.fd) about an fd the
 * state has not met: 0, or the errno saying why not (ENOENT: not open).
 * Read from /proc while the task is stopped; the state is not told (it
 * learns fds from records only). The caller frees out. */
int capture_query_fd(pid_t pid, int fd, struct snapshot_fd *out);

struct program_record;
struct syscall_call;
/* The program thread tid of process pid runs, for a task record (a root,
 * an exec), with its working directory when with_cwd; program_release
 * frees what it holds. */
void capture_program(pid_t pid, pid_t tid, bool with_cwd, struct program_record *out);
void program_release(struct program_record *p);
/* After an exec whose call c was: the file the kernel executed, into
 * out->executed (capture_program fills out->exe first). */
void capture_executed(pid_t pid, const struct syscall_call *c, struct program_record *out);

#endif
