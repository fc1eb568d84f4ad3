/* The state fed synthetic syscall records for a pid no process has: every
 * payload comes from the record, so the state's answer cannot come from
 * reading a tracee. And the capture, run on this process's own memory,
 * fills the record as the syscall table's capture letters say. */
#include "state_feed.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture.h"
#include "fdtable.h"
#include "proctable.h"
#include "record.h"
#include "state.h"

/* No process has this pid (above the kernel's pid_max default). */
#define GHOST 999999

static struct task *ghost(pid_t tid)
{
    struct task *t = proctable_add(tid);
    struct program_record prog = feed_program("/bin/ghost", "/", "ghost\0", 6);
    state_track_root(t, NULL, &prog, 1);
    CHECK_STR(t->proc->exe, "/bin/ghost");
    CHECK_STR(t->proc->comm, "ghost");
    t->before_exec = false;
    return t;
}

/* A record as a source would hand it over: nr, args, no payload yet. */
static void begin(struct task *t, int32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    feed_begin(t, nr, a0, a1, a2, a3, 0, 0);
}

static void put_inet(uint8_t *buf, uint32_t *len, const char *ip, int port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, ip, &sin.sin_addr);
    memcpy(buf, &sin, sizeof(sin));
    *len = sizeof(sin);
}

static void test_sockets(void)
{
    struct task *t = ghost(GHOST);
    /* socketpair(AF_UNIX, SOCK_STREAM, 0, fds) = 0, fds {5, 6} */
    begin(t, SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0x1000);
    state_syscall_entry(t, 10);
    t->call.cap.fd_pair[0] = 5;
    t->call.cap.fd_pair[1] = 6;
    t->call.cap.have |= PAYLOAD_FD_PAIR;
    state_syscall_exit(t, 0, 20);
    for (int fd = 5; fd <= 6; fd++) {
        struct ofd *d = fdtable_get(t->fds, fd);
        CHECK(d != NULL);
        if (d) {
            CHECK_INT(d->kind, CMP_FD_SOCKET);
            CHECK_STR(d->sock_type, "unix");
        }
        CHECK(fdtable_cloexec(t->fds, fd));
    }

    /* socket(AF_INET, SOCK_STREAM) = 3; connect(3, 10.1.2.3:8080) = 0 */
    begin(t, SYS_socket, AF_INET, SOCK_STREAM, 0, 0);
    feed_call(t, 3);
    begin(t, SYS_connect, 3, 0x2000, sizeof(struct sockaddr_in), 0);
    put_inet(t->call.cap.sockaddr, &t->call.cap.sockaddr_len, "10.1.2.3", 8080);
    t->call.cap.have |= PAYLOAD_SOCKADDR;
    feed_call(t, 0);
    struct ofd *d = fdtable_get(t->fds, 3);
    CHECK(d && d->remote);
    if (d && d->remote)
        CHECK_STR(d->remote, "10.1.2.3:8080");
    CHECK_STR(t->call.sockaddr, "10.1.2.3:8080");

    /* accept4(3, &peer, &len, SOCK_CLOEXEC) = 7, peer 192.0.2.9:4000 */
    begin(t, SYS_accept4, 3, 0x3000, 0x3100, SOCK_CLOEXEC);
    state_syscall_entry(t, 10);
    put_inet(t->call.cap.peer, &t->call.cap.peer_len, "192.0.2.9", 4000);
    t->call.cap.have |= PAYLOAD_PEER;
    state_syscall_exit(t, 7, 20);
    d = fdtable_get(t->fds, 7);
    CHECK(d && d->remote);
    if (d && d->remote) {
        CHECK_STR(d->remote, "192.0.2.9:4000");
        CHECK_STR(d->sock_type, "tcp4");
    }
    CHECK(fdtable_cloexec(t->fds, 7));
}

static void test_open_how_and_io(void)
{
    struct task *t = ghost(GHOST - 1);
    /* openat2(AT_FDCWD, "out", {O_WRONLY|O_CREAT}) = 4: the flags only in the record */
    begin(t, 437, (uint64_t)AT_FDCWD, 0x1000, 0x2000, 24);
    snprintf(t->call.path, sizeof(t->call.path), "out");
    t->call.path_len = 3;
    t->call.cap.open_flags = O_WRONLY | O_CREAT;
    t->call.cap.have |= PAYLOAD_OPEN_HOW;
    feed_call(t, 4);
    struct ofd *d = fdtable_get(t->fds, 4);
    CHECK(d && d->writable);

    cmp_run_info before, after;
    state_totals(&before);
    /* sendmmsg(4, vec, 2) = 2 messages, 300 bytes between them */
    begin(t, SYS_sendmmsg, 4, 0x4000, 2, 0);
    state_syscall_entry(t, 10);
    t->call.cap.mmsg_bytes = 300;
    t->call.cap.have |= PAYLOAD_MMSG;
    state_syscall_exit(t, 2, 20);
    state_totals(&after);
    CHECK_INT(after.file_written_bytes - before.file_written_bytes, 300);

    /* io_uring_setup(8, params) = 9 */
    begin(t, SYS_io_uring_setup, 8, 0x5000, 0, 0);
    state_syscall_entry(t, 10);
    t->call.cap.uring_sq_entries = 8;
    t->call.cap.have |= PAYLOAD_URING;
    state_syscall_exit(t, 9, 20);
    state_totals(&after);
    CHECK_INT(after.io_urings - before.io_urings, 1);
    d = fdtable_get(t->fds, 9);
    CHECK(d && d->kind == CMP_FD_IO_URING);
}

