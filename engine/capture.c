#include "capture.h"

#include <errno.h>
#include <limits.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <string.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "decode.h"
#include "fdtable.h"
#include "procfs.h"
#include "proctable.h"
#include "syscall_table.h"
#include "tracee_mem.h"

/* The path's length, or -1 with *err saying why it cannot be read: a path
 * that does not fit in PATH_MAX (which the kernel refuses too) is not cut. */
static int read_path(pid_t tid, uint64_t addr, char *buf, size_t cap, int *err)
{
    int truncated;
    ssize_t n = tracee_read_string(tid, addr, buf, cap, &truncated);
    if (n >= 0 && truncated)
        n = -ENAMETOOLONG;
    if (err)
        *err = n < 0 ? (int)-n : 0;
    if (n < 0) {
        buf[0] = '\0';
        return -1;
    }
    return (int)n;
}

/* Exactly len bytes at addr, or the errno saying why not. */
static int read_whole(pid_t tid, uint64_t addr, void *buf, size_t len)
{
    ssize_t n = tracee_read(tid, addr, buf, len);
    if (n < 0)
        return (int)-n;
    return n == (ssize_t)len ? 0 : EFAULT;
}

/* A socket address passed in: as many of its bytes as can be read. */
static void capture_sockaddr(struct task *t, uint64_t addr, uint64_t len)
{
    struct syscall_payloads *p = &t->call.cap;
    if (p->have & PAYLOAD_SOCKADDR)
        return;
    if (!addr || len == 0)
        return; /* none given: nothing is missing */
    if (len > sizeof(p->sockaddr))
        len = sizeof(p->sockaddr);
    ssize_t n = tracee_read(t->tid, addr, p->sockaddr, (size_t)len);
    p->sockaddr_len = n > 0 ? (uint32_t)n : 0;
    payload_mark(p, PAYLOAD_SOCKADDR, &p->sockaddr_err, n > 0 ? 0 : (n < 0 ? (int)-n : EFAULT));
}

/* An address the kernel wrote out, len bytes at addr (as many as the
 * payload holds); err: why its length could not be known. */
static void capture_peer_at(struct task *t, uint64_t addr, size_t len, int err)
{
    struct syscall_payloads *p = &t->call.cap;
    if (!err) {
        if (len > sizeof(p->peer))
            len = sizeof(p->peer);
        err = read_whole(t->tid, addr, p->peer, len);
        p->peer_len = err ? 0 : (uint32_t)len;
    }
    payload_mark(p, PAYLOAD_PEER, &p->peer_err, err);
}

/* The address accept or recvfrom wrote out: its length is in *len_ptr. */
static void capture_peer(struct task *t, uint64_t addr, uint64_t len_ptr)
{
    if (!addr || !len_ptr)
        return; /* the program asked for no address */
    int addrlen = 0;
    int err = read_whole(t->tid, len_ptr, &addrlen, sizeof(addrlen));
    if (!err && addrlen <= 0)
        err = EINVAL;
    capture_peer_at(t, addr, err ? 0 : (size_t)addrlen, err);
}

/* Where a recvmsg's message came from: msg_name, msg_namelen long (the
 * kernel sets the length; 0 when the socket has no addresses to give). */
static void capture_msg_name(struct task *t, uint64_t msghdr)
{
    struct msghdr m = {0};
    int err = read_whole(t->tid, msghdr, &m, sizeof(m));
    if (!err && (!m.msg_name || m.msg_namelen == 0))
        return; /* no address asked for, or none given */
    capture_peer_at(t, (uint64_t)(uintptr_t)m.msg_name, m.msg_namelen, err);
}

