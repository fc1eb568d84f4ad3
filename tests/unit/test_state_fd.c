/* The state's fd tables, fed synthetic records: what dup, dup2, dup3,
 * fcntl, close, close_range and exec do to them, shared or copied across
 * clones, and what the events built from them say. */
#include "state_feed.h"

#include <arpa/inet.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>

#define SYS_CLOSE_RANGE 436

static void test_dup(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 1);
    seen_reset();
    feed_open(t, 3, "/data/a", O_RDONLY);
    const struct seen_event *e = seen_nth(CMP_EV_OPEN, 0);
    CHECK_INT(e->fd, 3);
    CHECK_INT(e->ret, 3);
    CHECK_STR(e->path, "/data/a");
    CHECK_STR(e->requested, "/data/a");
    CHECK_INT(e->writable, 0);

    /* dup(3) = 4: one description behind both, without close-on-exec */
    feed(t, 4, SYS_dup, 3, 0, 0, 0);
    CHECK(fd_of(t, 4) != NULL && fd_of(t, 4) == fd_of(t, 3));
    CHECK(!fdtable_cloexec(t->fds, 4));
    CHECK_INT(fdtable_count(t->fds), 2);

    /* a read through the copy is a read of the file, after the original is closed too */
    feed(t, 0, SYS_close, 3, 0, 0, 0);
    CHECK(fd_of(t, 3) == NULL);
    seen_reset();
    feed(t, 100, SYS_read, 4, 0x1000, 4096, 0);
    CHECK_INT(seen_count, 1);
    e = seen_nth(CMP_EV_READ, 0);
    CHECK_INT(e->fd, 4);
    CHECK_INT(e->bytes, 100);
    CHECK_STR(e->filename, "/data/a");
    CHECK_INT(e->target, CMP_TARGET_FILE);

    /* a failed dup changes nothing */
    feed(t, -EMFILE, SYS_dup, 4, 0, 0, 0);
    CHECK_INT(fdtable_count(t->fds), 1);
}

static void test_dup2_dup3(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 2);
    feed_open(t, 3, "/data/a", O_RDONLY);
    feed_open(t, 5, "/data/b", O_WRONLY | O_CREAT);
    CHECK(fd_of(t, 5) && fd_of(t, 5)->writable);

    /* dup2(3, 5) = 5: the open fd 5 is closed first, then names fd 3's file */
    feed(t, 5, SYS_dup2, 3, 5, 0, 0);
    CHECK(fd_of(t, 5) == fd_of(t, 3));
    CHECK_STR(path_of(t, 5), "/data/a");
    CHECK_INT(fdtable_count(t->fds), 2);
    seen_reset();
    feed(t, 7, SYS_write, 5, 0x1000, 7, 0);
    CHECK_STR(seen_nth(CMP_EV_WRITE, 0)->filename, "/data/a");
    CHECK_INT(seen_nth(CMP_EV_WRITE, 0)->fd, 5);

    /* dup2 never copies close-on-exec; dup2(fd, fd) changes nothing, not even it */
    feed(t, 0, SYS_fcntl, 3, F_SETFD, FD_CLOEXEC, 0);
    CHECK(fdtable_cloexec(t->fds, 3));
    feed(t, 6, SYS_dup2, 3, 6, 0, 0);
    CHECK(fd_of(t, 6) == fd_of(t, 3));
    CHECK(!fdtable_cloexec(t->fds, 6));
    feed(t, 3, SYS_dup2, 3, 3, 0, 0);
    CHECK(fdtable_cloexec(t->fds, 3));
    CHECK(fd_of(t, 3) != NULL);

    /* dup3 with O_CLOEXEC sets it on the new fd only; without, not */
    feed(t, 8, SYS_dup3, 6, 8, O_CLOEXEC, 0);
    CHECK(fd_of(t, 8) == fd_of(t, 3));
    CHECK(fdtable_cloexec(t->fds, 8));
    CHECK(!fdtable_cloexec(t->fds, 6));
    feed(t, 9, SYS_dup3, 6, 9, 0, 0);
    CHECK(fd_of(t, 9) == fd_of(t, 3));
    CHECK(!fdtable_cloexec(t->fds, 9));

    /* a failed dup2 leaves the target as it was */
    feed(t, -EBADF, SYS_dup2, 40, 9, 0, 0);
    CHECK(fd_of(t, 9) == fd_of(t, 3));
}

