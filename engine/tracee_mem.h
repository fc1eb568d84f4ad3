/* Reading a stopped tracee's memory, without ever waiting for it: a page
 * that is not there (userfaultfd, a mapping beyond its file) reads as
 * unreadable instead of being waited for. */
#ifndef COMPENDIUM_TRACEE_MEM_H
#define COMPENDIUM_TRACEE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Copies up to len bytes from addr; returns bytes read (fewer when a page
 * after the first cannot be read) or -errno (-EFAULT for memory that cannot
 * be read). */
ssize_t tracee_read(pid_t tid, uint64_t addr, void *buf, size_t len);

/* Reads a NUL-terminated string into buf (always terminated). Returns its
 * length, or -errno when it cannot be read up to its NUL; when it did not
 * fit in cap-1 bytes, returns cap-1 with *truncated set. */
ssize_t tracee_read_string(pid_t tid, uint64_t addr, char *buf, size_t cap, int *truncated);

/* No task is traced live (a replay): the pids of the records are not the
 * processes of this machine, whose memory must never be read for them.
 * Every read fails with ESRCH from then on. */
void tracee_mem_refuse(void);

/* Closes what reading tid kept open: call when tid exits or execs (a new
 * address space). */
void tracee_mem_forget(pid_t tid);
void tracee_mem_forget_all(void);

#endif