/* recvmmsg/sendmmsg return a message count; the bytes are in msg_len. */
static void capture_mmsg(struct task *t, uint64_t vec, int64_t count)
{
    struct mmsghdr msgs[64];
    uint64_t total = 0;
    while (count > 0) {
        size_t n = count > 64 ? 64 : (size_t)count;
        ssize_t got = tracee_read(t->tid, vec, msgs, n * sizeof(msgs[0]));
        if (got < (ssize_t)(n * sizeof(msgs[0])))
            break;
        for (size_t i = 0; i < n; i++)
            total += msgs[i].msg_len;
        vec += n * sizeof(msgs[0]);
        count -= (int64_t)n;
    }
    t->call.cap.mmsg_bytes = total;
    payload_mark(&t->call.cap, PAYLOAD_MMSG, NULL, count > 0 ? EFAULT : 0);
}

#define IO_URING_LINK "anon_inode:[io_uring]"

/* A ring's size and whether a kernel thread polls it, from its fdinfo. */
static void capture_ring(struct task *t, struct captured_fd *cf)
{
    char name[32], info[4096];
    snprintf(name, sizeof(name), "fdinfo/%d", cf->fd);
    size_t n = procfs_read(t->tid, name, info, sizeof(info) - 1);
    info[n] = '\0';
    unsigned mask = 0;
    int sq_thread = -1;
    const char *m = strstr(info, "SqMask:");
    if (m)
        sscanf(m + 7, "%x", &mask);
    const char *th = strstr(info, "SqThread:");
    if (th)
        sscanf(th + 9, "%d", &sq_thread);
    cf->ring_known = 1;
    cf->ring_entries = m ? (int)mask + 1 : 0;
    cf->ring_sqpoll = sq_thread >= 0;
}

static struct captured_fd *new_fd_slot(struct syscall_payloads *p, int fd)
{
    if (p->fd_count == PAYLOAD_FDS_MAX || payload_fd(p, fd))
        return NULL;
    struct captured_fd *cf = &p->fds[p->fd_count++];
    memset(cf, 0, sizeof(*cf));
    cf->fd = fd;
    return cf;
}

/* What fd is, read from /proc: the kernel's name for it now. */
static void capture_fd_now(struct task *t, int fd, bool ring)
{
    if (!fdtable_trackable(fd))
        return;
    struct captured_fd *cf = new_fd_slot(&t->call.cap, fd);
    if (!cf)
        return;
    cf->err = snapshot_read_fd(t->tid, fd, &cf->info);
    if (ring && !cf->err && strcmp(cf->info.path, IO_URING_LINK) == 0)
        capture_ring(t, cf);
}

/* An fd argument: described when the state has not met it; a ring the
 * state knows only by its name gets its fdinfo. */
static void capture_fd_arg(struct task *t, int fd, bool ring)
{
    if (fd < 0 || !t->fds)
        return;
    const struct ofd *known = fdtable_get(t->fds, fd);
    if (!known) {
        capture_fd_now(t, fd, ring);
        return;
    }
    if (ring && known->kind != CMP_FD_IO_URING && strcmp(known->path, IO_URING_LINK) == 0) {
        struct captured_fd *cf = new_fd_slot(&t->call.cap, fd);
        if (cf) {
            cf->err = ENOENT; /* no description: the state has its own */
            capture_ring(t, cf);
        }
    }
}

/* Whether the address accept wrote out names the peer: else the new
 * socket is described from /proc. */
static bool peer_decodes(const struct syscall_payloads *p)
{
    if (!payload_has(p, PAYLOAD_PEER))
        return false;
    struct sockaddr_storage ss;
    char text[160];
    int family = 0;
    memcpy(&ss, p->peer, p->peer_len);
    return decode_sockaddr(&ss, p->peer_len, text, sizeof(text), &family) > 0;
}

/* Argument i's slot in what a decoder shows, marked captured. */
static struct captured_arg *shown_slot(struct syscall_payloads *p, size_t i)
{
    struct captured_arg *a = &p->shown[i];
    p->shown_have |= 1u << i;
    a->err = 0;
    a->len = 0;
    a->value = 0;
    return a;
}

/* A string argument's first bytes: up to cap - 1, so that one more than a
 * decoder shows tells a string that fits from a longer one. */