static void test_fcntl(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 3);
    feed_open(t, 3, "/data/c", O_RDWR);
    /* fcntl(3, F_DUPFD, 10) = 10; fcntl(3, F_DUPFD_CLOEXEC, 10) = 11 */
    feed(t, 10, SYS_fcntl, 3, F_DUPFD, 10, 0);
    feed(t, 11, SYS_fcntl, 3, F_DUPFD_CLOEXEC, 10, 0);
    CHECK(fd_of(t, 10) == fd_of(t, 3));
    CHECK(fd_of(t, 11) == fd_of(t, 3));
    CHECK(!fdtable_cloexec(t->fds, 10));
    CHECK(fdtable_cloexec(t->fds, 11));
    CHECK_INT(fdtable_count(t->fds), 3);

    /* F_SETFD both ways; F_GETFL and F_SETFL leave the table alone */
    feed(t, 0, SYS_fcntl, 11, F_SETFD, 0, 0);
    CHECK(!fdtable_cloexec(t->fds, 11));
    feed(t, 0, SYS_fcntl, 10, F_SETFD, FD_CLOEXEC, 0);
    CHECK(fdtable_cloexec(t->fds, 10));
    feed(t, O_RDWR, SYS_fcntl, 3, F_GETFL, 0, 0);
    feed(t, 0, SYS_fcntl, 3, F_SETFL, O_NONBLOCK, 0);
    CHECK_INT(fdtable_count(t->fds), 3);
    CHECK(!fdtable_cloexec(t->fds, 3));
}

/* An fd the state never met, duplicated: the record says what it is, or,
 * when it cannot, the target is no longer what the state knew it as. */
static void test_dup_of_unknown_fd(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 4);
    /* dup2(1, 12) = 12, fd 1 inherited: the record describes it */
    feed_begin(t, SYS_dup2, 1, 12, 0, 0, 0, 0);
    feed_fd(t, 1, CMP_FD_PIPE, "pipe:[4242]", O_WRONLY);
    feed_call(t, 12);
    CHECK_STR(path_of(t, 1), "pipe:[4242]");
    CHECK(fd_of(t, 12) == fd_of(t, 1));

    /* dup2(9, 4) = 4 over the open fd 4, fd 9 undescribed: fd 4 is closed
     * by the kernel, so its old file must not be reported for it any more */
    feed_open(t, 4, "/data/old", O_WRONLY);
    feed(t, 4, SYS_dup2, 9, 4, 0, 0);
    CHECK(fd_of(t, 4) == NULL);
    seen_reset();
    feed(t, 5, SYS_write, 4, 0x1000, 5, 0);
    CHECK_STR(seen_nth(CMP_EV_WRITE, 0)->filename, "");
    CHECK_INT(seen_nth(CMP_EV_WRITE, 0)->target, CMP_TARGET_OTHER);

    /* the same for dup3 and F_DUPFD onto what the state holds as open */
    feed_open(t, 4, "/data/old", O_WRONLY);
    feed(t, 4, SYS_dup3, 9, 4, O_CLOEXEC, 0);
    CHECK(fd_of(t, 4) == NULL);
    feed_open(t, 5, "/data/stale", O_RDONLY);
    feed(t, 5, SYS_fcntl, 9, F_DUPFD, 0, 0);
    CHECK(fd_of(t, 5) == NULL);
    feed_open(t, 6, "/data/stale", O_RDONLY);
    feed(t, 6, SYS_dup, 9, 0, 0, 0);
    CHECK(fd_of(t, 6) == NULL);
}

static void open_range(struct task *t, int first, int last)
{
    char path[32];
    for (int fd = first; fd <= last; fd++) {
        snprintf(path, sizeof(path), "/data/f%d", fd);
        feed_open(t, fd, path, O_RDONLY);
    }
}

