/* Opens DIR/a and DIR/b in turn, N times each, closing each before the
 * next open: the two files take the same fd number by turns, microseconds
 * apart, as ld.so's open, mmap and close of its cache and then of a library
 * do. A source that names an fd after the fact must not give one file's
 * open the other's name.
 *
 *   fd_reuse_opens DIR N */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    return fd >= 0 && close(fd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fd_reuse_opens DIR N\n");
        return 2;
    }
    char a[4096], b[4096];
    snprintf(a, sizeof(a), "%s/a", argv[1]);
    snprintf(b, sizeof(b), "%s/b", argv[1]);
    if (touch(a) != 0 || touch(b) != 0) {
        perror("create");
        return 1;
    }
    int n = atoi(argv[2]);
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++) {
            int fd = open(k ? b : a, O_RDONLY);
            if (fd < 0 || close(fd) != 0) {
                perror("open");
                return 1;
            }
        }
    }
    return 0;
}
