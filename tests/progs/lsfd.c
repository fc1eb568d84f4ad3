/* lsfd: prints the file descriptors it was started with, one number per line
 * in increasing order (the directory stream it reads them from excluded).
 * Started with only stdin, stdout and stderr open it prints "0\n1\n2\n": a
 * tracer must not leak its own files (output, scripts, pipes) into the
 * programs it runs. With an argument, writes the list to that file instead
 * (created), so that it can be started with stdout closed: the fds are read
 * before the file is opened. Exit 0. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_value(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        fprintf(stderr, "lsfd: /proc/self/fd: %s\n", strerror(errno));
        return 1;
    }
    int fds[1024], n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL && n < 1024) {
        if (ent->d_name[0] == '.')
            continue;
        int fd = atoi(ent->d_name);
        if (fd != dirfd(d))
            fds[n++] = fd;
    }
    closedir(d);
    qsort(fds, (size_t)n, sizeof(fds[0]), by_value);
    FILE *out = stdout;
    if (argc > 1 && !(out = fopen(argv[1], "w"))) {
        fprintf(stderr, "lsfd: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    for (int i = 0; i < n; i++)
        fprintf(out, "%d\n", fds[i]);
    return fclose(out) == 0 ? 0 : 1;
}