static void test_close_range(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 5);
    open_range(t, 3, 8);
    /* close_range(4, 6, 0) */
    feed(t, 0, SYS_CLOSE_RANGE, 4, 6, 0, 0);
    for (int fd = 3; fd <= 8; fd++)
        CHECK_INT(fd_of(t, fd) != NULL, fd == 3 || fd >= 7);
    CHECK_INT(fdtable_count(t->fds), 3);

    /* close_range(7, ~0U, CLOSE_RANGE_CLOEXEC): marked, not closed, and
     * gone at the exec; fd 3 stays */
    feed(t, 0, SYS_CLOSE_RANGE, 7, ~0u, CLOSE_RANGE_CLOEXEC, 0);
    CHECK(fd_of(t, 7) && fd_of(t, 8));
    CHECK(fdtable_cloexec(t->fds, 7) && fdtable_cloexec(t->fds, 8));
    CHECK(!fdtable_cloexec(t->fds, 3));
    feed_exec(t, "/bin/next", "/bin/next");
    CHECK(fd_of(t, 7) == NULL && fd_of(t, 8) == NULL);
    CHECK_STR(path_of(t, 3), "/data/f3");

    /* a failed close_range closes nothing */
    feed(t, -EINVAL, SYS_CLOSE_RANGE, 3, 3, 0, 0);
    CHECK(fd_of(t, 3) != NULL);

    /* CLOSE_RANGE_UNSHARE: the caller's own copy of a shared table loses
     * the fds; the task it shared with keeps them */
    struct task *sharer = feed_clone(t, SYS_clone, CLONE_FILES | SIGCHLD, FEED_TID_BASE + 6);
    CHECK(sharer->fds == t->fds);
    feed(sharer, 0, SYS_CLOSE_RANGE, 3, ~0u, CLOSE_RANGE_UNSHARE, 0);
    CHECK(sharer->fds != t->fds);
    CHECK(fd_of(sharer, 3) == NULL);
    CHECK_STR(path_of(t, 3), "/data/f3");
}

/* exec drops every close-on-exec fd, however it got the flag, and keeps
 * the others with what they are. */
static void test_cloexec_at_exec(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 7);
    feed_open(t, 3, "/data/cloexec", O_RDONLY | O_CLOEXEC);
    feed_open(t, 4, "/data/kept", O_WRONLY);
    feed(t, 5, SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0);
    feed(t, 6, SYS_socket, AF_UNIX, SOCK_DGRAM, 0, 0);
    feed_open(t, 7, "/data/setfd", O_RDONLY);
    feed(t, 0, SYS_fcntl, 7, F_SETFD, FD_CLOEXEC, 0);
    feed(t, 8, SYS_fcntl, 4, F_DUPFD_CLOEXEC, 8, 0);
    CHECK_INT(fdtable_count(t->fds), 6);

    seen_reset();
    feed_exec(t, "/bin/tool", "/bin/tool");
    CHECK_INT(seen_of(CMP_EV_EXEC), 1);
    CHECK_STR(seen_nth(CMP_EV_EXEC, 0)->program, "/bin/tool");
    CHECK_INT(fdtable_count(t->fds), 2);
    CHECK_STR(path_of(t, 4), "/data/kept");
    CHECK(fd_of(t, 4) && fd_of(t, 4)->writable);
    CHECK(fd_of(t, 6) && fd_of(t, 6)->kind == CMP_FD_SOCKET);
    CHECK(fd_of(t, 6) && strcmp(fd_of(t, 6)->sock_type, "unix-dgram") == 0);
    const int dropped[] = {3, 5, 7, 8};
    for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
        CHECK(fd_of(t, dropped[i]) == NULL);
}

/* The call that made an fd asked for close-on-exec: the kernel set it,
 * also when the record has no flags of the fd's own (-1: its fdinfo could
 * not be read; a log does not have them). */
static void feed_new_fd(struct task *t, int32_t nr, uint64_t a0, uint64_t a1, uint64_t a3, int fd,
                        int kind, const char *path)
{
    feed_begin(t, nr, a0, a1, 0, a3, 0, 0);
    state_syscall_entry(t, 10);
    feed_fd(t, fd, kind, path, -1);
    state_syscall_exit(t, fd, 20);
}

