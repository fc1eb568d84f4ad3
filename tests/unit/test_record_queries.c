/* What scripts read of a record beyond the state, captured on this
 * process: path arguments as the kernel resolved them at the exit (and the
 * record keeps that answer when the tree changes afterwards), and c.fd on
 * an fd the state has not met, asked of the source or not at all. */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture.h"
#include "event.h"
#include "fdtable.h"
#include "proctable.h"
#include "ptrace_source.h"
#include "record.h"
#include "session.h"
#include "source.h"

static char root[256]; /* a fresh directory, its real path */
static char want[PATH_MAX * 2];

static struct task *self(void)
{
    static struct task *t;
    if (!t)
        t = proctable_add(getpid());
    return t;
}

static void begin(struct task *t, int32_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    struct syscall_call *c = &t->call;
    c->nr = nr;
    c->args[0] = a0;
    c->args[1] = a1;
    c->args[2] = a2;
    c->args[3] = a3;
    c->args[4] = c->args[5] = 0;
    c->skip = false;
}

static uint64_t addr(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static void sh(const char *fmt, const char *arg)
{
    char cmd[PATH_MAX * 3];
    snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg);
    CHECK_INT(system(cmd), 0);
}

static const struct resolved_path *resolved(int which)
{
    return &self()->call.cap.resolved[which];
}

static void test_resolved(void)
{
    struct task *t = self();
    char path[PATH_MAX], path2[PATH_MAX];
    sh("mkdir %s/ok %s/out %s/ok/real && ln -s ../out %s/ok/lnk", root);

    /* mkdir through a symlinked directory: it landed outside */
    snprintf(path, sizeof(path), "%s/ok/lnk/sub", root);
    begin(t, SYS_mkdir, addr(path), 0755, 0, 0);
    capture_entry(t, CAPTURE_RESOLVED);
    CHECK_INT(mkdir(path, 0755), 0);
    capture_exit(t, 0, CAPTURE_RESOLVED);
    CHECK(payload_has(&t->call.cap, PAYLOAD_RESOLVED));
    snprintf(want, sizeof(want), "%s/out", root);
    CHECK_INT(resolved(0)->dir_err, 0);
    CHECK_STR(resolved(0)->dir, want);
    snprintf(want, sizeof(want), "%s/out/sub", root);
    CHECK_STR(resolved(0)->full, want);
    CHECK_INT(resolved(1)->dir_err, EINVAL); /* mkdir has no second path */

    /* The link changed after the exit: the record keeps where it led. */
    sh("ln -sfn real %s/ok/lnk", root);
    snprintf(want, sizeof(want), "%s/out", root);
    CHECK_STR(resolved(0)->dir, want);

    /* relative to a directory fd (renameat), each path from its own */
    int okfd = open(root, O_RDONLY | O_DIRECTORY);
    CHECK(okfd >= 0);
    snprintf(path, sizeof(path), "ok/lnk/a");
    snprintf(path2, sizeof(path2), "out/b");
    sh("touch %s/ok/real/a", root);
    begin(t, SYS_renameat, (uint64_t)okfd, addr(path), (uint64_t)okfd, addr(path2));
    capture_entry(t, CAPTURE_RESOLVED);
    CHECK_INT(renameat(okfd, path, okfd, path2), 0);
    capture_exit(t, 0, CAPTURE_RESOLVED);
    snprintf(want, sizeof(want), "%s/ok/real", root);
    CHECK_STR(resolved(0)->dir, want);
    CHECK_INT(resolved(0)->full_err, ENOENT); /* renamed away */
    snprintf(want, sizeof(want), "%s/out", root);
    CHECK_STR(resolved(1)->dir, want);
    snprintf(want, sizeof(want), "%s/out/b", root);
    CHECK_STR(resolved(1)->full, want);

    /* relative to the working directory; a path ending in ".." and one
     * without a slash */
    char cwd[PATH_MAX];
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
    CHECK_INT(chdir(root), 0);
    snprintf(path, sizeof(path), "ok/lnk/..");
    begin(t, SYS_rmdir, addr(path), 0, 0, 0);
    capture_entry(t, CAPTURE_RESOLVED);
    capture_exit(t, -ENOTEMPTY, CAPTURE_RESOLVED);
    snprintf(want, sizeof(want), "%s/ok", root);
    CHECK_STR(resolved(0)->full, want);
    CHECK_STR(resolved(0)->dir, want);
    snprintf(path, sizeof(path), "plain");
    begin(t, SYS_unlink, addr(path), 0, 0, 0);
    capture_entry(t, CAPTURE_RESOLVED);
    capture_exit(t, -ENOENT, CAPTURE_RESOLVED);
    CHECK_STR(resolved(0)->dir, root);
    CHECK_INT(resolved(0)->full_err, ENOENT);
    CHECK_INT(chdir(cwd), 0);

    /* an unreadable path argument, and nothing when nobody asks */
    begin(t, SYS_unlink, 0x10, 0, 0, 0);
    capture_entry(t, CAPTURE_RESOLVED);
    capture_exit(t, -EFAULT, CAPTURE_RESOLVED);
    CHECK_INT(resolved(0)->dir_err, EFAULT);
    CHECK_INT(resolved(0)->full_err, EFAULT);
    begin(t, SYS_unlink, addr(path), 0, 0, 0);
    capture_entry(t, CAPTURE_DECODED);
    capture_exit(t, 0, CAPTURE_DECODED);
    CHECK(!payload_has(&t->call.cap, PAYLOAD_RESOLVED));
    close(okfd);
}

