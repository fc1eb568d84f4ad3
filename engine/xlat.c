#include "xlat.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/futex.h>
#include <linux/stat.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "xalloc.h"

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))
#define SET(id, table) const struct xlat id = {#table, table, COUNT(table)}
/* A name as the headers define it, so the value cannot be mistyped. */
#define X(name)                                                                                    \
    {                                                                                              \
        (uint64_t)(name), #name                                                                    \
    }

/* Kernel values, spelled out because glibc defines O_LARGEFILE as 0 on
 * 64-bit targets while the kernel still reports the bit. In strace's order;
 * multi-bit flags come before the single bits they contain. */
static const struct xlat_entry open_flags[] = {
    {0100, "O_CREAT"},        {0200, "O_EXCL"},        {0400, "O_NOCTTY"},
    {01000, "O_TRUNC"},       {02000, "O_APPEND"},     {04000, "O_NONBLOCK"},
    {04010000, "O_SYNC"},     {010000, "O_DSYNC"},     {040000, "O_DIRECT"},
    {0100000, "O_LARGEFILE"}, {0400000, "O_NOFOLLOW"}, {01000000, "O_NOATIME"},
    {02000000, "O_CLOEXEC"},  {010000000, "O_PATH"},   {020200000, "O_TMPFILE"},
    {0200000, "O_DIRECTORY"}, {020000, "O_ASYNC"},
};
SET(xlat_open_flags, open_flags);

static const struct xlat_entry mmap_prot[] = {
    {0, "PROT_NONE"},
    {0x1, "PROT_READ"},
    {0x2, "PROT_WRITE"},
    {0x4, "PROT_EXEC"},
    {0x8, "PROT_SEM"},
    {0x01000000, "PROT_GROWSDOWN"},
    {0x02000000, "PROT_GROWSUP"},
};
SET(xlat_mmap_prot, mmap_prot);

static const struct xlat_entry mmap_flags[] = {
    {0x10, "MAP_FIXED"},        {0x20, "MAP_ANONYMOUS"},
    {0x40, "MAP_32BIT"},        {0x4000, "MAP_NORESERVE"},
    {0x8000, "MAP_POPULATE"},   {0x10000, "MAP_NONBLOCK"},
    {0x100, "MAP_GROWSDOWN"},   {0x800, "MAP_DENYWRITE"},
    {0x1000, "MAP_EXECUTABLE"}, {0x2000, "MAP_LOCKED"},
    {0x20000, "MAP_STACK"},     {0x40000, "MAP_HUGETLB"},
    {0x80000, "MAP_SYNC"},      {0x100000, "MAP_FIXED_NOREPLACE"},
};
SET(xlat_mmap_flags, mmap_flags);

static const struct xlat_entry clone_flags[] = {
    {0x80, "CLONE_NEWTIME"},
    {0x100, "CLONE_VM"},
    {0x200, "CLONE_FS"},
    {0x400, "CLONE_FILES"},
    {0x800, "CLONE_SIGHAND"},
    {0x1000, "CLONE_PIDFD"},
    {0x2000, "CLONE_PTRACE"},
    {0x4000, "CLONE_VFORK"},
    {0x8000, "CLONE_PARENT"},
    {0x10000, "CLONE_THREAD"},
    {0x20000, "CLONE_NEWNS"},
    {0x40000, "CLONE_SYSVSEM"},
    {0x80000, "CLONE_SETTLS"},
    {0x100000, "CLONE_PARENT_SETTID"},
    {0x200000, "CLONE_CHILD_CLEARTID"},
    {0x400000, "CLONE_DETACHED"},
    {0x800000, "CLONE_UNTRACED"},
    {0x1000000, "CLONE_CHILD_SETTID"},
    {0x2000000, "CLONE_NEWCGROUP"},
    {0x4000000, "CLONE_NEWUTS"},
    {0x8000000, "CLONE_NEWIPC"},
    {0x10000000, "CLONE_NEWUSER"},
    {0x20000000, "CLONE_NEWPID"},
    {0x40000000, "CLONE_NEWNET"},
    {0x80000000, "CLONE_IO"},
    {0x100000000ull, "CLONE_CLEAR_SIGHAND"},
    {0x200000000ull, "CLONE_INTO_CGROUP"},
};
SET(xlat_clone_flags, clone_flags);

static const struct xlat_entry at_flags[] = {
    X(AT_SYMLINK_NOFOLLOW), X(AT_REMOVEDIR),  X(AT_SYMLINK_FOLLOW),
    X(AT_NO_AUTOMOUNT),     X(AT_EMPTY_PATH), {0x8000, "AT_RECURSIVE"},
};
SET(xlat_at_flags, at_flags);

