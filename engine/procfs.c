#include "procfs.h"

#include <stdio.h>
#include <unistd.h>

size_t procfs_readlink(pid_t pid, const char *entry, char *out, size_t cap)
{
    char link[64];
    snprintf(link, sizeof(link), "/proc/%d/%s", (int)pid, entry);
    ssize_t n = cap > 0 ? readlink(link, out, cap - 1) : -1;
    if (n < 0)
        n = 0;
    if (cap > 0)
        out[n] = '\0';
    return (size_t)n;
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