static void show_string(struct task *t, size_t i, size_t cap)
{
    char text[PAYLOAD_SHOWN_MAX + 1];
    struct captured_arg *a = shown_slot(&t->call.cap, i);
    ssize_t n = tracee_read_string(t->tid, t->call.args[i], text, cap, NULL);
    if (n < 0) {
        a->err = (int32_t)-n;
        return;
    }
    a->len = (uint32_t)n;
    memcpy(a->bytes, text, (size_t)n);
}

/* A buffer's first bytes, of the size bytes it holds: fewer when the rest
 * cannot be read. */
static void show_buffer(struct task *t, size_t i, uint64_t size)
{
    struct captured_arg *a = shown_slot(&t->call.cap, i);
    size_t want = size < PAYLOAD_SHOWN_DATA ? (size_t)size : PAYLOAD_SHOWN_DATA;
    ssize_t n = want ? tracee_read(t->tid, t->call.args[i], a->bytes, want) : 0;
    if (n < 0)
        a->err = (int32_t)-n;
    else
        a->len = (uint32_t)n;
}

/* A socket address the kernel wrote out, with the length it stored at the
 * pointer in the next argument (value): the address's bytes, as many of
 * them as that length and the room allow. */
static void show_sockaddr_out(struct task *t, size_t i)
{
    struct captured_arg *a = shown_slot(&t->call.cap, i);
    uint32_t stored;
    ssize_t n = tracee_read(t->tid, t->call.args[i + 1], &stored, sizeof(stored));
    if (n != (ssize_t)sizeof(stored)) {
        a->err = n < 0 ? (int32_t)-n : EFAULT;
        return;
    }
    a->value = stored;
    size_t len = stored < PAYLOAD_ADDR_MAX ? stored : PAYLOAD_ADDR_MAX;
    n = tracee_read(t->tid, t->call.args[i], a->bytes, len);
    if (n < 0)
        a->err = (int32_t)-n;
    else
        a->len = (uint32_t)n;
}

/* The first size bytes of a struct an argument points to (fewer when the
 * rest cannot be read: the decoder then shows the pointer). */
static void show_struct(struct task *t, size_t i, size_t size)
{
    struct captured_arg *a = shown_slot(&t->call.cap, i);
    ssize_t n = tracee_read(t->tid, t->call.args[i], a->bytes, size);
    if (n < 0)
        a->err = (int32_t)-n;
    else
        a->len = (uint32_t)n;
}

/* Bytes of each argv string kept: one more than a decoder shows. */
#define ARGV_STRING_KEPT (PAYLOAD_SHOWN_DATA + 1)
/* An exec's arguments to look at, at most, as strace does. */
#define ARGV_MAX 4096

/* execve's argv (kind 'V'): the strings, NUL-separated, as many as the
 * room holds, each cut one byte past what is shown; value their count. An
 * envp (kind 'j'): only the count. */
static void show_string_array(struct task *t, size_t i, bool strings)
{
    struct captured_arg *a = shown_slot(&t->call.cap, i);
    uint64_t ptrs[64];
    uint64_t count = 0;
    for (;;) {
        ssize_t n = tracee_read(t->tid, t->call.args[i] + count * 8, ptrs, sizeof(ptrs));
        if (n < 8) {
            if (count == 0)
                a->err = n < 0 ? (int32_t)-n : EFAULT;
            break;
        }
        size_t got = (size_t)n / 8, k = 0;
        for (; k < got && ptrs[k] != 0; k++) {
            size_t room = PAYLOAD_SHOWN_MAX - a->len;
            if (strings && room > 1) {
                char text[ARGV_STRING_KEPT + 1];
                size_t cap = room < sizeof(text) ? room : sizeof(text);
                ssize_t len = tracee_read_string(t->tid, ptrs[k], text, cap, NULL);
                if (len >= 0 && (size_t)len < room) {
                    memcpy(a->bytes + a->len, text, (size_t)len);
                    a->bytes[a->len + (size_t)len] = '\0';
                    a->len += (uint32_t)len + 1;
                } else {
                    a->len = PAYLOAD_SHOWN_MAX; /* full: the rest is counted only */
                }
            }
        }
        count += k;
        if (k < got || count >= ARGV_MAX)
            break;
    }
    a->value = count;
}