static const struct xlat_entry faccessat_flags[] = {
    X(AT_SYMLINK_NOFOLLOW),
    X(AT_EACCESS),
    X(AT_EMPTY_PATH),
};
SET(xlat_faccessat_flags, faccessat_flags);

static const struct xlat_entry statx_mask[] = {
    {0xfff, "STATX_ALL"},
    {0x7ff, "STATX_BASIC_STATS"},
    {0x1, "STATX_TYPE"},
    {0x2, "STATX_MODE"},
    {0x4, "STATX_NLINK"},
    {0x8, "STATX_UID"},
    {0x10, "STATX_GID"},
    {0x20, "STATX_ATIME"},
    {0x40, "STATX_MTIME"},
    {0x80, "STATX_CTIME"},
    {0x100, "STATX_INO"},
    {0x200, "STATX_SIZE"},
    {0x400, "STATX_BLOCKS"},
    {0x800, "STATX_BTIME"},
    {0x1000, "STATX_MNT_ID"},
    {0x2000, "STATX_DIOALIGN"},
    {0x4000, "STATX_MNT_ID_UNIQUE"},
    {0x8000, "STATX_SUBVOL"},
    {0x10000, "STATX_WRITE_ATOMIC"},
    {0x20000, "STATX_DIO_READ_ALIGN"},
};
SET(xlat_statx_mask, statx_mask);

static const struct xlat_entry statx_attrs[] = {
    {0x4, "STATX_ATTR_COMPRESSED"},    {0x10, "STATX_ATTR_IMMUTABLE"},
    {0x20, "STATX_ATTR_APPEND"},       {0x40, "STATX_ATTR_NODUMP"},
    {0x800, "STATX_ATTR_ENCRYPTED"},   {0x1000, "STATX_ATTR_AUTOMOUNT"},
    {0x2000, "STATX_ATTR_MOUNT_ROOT"}, {0x100000, "STATX_ATTR_VERITY"},
    {0x200000, "STATX_ATTR_DAX"},      {0x400000, "STATX_ATTR_WRITE_ATOMIC"},
};
SET(xlat_statx_attrs, statx_attrs);

static const struct xlat_entry access_modes[] = {
    X(F_OK),
    X(R_OK),
    X(W_OK),
    X(X_OK),
};
SET(xlat_access_modes, access_modes);

static const struct xlat_entry sock_type_flags[] = {
    X(SOCK_CLOEXEC),
    X(SOCK_NONBLOCK),
};
SET(xlat_sock_type_flags, sock_type_flags);

/* The kernel's values: glibc leaves SA_RESTORER out of its headers. */
static const struct xlat_entry sigaction_flags[] = {
    {0x04000000, "SA_RESTORER"},  {0x08000000, "SA_ONSTACK"}, {0x10000000, "SA_RESTART"},
    {0x20000000, "SA_INTERRUPT"}, {0x40000000, "SA_NODEFER"}, {0x80000000u, "SA_RESETHAND"},
    {0x4, "SA_SIGINFO"},          {0x1, "SA_NOCLDSTOP"},      {0x2, "SA_NOCLDWAIT"},
};
SET(xlat_sigaction_flags, sigaction_flags);

static const struct xlat_entry wait_options[] = {
    X(WNOHANG),
    X(WUNTRACED),
    X(WEXITED),
    X(WCONTINUED),
    X(WNOWAIT),
    {0x80000000u, "__WCLONE"},
    {0x40000000, "__WALL"},
    {0x20000000, "__WNOTHREAD"},
};
SET(xlat_wait_options, wait_options);

static const struct xlat_entry getrandom_flags[] = {
    {1, "GRND_NONBLOCK"},
    {2, "GRND_RANDOM"},
    {4, "GRND_INSECURE"},
};
SET(xlat_getrandom_flags, getrandom_flags);

static const struct xlat_entry poll_events[] = {
    X(POLLIN),
    X(POLLPRI),
    X(POLLOUT),
    X(POLLERR),
    X(POLLHUP),
    X(POLLNVAL),
    X(POLLRDNORM),
    X(POLLRDBAND),
    X(POLLWRNORM),
    X(POLLWRBAND),
    {0x400, "POLLMSG"},
    {0x1000, "POLLREMOVE"},
    {0x2000, "POLLRDHUP"},
};
SET(xlat_poll_events, poll_events);

static const struct xlat_entry msg_flags[] = {
    X(MSG_OOB),   X(MSG_PEEK),       X(MSG_DONTROUTE), X(MSG_CTRUNC),       X(MSG_PROXY),
    X(MSG_TRUNC), X(MSG_DONTWAIT),   X(MSG_EOR),       X(MSG_WAITALL),      X(MSG_FIN),
    X(MSG_SYN),   X(MSG_CONFIRM),    X(MSG_RST),       X(MSG_ERRQUEUE),     X(MSG_NOSIGNAL),
    X(MSG_MORE),  X(MSG_WAITFORONE), X(MSG_FASTOPEN),  X(MSG_CMSG_CLOEXEC),
};
SET(xlat_msg_flags, msg_flags);

