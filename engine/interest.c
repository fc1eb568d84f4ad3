#include "interest.h"

#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include "event.h"
#include "syscall_table.h"

static uint8_t wanted[SYSCALL_TABLE_SIZE];
static bool wanted_all;
static bool io_wanted;

/* The engine's own state needs these whatever the scripts hook: fd tables,
 * memory regions, processes. fds created by syscalls not listed here are
 * learnt from /proc on first use. */
static const int32_t state_syscalls[] = {
    SYS_open,         SYS_creat,
    SYS_openat,       437 /* openat2 */,
    SYS_close,        436 /* close_range */,
    SYS_dup,          SYS_dup2,
    SYS_dup3,         SYS_fcntl,
    SYS_socket,       SYS_socketpair,
    SYS_connect,      SYS_accept,
    SYS_accept4,      SYS_pipe,
    SYS_pipe2,        SYS_eventfd,
    SYS_eventfd2,     SYS_timerfd_create,
    SYS_signalfd,     SYS_signalfd4,
    SYS_epoll_create, SYS_epoll_create1,
    SYS_inotify_init, SYS_inotify_init1,
    SYS_memfd_create, 434 /* pidfd_open */,
    SYS_mmap,         304 /* open_by_handle_at: an open with no path */,
    SYS_munmap,       SYS_mremap,
    SYS_mprotect,     SYS_pkey_mprotect,
    SYS_clone,        SYS_fork,
    SYS_vfork,        435 /* clone3 */,
    SYS_execve,       SYS_execveat,
    SYS_brk,
};

/* The state reports each io_uring (whose I/O it cannot see) and the first
 * use of one it did not see set up. */
static const int32_t uring_syscalls[] = {
    SYS_io_uring_setup,
    SYS_io_uring_enter,
    SYS_io_uring_register,
};

/* Only needed when a script wants read/write/send/recv events. */
static const int32_t io_syscalls[] = {
    SYS_read,    SYS_write,    SYS_pread64,         SYS_pwrite64, SYS_readv,    SYS_writev,
    SYS_preadv,  SYS_pwritev,  SYS_preadv2,         SYS_pwritev2, SYS_sendto,   SYS_recvfrom,
    SYS_sendmsg, SYS_recvmsg,  SYS_sendmmsg,        SYS_recvmmsg, SYS_sendfile, SYS_splice,
    SYS_tee,     SYS_vmsplice, SYS_copy_file_range,
};

static void add_list(const int32_t *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wanted[list[i]] = 1;
}

void interest_init(void)
{
    memset(wanted, 0, sizeof(wanted));
    wanted_all = io_wanted = false;
    add_list(state_syscalls, sizeof(state_syscalls) / sizeof(state_syscalls[0]));
    add_list(uring_syscalls, sizeof(uring_syscalls) / sizeof(uring_syscalls[0]));
}

void interest_add_event(int type)
{
    switch (type) {
    case CMP_EV_READ:
    case CMP_EV_WRITE:
    case CMP_EV_SEND:
    case CMP_EV_RECV:
        io_wanted = true;
        add_list(io_syscalls, sizeof(io_syscalls) / sizeof(io_syscalls[0]));
        break;
    default:
        break; /* produced by syscalls the state traces anyway, or by events */
    }
}

void interest_add_syscall(int32_t nr)
{
    if (nr < 0) {
        wanted_all = true;
        io_wanted = true;
    } else if (nr < SYSCALL_TABLE_SIZE) {
        wanted[nr] = 1;
    }
}

bool interest_has(int32_t nr)
{
    if (wanted_all)
        return true;
    return nr >= 0 && nr < SYSCALL_TABLE_SIZE && wanted[nr];
}

bool interest_all(void)
{
    return wanted_all;
}

bool interest_io(void)
{
    if (io_wanted)
        return true;
    for (size_t i = 0; i < sizeof(io_syscalls) / sizeof(io_syscalls[0]); i++)
        if (!wanted[io_syscalls[i]])
            return false;
    return true;
}

int interest_install_seccomp(bool set_no_new_privs)
{
    /* Rules are for the x86-64 ABI only. Every syscall of another ABI (i386
     * through int $0x80, and x32, which libseccomp sends to the same action)
     * stops: the tracer decodes it or counts it as undecoded. Adding the x86
     * arch to the filter would let the uninteresting ones run free, but a
     * rule there is given by name, and an i386 syscall that libseccomp (or
     * the i386 table) does not know would then run unseen. */
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return -ENOMEM;
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(0));
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, set_no_new_privs ? 1 : 0);
    for (int32_t nr = 0; rc == 0 && nr < SYSCALL_TABLE_SIZE; nr++) {
        if (!wanted[nr] || !syscall_desc(nr))
            continue;
        rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 0);
        if (rc == -EDOM || rc == -EINVAL)
            rc = 0; /* a number this libseccomp does not know: it still runs */
    }
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc;
}