static void test_cloexec_from_arguments(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 12);
    feed_begin(t, SYS_openat, (uint64_t)AT_FDCWD, 0x1000, O_RDONLY | O_CLOEXEC, 0, 0, 0);
    feed_path(t, "/data/x");
    state_syscall_entry(t, 10);
    feed_fd(t, 3, CMP_FD_FILE, "/data/x", -1);
    state_syscall_exit(t, 3, 20);

    feed_begin(t, 437, (uint64_t)AT_FDCWD, 0x1000, 0x2000, 24, 0, 0); /* openat2 */
    feed_path(t, "/data/y");
    t->call.cap.open_flags = O_WRONLY | O_CLOEXEC;
    t->call.cap.have |= PAYLOAD_OPEN_HOW;
    state_syscall_entry(t, 10);
    feed_fd(t, 4, CMP_FD_FILE, "/data/y", -1);
    state_syscall_exit(t, 4, 20);

    /* pipe2(fds, O_CLOEXEC) = 0, fds {5, 6}; pipe2(fds, 0) = 0, fds {12, 13} */
    for (int i = 0; i < 2; i++) {
        int r = i ? 12 : 5;
        feed_begin(t, SYS_pipe2, 0x1000, i ? 0 : O_CLOEXEC, 0, 0, 0, 0);
        state_syscall_entry(t, 10);
        t->call.cap.fd_pair[0] = r;
        t->call.cap.fd_pair[1] = r + 1;
        t->call.cap.have |= PAYLOAD_FD_PAIR;
        feed_fd(t, r, CMP_FD_PIPE, "pipe:[5]", -1);
        feed_fd(t, r + 1, CMP_FD_PIPE, "pipe:[5]", -1);
        state_syscall_exit(t, 0, 20);
    }
    feed_new_fd(t, SYS_eventfd2, 0, EFD_CLOEXEC, 0, 7, CMP_FD_EVENTFD, "anon_inode:[eventfd]");
    feed_new_fd(t, SYS_memfd_create, 0x1000, MFD_CLOEXEC, 0, 8, CMP_FD_MEMFD, "/memfd:m");
    feed_new_fd(t, SYS_epoll_create1, EPOLL_CLOEXEC, 0, 0, 9, CMP_FD_EPOLL,
                "anon_inode:[eventpoll]");
    feed_new_fd(t, 434, 1, 0, 0, 10, CMP_FD_OTHER, "anon_inode:[pidfd]"); /* pidfd_open */
    feed_new_fd(t, SYS_timerfd_create, CLOCK_MONOTONIC, TFD_CLOEXEC, 0, 14, CMP_FD_TIMERFD,
                "anon_inode:[timerfd]");
    feed_new_fd(t, SYS_inotify_init1, IN_CLOEXEC, 0, 0, 15, CMP_FD_OTHER, "anon_inode:inotify");
    feed_new_fd(t, SYS_signalfd4, (uint64_t)-1, 0x1000, SFD_CLOEXEC, 16, CMP_FD_SIGNALFD,
                "anon_inode:[signalfd]");
    /* and without: what the record says (nothing) is all there is */
    feed_new_fd(t, SYS_openat, (uint64_t)AT_FDCWD, 0x1000, 0, 11, CMP_FD_FILE, "/data/z");
    feed_new_fd(t, SYS_eventfd2, 0, 0, 0, 17, CMP_FD_EVENTFD, "anon_inode:[eventfd]");
    feed_new_fd(t, SYS_memfd_create, 0x1000, 0, 0, 18, CMP_FD_MEMFD, "/memfd:n");

    const int closing[] = {3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16};
    const int kept[] = {11, 12, 13, 17, 18};
    for (size_t i = 0; i < sizeof(closing) / sizeof(closing[0]); i++) {
        CHECK(fd_of(t, closing[i]) != NULL);
        CHECK(fdtable_cloexec(t->fds, closing[i]));
    }
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        CHECK(!fdtable_cloexec(t->fds, kept[i]));
    feed_exec(t, "/bin/next", "/bin/next");
    for (size_t i = 0; i < sizeof(closing) / sizeof(closing[0]); i++)
        CHECK(fd_of(t, closing[i]) == NULL);
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        CHECK(fd_of(t, kept[i]) != NULL);
}