static const struct xlat_entry fd_flags[] = {
    X(FD_CLOEXEC),
};
SET(xlat_fd_flags, fd_flags);

static const struct xlat_entry close_range_flags[] = {
    X(CLOSE_RANGE_UNSHARE),
    X(CLOSE_RANGE_CLOEXEC),
};
SET(xlat_close_range_flags, close_range_flags);

static const struct xlat_entry whence[] = {
    X(SEEK_SET), X(SEEK_CUR), X(SEEK_END), X(SEEK_DATA), X(SEEK_HOLE),
};
SET(xlat_whence, whence);

static const struct xlat_entry fcntl_cmds[] = {
    X(F_DUPFD),
    X(F_GETFD),
    X(F_SETFD),
    X(F_GETFL),
    X(F_SETFL),
    X(F_GETLK),
    X(F_SETLK),
    X(F_SETLKW),
    X(F_SETOWN),
    X(F_GETOWN),
    X(F_SETSIG),
    X(F_GETSIG),
    X(F_SETOWN_EX),
    X(F_GETOWN_EX),
    {17, "F_GETOWNER_UIDS"},
    {36, "F_OFD_GETLK"},
    {37, "F_OFD_SETLK"},
    {38, "F_OFD_SETLKW"},
    {1024, "F_SETLEASE"},
    {1025, "F_GETLEASE"},
    {1026, "F_NOTIFY"},
    {1027, "F_DUPFD_QUERY"},
    {1029, "F_CANCELLK"},
    {1030, "F_DUPFD_CLOEXEC"},
    {1031, "F_SETPIPE_SZ"},
    {1032, "F_GETPIPE_SZ"},
    {1033, "F_ADD_SEALS"},
    {1034, "F_GET_SEALS"},
};
SET(xlat_fcntl_cmds, fcntl_cmds);

static const struct xlat_entry ioctl_cmds[] = {
    X(TCGETS),     X(TCSETS),     X(TCSETSW),   X(TCSETSF),     X(TCGETA),   X(TCSETA),
    X(TCSETAW),    X(TCSETAF),    X(TCSBRK),    X(TCXONC),      X(TCFLSH),   X(TIOCEXCL),
    X(TIOCNXCL),   X(TIOCSCTTY),  X(TIOCGPGRP), X(TIOCSPGRP),   X(TIOCOUTQ), X(TIOCSTI),
    X(TIOCGWINSZ), X(TIOCSWINSZ), X(TIOCMGET),  X(TIOCMSET),    X(FIONREAD), X(TIOCLINUX),
    X(TIOCCONS),   X(FIONBIO),    X(TIOCNOTTY), X(TIOCGSID),    X(TIOCGPTN), X(TIOCSPTLCK),
    X(FIONCLEX),   X(FIOCLEX),    X(FIOASYNC),  X(TIOCGPTPEER), X(FIOQSIZE),
};
SET(xlat_ioctl_cmds, ioctl_cmds);

static const struct xlat_entry address_families[] = {
    X(AF_UNSPEC),     X(AF_UNIX),      X(AF_INET),     X(AF_AX25),  X(AF_IPX),     X(AF_APPLETALK),
    X(AF_NETROM),     X(AF_BRIDGE),    X(AF_ATMPVC),   X(AF_X25),   X(AF_INET6),   X(AF_ROSE),
    X(AF_DECnet),     X(AF_NETBEUI),   X(AF_SECURITY), X(AF_KEY),   X(AF_NETLINK), X(AF_PACKET),
    X(AF_ASH),        X(AF_ECONET),    X(AF_ATMSVC),   X(AF_RDS),   X(AF_SNA),     X(AF_IRDA),
    X(AF_PPPOX),      X(AF_WANPIPE),   X(AF_LLC),      X(AF_IB),    X(AF_MPLS),    X(AF_CAN),
    X(AF_TIPC),       X(AF_BLUETOOTH), X(AF_IUCV),     X(AF_RXRPC), X(AF_ISDN),    X(AF_PHONET),
    X(AF_IEEE802154), X(AF_CAIF),      X(AF_ALG),      X(AF_NFC),   X(AF_VSOCK),   X(AF_KCM),
    X(AF_QIPCRTR),    X(AF_SMC),       X(AF_XDP),
};
SET(xlat_address_families, address_families);

static const struct xlat_entry socket_types[] = {
    X(SOCK_STREAM),    X(SOCK_DGRAM), X(SOCK_RAW),    X(SOCK_RDM),
    X(SOCK_SEQPACKET), X(SOCK_DCCP),  X(SOCK_PACKET),
};
SET(xlat_socket_types, socket_types);

