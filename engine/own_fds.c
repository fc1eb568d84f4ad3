#include "own_fds.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TRACKED_FDS 1024

static bool inherited[TRACKED_FDS];

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
    if (fd >= 0 && fd < TRACKED_FDS)
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

void own_fds_snapshot(void)
{
    memset(inherited, 0, sizeof(inherited));
    each_open_fd(remember);
}

void own_fds_cloexec(void)
{
    each_open_fd(mark_cloexec);
}
