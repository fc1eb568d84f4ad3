/* Named values of syscall arguments, as strace spells them: one table per
 * set ({value, name}), read both ways. The raw-line formatter turns values
 * into names with them, and a reader of strace's lines turns the names back
 * into values with the same tables, so the two cannot drift apart. */
#ifndef COMPENDIUM_XLAT_H
#define COMPENDIUM_XLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xlat_entry {
    uint64_t value; /* for flags: every bit must be set for the name to apply */
    const char *name;
};

struct xlat {
    const char *set; /* "open_flags", "at_flags", ...: for messages and tests */
    const struct xlat_entry *entries;
    size_t count;
};

/* Flag sets: names apply bit by bit, in table order (a multi-bit name
 * before the bits it holds). */
extern const struct xlat xlat_open_flags;      /* O_CREAT|...; the access mode apart */
extern const struct xlat xlat_mmap_prot;       /* PROT_READ|... */
extern const struct xlat xlat_mmap_flags;      /* MAP_FIXED|...; the mapping type apart */
extern const struct xlat xlat_clone_flags;     /* CLONE_VM|...; the exit signal apart */
extern const struct xlat xlat_at_flags;        /* AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH|... */
extern const struct xlat xlat_faccessat_flags; /* AT_EACCESS|... */
extern const struct xlat xlat_statx_mask;      /* STATX_BASIC_STATS|STATX_MNT_ID|... */
extern const struct xlat xlat_statx_attrs;     /* STATX_ATTR_* */
extern const struct xlat xlat_access_modes;    /* R_OK|W_OK|X_OK, F_OK for 0 */
extern const struct xlat xlat_sock_type_flags; /* SOCK_CLOEXEC|SOCK_NONBLOCK */
extern const struct xlat xlat_sigaction_flags; /* SA_RESTORER|SA_RESTART|... */
extern const struct xlat xlat_wait_options;    /* WNOHANG|__WALL|... */
extern const struct xlat xlat_getrandom_flags; /* GRND_* */
extern const struct xlat xlat_poll_events;     /* POLLIN|POLLOUT|... */
extern const struct xlat xlat_msg_flags;       /* MSG_NOSIGNAL|MSG_DONTWAIT|... */
extern const struct xlat xlat_fd_flags;        /* FD_CLOEXEC */

extern const struct xlat xlat_close_range_flags; /* CLOSE_RANGE_UNSHARE|... */

/* Value sets: one name per value. */
extern const struct xlat xlat_whence;            /* SEEK_SET, ... */
extern const struct xlat xlat_fcntl_cmds;        /* F_GETFD, ... */
extern const struct xlat xlat_ioctl_cmds;        /* TCGETS, FIONREAD, ... */
extern const struct xlat xlat_address_families;  /* AF_UNIX, AF_INET, ... */
extern const struct xlat xlat_socket_types;      /* SOCK_STREAM, ... */
extern const struct xlat xlat_futex_ops;         /* FUTEX_WAIT, ...; the option bits apart */
extern const struct xlat xlat_sigprocmask_how;   /* SIG_BLOCK, ... */
extern const struct xlat xlat_rlimit_resources;  /* RLIMIT_STACK, ... */
extern const struct xlat xlat_clock_ids;         /* CLOCK_REALTIME, ... */
extern const struct xlat xlat_fadvise_advice;    /* POSIX_FADV_* */
extern const struct xlat xlat_ip_protocols;      /* IPPROTO_TCP, ... */
extern const struct xlat xlat_netlink_protocols; /* NETLINK_ROUTE, ... */
extern const struct xlat xlat_socket_levels;     /* SOL_SOCKET, SOL_TCP, ... */
extern const struct xlat xlat_sockopt_names;     /* SO_* (level SOL_SOCKET) */
extern const struct xlat xlat_tcp_options;       /* TCP_* (level SOL_TCP) */
extern const struct xlat xlat_arch_prctl_cmds;   /* ARCH_SET_FS, ... */
extern const struct xlat xlat_epoll_ctl_cmds;    /* EPOLL_CTL_ADD, ... */
extern const struct xlat xlat_madvise_advice;    /* MADV_* */
extern const struct xlat xlat_prctl_options;     /* PR_* */
extern const struct xlat xlat_open_access;       /* O_RDONLY, ...: open's low two bits */
extern const struct xlat xlat_mmap_types;        /* MAP_PRIVATE, ...: mmap's low four bits */
extern const struct xlat xlat_dirfds;            /* AT_FDCWD: the dirfd that is no fd */

/* Every set above, for a reader that does not know which set a name
 * comes from. A name means the same value in every set it is in. */
extern const struct xlat *const xlat_sets[];
extern const size_t xlat_set_count;

/* The name of value v in a value set, NULL when it has none. */
const char *xlat_name(const struct xlat *x, uint64_t v);
/* The value of the first len bytes of name; false when the set has no
 * such name. */
bool xlat_value(const struct xlat *x, const char *name, size_t len, uint64_t *v);
/* The same in every set at once (a sorted index, made on first use). */
bool xlat_value_any(const char *name, size_t len, uint64_t *v);

/* v as flags: the names that apply joined by '|', then what is left in hex;
 * 0 as the set's name for 0 if it has one, else "0". snprintf-style: the
 * length it would have written; NUL-terminated when cap > 0. */
size_t xlat_format_flags(const struct xlat *x, uint64_t v, char *buf, size_t cap);
/* Reads back what xlat_format_flags writes (names and numbers joined by
 * '|'): false on a name the set does not know or a malformed number. */
bool xlat_parse_flags(const struct xlat *x, const char *text, size_t len, uint64_t *v);

/* strerror's text for an errno value as the C library of Debian 12 words
 * it, and the kernel's restart codes' as strace words them; NULL when
 * unknown. */
const char *xlat_errno_text(int32_t err);
/* The errno whose text that is, -1 when none. */
int32_t xlat_errno_by_text(const char *text, size_t len);

/* A signal's name in a signal set, as strace writes sets: without the
 * SIG prefix ("CHLD"), the realtime ones as "RTMIN", "RT_1", ...; NULL
 * past 64. */
const char *xlat_sigset_name(int sig, char *buf, size_t cap);

#endif