static const struct xlat_entry futex_ops[] = {
    X(FUTEX_WAIT),           X(FUTEX_WAKE),          X(FUTEX_FD),          X(FUTEX_REQUEUE),
    X(FUTEX_CMP_REQUEUE),    X(FUTEX_WAKE_OP),       X(FUTEX_LOCK_PI),     X(FUTEX_UNLOCK_PI),
    X(FUTEX_TRYLOCK_PI),     X(FUTEX_WAIT_BITSET),   X(FUTEX_WAKE_BITSET), X(FUTEX_WAIT_REQUEUE_PI),
    X(FUTEX_CMP_REQUEUE_PI), {13, "FUTEX_LOCK_PI2"},
};
SET(xlat_futex_ops, futex_ops);

static const struct xlat_entry sigprocmask_how[] = {
    X(SIG_BLOCK),
    X(SIG_UNBLOCK),
    X(SIG_SETMASK),
};
SET(xlat_sigprocmask_how, sigprocmask_how);

static const struct xlat_entry rlimit_resources[] = {
    X(RLIMIT_CPU),      X(RLIMIT_FSIZE),   X(RLIMIT_DATA),   X(RLIMIT_STACK),
    X(RLIMIT_CORE),     X(RLIMIT_RSS),     X(RLIMIT_NOFILE), X(RLIMIT_AS),
    X(RLIMIT_NPROC),    X(RLIMIT_MEMLOCK), X(RLIMIT_LOCKS),  X(RLIMIT_SIGPENDING),
    X(RLIMIT_MSGQUEUE), X(RLIMIT_NICE),    X(RLIMIT_RTPRIO), X(RLIMIT_RTTIME),
};
SET(xlat_rlimit_resources, rlimit_resources);

static const struct xlat_entry clock_ids[] = {
    X(CLOCK_REALTIME),          X(CLOCK_MONOTONIC),     X(CLOCK_PROCESS_CPUTIME_ID),
    X(CLOCK_THREAD_CPUTIME_ID), X(CLOCK_MONOTONIC_RAW), X(CLOCK_REALTIME_COARSE),
    X(CLOCK_MONOTONIC_COARSE),  X(CLOCK_BOOTTIME),      X(CLOCK_REALTIME_ALARM),
    X(CLOCK_BOOTTIME_ALARM),    X(CLOCK_TAI),
};
SET(xlat_clock_ids, clock_ids);

static const struct xlat_entry fadvise_advice[] = {
    X(POSIX_FADV_NORMAL),   X(POSIX_FADV_RANDOM),   X(POSIX_FADV_SEQUENTIAL),
    X(POSIX_FADV_WILLNEED), X(POSIX_FADV_DONTNEED), X(POSIX_FADV_NOREUSE),
};
SET(xlat_fadvise_advice, fadvise_advice);

static const struct xlat_entry ip_protocols[] = {
    {0, "IPPROTO_IP"},        {1, "IPPROTO_ICMP"},  {2, "IPPROTO_IGMP"},    {6, "IPPROTO_TCP"},
    {17, "IPPROTO_UDP"},      {41, "IPPROTO_IPV6"}, {58, "IPPROTO_ICMPV6"}, {132, "IPPROTO_SCTP"},
    {136, "IPPROTO_UDPLITE"}, {255, "IPPROTO_RAW"}, {262, "IPPROTO_MPTCP"},
};
SET(xlat_ip_protocols, ip_protocols);

static const struct xlat_entry netlink_protocols[] = {
    {0, "NETLINK_ROUTE"},           {4, "NETLINK_SOCK_DIAG"}, {9, "NETLINK_AUDIT"},
    {15, "NETLINK_KOBJECT_UEVENT"}, {16, "NETLINK_GENERIC"},
};
SET(xlat_netlink_protocols, netlink_protocols);

static const struct xlat_entry socket_levels[] = {
    {0, "SOL_IP"},        {1, "SOL_SOCKET"},  {6, "SOL_TCP"},   {17, "SOL_UDP"},
    {41, "SOL_IPV6"},     {58, "SOL_ICMPV6"}, {255, "SOL_RAW"}, {263, "SOL_PACKET"},
    {270, "SOL_NETLINK"}, {282, "SOL_TLS"},
};
SET(xlat_socket_levels, socket_levels);

