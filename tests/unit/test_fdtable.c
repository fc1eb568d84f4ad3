#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "fdtable.h"
#include "snapshot.h"

static void test_install_get_close(void)
{
    struct fdtable *t = fdtable_new();
    CHECK_INT(fdtable_count(t), 0);
    CHECK(fdtable_get(t, 3) == NULL);
    CHECK(fdtable_get(t, -1) == NULL);

    struct ofd *d = fdtable_install(t, 3, CMP_FD_FILE, "/etc/hosts", false);
    d->writable = true;
    CHECK(fdtable_get(t, 3) == d);
    CHECK_INT(d->refs, 1);
    CHECK_INT(d->kind, CMP_FD_FILE);
    CHECK_STR(d->path, "/etc/hosts");
    CHECK(d->remote == NULL);
    CHECK_STR(d->sock_type, "");
    CHECK(!fdtable_cloexec(t, 3));
    CHECK_INT(fdtable_count(t), 1);

    /* A NULL path reads as "", and fds far apart both fit. */
    d = fdtable_install(t, 700, CMP_FD_PIPE, NULL, true);
    CHECK_STR(fdtable_get(t, 700)->path, "");
    CHECK(fdtable_cloexec(t, 700));
    CHECK_INT(fdtable_count(t), 2);

    /* Installing over an open fd replaces its description. */
    d = fdtable_install(t, 3, CMP_FD_DIR, "/etc", false);
    CHECK_STR(fdtable_get(t, 3)->path, "/etc");
    CHECK_INT(fdtable_count(t), 2);

    ofd_set_path(d, "/usr");
    CHECK_STR(fdtable_get(t, 3)->path, "/usr");
    ofd_set_remote(d, "10.0.0.1:53");
    CHECK_STR(d->remote, "10.0.0.1:53");
    ofd_set_remote(d, NULL);
    CHECK(d->remote == NULL);

    fdtable_close(t, 3);
    CHECK(fdtable_get(t, 3) == NULL);
    CHECK(!fdtable_cloexec(t, 3));
    CHECK_INT(fdtable_count(t), 1);
    fdtable_close(t, 3);
    fdtable_close(t, 99999);
    CHECK_INT(fdtable_count(t), 1);

    /* Absurd fds get a description to fill in that no fd reaches. */
    d = fdtable_install(t, (1 << 20) + 1, CMP_FD_FILE, "/x", false);
    CHECK(d != NULL);
    d->writable = true;
    CHECK(fdtable_get(t, (1 << 20) + 1) == NULL);
    d = fdtable_install(t, -5, CMP_FD_FILE, "/y", false);
    CHECK(d != NULL);
    CHECK(fdtable_get(t, -5) == NULL);
    CHECK_INT(fdtable_count(t), 1);
    CHECK(!fdtable_dup(t, 700, (1 << 20) + 1, false));

    /* The highest tracked fd. */
    fdtable_install(t, 1 << 20, CMP_FD_FILE, "/z", false);
    CHECK_STR(fdtable_get(t, 1 << 20)->path, "/z");
    CHECK_INT(fdtable_count(t), 2);
    fdtable_unref(t);
}

static void test_dup_shares_description(void)
{
    struct fdtable *t = fdtable_new();
    struct ofd *d = fdtable_install(t, 3, CMP_FD_SOCKET, "socket", false);
    CHECK(fdtable_dup(t, 3, 4, false));
    CHECK(fdtable_get(t, 4) == d);
    CHECK_INT(d->refs, 2);
    CHECK_INT(fdtable_count(t), 2);

    ofd_set_remote(fdtable_get(t, 3), "127.0.0.1:8000");
    CHECK_STR(fdtable_get(t, 4)->remote, "127.0.0.1:8000");

    fdtable_close(t, 3);
    CHECK_INT(d->refs, 1);
    CHECK_STR(fdtable_get(t, 4)->remote, "127.0.0.1:8000");

    CHECK(!fdtable_dup(t, 3, 5, false));
    CHECK(fdtable_get(t, 5) == NULL);

    /* dup2 onto itself changes nothing. */
    CHECK(fdtable_dup(t, 4, 4, true));
    CHECK_INT(d->refs, 1);
    CHECK(!fdtable_cloexec(t, 4));
    fdtable_unref(t);
}

