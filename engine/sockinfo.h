/* What /proc knows about a socket, by inode: used for fds the tracer did not
 * see being created (inherited, attach) and for accept() without an address. */
#ifndef COMPENDIUM_SOCKINFO_H
#define COMPENDIUM_SOCKINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sockinfo {
    int family;         /* AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, 0 if unknown */
    char sock_type[16]; /* "tcp4", "udp6", "unix", ... */
    char local[128];    /* "127.0.0.1:8000" */
    char remote[128];   /* "" when not connected */
};

/* Looks the inode up in /proc/PID/net/{tcp,tcp6,udp,udp6,unix,netlink}. */
bool sockinfo_lookup(pid_t pid, uint64_t inode, struct sockinfo *out);

#endif