static const struct xlat_entry sockopt_names[] = {
    X(SO_DEBUG),
    X(SO_REUSEADDR),
    X(SO_TYPE),
    X(SO_ERROR),
    X(SO_DONTROUTE),
    X(SO_BROADCAST),
    X(SO_SNDBUF),
    X(SO_RCVBUF),
    X(SO_KEEPALIVE),
    X(SO_OOBINLINE),
    X(SO_NO_CHECK),
    X(SO_PRIORITY),
    X(SO_LINGER),
    X(SO_BSDCOMPAT),
    X(SO_REUSEPORT),
    X(SO_PASSCRED),
    X(SO_PEERCRED),
    X(SO_RCVLOWAT),
    X(SO_SNDLOWAT),
    {20, "SO_RCVTIMEO_OLD"},
    {21, "SO_SNDTIMEO_OLD"},
    X(SO_BINDTODEVICE),
    X(SO_ACCEPTCONN),
    X(SO_SNDBUFFORCE),
    X(SO_RCVBUFFORCE),
    X(SO_PROTOCOL),
    X(SO_DOMAIN),
};
SET(xlat_sockopt_names, sockopt_names);

static const struct xlat_entry tcp_options[] = {
    {1, "TCP_NODELAY"},      {2, "TCP_MAXSEG"},
    {3, "TCP_CORK"},         {4, "TCP_KEEPIDLE"},
    {5, "TCP_KEEPINTVL"},    {6, "TCP_KEEPCNT"},
    {7, "TCP_SYNCNT"},       {8, "TCP_LINGER2"},
    {9, "TCP_DEFER_ACCEPT"}, {10, "TCP_WINDOW_CLAMP"},
    {11, "TCP_INFO"},        {12, "TCP_QUICKACK"},
    {13, "TCP_CONGESTION"},  {18, "TCP_USER_TIMEOUT"},
    {23, "TCP_FASTOPEN"},    {30, "TCP_FASTOPEN_CONNECT"},
};
SET(xlat_tcp_options, tcp_options);

static const struct xlat_entry arch_prctl_cmds[] = {
    {0x1001, "ARCH_SET_GS"}, {0x1002, "ARCH_SET_FS"},    {0x1003, "ARCH_GET_FS"},
    {0x1004, "ARCH_GET_GS"}, {0x1011, "ARCH_GET_CPUID"}, {0x1012, "ARCH_SET_CPUID"},
};
SET(xlat_arch_prctl_cmds, arch_prctl_cmds);

static const struct xlat_entry epoll_ctl_cmds[] = {
    {1, "EPOLL_CTL_ADD"},
    {2, "EPOLL_CTL_DEL"},
    {3, "EPOLL_CTL_MOD"},
};
SET(xlat_epoll_ctl_cmds, epoll_ctl_cmds);

static const struct xlat_entry madvise_advice[] = {
    X(MADV_NORMAL),     X(MADV_RANDOM),    X(MADV_SEQUENTIAL),  X(MADV_WILLNEED),
    X(MADV_DONTNEED),   X(MADV_FREE),      X(MADV_REMOVE),      X(MADV_DONTFORK),
    X(MADV_DOFORK),     X(MADV_MERGEABLE), X(MADV_UNMERGEABLE), X(MADV_HUGEPAGE),
    X(MADV_NOHUGEPAGE), X(MADV_DONTDUMP),  X(MADV_DODUMP),      X(MADV_WIPEONFORK),
    X(MADV_KEEPONFORK), X(MADV_COLD),      X(MADV_PAGEOUT),     X(MADV_HWPOISON),
};
SET(xlat_madvise_advice, madvise_advice);

static const struct xlat_entry prctl_options[] = {
    {1, "PR_SET_PDEATHSIG"},     {2, "PR_GET_PDEATHSIG"},     {3, "PR_GET_DUMPABLE"},
    {4, "PR_SET_DUMPABLE"},      {15, "PR_SET_NAME"},         {16, "PR_GET_NAME"},
    {22, "PR_SET_SECCOMP"},      {23, "PR_CAPBSET_READ"},     {36, "PR_SET_CHILD_SUBREAPER"},
    {38, "PR_SET_NO_NEW_PRIVS"}, {39, "PR_GET_NO_NEW_PRIVS"}, {0x59616d61, "PR_SET_PTRACER"},
};
SET(xlat_prctl_options, prctl_options);

static const struct xlat_entry open_access[] = {
    X(O_RDONLY),
    X(O_WRONLY),
    X(O_RDWR),
    X(O_ACCMODE),
};
SET(xlat_open_access, open_access);

static const struct xlat_entry mmap_types[] = {
    X(MAP_SHARED),
    X(MAP_PRIVATE),
    X(MAP_SHARED_VALIDATE),
    {0x08, "MAP_DROPPABLE"},
};
SET(xlat_mmap_types, mmap_types);

/* As the 64-bit register holds the int: sign-extended. */
static const struct xlat_entry dirfds[] = {
    X(AT_FDCWD),
};
SET(xlat_dirfds, dirfds);

