#include "procfs.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int procfs_readlink_err(pid_t pid, const char *entry, char *out, size_t cap)
{
    char link[64];
    if (cap < 2)
        return ENAMETOOLONG;
    snprintf(link, sizeof(link), "/proc/%d/%s", (int)pid, entry);
    ssize_t n = readlink(link, out, cap);
    int err = n < 0 ? errno : n == 0 ? ENOENT : (size_t)n >= cap ? ENAMETOOLONG : 0;
    out[err ? 0 : n] = '\0';
    return err;
}

size_t procfs_readlink(pid_t pid, const char *entry, char *out, size_t cap)
{
    return procfs_readlink_err(pid, entry, out, cap) == 0 ? strlen(out) : 0;
}

size_t procfs_read(pid_t pid, const char *entry, char *out, size_t cap)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, entry);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(out, 1, cap, f);
    fclose(f);
    return n;
}

char *procfs_read_all(pid_t pid, const char *entry, size_t *len)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, entry);
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = xrealloc(NULL, cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0'; /* a process may have rewritten its cmdline without one */
    *len = n;
    return buf;
}

int procfs_stat(pid_t pid, const char *entry, struct stat *out)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, entry);
    return stat(path, out) == 0 ? 0 : errno;
}

bool procfs_seen_path(pid_t pid, const char *path, char *out, size_t cap)
{
    int n = path[0] == '/' ? snprintf(out, cap, "/proc/%d/root%s", (int)pid, path)
                           : snprintf(out, cap, "/proc/%d/cwd/%s", (int)pid, path);
    return n > 0 && (size_t)n < cap;
}

int *procfs_list(pid_t pid, const char *entry, size_t *count)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, entry);
    *count = 0;
    DIR *d = opendir(path);
    if (!d)
        return NULL;
    size_t cap = 16;
    int *out = xrealloc(NULL, cap * sizeof(*out));
    struct dirent *ent;
    while ((ent = readdir(d))) {
        char *end;
        long n = strtol(ent->d_name, &end, 10);
        if (end == ent->d_name || *end != '\0' || n < 0 || n > INT_MAX)
            continue; /* "." and ".." */
        if (*count == cap) {
            cap *= 2;
            out = xrealloc(out, cap * sizeof(*out));
        }
        out[(*count)++] = (int)n;
    }
    closedir(d);
    return out;
}

int procfs_sysctl_int(const char *name, int fallback)
{
    char path[128];
    snprintf(path, sizeof(path), "/proc/sys/%s", name);
    FILE *f = fopen(path, "re");
    if (!f)
        return fallback;
    int value;
    if (fscanf(f, "%d", &value) != 1)
        value = fallback;
    fclose(f);
    return value;
}
