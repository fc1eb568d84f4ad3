#include "fdtable.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"
#include "sockinfo.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Highest fd tracked: the kernel's default nr_open is 1<<20, so anything
 * beyond is garbage, and tracking it would cost a huge slot array. */
#define FD_MAX (1 << 20)

struct fd_slot {
    struct ofd *desc; /* NULL when the fd is not open */
    bool cloexec;
};

struct fdtable {
    int refs;
    int open_count;
    int slot_count; /* slots allocated, indexed by fd */
    struct fd_slot *slots;
    /* What install hands out for an fd beyond FD_MAX: callers always get a
     * description to fill in, but it is reachable through no fd. */
    struct ofd *untracked;
};

static bool fd_trackable(int fd)
{
    return fd >= 0 && fd <= FD_MAX;
}

/* ---- open file descriptions ---------------------------------------------- */

static struct ofd *ofd_new(int kind, const char *path)
{
    struct ofd *d = xcalloc(1, sizeof(*d));
    d->refs = 1;
    d->kind = kind;
    d->path = xstrdup(path ? path : "");
    return d;
}

static struct ofd *ofd_hold(struct ofd *d)
{
    d->refs++;
    return d;
}

static void ofd_release(struct ofd *d)
{
    if (!d || --d->refs > 0)
        return;
    free(d->path);
    free(d->remote);
    free(d);
}

void ofd_set_path(struct ofd *d, const char *path)
{
    char *copy = xstrdup(path ? path : "");
    free(d->path);
    d->path = copy;
}

void ofd_set_remote(struct ofd *d, const char *remote)
{
    char *copy = remote ? xstrdup(remote) : NULL;
    free(d->remote);
    d->remote = copy;
}

/* ---- tables ----------------------------------------------------------------- */

struct fdtable *fdtable_new(void)
{
    struct fdtable *t = xcalloc(1, sizeof(*t));
    t->refs = 1;
    return t;
}

struct fdtable *fdtable_ref(struct fdtable *t)
{
    t->refs++;
    return t;
}

void fdtable_unref(struct fdtable *t)
{
    if (!t || --t->refs > 0)
        return;
    for (int fd = 0; fd < t->slot_count; fd++)
        ofd_release(t->slots[fd].desc);
    ofd_release(t->untracked);
    free(t->slots);
    free(t);
}

struct fdtable *fdtable_clone(const struct fdtable *t)
{
    struct fdtable *copy = fdtable_new();
    int used = t->slot_count;
    while (used > 0 && !t->slots[used - 1].desc)
        used--;
    if (used > 0) {
        copy->slots = xcalloc((size_t)used, sizeof(*copy->slots));
        copy->slot_count = used;
        for (int fd = 0; fd < used; fd++) {
            copy->slots[fd] = t->slots[fd];
            if (copy->slots[fd].desc)
                ofd_hold(copy->slots[fd].desc);
        }
    }
    copy->open_count = t->open_count;
    return copy;
}

/* Makes fd a valid index; fd must be trackable. */
static void reserve(struct fdtable *t, int fd)
{
    if (fd < t->slot_count)
        return;
    int count = t->slot_count ? t->slot_count : 64;
    while (count <= fd)
        count *= 2;
    if (count > FD_MAX + 1)
        count = FD_MAX + 1;
    struct fd_slot *slots = xrealloc(t->slots, (size_t)count * sizeof(*slots));
    memset(slots + t->slot_count, 0, (size_t)(count - t->slot_count) * sizeof(*slots));
    t->slots = slots;
    t->slot_count = count;
}

/* Points fd at d (NULL closes it), taking over the caller's reference. */
static void set_slot(struct fdtable *t, int fd, struct ofd *d, bool cloexec)
{
    reserve(t, fd);
    struct ofd *old = t->slots[fd].desc;
    t->open_count += (d != NULL) - (old != NULL);
    t->slots[fd].desc = d;
    t->slots[fd].cloexec = d && cloexec;
    ofd_release(old);
}