const struct xlat *const xlat_sets[] = {
    &xlat_open_flags,        &xlat_mmap_prot,       &xlat_mmap_flags,      &xlat_clone_flags,
    &xlat_at_flags,          &xlat_faccessat_flags, &xlat_statx_mask,      &xlat_statx_attrs,
    &xlat_access_modes,      &xlat_sock_type_flags, &xlat_sigaction_flags, &xlat_wait_options,
    &xlat_getrandom_flags,   &xlat_poll_events,     &xlat_msg_flags,       &xlat_fd_flags,
    &xlat_close_range_flags, &xlat_whence,          &xlat_fcntl_cmds,      &xlat_ioctl_cmds,
    &xlat_address_families,  &xlat_socket_types,    &xlat_futex_ops,       &xlat_sigprocmask_how,
    &xlat_rlimit_resources,  &xlat_clock_ids,       &xlat_fadvise_advice,  &xlat_ip_protocols,
    &xlat_netlink_protocols, &xlat_socket_levels,   &xlat_sockopt_names,   &xlat_tcp_options,
    &xlat_arch_prctl_cmds,   &xlat_epoll_ctl_cmds,  &xlat_madvise_advice,  &xlat_prctl_options,
    &xlat_open_access,       &xlat_mmap_types,      &xlat_dirfds,
};
const size_t xlat_set_count = COUNT(xlat_sets);

/* ---- lookups ----------------------------------------------------------------- */

const char *xlat_name(const struct xlat *x, uint64_t v)
{
    for (size_t i = 0; i < x->count; i++)
        if (x->entries[i].value == v)
            return x->entries[i].name;
    return NULL;
}

bool xlat_value(const struct xlat *x, const char *name, size_t len, uint64_t *v)
{
    for (size_t i = 0; i < x->count; i++) {
        const char *n = x->entries[i].name;
        if (strlen(n) == len && memcmp(n, name, len) == 0) {
            *v = x->entries[i].value;
            return true;
        }
    }
    return false;
}

/* Every name of every set, sorted, for xlat_value_any: a log's reader
 * looks a name up for each argument it reads. */
struct indexed {
    const char *name;
    size_t len;
    size_t order; /* where it comes in xlat_sets: of equal names, the first wins */
    uint64_t value;
};
static struct indexed *index_of;
static size_t index_count;
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static int compare_names(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static int compare_indexed(const void *pa, const void *pb)
{
    const struct indexed *a = pa, *b = pb;
    int c = compare_names(a->name, a->len, b->name, b->len);
    if (c)
        return c;
    return a->order < b->order ? -1 : a->order > b->order;
}

static void index_make(void)
{
    size_t total = 0;
    for (size_t s = 0; s < xlat_set_count; s++)
        total += xlat_sets[s]->count;
    index_of = xcalloc(total, sizeof(*index_of));
    for (size_t s = 0; s < xlat_set_count; s++)
        for (size_t i = 0; i < xlat_sets[s]->count; i++) {
            const struct xlat_entry *e = &xlat_sets[s]->entries[i];
            index_of[index_count] =
                (struct indexed){e->name, strlen(e->name), index_count, e->value};
            index_count++;
        }
    qsort(index_of, index_count, sizeof(*index_of), compare_indexed);
}

bool xlat_value_any(const char *name, size_t len, uint64_t *v)
{
    pthread_once(&index_once, index_make);
    size_t lo = 0, hi = index_count;
    while (lo < hi) { /* the first entry not below name */
        size_t mid = lo + (hi - lo) / 2;
        if (compare_names(index_of[mid].name, index_of[mid].len, name, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == index_count || compare_names(index_of[lo].name, index_of[lo].len, name, len))
        return false;
    *v = index_of[lo].value;
    return true;
}

static void put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (cap > 0 && *len < cap - 1) {
        size_t room = cap - 1 - *len;
        size_t copied = n < room ? n : room;
        memcpy(buf + *len, s, copied);
        buf[*len + copied] = '\0';
    }
    *len += n;
}

size_t xlat_format_flags(const struct xlat *x, uint64_t v, char *buf, size_t cap)
{
    size_t len = 0;
    if (cap > 0)
        buf[0] = '\0';
    if (v == 0) {
        const char *zero = xlat_name(x, 0);
        put(buf, cap, &len, zero ? zero : "0", strlen(zero ? zero : "0"));
        return len;
    }
    for (size_t i = 0; i < x->count; i++) {
        uint64_t mask = x->entries[i].value;
        if (mask == 0 || (v & mask) != mask)
            continue;
        if (len)
            put(buf, cap, &len, "|", 1);
        put(buf, cap, &len, x->entries[i].name, strlen(x->entries[i].name));
        v &= ~mask;
    }
    if (v) {
        char hex[24];
        int n = snprintf(hex, sizeof(hex), "%#llx", (unsigned long long)v);
        if (len)
            put(buf, cap, &len, "|", 1);
        put(buf, cap, &len, hex, (size_t)n);
    }
    return len;
}

static bool parse_number(const char *s, size_t len, uint64_t *v)
{
    char text[24];
    if (len == 0 || len >= sizeof(text))
        return false;
    memcpy(text, s, len);
    text[len] = '\0';
    char *end;
    unsigned long long n = strtoull(text, &end, 0);
    if (*end != '\0' || text[0] == '-')
        return false;
    *v = n;
    return true;
}

bool xlat_parse_flags(const struct xlat *x, const char *text, size_t len, uint64_t *v)
{
    uint64_t all = 0;
    size_t start = 0;
    if (len == 0)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != '|')
            continue;
        uint64_t one;
        if (!xlat_value(x, text + start, i - start, &one) &&
            !parse_number(text + start, i - start, &one))
            return false;
        all |= one;
        start = i + 1;
    }
    *v = all;
    return true;
}

