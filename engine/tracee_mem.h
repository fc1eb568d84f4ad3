/* Reading a stopped tracee's memory. */
#ifndef COMPENDIUM_TRACEE_MEM_H
#define COMPENDIUM_TRACEE_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Copies up to len bytes from addr; returns bytes read or -errno
 * (-EFAULT for a bad pointer). Never reads past the mapping that holds addr. */
ssize_t tracee_read(pid_t tid, uint64_t addr, void *buf, size_t len);

/* Reads a NUL-terminated string into buf (always terminated). Returns its
 * length, or -errno when nothing could be read; *truncated is set when the
 * string did not fit in cap-1 bytes. */
ssize_t tracee_read_string(pid_t tid, uint64_t addr, char *buf, size_t cap, int *truncated);

#endif