static void test_dup2_over_open_fd(void)
{
    struct fdtable *t = fdtable_new();
    struct ofd *a = fdtable_install(t, 5, CMP_FD_FILE, "/a", false);
    struct ofd *b = fdtable_install(t, 6, CMP_FD_FILE, "/b", false);
    CHECK(fdtable_dup(t, 6, 7, false));
    CHECK_INT(b->refs, 2);

    CHECK(fdtable_dup(t, 5, 6, false));
    CHECK(fdtable_get(t, 6) == a);
    CHECK_STR(fdtable_get(t, 6)->path, "/a");
    CHECK_INT(a->refs, 2);
    CHECK_INT(b->refs, 1);
    CHECK_STR(fdtable_get(t, 7)->path, "/b");
    CHECK_INT(fdtable_count(t), 3);

    /* Redirecting onto an fd already sharing the description. */
    CHECK(fdtable_dup(t, 5, 6, false));
    CHECK_INT(a->refs, 2);
    fdtable_unref(t);
}

static void test_cloexec(void)
{
    struct fdtable *t = fdtable_new();
    fdtable_install(t, 3, CMP_FD_FILE, "/a", true);
    CHECK(fdtable_cloexec(t, 3));

    /* dup3(O_CLOEXEC) and F_DUPFD_CLOEXEC set the flag on the new fd ... */
    CHECK(fdtable_dup(t, 3, 7, true));
    CHECK(fdtable_cloexec(t, 7));
    /* ... while dup/dup2/F_DUPFD clear it: it belongs to the fd, not the description. */
    CHECK(fdtable_dup(t, 3, 8, false));
    CHECK(!fdtable_cloexec(t, 8));
    CHECK(fdtable_cloexec(t, 3));

    fdtable_set_cloexec(t, 3, false);
    CHECK(!fdtable_cloexec(t, 3));
    CHECK(fdtable_cloexec(t, 7));
    fdtable_set_cloexec(t, 8, true);
    CHECK(fdtable_cloexec(t, 8));
    fdtable_set_cloexec(t, 9, true); /* not open: ignored */
    CHECK(!fdtable_cloexec(t, 9));
    CHECK(fdtable_get(t, 9) == NULL);

    /* A closed fd forgets its flag. */
    fdtable_close(t, 8);
    CHECK(fdtable_dup(t, 3, 8, false));
    CHECK(!fdtable_cloexec(t, 8));
    fdtable_unref(t);
}

static void test_exec(void)
{
    struct fdtable *t = fdtable_new();
    for (int fd = 0; fd < 3; fd++)
        fdtable_install(t, fd, CMP_FD_FILE, "/dev/pts/0", false);
    fdtable_install(t, 3, CMP_FD_FILE, "/kept", true);
    fdtable_dup(t, 3, 4, false);
    fdtable_install(t, 5, CMP_FD_PIPE, "pipe:[1]", true);
    fdtable_install(t, 200, CMP_FD_SOCKET, "socket", true);
    CHECK_INT(fdtable_count(t), 7);

    fdtable_exec(t);
    CHECK_INT(fdtable_count(t), 4);
    for (int fd = 0; fd < 3; fd++)
        CHECK(fdtable_get(t, fd) != NULL);
    CHECK(fdtable_get(t, 3) == NULL);
    CHECK_STR(fdtable_get(t, 4) ? fdtable_get(t, 4)->path : NULL, "/kept");
    CHECK_INT(fdtable_get(t, 4) ? fdtable_get(t, 4)->refs : 0, 1);
    CHECK(fdtable_get(t, 5) == NULL);
    CHECK(fdtable_get(t, 200) == NULL);
    fdtable_unref(t);
}