/* An iovec array (kinds '8', '9'), as format_syscall reads it back: per
 * element its iov_len and the first bytes of its data (up to what is shown,
 * and of what the kernel filled, no more than the ret bytes left), as many
 * elements as the room holds; value the element count. */
static void append_iovecs(struct task *t, struct captured_arg *a, uint64_t addr, uint64_t count,
                          uint64_t limit)
{
    struct iovec_raw {
        uint64_t base, len;
    } iov[16];
    size_t want = count < 16 ? (size_t)count : 16;
    ssize_t n = want ? tracee_read(t->tid, addr, iov, want * sizeof(iov[0])) : 0;
    for (size_t k = 0; n > 0 && k < (size_t)n / sizeof(iov[0]); k++) {
        uint64_t data = iov[k].len < limit ? iov[k].len : limit;
        size_t kept = data < PAYLOAD_SHOWN_DATA ? (size_t)data : PAYLOAD_SHOWN_DATA;
        if (a->len + 8 + kept > PAYLOAD_SHOWN_MAX)
            break;
        memcpy(a->bytes + a->len, &iov[k].len, 8);
        ssize_t got = kept ? tracee_read(t->tid, iov[k].base, a->bytes + a->len + 8, kept) : 0;
        if (got != (ssize_t)kept)
            break;
        a->len += 8 + (uint32_t)kept;
        limit -= data;
    }
}

static void show_iovecs(struct task *t, size_t i, uint64_t count, uint64_t limit)
{
    struct captured_arg *a = shown_slot(&t->call.cap, i);
    a->value = count;
    append_iovecs(t, a, t->call.args[i], count, limit);
}

/* A struct msghdr (kinds '@', '&'): its name and control pointers, its
 * namelen, flags, iovlen and controllen (40 bytes, the order of
 * format_syscall's reading), then its iovecs as above. */
static void show_msghdr(struct task *t, size_t i, uint64_t limit)
{
    struct captured_arg *a = shown_slot(&t->call.cap, i);
    struct msghdr_raw {
        uint64_t name;
        uint32_t namelen, pad;
        uint64_t iov, iovlen, control, controllen;
        int32_t flags, pad2;
    } m;
    ssize_t n = tracee_read(t->tid, t->call.args[i], &m, sizeof(m));
    if (n != (ssize_t)sizeof(m)) {
        a->err = n < 0 ? (int32_t)-n : EFAULT;
        return;
    }
    uint64_t head[5] = {m.name, m.control, (uint64_t)m.namelen | (uint64_t)(uint32_t)m.flags << 32,
                        m.iovlen, m.controllen};
    memcpy(a->bytes, head, sizeof(head));
    a->len = sizeof(head);
    a->value = m.iovlen;
    append_iovecs(t, a, m.iov, m.iovlen, limit);
}

/* An offset the kernel moved (kind '>'): its new value after the one read
 * at entry, so that both show. */
static void show_offset_after(struct task *t, size_t i)
{
    struct captured_arg *a = &t->call.cap.shown[i];
    if (!(t->call.cap.shown_have & (1u << i)) || a->err || a->len != 8)
        return;
    if (tracee_read(t->tid, t->call.args[i], a->bytes + 8, 8) == 8)
        a->len = 16;
}