static void test_clone3(void)
{
    struct task *t = ghost(GHOST - 2);
    /* clone3 of a thread: the flags are in the record's clone_args */
    begin(t, 435, 0x1000, 88, 0, 0);
    t->call.cap.clone_flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
    t->call.cap.have |= PAYLOAD_CLONE_ARGS;
    state_syscall_entry(t, 10);
    struct task *child = proctable_add(GHOST - 3);
    state_spawn(t, child, 15);
    CHECK(child->is_thread);
    CHECK_INT(child->pid, t->pid);
    CHECK(child->fds == t->fds);
    CHECK(child->mm == t->mm);
}

/* fds the state learns from the record only: an inherited one named by an
 * argument, the file an open resolved to, a pipe's ends, a ring whose setup
 * was not seen. */
static void test_fds_from_record(void)
{
    struct task *t = ghost(GHOST - 5);
    cmp_run_info before, after;
    state_totals(&before);
    /* write(1, ..., 5) = 5, fd 1 inherited: a pipe */
    begin(t, SYS_write, 1, 0x1000, 5, 0);
    feed_fd(t, 1, CMP_FD_PIPE, "pipe:[4242]", O_WRONLY);
    feed_call(t, 5);
    struct ofd *d = fdtable_get(t->fds, 1);
    CHECK(d != NULL);
    if (d) {
        CHECK_INT(d->kind, CMP_FD_PIPE);
        CHECK_STR(d->path, "pipe:[4242]");
    }
    state_totals(&after);
    CHECK_INT(after.file_written_bytes - before.file_written_bytes, 5);

    /* openat(AT_FDCWD, "link", O_RDONLY) = 3: the file is what the fd names */
    begin(t, SYS_openat, (uint64_t)AT_FDCWD, 0x1000, O_RDONLY, 0);
    snprintf(t->call.path, sizeof(t->call.path), "link");
    t->call.path_len = 4;
    state_syscall_entry(t, 10);
    feed_fd(t, 3, CMP_FD_FILE, "/data/real", O_RDONLY);
    state_syscall_exit(t, 3, 20);
    d = fdtable_get(t->fds, 3);
    CHECK(d && strcmp(d->path, "/data/real") == 0 && !d->writable);

    /* pipe2(fds, O_CLOEXEC) = 0, fds {4, 5} */
    begin(t, SYS_pipe2, 0x1000, O_CLOEXEC, 0, 0);
    state_syscall_entry(t, 10);
    t->call.cap.fd_pair[0] = 4;
    t->call.cap.fd_pair[1] = 5;
    t->call.cap.have |= PAYLOAD_FD_PAIR;
    feed_fd(t, 4, CMP_FD_PIPE, "pipe:[77]", O_RDONLY | O_CLOEXEC);
    feed_fd(t, 5, CMP_FD_PIPE, "pipe:[77]", O_WRONLY | O_CLOEXEC);
    state_syscall_exit(t, 0, 20);
    CHECK(fdtable_get(t->fds, 4) && fdtable_get(t->fds, 5));
    CHECK(fdtable_cloexec(t->fds, 5));
    d = fdtable_get(t->fds, 5);
    CHECK(d && d->writable);

    /* io_uring_enter(6, ...) on a ring set up before tracing */
    state_totals(&before);
    begin(t, SYS_io_uring_enter, 6, 1, 0, 0);
    feed_fd(t, 6, CMP_FD_OTHER, "anon_inode:[io_uring]", O_RDWR);
    t->call.cap.fds[0].ring_known = 1;
    t->call.cap.fds[0].ring_entries = 32;
    feed_call(t, 1);
    state_totals(&after);
    CHECK_INT(after.io_urings - before.io_urings, 1);
    d = fdtable_get(t->fds, 6);
    CHECK(d && d->kind == CMP_FD_IO_URING);

    /* an fd the source could not describe stays unknown */
    begin(t, SYS_dup, 9, 0, 0, 0);
    feed_call(t, 10);
    CHECK(fdtable_get(t->fds, 10) == NULL);
}

/* The working directory: the root's record, then chdir records as the
 * kernel named the new one, shared with CLONE_FS and copied without it. */
static void chdir_record(struct task *t, int32_t nr, const char *cwd)
{
    begin(t, nr, 0x1000, 0, 0, 0);
    state_syscall_entry(t, 10);
    snprintf(t->call.cap.cwd, sizeof(t->call.cap.cwd), "%s", cwd);
    t->call.cap.have |= PAYLOAD_CWD;
    state_syscall_exit(t, 0, 20);
}

