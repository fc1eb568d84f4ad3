/* inject_io: file I/O whose results a test compares, one line per call.
 *
 *   inject_io write PATH N   create PATH, write "abcd" N times:
 *                            "write 1: 4" or "write 1: ENOSPC", then
 *                            "size: <bytes in the file>"
 *   inject_io read PATH N    read 1 byte N times: "read 1: 1" / "read 1: EIO"
 *   inject_io retry PATH     read the whole file, retrying on EINTR as a
 *                            careful program does: "EINTR retries: K",
 *                            then "read: <the contents>"
 *
 * Exit 0 (a failed call is reported, not fatal); 2 for bad arguments. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void report(const char *what, int i, ssize_t n)
{
    if (n < 0)
        printf("%s %d: %s\n", what, i, strerrorname_np(errno));
    else
        printf("%s %d: %zd\n", what, i, n);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3)
        return 2;
    const char *mode = argv[1], *path = argv[2];
    int n = argc > 3 ? atoi(argv[3]) : 0;
    if (strcmp(mode, "write") == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            return 2;
        for (int i = 1; i <= n; i++)
            report("write", i, write(fd, "abcd", 4));
        struct stat st;
        fstat(fd, &st);
        printf("size: %lld\n", (long long)st.st_size);
        close(fd);
    } else if (strcmp(mode, "read") == 0) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            return 2;
        char c;
        for (int i = 1; i <= n; i++)
            report("read", i, read(fd, &c, 1));
        close(fd);
    } else if (strcmp(mode, "retry") == 0) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            return 2;
        char buf[4096];
        size_t got = 0;
        int retries = 0;
        for (;;) {
            ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
            if (r < 0 && errno == EINTR) {
                retries++;
                continue;
            }
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        buf[got] = '\0';
        printf("EINTR retries: %d\nread: %s\n", retries, buf);
        close(fd);
    } else {
        return 2;
    }
    return 0;
}