/* getdents' buffer (kind 'E'): the number of entries in the ret bytes. */
static void show_dirent_count(struct task *t, size_t i, int64_t ret)
{
    struct captured_arg *a = shown_slot(&t->call.cap, i);
    uint8_t buf[65536];
    size_t want = (size_t)ret < sizeof(buf) ? (size_t)ret : sizeof(buf);
    ssize_t n = want ? tracee_read(t->tid, t->call.args[i], buf, want) : 0;
    if (n < 0) {
        a->err = (int32_t)-n;
        return;
    }
    /* struct linux_dirent(64): d_reclen is at offset 16 in both. */
    uint64_t entries = 0;
    for (size_t at = 0; at + 18 <= (size_t)n;) {
        uint16_t reclen;
        memcpy(&reclen, buf + at + 16, sizeof(reclen));
        if (reclen == 0)
            break;
        entries++;
        at += reclen;
    }
    a->value = entries;
}

void capture_entry(struct task *t, unsigned want_bits)
{
    struct syscall_call *c = &t->call;
    c->path_len = c->path2_len = -1;
    c->path_err = 0;
    payloads_reset(&c->cap);
    bool decode = want_bits & CAPTURE_DECODED;
    bool shown = want_bits & CAPTURE_SHOWN;
    bool paths = want_bits & (CAPTURE_DECODED | CAPTURE_SHOWN | CAPTURE_RESOLVED);
    bool first_fd = decode; /* the hooks' fd_path: the first fd argument */
    const struct syscall_desc *desc = syscall_desc(c->nr);
    if (!desc || (!desc->capture && !want_bits))
        return;
    const char *cap = desc->capture ? desc->capture : "";
    const char *kinds = desc->args ? desc->args : "";
    size_t caps = strlen(cap), nkinds = strlen(kinds);
    int path_count = 0;
    for (size_t i = 0; i < 6 && (i < caps || i < nkinds); i++) {
        char want = i < caps ? cap[i] : '-';
        char kind = i < nkinds ? kinds[i] : '-';
        const uint64_t *a = c->args;
        if (kind == 'p' && (want == SYSCALL_CAPTURE_PATH || paths) && path_count < 2) {
            int err = 0;
            if (path_count == 0)
                c->path_len = read_path(t->tid, a[i], c->path, sizeof(c->path), &c->path_err);
            else
                c->path2_len = read_path(t->tid, a[i], c->path2, sizeof(c->path2), &err);
            /* A path the kernel refuses as too long still shows its start. */
            if (shown && (path_count == 0 ? c->path_err : err) == ENAMETOOLONG)
                show_string(t, i, PAYLOAD_SHOWN_MAX + 1);
        }
        if (kind == 'p')
            path_count++;
        if (want == SYSCALL_CAPTURE_FD || want == SYSCALL_CAPTURE_RING_FD ||
            (kind == 'd' && first_fd)) {
            capture_fd_arg(t, (int)a[i], want == SYSCALL_CAPTURE_RING_FD);
        }
        if (kind == 'd')
            first_fd = false;
        if ((want == SYSCALL_CAPTURE_SOCKADDR_IN || (kind == 'a' && (decode || shown))) &&
            i + 1 < 6)
            capture_sockaddr(t, a[i], a[i + 1]);
        if (shown && a[i] != 0 && kind == 's')
            show_string(t, i, PAYLOAD_SHOWN_DATA + 2);
        if (shown && a[i] != 0 && kind == 'b')
            show_buffer(t, i, i + 1 < 6 ? a[i + 1] : 0);
        if (shown && a[i] != 0 && (kind == 'V' || kind == 'j'))
            show_string_array(t, i, kind == 'V');
        if (shown && a[i] != 0 && kind == '8' && i + 1 < 6)
            show_iovecs(t, i, a[i + 1], UINT64_MAX);
        if (shown && a[i] != 0 && kind == '@')
            show_msghdr(t, i, UINT64_MAX);
        if (shown && a[i] != 0 && kind == ':' && i + 1 < 6)
            show_struct(t, i, a[i + 1] < PAYLOAD_SHOWN_MAX / 8 ? (size_t)a[i + 1] * 8 : 0);
        /* The room offered for an address the kernel stores, to show [in => out]. */
        if (shown && kind == 'A' && i + 1 < 6 && a[i + 1] != 0)
            show_struct(t, i + 1, sizeof(uint32_t));
        bool at_exit;
        size_t size = syscall_kind_shown(kind, &at_exit);
        if (shown && a[i] != 0 && size && !at_exit)
            show_struct(t, i, size);
        if (want == SYSCALL_CAPTURE_CLONE_ARGS) {
            int err = read_whole(t->tid, a[i], &c->cap.clone_flags, sizeof(c->cap.clone_flags));
            payload_mark(&c->cap, PAYLOAD_CLONE_ARGS, &c->cap.clone_args_err, err);
        }
        if (want == SYSCALL_CAPTURE_OPEN_HOW) {
            int err = read_whole(t->tid, a[i], &c->cap.open_flags, sizeof(c->cap.open_flags));
            payload_mark(&c->cap, PAYLOAD_OPEN_HOW, &c->cap.open_how_err, err);
        }
    }
}