static void test_cwd(void)
{
    struct task *t = ghost(GHOST - 6);
    CHECK_STR(t->fs->cwd, "/");
    chdir_record(t, SYS_chdir, "/real/dir");
    CHECK_STR(t->fs->cwd, "/real/dir");

    begin(t, SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD, 0, 0, 0);
    state_syscall_entry(t, 30);
    struct task *thread = proctable_add(GHOST - 7);
    state_spawn(t, thread, 35);
    begin(t, SYS_fork, 0, 0, 0, 0);
    state_syscall_entry(t, 40);
    struct task *child = proctable_add(GHOST - 8);
    state_spawn(t, child, 45);

    chdir_record(thread, SYS_fchdir, "/elsewhere");
    CHECK_STR(t->fs->cwd, "/elsewhere");
    CHECK_STR(child->fs->cwd, "/real/dir");

    /* a failed chdir changes nothing */
    begin(child, SYS_chdir, 0x1000, 0, 0, 0);
    state_syscall_entry(child, 70);
    state_syscall_exit(child, -2, 80);
    CHECK_STR(child->fs->cwd, "/real/dir");
}

/* An exec record: the program is the path argument made absolute against
 * the record's working directory; with none, the exe the record names. */
static void test_exec(void)
{
    struct task *t = ghost(GHOST - 4);
    begin(t, SYS_execve, 0x1000, 0x2000, 0x3000, 0);
    snprintf(t->call.path, sizeof(t->call.path), "bin/../tool");
    t->call.path_len = (int)strlen(t->call.path);
    state_syscall_entry(t, 10);
    struct program_record prog = feed_program("/usr/lib/tool", "/srv/app", "tool\0-v\0", 8);
    state_exec(t, &prog, 20);
    CHECK_STR(t->proc->exe, "/srv/app/tool");
    CHECK_INT(t->proc->argv_len, 8);
    CHECK(memcmp(t->proc->argv, "tool\0-v\0", 8) == 0);

    /* a working directory the kernel could not name: no guess */
    begin(t, SYS_execve, 0x1000, 0x2000, 0x3000, 0);
    snprintf(t->call.path, sizeof(t->call.path), "tool");
    t->call.path_len = 4;
    state_syscall_entry(t, 30);
    prog = feed_program("/usr/lib/tool", "", "tool\0", 5);
    prog.cwd_err = ENAMETOOLONG;
    state_exec(t, &prog, 40);
    CHECK_STR(t->proc->exe, "/usr/lib/tool");
}

/* The capture, on this process: what the table's letters name lands in the
 * record, and memory that cannot be read is marked missing. */
static void test_capture(void)
{
    struct task *t = proctable_add(getpid());
    static const char path[] = "/etc/hostname";
    begin(t, SYS_openat, (uint64_t)AT_FDCWD, (uint64_t)(uintptr_t)path, O_RDONLY, 0);
    capture_entry(t, 0);
    CHECK_INT(t->call.path_len, strlen(path));
    CHECK_STR(t->call.path, path);

    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(53)};
    begin(t, SYS_connect, 3, (uint64_t)(uintptr_t)&sin, sizeof(sin), 0);
    capture_entry(t, 0);
    CHECK(payload_has(&t->call.cap, PAYLOAD_SOCKADDR));
    CHECK_INT(t->call.cap.sockaddr_len, sizeof(sin));

    int fds[2] = {11, 12};
    begin(t, SYS_pipe2, (uint64_t)(uintptr_t)fds, 0, 0, 0);
    capture_entry(t, 0);
    capture_exit(t, 0, 0);
    CHECK(payload_has(&t->call.cap, PAYLOAD_FD_PAIR));
    CHECK_INT(t->call.cap.fd_pair[1], 12);

    uint64_t clone_args[11] = {CLONE_THREAD};
    begin(t, 435, (uint64_t)(uintptr_t)clone_args, sizeof(clone_args), 0, 0);
    capture_entry(t, 0);
    CHECK(payload_has(&t->call.cap, PAYLOAD_CLONE_ARGS));
    CHECK_INT(t->call.cap.clone_flags, CLONE_THREAD);

    /* an unmapped address: missing, with the reason */
    begin(t, SYS_pipe2, 0x10, 0, 0, 0);
    capture_entry(t, 0);
    capture_exit(t, 0, 0);
    CHECK(!payload_has(&t->call.cap, PAYLOAD_FD_PAIR));
    CHECK(t->call.cap.missing & PAYLOAD_FD_PAIR);
    CHECK(t->call.cap.fd_pair_err != 0);

    /* read has nothing to capture; a path of a syscall only the hooks decode
     * is taken when they want it */
    begin(t, SYS_readlink, (uint64_t)(uintptr_t)path, 0, 0, 0);
    capture_entry(t, 0);
    CHECK_INT(t->call.path_len, -1);
    capture_entry(t, CAPTURE_DECODED);
    CHECK_STR(t->call.path, path);
}

int main(void)
{
    state_init(0);
    test_sockets();
    test_open_how_and_io();
    test_clone3();
    test_exec();
    test_cwd();
    test_fds_from_record();
    test_capture();
    return check_finish();
}
