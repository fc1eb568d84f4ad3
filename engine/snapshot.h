/* A snapshot: what a process already has when tracing begins by attaching
 * (its threads, open fds, memory maps), as plain data. The ptrace source
 * reads it from /proc while every thread is stopped; the state applies it
 * (state_attach) and never reads /proc for it, so a snapshot can as well
 * come from a recording. What could not be read is marked missing, never
 * guessed. */
#ifndef COMPENDIUM_SNAPSHOT_H
#define COMPENDIUM_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct snapshot_fd {
    int fd;
    int kind;           /* enum cmp_fd_kind */
    char *path;         /* the kernel's name (file path, pipe:[ino], socket:[ino]); never NULL */
    bool path_missing;  /* the kernel cannot name it within PATH_MAX: path is "" */
    int flags;          /* open flags (O_ACCMODE, O_CLOEXEC, ...), -1 when unreadable */
    int sock_family;    /* AF_* for a socket whose tables entry was found, else 0 */
    char sock_type[16]; /* "tcp4", "unix", ...; "" when unknown */
    char *remote;       /* a socket's peer, NULL when not connected or unknown */
};

enum snapshot_region_kind {
    SNAP_ANON,   /* anonymous, also thread stacks and [anon:NAME] */
    SNAP_FILE,   /* a mapped file: name is its path as maps shows it */
    SNAP_HEAP,   /* [heap] */
    SNAP_STACK,  /* [stack], the main thread's */
    SNAP_KERNEL, /* [vdso], [vvar], [vsyscall], ...: the kernel's, no one mapped them */
};

struct snapshot_region {
    uint64_t start, end; /* [start, end) */
    int prot;            /* PROT_* */
    bool shared;         /* MAP_SHARED (maps' 's') */
    int kind;            /* enum snapshot_region_kind */
    char *name;          /* maps' name column ("" for anonymous); never NULL */
};

struct snapshot {
    pid_t pid;
    char *exe;  /* the program's path; "" when unreadable; never NULL */
    char *cwd;  /* its working directory; "" when unreadable; NULL: not read */
    char *argv; /* its arguments, NUL-separated, NULL when unreadable */
    size_t argv_len;
    pid_t *tids; /* the threads, the leader (pid) first */
    size_t tid_count;
    bool fds_missing; /* /proc/PID/fd could not be read */
    struct snapshot_fd *fds;
    size_t fd_count;
    bool maps_missing;               /* /proc/PID/maps could not be read */
    struct snapshot_region *regions; /* in address order */
    size_t region_count;
    bool heap_known;     /* the program break is known: */
    uint64_t heap_start; /* where the heap starts (start_brk) */
    uint64_t heap_end;   /* the break, to the page ([heap]'s end) */
};

/* Reads pid's program, fds and maps from /proc; tids are its threads (already
 * stopped), the leader first. Never fails: what cannot be read is marked
 * missing. */
void snapshot_read(struct snapshot *out, pid_t pid, const pid_t *tids, size_t tid_count);
void snapshot_free(struct snapshot *s);

/* What an fd whose kernel name is no path is, by that name ("pipe:[12]",
 * "socket:[34]", "anon_inode:[eventfd]"): an enum cmp_fd_kind. */
int snapshot_kind_of_name(const char *target);
/* What /proc/PID/fd/FD is: 0, or the errno saying why not (ENOENT: not
 * open). The caller frees out with snapshot_fd_free. */
int snapshot_read_fd(pid_t pid, int fd, struct snapshot_fd *out);
void snapshot_fd_free(struct snapshot_fd *fd);

/* One line of /proc/PID/maps; false for a line that is not one. */
bool snapshot_parse_map_line(const char *line, struct snapshot_region *out);

#endif