/* What scripts get through cmp_host_resolved: the strings, or the errno. */
static void test_host_resolved(void)
{
    struct task *t = self();
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/ok/gone/x", root);
    begin(t, SYS_unlink, addr(path), 0, 0, 0);
    capture_entry(t, CAPTURE_RESOLVED);
    capture_exit(t, -ENOENT, CAPTURE_RESOLVED);
    cmp_event ev;
    memset(&ev, 0, sizeof(ev));
    cmp_resolved_path r;
    CHECK_INT(cmp_host_resolved(&ev, 0, &r), 0); /* no record */
    ev.payloads = &t->call.cap;
    CHECK_INT(cmp_host_resolved(&ev, 2, &r), 0);
    CHECK_INT(cmp_host_resolved(&ev, 0, &r), 1);
    CHECK(r.dir.ptr == NULL && r.full.ptr == NULL);
    CHECK_INT(r.dir_err, ENOENT);
    snprintf(path, sizeof(path), "%s/ok/real/", root);
    begin(t, SYS_rmdir, addr(path), 0, 0, 0);
    capture_entry(t, CAPTURE_RESOLVED);
    capture_exit(t, -ENOTEMPTY, CAPTURE_RESOLVED);
    CHECK_INT(cmp_host_resolved(&ev, 0, &r), 1);
    snprintf(want, sizeof(want), "%s/ok", root);
    CHECK_INT(r.dir.len, strlen(want));
    CHECK(r.dir.ptr && memcmp(r.dir.ptr, want, r.dir.len) == 0);
}

/* c.fd on an fd the state has not met: the ptrace source reads what it is,
 * and the state is not told; a source that cannot ask gives nothing. */
static void test_unknown_fd(void)
{
    struct task *t = self();
    t->fds = fdtable_new();
    char file[PATH_MAX];
    snprintf(file, sizeof(file), "%s/inherited", root);
    int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    cmp_fd_info info;
    session_set_source(&ptrace_source);
    CHECK_INT(cmp_host_fd(getpid(), fd, &info), 1);
    CHECK_INT(info.kind, CMP_FD_FILE);
    CHECK_INT(info.writable, 1);
    CHECK_INT(info.cloexec, 1);
    CHECK_INT(info.path.len, strlen(file));
    CHECK(memcmp(info.path.ptr, file, info.path.len) == 0);
    CHECK(fdtable_get(t->fds, fd) == NULL);
    CHECK_INT(cmp_host_fd(getpid(), 987, &info), 0); /* not open */

    struct source recording = ptrace_source;
    recording.caps.live = false;
    recording.query_fd = NULL;
    session_set_source(&recording);
    CHECK_INT(cmp_host_fd(getpid(), fd, &info), 0);
    /* what the state knows it answers itself */
    fdtable_install(t->fds, fd, CMP_FD_FILE, "/known/path", false);
    CHECK_INT(cmp_host_fd(getpid(), fd, &info), 1);
    CHECK_INT(info.path.len, strlen("/known/path"));
    session_set_source(&ptrace_source);
    close(fd);
}

int main(void)
{
    char tmpl[] = "/tmp/record-queries.XXXXXX", real[PATH_MAX];
    if (!mkdtemp(tmpl) || !realpath(tmpl, real) || strlen(real) >= sizeof(root)) {
        fprintf(stderr, "cannot make a directory in /tmp\n");
        return 1;
    }
    memcpy(root, real, strlen(real) + 1);
    test_resolved();
    test_host_resolved();
    test_unknown_fd();
    sh("rm -rf %s", root);
    return check_finish();
}