/* CLONE_FILES shares one table: a close or an open in one task is seen in
 * the other. Without it the child has a copy: neither sees the other's. */
static void test_clone_files_and_fork(void)
{
    struct task *p = feed_root(FEED_TID_BASE + 8);
    feed_open(p, 3, "/data/shared", O_RDONLY);
    feed_open(p, 4, "/data/both", O_RDONLY | O_CLOEXEC);

    struct task *sharer = feed_clone(p, SYS_clone, CLONE_FILES | SIGCHLD, FEED_TID_BASE + 9);
    CHECK(!sharer->is_thread);
    feed(sharer, 0, SYS_close, 3, 0, 0, 0);
    CHECK(fd_of(p, 3) == NULL);
    feed_open(sharer, 5, "/data/by-sharer", O_WRONLY);
    CHECK_STR(path_of(p, 5), "/data/by-sharer");
    feed(p, 6, SYS_dup, 5, 0, 0, 0);
    CHECK_STR(path_of(sharer, 6), "/data/by-sharer");

    struct task *forked = feed_clone(p, SYS_fork, 0, FEED_TID_BASE + 10);
    CHECK(forked->fds != p->fds);
    CHECK_INT(fdtable_count(forked->fds), fdtable_count(p->fds));
    /* the copy shares the descriptions (a file offset), not the table */
    CHECK(fd_of(forked, 5) == fd_of(p, 5));
    CHECK(fdtable_cloexec(forked->fds, 4));
    feed(forked, 0, SYS_close, 5, 0, 0, 0);
    CHECK_STR(path_of(p, 5), "/data/by-sharer");
    feed_open(p, 7, "/data/after-fork", O_RDONLY);
    CHECK(fd_of(forked, 7) == NULL);

    /* an exec unshares: the execer drops its close-on-exec fds, the task it
     * shared with keeps them */
    feed_exec(sharer, "/bin/other", "/bin/other");
    CHECK(sharer->fds != p->fds);
    CHECK(fd_of(sharer, 4) == NULL);
    CHECK_STR(path_of(p, 4), "/data/both");
    feed(p, 0, SYS_close, 7, 0, 0, 0);
    CHECK(fd_of(p, 7) == NULL);
    CHECK_STR(path_of(sharer, 7), "/data/after-fork");
}

/* What I/O events and totals say comes from the fd's description: a pipe,
 * an inet socket (network bytes), a unix socket (neither file nor network). */