static void test_close_range(void)
{
    struct fdtable *t = fdtable_new();
    for (int fd = 0; fd < 10; fd++)
        fdtable_install(t, fd, CMP_FD_FILE, "/f", false);

    fdtable_close_range(t, 3, 6, 0);
    CHECK_INT(fdtable_count(t), 6);
    CHECK(fdtable_get(t, 2) != NULL);
    CHECK(fdtable_get(t, 3) == NULL);
    CHECK(fdtable_get(t, 6) == NULL);
    CHECK(fdtable_get(t, 7) != NULL);

    /* ~0U as the end: everything from 8 up. */
    fdtable_close_range(t, 8, ~0U, 0);
    CHECK_INT(fdtable_count(t), 4);
    CHECK(fdtable_get(t, 7) != NULL);
    CHECK(fdtable_get(t, 8) == NULL);
    CHECK(fdtable_get(t, 9) == NULL);

    fdtable_close_range(t, 0, 1, CLOSE_RANGE_CLOEXEC);
    CHECK_INT(fdtable_count(t), 4);
    CHECK(fdtable_cloexec(t, 0));
    CHECK(fdtable_cloexec(t, 1));
    CHECK(!fdtable_cloexec(t, 2));
    CHECK(fdtable_get(t, 3) == NULL); /* marking does not open anything */

    fdtable_close_range(t, 5, 2, 0); /* first > last: nothing */
    fdtable_close_range(t, 5000, ~0U, 0);
    CHECK_INT(fdtable_count(t), 4);

    fdtable_exec(t);
    CHECK_INT(fdtable_count(t), 2);
    CHECK(fdtable_get(t, 2) != NULL);
    CHECK(fdtable_get(t, 7) != NULL);
    fdtable_unref(t);
}

static void test_clone(void)
{
    struct fdtable *parent = fdtable_new();
    struct ofd *d = fdtable_install(parent, 3, CMP_FD_SOCKET, "socket", false);
    fdtable_install(parent, 4, CMP_FD_FILE, "/f", true);

    struct fdtable *child = fdtable_clone(parent);
    CHECK(child != parent);
    CHECK_INT(fdtable_count(child), 2);
    CHECK(fdtable_get(child, 3) == d);
    CHECK_INT(d->refs, 2);
    CHECK(fdtable_cloexec(child, 4));

    /* The description is shared: a connect in the child shows in the parent. */
    ofd_set_remote(fdtable_get(child, 3), "[::1]:8080");
    CHECK_STR(d->remote, "[::1]:8080");

    /* The tables are not. */
    fdtable_close(child, 3);
    CHECK(fdtable_get(parent, 3) == d);
    CHECK_INT(d->refs, 1);
    fdtable_install(parent, 5, CMP_FD_PIPE, "pipe:[2]", false);
    CHECK(fdtable_get(child, 5) == NULL);
    fdtable_set_cloexec(child, 4, false);
    CHECK(fdtable_cloexec(parent, 4));
    CHECK_INT(fdtable_count(parent), 3);
    CHECK_INT(fdtable_count(child), 1);

    fdtable_unref(parent);
    CHECK_STR(fdtable_get(child, 4)->path, "/f");
    fdtable_unref(child);

    struct fdtable *empty = fdtable_new();
    struct fdtable *empty_copy = fdtable_clone(empty);
    CHECK_INT(fdtable_count(empty_copy), 0);
    fdtable_install(empty_copy, 0, CMP_FD_FILE, "/f", false);
    CHECK_INT(fdtable_count(empty), 0);
    fdtable_unref(empty_copy);
    fdtable_unref(empty);
}

