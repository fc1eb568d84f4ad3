/* Turning raw syscall arguments into text. Pure functions: no tracee access. */
#ifndef COMPENDIUM_DECODE_H
#define COMPENDIUM_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Each writer returns the length it would have written (snprintf-style) and
 * always NUL-terminates when cap > 0. */
size_t decode_open_flags(uint64_t flags, char *buf, size_t cap);  /* O_WRONLY|O_CREAT|O_CLOEXEC */
size_t decode_mmap_prot(uint64_t prot, char *buf, size_t cap);    /* PROT_READ|PROT_WRITE */
size_t decode_mmap_flags(uint64_t flags, char *buf, size_t cap);  /* MAP_PRIVATE|MAP_ANONYMOUS */
size_t decode_clone_flags(uint64_t flags, char *buf, size_t cap); /* CLONE_VM|CLONE_THREAD|... */
void decode_prot_rwx(uint64_t prot, char out[4]);                 /* "rw-" */

/* Socket address as a peer string: "93.184.216.34:443", "[::1]:8080",
 * "/run/x.sock", "@abstract" (abstract unix), "unnamed" (unix, no path),
 * "netlink:pid=0,groups=0", "family=N" for the rest. *family gets sa_family
 * (0 if len is too short). Unix paths and abstract names are copied
 * byte-for-byte: escaping is the presenter's job. */
size_t decode_sockaddr(const void *addr, size_t len, char *buf, size_t cap, int *family);

/* "tcp4", "udp6", "unix", "unix-dgram", "netlink", "raw4", "packet", ...
 * from socket(2)'s arguments (type may carry SOCK_CLOEXEC|SOCK_NONBLOCK). */
const char *decode_sock_type(int family, int type, int protocol);

/* A C-quoted, escaped rendering of bytes for raw syscall lines:
 * "abc\n\x1b" with a trailing ... when truncated is set. */
size_t decode_quote(const char *data, size_t len, int truncated, char *buf, size_t cap);

/* The same as strace writes it: \t \n \v \f \r \" \\ by name, other
 * unprintable bytes in octal (three digits when an octal digit follows);
 * every byte as \xNN when all_hex is set (getrandom's buffer). */
size_t decode_strace_quote(const char *data, size_t len, int truncated, int all_hex, char *buf,
                           size_t cap);

#endif