static void test_io_by_kind(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 11);
    feed_begin(t, SYS_pipe2, 0x1000, 0, 0, 0, 0, 0);
    state_syscall_entry(t, 10);
    t->call.cap.fd_pair[0] = 3;
    t->call.cap.fd_pair[1] = 4;
    t->call.cap.have |= PAYLOAD_FD_PAIR;
    feed_fd(t, 3, CMP_FD_PIPE, "pipe:[77]", O_RDONLY);
    feed_fd(t, 4, CMP_FD_PIPE, "pipe:[77]", O_WRONLY);
    state_syscall_exit(t, 0, 20);
    feed(t, 5, SYS_socket, AF_INET, SOCK_STREAM, 0, 0);
    feed(t, 6, SYS_socket, AF_UNIX, SOCK_STREAM, 0, 0);

    cmp_run_info before, after;
    state_totals(&before);
    seen_reset();
    feed(t, 10, SYS_write, 4, 0x1000, 10, 0);
    feed(t, 20, SYS_sendto, 5, 0x1000, 20, 0);
    feed(t, 30, SYS_write, 6, 0x1000, 30, 0);
    feed(t, 40, SYS_recvfrom, 5, 0x1000, 100, 0);
    feed(t, -EAGAIN, SYS_read, 3, 0x1000, 100, 0);
    state_totals(&after);

    CHECK_INT(seen_count, 4);
    const struct seen_event *e = seen_nth(CMP_EV_WRITE, 0);
    CHECK_INT(e->fd, 4);
    CHECK_INT(e->bytes, 10);
    CHECK_STR(e->filename, "pipe:[77]");
    CHECK_INT(e->target, CMP_TARGET_PIPE);
    e = seen_nth(CMP_EV_SEND, 0);
    CHECK_INT(e->fd, 5);
    CHECK_INT(e->bytes, 20);
    CHECK_STR(e->sock_type, "tcp4");
    e = seen_nth(CMP_EV_SEND, 1);
    CHECK_INT(e->fd, 6);
    CHECK_STR(e->sock_type, "unix");
    e = seen_nth(CMP_EV_RECV, 0);
    CHECK_INT(e->bytes, 40);
    CHECK_INT(after.file_written_bytes - before.file_written_bytes, 10);
    CHECK_INT(after.file_read_bytes - before.file_read_bytes, 0);
    CHECK_INT(after.net_sent_bytes - before.net_sent_bytes, 20);
    CHECK_INT(after.net_recv_bytes - before.net_recv_bytes, 40);

    /* A peek leaves the bytes queued: only the read that takes them receives. */
    state_totals(&before);
    seen_reset();
    feed(t, 40, SYS_recvfrom, 5, 0x1000, 100, MSG_PEEK);
    feed(t, 40, SYS_recvmsg, 5, 0x1000, MSG_PEEK | MSG_DONTWAIT, 0);
    t->call.cap.mmsg_bytes = 40;
    feed(t, 1, SYS_recvmmsg, 5, 0x1000, 1, MSG_PEEK);
    feed(t, 40, SYS_recvmsg, 5, 0x1000, MSG_DONTWAIT, 0);
    state_totals(&after);
    CHECK_INT(seen_count, 1);
    CHECK_INT(seen_nth(CMP_EV_RECV, 0)->bytes, 40);
    CHECK_INT(after.net_recv_bytes - before.net_recv_bytes, 40);
}

/* connect: the event says what was asked and how it ended; only a
 * connection made gives the socket its peer. */
static void feed_connect(struct task *t, int fd, const char *ip, int port, int64_t ret)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, ip, &sin.sin_addr);
    feed_begin(t, SYS_connect, (uint64_t)fd, 0x1000, sizeof(sin), 0, 0, 0);
    memcpy(t->call.cap.sockaddr, &sin, sizeof(sin));
    t->call.cap.sockaddr_len = sizeof(sin);
    t->call.cap.have |= PAYLOAD_SOCKADDR;
    feed_call(t, ret);
}

static void test_connect(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 13);
    feed(t, 3, SYS_socket, AF_INET, SOCK_STREAM, 0, 0);
    seen_reset();
    feed_connect(t, 3, "192.0.2.1", 80, -ECONNREFUSED);
    const struct seen_event *e = seen_nth(CMP_EV_CONNECT, 0);
    CHECK_INT(e->fd, 3);
    CHECK_INT(e->ret, -ECONNREFUSED);
    CHECK_STR(e->error, "ECONNREFUSED");
    CHECK_STR(e->sock_type, "tcp4");
    CHECK_STR(e->remote_addr, "192.0.2.1:80");
    CHECK(fd_of(t, 3) && fd_of(t, 3)->remote == NULL);

    seen_reset();
    feed_connect(t, 3, "192.0.2.2", 443, -EINPROGRESS);
    CHECK_STR(seen_nth(CMP_EV_CONNECT, 0)->error, "EINPROGRESS");
    feed(t, 9, SYS_write, 3, 0x1000, 9, 0);
    e = seen_nth(CMP_EV_SEND, 0);
    CHECK_STR(e->remote_addr, "192.0.2.2:443");
    CHECK_INT(e->bytes, 9);
}

int main(void)
{
    feed_init();
    test_dup();
    test_dup2_dup3();
    test_fcntl();
    test_dup_of_unknown_fd();
    test_close_range();
    test_cloexec_at_exec();
    test_cloexec_from_arguments();
    test_clone_files_and_fork();
    test_io_by_kind();
    test_connect();
    return check_finish();
}