struct ofd *fdtable_get(const struct fdtable *t, int fd)
{
    if ((unsigned)fd >= (unsigned)t->slot_count)
        return NULL;
    return t->slots[fd].desc;
}

bool fdtable_cloexec(const struct fdtable *t, int fd)
{
    return fdtable_get(t, fd) && t->slots[fd].cloexec;
}

struct ofd *fdtable_install(struct fdtable *t, int fd, int kind, const char *path, bool cloexec)
{
    struct ofd *d = ofd_new(kind, path);
    if (!fd_trackable(fd)) {
        ofd_release(t->untracked);
        t->untracked = d;
        return d;
    }
    set_slot(t, fd, d, cloexec);
    return d;
}

bool fdtable_dup(struct fdtable *t, int oldfd, int newfd, bool cloexec)
{
    struct ofd *d = fdtable_get(t, oldfd);
    if (!d || !fd_trackable(newfd))
        return false;
    if (newfd == oldfd)
        return true; /* dup2(fd, fd) changes nothing, not even close-on-exec */
    set_slot(t, newfd, ofd_hold(d), cloexec);
    return true;
}

void fdtable_set_cloexec(struct fdtable *t, int fd, bool cloexec)
{
    if (fdtable_get(t, fd))
        t->slots[fd].cloexec = cloexec;
}

void fdtable_close(struct fdtable *t, int fd)
{
    if (fdtable_get(t, fd))
        set_slot(t, fd, NULL, false);
}

void fdtable_close_range(struct fdtable *t, unsigned first, unsigned last, unsigned flags)
{
    if (t->slot_count == 0 || first > last)
        return;
    unsigned highest = (unsigned)t->slot_count - 1;
    if (last > highest)
        last = highest;
    for (unsigned fd = first; fd <= last; fd++) {
        if (!t->slots[fd].desc)
            continue;
        if (flags & CLOSE_RANGE_CLOEXEC)
            t->slots[fd].cloexec = true;
        else
            set_slot(t, (int)fd, NULL, false);
    }
}

void fdtable_exec(struct fdtable *t)
{
    for (int fd = 0; fd < t->slot_count; fd++)
        if (t->slots[fd].desc && t->slots[fd].cloexec)
            set_slot(t, fd, NULL, false);
}

int fdtable_count(const struct fdtable *t)
{
    return t->open_count;
}

/* ---- learning fds from /proc ---------------------------------------------------- */

/* The fd's open flags from /proc/PID/fdinfo/FD, or -1. */
static int read_fd_flags(pid_t pid, int fd)
{
    char name[64];
    snprintf(name, sizeof(name), "/proc/%d/fdinfo/%d", (int)pid, fd);
    FILE *f = fopen(name, "re");
    if (!f)
        return -1;
    char line[256];
    int flags = -1;
    while (fgets(line, sizeof(line), f)) {
        unsigned value;
        if (sscanf(line, "flags: %o", &value) == 1) {
            flags = (int)value;
            break;
        }
    }
    fclose(f);
    return flags;
}