static void test_shared_table(void)
{
    struct fdtable *t = fdtable_new();
    struct fdtable *thread = fdtable_ref(t); /* CLONE_FILES */
    CHECK(thread == t);
    fdtable_install(thread, 3, CMP_FD_FILE, "/f", false);
    CHECK_STR(fdtable_get(t, 3)->path, "/f");
    fdtable_close(t, 3);
    CHECK(fdtable_get(thread, 3) == NULL);
    fdtable_install(t, 4, CMP_FD_FILE, "/g", false);
    fdtable_unref(thread);
    CHECK_STR(fdtable_get(t, 4)->path, "/g");
    CHECK_INT(fdtable_count(t), 1);
    fdtable_unref(t);
    fdtable_unref(NULL);
}

/* ---- probing this process's own fds ------------------------------------------ */

/* What a source does for an fd the state has not met: reads it from /proc
 * and hands it over to be installed. */
static struct ofd *probe(struct fdtable *t, int fd)
{
    struct snapshot_fd s;
    if (snapshot_read_fd(getpid(), fd, &s) != 0)
        return NULL;
    struct ofd *d = fdtable_apply_fd(t, &s);
    snapshot_fd_free(&s);
    return d;
}

static const char *inode_text(const char *prefix, int fd)
{
    static char text[64];
    struct stat st;
    fstat(fd, &st);
    snprintf(text, sizeof(text), "%s:[%llu]", prefix, (unsigned long long)st.st_ino);
    return text;
}

