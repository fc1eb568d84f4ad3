/* The ptrace source's capture: what the memory of a stopped task's syscall
 * arguments holds, copied into the task's record as the syscall table's
 * capture letters say, so that the state reads the record only. */
#ifndef COMPENDIUM_CAPTURE_H
#define COMPENDIUM_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct task;

/* At the entry stop (t->call's nr and args set): clears the record's
 * payloads and captures what the caller passes; with decode, also every
 * path and socket address argument, for the hooks' decoded fields. */
void capture_entry(struct task *t, bool decode);
/* At the exit stop: what the kernel wrote out for a call returning ret. */
void capture_exit(struct task *t, int64_t ret);

struct ofd;
/* A script asks what an fd the state has not met is (c.fd): read now, while
 * the task is stopped, and installed in its table; NULL when not open. */
struct ofd *capture_query_fd(struct task *t, int fd);

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