/* ---- errno texts --------------------------------------------------------------- */

static const char *const errno_texts[] = {
    [EPERM] = "Operation not permitted",
    [ENOENT] = "No such file or directory",
    [ESRCH] = "No such process",
    [EINTR] = "Interrupted system call",
    [EIO] = "Input/output error",
    [ENXIO] = "No such device or address",
    [E2BIG] = "Argument list too long",
    [ENOEXEC] = "Exec format error",
    [EBADF] = "Bad file descriptor",
    [ECHILD] = "No child processes",
    [EAGAIN] = "Resource temporarily unavailable",
    [ENOMEM] = "Cannot allocate memory",
    [EACCES] = "Permission denied",
    [EFAULT] = "Bad address",
    [ENOTBLK] = "Block device required",
    [EBUSY] = "Device or resource busy",
    [EEXIST] = "File exists",
    [EXDEV] = "Invalid cross-device link",
    [ENODEV] = "No such device",
    [ENOTDIR] = "Not a directory",
    [EISDIR] = "Is a directory",
    [EINVAL] = "Invalid argument",
    [ENFILE] = "Too many open files in system",
    [EMFILE] = "Too many open files",
    [ENOTTY] = "Inappropriate ioctl for device",
    [ETXTBSY] = "Text file busy",
    [EFBIG] = "File too large",
    [ENOSPC] = "No space left on device",
    [ESPIPE] = "Illegal seek",
    [EROFS] = "Read-only file system",
    [EMLINK] = "Too many links",
    [EPIPE] = "Broken pipe",
    [EDOM] = "Numerical argument out of domain",
    [ERANGE] = "Numerical result out of range",
    [EDEADLOCK] = "Resource deadlock avoided",
    [ENAMETOOLONG] = "File name too long",
    [ENOLCK] = "No locks available",
    [ENOSYS] = "Function not implemented",
    [ENOTEMPTY] = "Directory not empty",
    [ELOOP] = "Too many levels of symbolic links",
    [ENOMSG] = "No message of desired type",
    [EIDRM] = "Identifier removed",
    [ECHRNG] = "Channel number out of range",
    [EL2NSYNC] = "Level 2 not synchronized",
    [EL3HLT] = "Level 3 halted",
    [EL3RST] = "Level 3 reset",
    [ELNRNG] = "Link number out of range",
    [EUNATCH] = "Protocol driver not attached",
    [ENOCSI] = "No CSI structure available",
    [EL2HLT] = "Level 2 halted",
    [EBADE] = "Invalid exchange",
    [EBADR] = "Invalid request descriptor",
    [EXFULL] = "Exchange full",
    [ENOANO] = "No anode",
    [EBADRQC] = "Invalid request code",
    [EBADSLT] = "Invalid slot",
    [EBFONT] = "Bad font file format",
    [ENOSTR] = "Device not a stream",
    [ENODATA] = "No data available",
    [ETIME] = "Timer expired",
    [ENOSR] = "Out of streams resources",
    [ENONET] = "Machine is not on the network",
    [ENOPKG] = "Package not installed",
    [EREMOTE] = "Object is remote",
    [ENOLINK] = "Link has been severed",
    [EADV] = "Advertise error",
    [ESRMNT] = "Srmount error",
    [ECOMM] = "Communication error on send",
    [EPROTO] = "Protocol error",
    [EMULTIHOP] = "Multihop attempted",
    [EDOTDOT] = "RFS specific error",
    [EBADMSG] = "Bad message",
    [EOVERFLOW] = "Value too large for defined data type",
    [ENOTUNIQ] = "Name not unique on network",
    [EBADFD] = "File descriptor in bad state",
    [EREMCHG] = "Remote address changed",
    [ELIBACC] = "Can not access a needed shared library",
    [ELIBBAD] = "Accessing a corrupted shared library",
    [ELIBSCN] = ".lib section in a.out corrupted",
    [ELIBMAX] = "Attempting to link in too many shared libraries",
    [ELIBEXEC] = "Cannot exec a shared library directly",
    [EILSEQ] = "Invalid or incomplete multibyte or wide character",
    [ERESTART] = "Interrupted system call should be restarted",
    [ESTRPIPE] = "Streams pipe error",
    [EUSERS] = "Too many users",
    [ENOTSOCK] = "Socket operation on non-socket",
    [EDESTADDRREQ] = "Destination address required",
    [EMSGSIZE] = "Message too long",
    [EPROTOTYPE] = "Protocol wrong type for socket",
    [ENOPROTOOPT] = "Protocol not available",
    [EPROTONOSUPPORT] = "Protocol not supported",
    [ESOCKTNOSUPPORT] = "Socket type not supported",
    [ENOTSUP] = "Operation not supported",
    [EPFNOSUPPORT] = "Protocol family not supported",
    [EAFNOSUPPORT] = "Address family not supported by protocol",
    [EADDRINUSE] = "Address already in use",
    [EADDRNOTAVAIL] = "Cannot assign requested address",
    [ENETDOWN] = "Network is down",
    [ENETUNREACH] = "Network is unreachable",
    [ENETRESET] = "Network dropped connection on reset",
    [ECONNABORTED] = "Software caused connection abort",
    [ECONNRESET] = "Connection reset by peer",
    [ENOBUFS] = "No buffer space available",
    [EISCONN] = "Transport endpoint is already connected",
    [ENOTCONN] = "Transport endpoint is not connected",
    [ESHUTDOWN] = "Cannot send after transport endpoint shutdown",
    [ETOOMANYREFS] = "Too many references: cannot splice",
    [ETIMEDOUT] = "Connection timed out",
    [ECONNREFUSED] = "Connection refused",
    [EHOSTDOWN] = "Host is down",
    [EHOSTUNREACH] = "No route to host",
    [EALREADY] = "Operation already in progress",
    [EINPROGRESS] = "Operation now in progress",
    [ESTALE] = "Stale file handle",
    [EUCLEAN] = "Structure needs cleaning",
    [ENOTNAM] = "Not a XENIX named type file",
    [ENAVAIL] = "No XENIX semaphores available",
    [EISNAM] = "Is a named type file",
    [EREMOTEIO] = "Remote I/O error",
    [EDQUOT] = "Disk quota exceeded",
    [ENOMEDIUM] = "No medium found",
    [EMEDIUMTYPE] = "Wrong medium type",
    [ECANCELED] = "Operation canceled",
    [ENOKEY] = "Required key not available",
    [EKEYEXPIRED] = "Key has expired",
    [EKEYREVOKED] = "Key has been revoked",
    [EKEYREJECTED] = "Key was rejected by service",
    [EOWNERDEAD] = "Owner died",
    [ENOTRECOVERABLE] = "State not recoverable",
    [ERFKILL] = "Operation not possible due to RF-kill",
};

