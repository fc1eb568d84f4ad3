#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "event.h"
#include "procfs.h"
#include "sockinfo.h"
#include "xalloc.h"

/* ---- one fd ------------------------------------------------------------------ */

/* The fd's open flags from /proc/PID/fdinfo/FD, or -1. */
static int read_fd_flags(pid_t pid, int fd)
{
    char entry[32], info[512];
    snprintf(entry, sizeof(entry), "fdinfo/%d", fd);
    size_t n = procfs_read(pid, entry, info, sizeof(info) - 1);
    info[n] = '\0';
    const char *line = strstr(info, "flags:");
    unsigned value;
    if (!line || sscanf(line, "flags: %o", &value) != 1)
        return -1;
    return (int)value;
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

/* What an fd with a path is, by the file's type: reads and writes of a
 * regular file are file I/O, those of a tty, /dev/null or a named pipe are
 * not. An fd that cannot be stat'ed stays a file. */
static int path_kind(pid_t pid, const char *entry)
{
    struct stat st;
    if (procfs_stat(pid, entry, &st) != 0)
        return CMP_FD_FILE;
    if (S_ISDIR(st.st_mode))
        return CMP_FD_DIR;
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        return CMP_FD_DEVICE;
    if (S_ISFIFO(st.st_mode))
        return CMP_FD_PIPE;
    return CMP_FD_FILE;
}

/* The kernel appends " (deleted)" to the link of a file whose name was
 * removed. The name is the path of record, so the mark goes, unless the
 * link's text, suffix included, still names this very file (a file really
 * called "x (deleted)"), looked up through the process's root. */
static void drop_deleted_mark(pid_t pid, const char *entry, char *target, const char *suffix)
{
    size_t len = strlen(target), suffix_len = strlen(suffix);
    if (len < suffix_len || strcmp(target + len - suffix_len, suffix) != 0)
        return;
    struct stat opened, named;
    char named_path[PATH_MAX + 32];
    if (procfs_stat(pid, entry, &opened) == 0 &&
        procfs_seen_path(pid, target, named_path, sizeof(named_path)) &&
        stat(named_path, &named) == 0 && named.st_dev == opened.st_dev &&
        named.st_ino == opened.st_ino)
        return;
    target[len - suffix_len] = '\0';
}

/* What the link target says the fd is; rewrites target into the path to store. */
static int classify(pid_t pid, const char *entry, char *target)
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
        drop_deleted_mark(pid, entry, target, deleted_suffix);
        return path_kind(pid, entry);
    }
    return snapshot_kind_of_name(target);
}

int snapshot_kind_of_name(const char *target)
{
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

int snapshot_read_fd(pid_t pid, int fd, struct snapshot_fd *out)
{
    char entry[32];
    char target[PATH_MAX];
    memset(out, 0, sizeof(*out));
    snprintf(entry, sizeof(entry), "fd/%d", fd);
    int err = procfs_readlink_err(pid, entry, target, sizeof(target));
    if (err && err != ENAMETOOLONG)
        return err;
    out->fd = fd;
    /* A file the kernel cannot name within PATH_MAX is still a file (the
     * link can be followed): it gets an empty path, never a shortened one. */
    out->path_missing = err != 0;
    out->kind = err ? path_kind(pid, entry) : classify(pid, entry, target);
    out->path = xstrdup(err ? "" : target);
    out->flags = read_fd_flags(pid, fd);
    unsigned long long inode = out->kind == CMP_FD_SOCKET ? bracketed_inode(target, "socket:") : 0;
    struct sockinfo info;
    if (inode && sockinfo_lookup(pid, inode, &info)) {
        out->sock_family = info.family;
        snprintf(out->sock_type, sizeof(out->sock_type), "%s", info.sock_type);
        if (info.remote[0])
            out->remote = xstrdup(info.remote);
    }
    return 0;
}

void snapshot_fd_free(struct snapshot_fd *fd)
{
    free(fd->path);
    free(fd->remote);
    fd->path = fd->remote = NULL;
}

/* ---- maps -------------------------------------------------------------------- */

static int region_kind(const char *name)
{
    if (name[0] == '\0' || has_prefix(name, "[anon:") || has_prefix(name, "[anon_shmem:"))
        return SNAP_ANON;
    if (strcmp(name, "[heap]") == 0)
        return SNAP_HEAP;
    if (strcmp(name, "[stack]") == 0)
        return SNAP_STACK;
    /* A shared anonymous mapping is backed by an unlinked /dev/zero. */
    if (strcmp(name, "/dev/zero (deleted)") == 0)
        return SNAP_ANON;
    return name[0] == '[' ? SNAP_KERNEL : SNAP_FILE;
}

bool snapshot_parse_map_line(const char *line, struct snapshot_region *out)
{
    uint64_t start, end;
    char perms[5] = "";
    int name_at = 0;
    if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %*s %*s %*s %n", &start, &end, perms, &name_at) <
            3 ||
        strlen(perms) != 4 || end <= start)
        return false;
    const char *name = name_at > 0 ? line + name_at : line + strlen(line);
    size_t len = strcspn(name, "\n");
    out->start = start;
    out->end = end;
    out->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
                (perms[2] == 'x' ? PROT_EXEC : 0);
    out->shared = perms[3] == 's';
    out->name = xrealloc(NULL, len + 1);
    memcpy(out->name, name, len);
    out->name[len] = '\0';
    out->kind = region_kind(out->name);
    return true;
}