/* The fds a call made, as the kernel names them now. */
static void capture_new_fds(struct task *t, int64_t ret)
{
    const struct syscall_payloads *p = &t->call.cap;
    if (payload_has(p, PAYLOAD_FD_PAIR)) {
        capture_fd_now(t, p->fd_pair[0], false);
        capture_fd_now(t, p->fd_pair[1], false);
    } else if (!peer_decodes(p)) {
        capture_fd_now(t, (int)ret, false);
    }
}

/* What the kernel wrote where the arguments point. */
static void capture_exit_args(struct task *t, const struct syscall_desc *desc, int64_t ret)
{
    struct syscall_call *c = &t->call;
    if (!desc->capture)
        return;
    struct syscall_payloads *p = &c->cap;
    const uint64_t *a = c->args;
    for (size_t i = 0; i < 6 && desc->capture[i]; i++) {
        switch (desc->capture[i]) {
        case SYSCALL_CAPTURE_SOCKADDR_OUT:
            if (i + 1 < 6)
                capture_peer(t, a[i], a[i + 1]);
            break;
        case SYSCALL_CAPTURE_FD_PAIR:
            payload_mark(p, PAYLOAD_FD_PAIR, &p->fd_pair_err,
                         read_whole(t->tid, a[i], p->fd_pair, sizeof(p->fd_pair)));
            break;
        case SYSCALL_CAPTURE_MMSG_VEC:
            if (ret > 0)
                capture_mmsg(t, a[i], ret);
            break;
        case SYSCALL_CAPTURE_MSG_NAME:
            if (ret >= 0)
                capture_msg_name(t, a[i]);
            break;
        case SYSCALL_CAPTURE_URING_PARAMS: {
            struct io_uring_params params;
            int err = read_whole(t->tid, a[i], &params, sizeof(params));
            p->uring_sq_entries = err ? 0 : params.sq_entries;
            p->uring_flags = err ? 0 : params.flags;
            payload_mark(p, PAYLOAD_URING, &p->uring_err, err);
            break;
        }
        default:
            break;
        }
    }
}

/* What the kernel wrote that a decoder shows: a buffer it filled (ret
 * bytes), a socket address it stored. Only for a call that succeeded. */
static void show_exit_args(struct task *t, const struct syscall_desc *desc, int64_t ret)
{
    const uint64_t *a = t->call.args;
    for (size_t i = 0; i < 6 && desc->args && desc->args[i]; i++) {
        if (a[i] == 0)
            continue;
        bool at_exit;
        size_t size = syscall_kind_shown(desc->args[i], &at_exit);
        if (size && at_exit && ret >= 0)
            show_struct(t, i, size);
        else if (desc->args[i] == '9' && ret >= 0 && i + 1 < 6)
            show_iovecs(t, i, a[i + 1], (uint64_t)ret);
        else if (desc->args[i] == ':' && ret >= 0 && i + 1 < 6)
            show_struct(t, i, a[i + 1] < PAYLOAD_SHOWN_MAX / 8 ? (size_t)a[i + 1] * 8 : 0);
        else if (desc->args[i] == '&' && ret >= 0)
            show_msghdr(t, i, (uint64_t)ret);
        else if (desc->args[i] == '>' && ret >= 0)
            show_offset_after(t, i);
        else if (desc->args[i] == 'E' && ret >= 0)
            show_dirent_count(t, i, ret);
        else if ((desc->args[i] == '4' || desc->args[i] == '5') && ret > 0)
            show_struct(t, i, (uint64_t)ret < PAYLOAD_SHOWN_MAX ? (size_t)ret : PAYLOAD_SHOWN_MAX);
        else if (desc->args[i] == 'B' && ret > 0)
            show_buffer(t, i, (uint64_t)ret);
        else if (desc->args[i] == 'A' && ret >= 0 && i + 1 < 6 && a[i + 1] != 0)
            show_sockaddr_out(t, i);
    }
}

