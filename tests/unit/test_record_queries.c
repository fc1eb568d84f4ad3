/* What scripts ask beyond the state, on this process: c.fd on an fd the
 * state has not met, asked of the source or not at all. */
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

static struct task *self(void)
{
    static struct task *t;
    if (!t)
        t = proctable_add(getpid());
    return t;
}

static void sh(const char *fmt, const char *arg)
{
    char cmd[PATH_MAX * 3];
    snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg);
    CHECK_INT(system(cmd), 0);
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
    test_unknown_fd();
    sh("rm -rf %s", root);
    return check_finish();
}