static void read_maps(struct snapshot *s)
{
    size_t len;
    char *text = procfs_read_all(s->pid, "maps", &len);
    if (!text) {
        s->maps_missing = true;
        return;
    }
    size_t cap = 0;
    for (char *line = text; *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        struct snapshot_region r;
        if (snapshot_parse_map_line(line, &r)) {
            if (s->region_count == cap) {
                cap = cap ? cap * 2 : 64;
                s->regions = xrealloc(s->regions, cap * sizeof(*s->regions));
            }
            s->regions[s->region_count++] = r;
        }
        line = next ? next : line + strlen(line);
    }
    free(text);
}

/* start_brk, the 47th field of /proc/PID/stat (Linux 3.5), or 0. */
static uint64_t start_brk(pid_t pid)
{
    char stat[2048];
    size_t n = procfs_read(pid, "stat", stat, sizeof(stat) - 1);
    stat[n] = '\0';
    const char *p = strrchr(stat, ')'); /* the name may hold spaces and ')' */
    if (!p)
        return 0;
    /* Fields 3 to 46 come before it. */
    for (int field = 2; field < 47 && p; field++)
        p = strchr(p + 1, ' ');
    return p ? strtoull(p + 1, NULL, 10) : 0;
}

static void learn_heap(struct snapshot *s)
{
    /* Parts of the heap mprotect'ed apart are [heap] each. */
    for (size_t i = 0; i < s->region_count; i++) {
        const struct snapshot_region *r = &s->regions[i];
        if (r->kind != SNAP_HEAP)
            continue;
        if (!s->heap_known)
            s->heap_start = r->start;
        s->heap_known = true;
        s->heap_end = r->end;
    }
    if (s->heap_known)
        return;
    /* No [heap]: the break has not moved, or the heap is empty. */
    uint64_t brk = start_brk(s->pid);
    s->heap_known = brk != 0;
    s->heap_start = s->heap_end = brk;
}

/* ---- the whole ----------------------------------------------------------------- */

static void read_fds(struct snapshot *s)
{
    size_t count;
    int *fds = procfs_list(s->pid, "fd", &count);
    if (!fds) {
        s->fds_missing = true;
        return;
    }
    s->fds = xcalloc(count ? count : 1, sizeof(*s->fds));
    for (size_t i = 0; i < count; i++)
        if (snapshot_read_fd(s->pid, fds[i], &s->fds[s->fd_count]) == 0)
            s->fd_count++; /* else closed meanwhile (by a thread that did not stop) */
    free(fds);
}

void snapshot_read(struct snapshot *out, pid_t pid, const pid_t *tids, size_t tid_count)
{
    memset(out, 0, sizeof(*out));
    out->pid = pid;
    out->tids = xcalloc(tid_count ? tid_count : 1, sizeof(*out->tids));
    memcpy(out->tids, tids, tid_count * sizeof(*tids));
    out->tid_count = tid_count;
    char exe[PATH_MAX];
    procfs_readlink(pid, "exe", exe, sizeof(exe));
    out->exe = xstrdup(exe);
    char cwd[PATH_MAX];
    if (procfs_readlink_err(pid, "cwd", cwd, sizeof(cwd)))
        cwd[0] = '\0';
    out->cwd = xstrdup(cwd);
    out->argv = procfs_read_all(pid, "cmdline", &out->argv_len);
    read_fds(out);
    read_maps(out);
    learn_heap(out);
}

void snapshot_free(struct snapshot *s)
{
    for (size_t i = 0; i < s->fd_count; i++)
        snapshot_fd_free(&s->fds[i]);
    for (size_t i = 0; i < s->region_count; i++)
        free(s->regions[i].name);
    free(s->fds);
    free(s->regions);
    free(s->tids);
    free(s->exe);
    free(s->cwd);
    free(s->argv);
    memset(s, 0, sizeof(*s));
}