/* The inode in "pipe:[123]" style link text after prefix, or 0. */
static unsigned long long bracketed_inode(const char *target, const char *prefix)
{
    size_t len = strlen(prefix);
    if (strncmp(target, prefix, len) != 0 || target[len] != '[')
        return 0;
    return strtoull(target + len + 1, NULL, 10);
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const struct {
    const char *target;
    int kind;
} anon_kinds[] = {
    {"anon_inode:[eventfd]", CMP_FD_EVENTFD},   {"anon_inode:[timerfd]", CMP_FD_TIMERFD},
    {"anon_inode:[signalfd]", CMP_FD_SIGNALFD}, {"anon_inode:[eventpoll]", CMP_FD_EPOLL},
    {"anon_inode:inotify", CMP_FD_INOTIFY},     {"anon_inode:[pidfd]", CMP_FD_PIDFD},
};

/* The kernel appends " (deleted)" to the link of a file whose name was
 * removed. The name is the path of record, so the mark goes, unless the
 * link's text, suffix included, still names this very file (a file really
 * called "x (deleted)"), looked up through the process's root. */
static void drop_deleted_mark(pid_t pid, const char *link, char *target, const char *suffix)
{
    size_t len = strlen(target), suffix_len = strlen(suffix);
    if (len < suffix_len || strcmp(target + len - suffix_len, suffix) != 0)
        return;
    struct stat opened, named;
    char named_path[PATH_MAX + 32];
    int n = snprintf(named_path, sizeof(named_path), "/proc/%d/root%s", (int)pid, target);
    if (stat(link, &opened) == 0 && n > 0 && (size_t)n < sizeof(named_path) &&
        stat(named_path, &named) == 0 && named.st_dev == opened.st_dev &&
        named.st_ino == opened.st_ino)
        return;
    target[len - suffix_len] = '\0';
}

/* What the link target says the fd is; rewrites target into the path to store. */
static int classify(pid_t pid, const char *link, char *target)
{
    static const char memfd_prefix[] = "/memfd:";
    static const char deleted_suffix[] = " (deleted)";
    if (has_prefix(target, memfd_prefix)) {
        size_t len = strlen(target);
        size_t suffix_len = sizeof(deleted_suffix) - 1;
        if (len >= suffix_len && strcmp(target + len - suffix_len, deleted_suffix) == 0)
            target[len - suffix_len] = '\0';
        memmove(target, target + 1, strlen(target)); /* drop the '/', keep the NUL */
        return CMP_FD_MEMFD;
    }
    if (target[0] == '/') {
        drop_deleted_mark(pid, link, target, deleted_suffix);
        struct stat st;
        return stat(link, &st) == 0 && S_ISDIR(st.st_mode) ? CMP_FD_DIR : CMP_FD_FILE;
    }
    if (has_prefix(target, "pipe:"))
        return CMP_FD_PIPE;
    if (has_prefix(target, "socket:"))
        return CMP_FD_SOCKET;
    /* Kernels with pidfs name pidfds "pidfd:[ino]" instead of an anon inode. */
    if (has_prefix(target, "pidfd:"))
        return CMP_FD_PIDFD;
    for (size_t i = 0; i < sizeof(anon_kinds) / sizeof(anon_kinds[0]); i++)
        if (strcmp(target, anon_kinds[i].target) == 0)
            return anon_kinds[i].kind;
    return CMP_FD_OTHER;
}

struct ofd *fdtable_probe(struct fdtable *t, pid_t pid, int fd)
{
    if (!fd_trackable(fd))
        return NULL;
    char link[64], entry[32];
    char target[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
    snprintf(entry, sizeof(entry), "fd/%d", fd);
    int err = procfs_readlink_err(pid, entry, target, sizeof(target));
    if (err && err != ENAMETOOLONG) {
        errno = err;
        return NULL;
    }
    /* A file the kernel cannot name within PATH_MAX is still a file (the
     * link can be followed): it gets an empty path, never a shortened one. */
    int kind;
    if (err) {
        struct stat st;
        kind = stat(link, &st) == 0 && S_ISDIR(st.st_mode) ? CMP_FD_DIR : CMP_FD_FILE;
    } else {
        kind = classify(pid, link, target);
    }
    unsigned long long inode = kind == CMP_FD_SOCKET ? bracketed_inode(target, "socket:") : 0;
    int flags = read_fd_flags(pid, fd);
    bool cloexec = flags >= 0 && (flags & O_CLOEXEC);
    struct ofd *d = fdtable_install(t, fd, kind, target, cloexec);
    d->writable = flags >= 0 && (flags & O_ACCMODE) != O_RDONLY;

    struct sockinfo info;
    if (inode && sockinfo_lookup(pid, inode, &info)) {
        d->sock_family = info.family;
        snprintf(d->sock_type, sizeof(d->sock_type), "%s", info.sock_type);
        if (info.remote[0])
            ofd_set_remote(d, info.remote);
    }
    return d;
}
