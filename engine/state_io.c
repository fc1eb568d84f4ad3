/* Bytes moved: the reads, writes, sends and receives a syscall made, as
 * events and in the run's totals. Whether bytes went to a file or over the
 * network is what the fd's description says. */
#include <sys/socket.h>
#include <sys/syscall.h>

#include "state_internal.h"

static bool is_inet(const struct ofd *d)
{
    return d->sock_family == AF_INET || d->sock_family == AF_INET6;
}

/* Only inet sockets count as network traffic: a unix socket's bytes stay
 * on the machine, and neither do they count as file I/O. */
static void moved(struct task *t, int fd, uint64_t bytes, bool is_write, const char *peer,
                  uint64_t now)
{
    struct ofd *d = state_fd_lookup(t, fd);
    int type;
    if (d && d->kind == CMP_FD_SOCKET) {
        type = is_write ? CMP_EV_SEND : CMP_EV_RECV;
        if (is_inet(d))
            *(is_write ? &state_counts.net_sent : &state_counts.net_recv) += bytes;
    } else {
        type = is_write ? CMP_EV_WRITE : CMP_EV_READ;
        *(is_write ? &state_counts.file_written : &state_counts.file_read) += bytes;
    }
    state_emit_io(t, type, fd, d, bytes, peer, now);
}

bool state_io_at_exit(struct task *t, int64_t ret, uint64_t now)
{
    const uint64_t *a = t->call.args;
    int fd = (int)a[0];
    uint64_t n = (uint64_t)ret;
    switch (t->call.nr) {
    case SYS_read:
    case SYS_readv:
    case SYS_pread64:
    case SYS_preadv:
    case SYS_preadv2:
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0)
            moved(t, fd, n, false, NULL, now);
        return true;
    case SYS_recvfrom: /* (fd, buf, len, flags, ...) */
    case SYS_recvmsg:  /* (fd, msg, flags) */
        STATE_NEEDS(SYSCALL_NEED_IO);
        /* A peek leaves the bytes queued: they are received by the read
         * that takes them, and only then. */
        if (ret > 0 && !(a[t->call.nr == SYS_recvmsg ? 2 : 3] & MSG_PEEK)) {
            /* a socket that never connected has no other peer */
            char from[160];
            moved(t, fd, n, false, state_peer_text(&t->call.cap, from, sizeof(from)), now);
        }
        return true;
    case SYS_write:
    case SYS_writev:
    case SYS_pwrite64:
    case SYS_pwritev:
    case SYS_pwritev2:
    case SYS_sendmsg:
    case SYS_vmsplice:
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0)
            moved(t, fd, n, true, NULL, now);
        return true;
    case SYS_sendto:
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0)
            moved(t, fd, n, true, t->call.sockaddr_len > 0 ? t->call.sockaddr : NULL, now);
        return true;
    case SYS_recvmmsg:
    case SYS_sendmmsg:
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0 && !(t->call.nr == SYS_recvmmsg && (a[3] & MSG_PEEK))) {
            /* recvmmsg/sendmmsg return a message count; the record has the bytes. */
            uint64_t bytes = t->call.cap.mmsg_bytes;
            moved(t, fd, bytes, t->call.nr == SYS_sendmmsg, NULL, now);
        }
        return true;
    case SYS_sendfile: /* (out_fd, in_fd, ...) */
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0) {
            moved(t, (int)a[1], n, false, NULL, now);
            moved(t, (int)a[0], n, true, NULL, now);
        }
        return true;
    case SYS_copy_file_range: /* (fd_in, off_in, fd_out, ...) */
    case SYS_splice:
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0) {
            moved(t, (int)a[0], n, false, NULL, now);
            moved(t, (int)a[2], n, true, NULL, now);
        }
        return true;
    case SYS_tee: /* (fd_in, fd_out, ...) */
        STATE_NEEDS(SYSCALL_NEED_IO);
        if (ret > 0) {
            moved(t, (int)a[0], n, false, NULL, now);
            moved(t, (int)a[1], n, true, NULL, now);
        }
        return true;
    default:
        return false;
    }
}