/* realpath of PATH (its first len bytes) looked up from base, as
 * /proc/TID/{root,cwd,fd/N} lead the kernel's own lookup: 0 or errno. */
static int real_path(const char *base, const char *path, size_t len, char *out)
{
    char named[PATH_MAX + 80];
    int n = snprintf(named, sizeof(named), "%s/%.*s", base, (int)len, path);
    out[0] = '\0';
    if (n < 0 || (size_t)n >= sizeof(named))
        return ENAMETOOLONG;
    if (!realpath(named, out)) {
        out[0] = '\0';
        return errno;
    }
    return 0;
}

/* The directory part of path, as check.resolved splits it: all but its
 * last component, trailing slashes aside ("." when it has no slash, "/" at
 * the root). NULL for a path with no last component to leave out (empty,
 * "/", or one ending in "." or ".."): its directory is the whole path. */
static const char *directory_part(const char *path, size_t *len)
{
    size_t end = strlen(path);
    while (end > 0 && path[end - 1] == '/')
        end--;
    if (end == 0)
        return NULL;
    size_t slash = end;
    while (slash > 0 && path[slash - 1] != '/')
        slash--;
    const char *name = path + slash;
    size_t name_len = end - slash;
    if ((name_len == 1 && name[0] == '.') || (name_len == 2 && memcmp(name, "..", 2) == 0))
        return NULL;
    *len = 1;
    if (slash == 0)
        return ".";
    if (slash == 1)
        return "/";
    *len = slash - 1;
    return path;
}

/* One path argument as the tree resolves it now: through the task's root
 * for an absolute path, else its directory fd or working directory. */
static void resolve_path(pid_t tid, int dirfd, const char *path, struct resolved_path *out)
{
    out->dir[0] = out->full[0] = '\0';
    if (!path) {
        out->dir_err = out->full_err = EFAULT;
        return;
    }
    char base[64];
    if (path[0] == '/')
        snprintf(base, sizeof(base), "/proc/%d/root", (int)tid);
    else if (dirfd != AT_FDCWD)
        snprintf(base, sizeof(base), "/proc/%d/fd/%d", (int)tid, dirfd);
    else
        snprintf(base, sizeof(base), "/proc/%d/cwd", (int)tid);
    out->full_err = real_path(base, path, strlen(path), out->full);
    size_t len;
    const char *dir = directory_part(path, &len);
    if (dir) {
        out->dir_err = real_path(base, dir, len, out->dir);
    } else {
        out->dir_err = out->full_err;
        memcpy(out->dir, out->full, sizeof(out->dir));
    }
}

/* The path arguments (path, path2), each from the directory fd argument
 * before it if it has one. */
static void resolve_paths(struct task *t, const struct syscall_desc *desc)
{
    struct syscall_call *c = &t->call;
    const char *kinds = desc->args ? desc->args : "";
    int k = 0;
    for (size_t i = 0; i < 6 && kinds[i] && k < 2; i++) {
        if (kinds[i] != 'p')
            continue;
        int dirfd = i > 0 && kinds[i - 1] == 'D' ? (int)c->args[i - 1] : AT_FDCWD;
        const char *path =
            k == 0 ? (c->path_len >= 0 ? c->path : NULL) : (c->path2_len >= 0 ? c->path2 : NULL);
        resolve_path(t->tid, dirfd, path, &c->cap.resolved[k++]);
    }
    for (; k < 2; k++) { /* no such argument */
        c->cap.resolved[k].dir[0] = c->cap.resolved[k].full[0] = '\0';
        c->cap.resolved[k].dir_err = c->cap.resolved[k].full_err = EINVAL;
    }
    c->cap.have |= PAYLOAD_RESOLVED;
}

