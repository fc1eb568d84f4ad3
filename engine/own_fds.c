#include "own_fds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACKED_FDS 1024

static bool inherited[TRACKED_FDS];
static bool reserved[3]; /* fds 0-2 that were closed: ours, not inherited */

static void each_open_fd(void (*fn)(int fd))
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    int self = dirfd(d);
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue;
        int fd = atoi(ent->d_name);
        if (fd != self)
            fn(fd);
    }
    closedir(d);
}

static void remember(int fd)
{
    if (fd >= 0 && fd < TRACKED_FDS && !(fd < 3 && reserved[fd]))
        inherited[fd] = true;
}

static void mark_cloexec(int fd)
{
    if (fd < TRACKED_FDS && inherited[fd])
        return;
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC))
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

void own_fds_reserve_std(void)
{
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        /* The lowest free fd is this one: the lower ones are open by now. */
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0)
            continue;
        if (null != fd) {
            dup3(null, fd, O_CLOEXEC);
            close(null);
        }
        reserved[fd] = true;
    }
}

void own_fds_snapshot(void)
{
    memset(inherited, 0, sizeof(inherited));
    each_open_fd(remember);
}

void own_fds_cloexec(void)
{
    each_open_fd(mark_cloexec);
}
