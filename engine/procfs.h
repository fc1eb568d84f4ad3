/* What /proc tells about a task or the kernel: one place to read it. */
#ifndef COMPENDIUM_PROCFS_H
#define COMPENDIUM_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* readlink of /proc/PID/ENTRY ("exe", "cwd", "fd/3"), NUL-terminated;
 * returns its length, 0 when it cannot be read (whole: a link longer than
 * cap-1 is not read either). */
size_t procfs_readlink(pid_t pid, const char *entry, char *out, size_t cap);
/* The same, returning 0 or the errno saying why it cannot be read
 * (ENAMETOOLONG: the kernel cannot name it within PATH_MAX). */
int procfs_readlink_err(pid_t pid, const char *entry, char *out, size_t cap);

/* The bytes of /proc/PID/ENTRY ("cmdline"), up to cap; returns how many. */
size_t procfs_read(pid_t pid, const char *entry, char *out, size_t cap);

/* All the bytes of /proc/PID/ENTRY, however many, NUL-terminated, in a
 * buffer the caller frees (NULL and *len 0 when it cannot be read). */
char *procfs_read_all(pid_t pid, const char *entry, size_t *len);

/* stat(2) of /proc/PID/ENTRY ("fd/3": the file it leads to); 0 or errno. */
int procfs_stat(pid_t pid, const char *entry, struct stat *out);

/* PATH as process pid sees it, "/proc/PID/DIR/PATH" (DIR "root" for an
 * absolute PATH, "cwd" for a relative one), into out; false when it does
 * not fit in cap. */
bool procfs_seen_path(pid_t pid, const char *path, char *out, size_t cap);

/* The numeric names in the directory /proc/PID/ENTRY ("task", "fd"), in a
 * buffer the caller frees, in the order the kernel lists them; *count 0 and
 * NULL when it cannot be read. */
int *procfs_list(pid_t pid, const char *entry, size_t *count);

/* The integer in /proc/sys/NAME ("kernel/perf_event_paranoid"), or
 * fallback when it cannot be read. */
int procfs_sysctl_int(const char *name, int fallback);

#endif