void capture_exit(struct task *t, int64_t ret, unsigned want)
{
    struct syscall_call *c = &t->call;
    const struct syscall_desc *desc = syscall_desc(c->nr);
    if (!desc)
        return;
    if (c->skip) /* an enter hook failed it: the kernel ran nothing */
        ret = c->ret_value;
    capture_exit_args(t, desc, ret);
    if ((desc->needs & SYSCALL_NEED_NEW_FD) && ret >= 0)
        capture_new_fds(t, ret);
    if ((desc->needs & SYSCALL_NEED_CWD) && ret == 0) {
        struct syscall_payloads *p = &c->cap;
        p->cwd_err = procfs_readlink_err(t->tid, "cwd", p->cwd, sizeof(p->cwd));
        if (p->cwd_err)
            p->cwd[0] = '\0';
        p->have |= PAYLOAD_CWD; /* an empty one is the kernel's answer, not a missing record */
    }
    if (want & CAPTURE_SHOWN)
        show_exit_args(t, desc, ret);
    if (want & CAPTURE_RESOLVED)
        resolve_paths(t, desc);
}

void capture_program(pid_t pid, pid_t tid, bool with_cwd, struct program_record *out)
{
    procfs_readlink(pid, "exe", out->exe, sizeof(out->exe));
    out->cwd_err = with_cwd ? procfs_readlink_err(tid, "cwd", out->cwd, sizeof(out->cwd)) : ENODATA;
    if (out->cwd_err)
        out->cwd[0] = '\0';
    /* All of them: the kernel bounds them, at a quarter of the stack limit. */
    out->argv = procfs_read_all(pid, "cmdline", &out->argv_len);
}

void capture_executed(pid_t pid, const struct syscall_call *c, struct program_record *out)
{
    out->executed[0] = '\0';
    bool at_cwd = c->nr != SYS_execveat || (int)c->args[0] == AT_FDCWD;
    if (c->path_len <= 0) { /* execveat(fd, "", AT_EMPTY_PATH): the file is the exe */
        if (c->path_len == 0 && c->nr == SYS_execveat)
            snprintf(out->executed, sizeof(out->executed), "%s", out->exe);
        return;
    }
    /* A path relative to another directory fd: that fd may be gone (close-
     * on-exec), so the file cannot be known here. */
    if (c->path[0] != '/' && !at_cwd)
        return;
    char named[PATH_MAX + 64], resolved[PATH_MAX];
    struct stat exe, file;
    if (!procfs_seen_path(pid, c->path, named, sizeof(named)) || stat(named, &file) != 0)
        return;
    /* A binary is the process's exe, which names the file mapped whatever
     * happened to the path since; a script (the exe is its interpreter) is
     * its path resolved now. */
    if (procfs_stat(pid, "exe", &exe) == 0 && exe.st_dev == file.st_dev &&
        exe.st_ino == file.st_ino) {
        snprintf(out->executed, sizeof(out->executed), "%s", out->exe);
        return;
    }
    if (realpath(named, resolved) && strlen(resolved) < sizeof(out->executed))
        snprintf(out->executed, sizeof(out->executed), "%s", resolved);
}

void program_release(struct program_record *p)
{
    free(p->argv);
    p->argv = NULL;
    p->argv_len = 0;
}

int capture_query_fd(pid_t pid, int fd, struct snapshot_fd *out)
{
    if (!fdtable_trackable(fd))
        return EBADF;
    return snapshot_read_fd(pid, fd, out);
}