static void test_probe_files(struct fdtable *t)
{
    char name[] = "/tmp/compendium-fdtable-XXXXXX";
    int rw = mkostemp(name, O_CLOEXEC);
    CHECK(rw >= 0);
    char real[PATH_MAX];
    CHECK(realpath(name, real) != NULL);
    int ro = open(name, O_RDONLY);

    struct ofd *d = probe(t, rw);
    CHECK_INT(d ? d->kind : -1, CMP_FD_FILE);
    CHECK_STR(d ? d->path : NULL, real);
    CHECK(d && d->writable);
    CHECK(fdtable_cloexec(t, rw));
    CHECK(fdtable_get(t, rw) == d);

    d = probe(t, ro);
    CHECK_INT(d ? d->kind : -1, CMP_FD_FILE);
    CHECK_STR(d ? d->path : NULL, real);
    CHECK(d && !d->writable);
    CHECK(!fdtable_cloexec(t, ro));

    int dir = open("/", O_RDONLY | O_DIRECTORY);
    d = probe(t, dir);
    CHECK_INT(d ? d->kind : -1, CMP_FD_DIR);
    CHECK_STR(d ? d->path : NULL, "/");

    int memfd = memfd_create("compendium test", MFD_CLOEXEC);
    d = probe(t, memfd);
    CHECK_INT(d ? d->kind : -1, CMP_FD_MEMFD);
    CHECK_STR(d ? d->path : NULL, "memfd:compendium test");
    CHECK(d && d->writable);
    CHECK(fdtable_cloexec(t, memfd));

    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    d = probe(t, pipe_fds[0]);
    CHECK_INT(d ? d->kind : -1, CMP_FD_PIPE);
    CHECK_STR(d ? d->path : NULL, inode_text("pipe", pipe_fds[0]));
    CHECK(d && !d->writable);
    d = probe(t, pipe_fds[1]);
    CHECK_INT(d ? d->kind : -1, CMP_FD_PIPE);
    CHECK(d && d->writable);

    /* Gone from the process, gone from the probe. */
    close(ro);
    CHECK(probe(t, ro) == NULL);
    CHECK(probe(t, -1) == NULL);
    CHECK(probe(t, (1 << 20) + 1) == NULL);

    unlink(name);
    close(rw);
    close(dir);
    close(memfd);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

static void test_probe_anon_inodes(struct fdtable *t)
{
    sigset_t mask;
    sigemptyset(&mask);
    struct {
        int fd;
        int kind;
        const char *path;
    } cases[] = {
        {eventfd(0, EFD_CLOEXEC), CMP_FD_EVENTFD, "anon_inode:[eventfd]"},
        {timerfd_create(CLOCK_MONOTONIC, 0), CMP_FD_TIMERFD, "anon_inode:[timerfd]"},
        {signalfd(-1, &mask, 0), CMP_FD_SIGNALFD, "anon_inode:[signalfd]"},
        {epoll_create1(0), CMP_FD_EPOLL, "anon_inode:[eventpoll]"},
        {inotify_init1(0), CMP_FD_INOTIFY, "anon_inode:inotify"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ofd *d = probe(t, cases[i].fd);
        CHECK_INT(d ? d->kind : -1, cases[i].kind);
        CHECK_STR(d ? d->path : NULL, cases[i].path);
        close(cases[i].fd);
    }
    CHECK(fdtable_cloexec(t, cases[0].fd));
    CHECK(!fdtable_cloexec(t, cases[1].fd));

    /* The link text of a pidfd depends on the kernel; the kind does not. */
    int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (pidfd >= 0) {
        struct ofd *d = probe(t, pidfd);
        CHECK_INT(d ? d->kind : -1, CMP_FD_PIDFD);
        CHECK(fdtable_cloexec(t, pidfd));
        close(pidfd);
    }
}

static void test_probe_sockets(struct fdtable *t)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    CHECK(bind(listener, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    CHECK(listen(listener, 1) == 0);
    CHECK(getsockname(listener, (struct sockaddr *)&addr, &len) == 0);
    int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(connect(client, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    int accepted = accept(listener, NULL, NULL);
    struct sockaddr_in client_addr;
    len = sizeof(client_addr);
    CHECK(getsockname(client, (struct sockaddr *)&client_addr, &len) == 0);
    char server_text[64], client_text[64];
    snprintf(server_text, sizeof(server_text), "127.0.0.1:%u", ntohs(addr.sin_port));
    snprintf(client_text, sizeof(client_text), "127.0.0.1:%u", ntohs(client_addr.sin_port));

    struct ofd *d = probe(t, client);
    CHECK_INT(d ? d->kind : -1, CMP_FD_SOCKET);
    CHECK_STR(d ? d->path : NULL, inode_text("socket", client));
    CHECK_INT(d ? d->sock_family : -1, AF_INET);
    CHECK_STR(d ? d->sock_type : NULL, "tcp4");
    CHECK_STR(d ? d->remote : NULL, server_text);
    CHECK(d && d->writable);
    CHECK(fdtable_cloexec(t, client));

    d = probe(t, accepted);
    CHECK_STR(d ? d->sock_type : NULL, "tcp4");
    CHECK_STR(d ? d->remote : NULL, client_text);
    CHECK(!fdtable_cloexec(t, accepted));

    d = probe(t, listener);
    CHECK_STR(d ? d->sock_type : NULL, "tcp4");
    CHECK(d && d->remote == NULL);

    int pair[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    d = probe(t, pair[0]);
    CHECK_INT(d ? d->kind : -1, CMP_FD_SOCKET);
    CHECK_INT(d ? d->sock_family : -1, AF_UNIX);
    CHECK_STR(d ? d->sock_type : NULL, "unix");
    CHECK(d && d->remote == NULL);

    close(pair[0]);
    close(pair[1]);
    close(accepted);
    close(client);
    close(listener);
}

static void test_probe(void)
{
    struct fdtable *t = fdtable_new();
    test_probe_files(t);
    test_probe_anon_inodes(t);
    test_probe_sockets(t);

    /* Probing a known fd replaces what the table had. */
    int fd = eventfd(0, 0);
    fdtable_install(t, fd, CMP_FD_FILE, "/stale", true);
    struct ofd *d = probe(t, fd);
    CHECK_INT(d ? d->kind : -1, CMP_FD_EVENTFD);
    CHECK(fdtable_get(t, fd) == d);
    CHECK(!fdtable_cloexec(t, fd));
    close(fd);
    fdtable_unref(t);
}

int main(void)
{
    test_install_get_close();
    test_dup_shares_description();
    test_dup2_over_open_fd();
    test_cloexec();
    test_exec();
    test_close_range();
    test_clone();
    test_shared_table();
    test_probe();
    return check_finish();
}