/* The kernel's own codes, which a signal leaves in the return register. */
static const char *const restart_texts[] = {
    "To be restarted if SA_RESTART is set", /* ERESTARTSYS */
    "To be restarted",                      /* ERESTARTNOINTR */
    "To be restarted if no handler",        /* ERESTARTNOHAND */
    "Unknown error 515",                    /* ENOIOCTLCMD */
    "Interrupted by signal",                /* ERESTART_RESTARTBLOCK */
};
#define RESTART_FIRST 512

const char *xlat_errno_text(int32_t err)
{
    if (err > 0 && (size_t)err < COUNT(errno_texts))
        return errno_texts[err];
    if (err >= RESTART_FIRST && (size_t)(err - RESTART_FIRST) < COUNT(restart_texts))
        return restart_texts[err - RESTART_FIRST];
    return NULL;
}

int32_t xlat_errno_by_text(const char *text, size_t len)
{
    for (int32_t err = 1; err < RESTART_FIRST + (int32_t)COUNT(restart_texts); err++) {
        const char *t = xlat_errno_text(err);
        if (t && strlen(t) == len && memcmp(t, text, len) == 0)
            return err;
    }
    return -1;
}

/* ---- signal sets --------------------------------------------------------------- */

/* strace counts the realtime signals from the kernel's first, 32. */
#define SIGRT_FIRST 32
#define SIGSET_LAST 64

const char *xlat_sigset_name(int sig, char *buf, size_t cap)
{
    if (sig <= 0 || sig > SIGSET_LAST)
        return NULL;
    if (sig < SIGRT_FIRST) /* the signal's own name, without its SIG */
        return cmp_signal_name(sig) + 3;
    if (sig == SIGRT_FIRST)
        return "RTMIN";
    snprintf(buf, cap, "RT_%d", sig - SIGRT_FIRST);
    return buf;
}
