#include "fdtable.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot.h"

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

bool fdtable_trackable(int fd)
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
    if (!fdtable_trackable(fd)) {
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
    if (!d || !fdtable_trackable(newfd))
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

void fdtable_renamed(struct fdtable *t, const char *from, const char *to)
{
    size_t n = strlen(from);
    for (int fd = 0; fd < t->slot_count; fd++) {
        struct ofd *d = t->slots[fd].desc;
        if (!d || (d->kind != CMP_FD_FILE && d->kind != CMP_FD_DIR) || strncmp(d->path, from, n) ||
            (d->path[n] != '\0' && d->path[n] != '/'))
            continue;
        char path[PATH_MAX];
        if (snprintf(path, sizeof(path), "%s%s", to, d->path + n) < (int)sizeof(path))
            ofd_set_path(d, path);
    }
}

int fdtable_count(const struct fdtable *t)
{
    return t->open_count;
}

/* ---- what a snapshot says ---------------------------------------------------------- */

struct ofd *fdtable_apply_fd(struct fdtable *t, const struct snapshot_fd *s)
{
    bool cloexec = s->flags >= 0 && (s->flags & O_CLOEXEC);
    struct ofd *d = fdtable_install(t, s->fd, s->kind, s->path, cloexec);
    d->writable = s->flags >= 0 && (s->flags & O_ACCMODE) != O_RDONLY;
    d->sock_family = s->sock_family;
    snprintf(d->sock_type, sizeof(d->sock_type), "%s", s->sock_type);
    if (s->remote)
        ofd_set_remote(d, s->remote);
    return d;
}

void fdtable_apply_snapshot(struct fdtable *t, const struct snapshot *s)
{
    for (size_t i = 0; i < s->fd_count; i++)
        fdtable_apply_fd(t, &s->fds[i]);
}
