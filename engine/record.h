/* What a source captured of one syscall, beside its number and arguments:
 * the payloads the state and the decoders take from the memory the
 * arguments point to. The state reads them from here and never from the
 * task, so it applies a record the same whoever made it. */
#ifndef COMPENDIUM_RECORD_H
#define COMPENDIUM_RECORD_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "snapshot.h"

/* One bit per payload, in syscall_payloads.have and .missing. */
enum {
    PAYLOAD_SOCKADDR = 1u << 0,   /* 'a': the socket address passed in */
    PAYLOAD_PEER = 1u << 1,       /* 'A': the address the kernel wrote out */
    PAYLOAD_FD_PAIR = 1u << 2,    /* 'F': the two new fds */
    PAYLOAD_CLONE_ARGS = 1u << 3, /* 'C': struct clone_args' flags */
    PAYLOAD_OPEN_HOW = 1u << 4,   /* 'H': struct open_how's flags */
    PAYLOAD_MMSG = 1u << 5,       /* 'M': the bytes of the messages sent or received */
    PAYLOAD_URING = 1u << 6,      /* 'U': struct io_uring_params' size and flags */
    PAYLOAD_CWD = 1u << 7,        /* the working directory a chdir made */
    PAYLOAD_RESOLVED = 1u << 8,   /* resolved[]: path arguments as the kernel resolved them */
};

#define PAYLOAD_ADDR_MAX 128 /* sizeof(struct sockaddr_storage) */

/* What an fd is, as the kernel told the source: an fd of an argument the
 * state had not met yet (inherited, or opened before an attach), or a new
 * fd the call made (an open's file as the kernel resolved it). */
struct captured_fd {
    int32_t fd;
    int32_t err; /* 0, or why the source could not tell (ENOENT: not open) */
    struct snapshot_fd info;
    /* An io_uring whose setup the trace did not see: its fdinfo. */
    int32_t ring_known;   /* the fields below were read */
    int32_t ring_entries; /* submission queue entries, 0 if unknown */
    int32_t ring_sqpoll;  /* a kernel thread submits */
};

#define PAYLOAD_FDS_MAX 4

/* A path argument (path, path2) as the kernel resolved it when the call
 * returned, for checks that ask where a change really landed: its
 * directory part (all but the last component, trailing slashes aside: "."
 * without a slash; the whole path when it ends in "." or ".." or has no
 * component) and the whole path, with the symlinks on the way resolved (the
 * last one too in `full`), looked up from the task's root, its directory fd
 * argument or its working directory. An empty string with its err set
 * (errno) is one that could not be resolved: EFAULT, the argument could not
 * be read; EINVAL, the syscall has no such path argument. Captured only
 * where a script wants it. */
struct resolved_path {
    int32_t dir_err, full_err;
    char dir[PATH_MAX];
    char full[PATH_MAX];
};

/* What a decoder shows of the memory an argument points to (-v,
 * c.format_syscall): the first bytes of a string or a buffer, a socket
 * address, with what it needs beside them (the length the kernel stored
 * for an address it wrote out). Captured only where formatting is wanted,
 * at entry for what the caller passes, at exit for what the kernel wrote.
 * By the argument's kind in the syscall table:
 *   s  the string's first bytes, up to PAYLOAD_SHOWN_DATA + 1 (one more
 *      than is shown: the string goes on); no NUL
 *   p  only a path too long for the kernel: its first PAYLOAD_SHOWN_MAX bytes
 *   b  up to PAYLOAD_SHOWN_DATA bytes of the buffer, at entry
 *   B  up to PAYLOAD_SHOWN_DATA of the ret bytes the kernel filled in, at exit
 *   A  the address the kernel stored (up to PAYLOAD_ADDR_MAX bytes) and in
 *      value the length it stored, at the exit of a call that succeeded
 * A socket address passed in ('a') is the sockaddr payload. */
#define PAYLOAD_SHOWN_MAX 136
#define PAYLOAD_SHOWN_DATA 32 /* bytes of a string or buffer a decoder shows */
struct captured_arg {
    int32_t err;    /* 0, or why the memory could not be read (errno) */
    uint32_t len;   /* bytes in `bytes` */
    uint64_t value; /* a number read beside them (an address's stored length), 0 if none */
    uint8_t bytes[PAYLOAD_SHOWN_MAX];
};

/* Path strings are kept beside these, in syscall_call (path, path2; a
 * negative length with path_err saying why is a path that is missing). */
struct syscall_payloads {
    uint32_t have;    /* PAYLOAD_* bits captured */
    uint32_t missing; /* PAYLOAD_* bits that could not be read */
    int32_t sockaddr_err, peer_err, fd_pair_err, clone_args_err, open_how_err, uring_err;
    uint32_t sockaddr_len; /* bytes read: fewer than passed when the rest was unreadable */
    uint32_t peer_len;
    uint8_t sockaddr[PAYLOAD_ADDR_MAX];
    uint8_t peer[PAYLOAD_ADDR_MAX];
    int32_t fd_pair[2];
    uint64_t clone_flags;
    uint64_t open_flags;
    uint64_t mmsg_bytes; /* over the messages that could be read, of the ret returned */
    uint32_t uring_sq_entries;
    uint32_t uring_flags;
    uint32_t fd_count;
    struct captured_fd fds[PAYLOAD_FDS_MAX];
    int32_t cwd_err; /* ENAMETOOLONG: the kernel cannot name it within PATH_MAX */
    char cwd[PATH_MAX];
    /* Bit i set: shown[i] holds argument i's memory as captured (also when
     * that failed: its err says why). */
    uint32_t shown_have;
    struct captured_arg shown[6];
    struct resolved_path resolved[2]; /* with PAYLOAD_RESOLVED: [0] path, [1] path2 */
};

/* A task record's program, as the source found it when the task began to be
 * traced or had just exec'd: its exe, its arguments and its working
 * directory. An empty exe or cwd is one that could not be read (cwd_err
 * says why: ENAMETOOLONG when the kernel cannot name it within PATH_MAX;
 * ENODATA when it was not asked for: an exec by an absolute path). */
struct program_record {
    char exe[PATH_MAX];
    /* The file the kernel executed (for a script, the script), symlinks
     * and ".." resolved; empty when it cannot be known. */
    char executed[PATH_MAX];
    char cwd[PATH_MAX];
    int cwd_err;
    char *argv; /* NUL-separated arguments, however many; NULL when unreadable */
    size_t argv_len;
};

/* Empties p, freeing what a previous record left. */
void payloads_reset(struct syscall_payloads *p);
/* A payload captured (err 0) or missing: its bit in have or missing, and
 * the errno in *err_field (when the payload has one). */
void payload_mark(struct syscall_payloads *p, uint32_t bit, int32_t *err_field, int err);

/* The record's fd description of fd, NULL when it has none. */
const struct captured_fd *payload_fd(const struct syscall_payloads *p, int fd);

static inline int payload_has(const struct syscall_payloads *p, uint32_t bit)
{
    return (p->have & bit) != 0;
}

#endif
