/* fileio DIR: every way of reading and writing a regular file, with exact sizes.
 *
 * What a tracer must report (DIR as given, made absolute against the cwd):
 *   open DIR/out.bin writable           write 1000 (write) + 200 (pwrite64)
 *                                       + 300 (writev, 2 iovecs) + 50 (pwritev2) = 1550
 *   open DIR/out.bin read-only          read 1000 (read) + 200 (pread64)
 *                                       + 300 (readv, 2 iovecs) + 50 (preadv2) = 1550
 *   open DIR/copy.bin writable          copy_file_range: read 100 from out.bin, write 100
 *   open DIR/copy2.bin writable         sendfile: read 100 from out.bin, write 100
 *   DIR/missing fails with ENOENT (an open event with error ENOENT, no fd).
 * File totals: 1750 bytes read, 1750 bytes written. Prints nothing; exit 0. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

#define TOTAL 1550

static const char *dir;

static void die(const char *what)
{
    fprintf(stderr, "fileio: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void check(ssize_t got, ssize_t want, const char *what)
{
    if (got < 0)
        die(what);
    if (got != want) {
        fprintf(stderr, "fileio: %s: %zd bytes instead of %zd\n", what, got, want);
        exit(1);
    }
}

static char *path_in_dir(const char *name)
{
    static char buf[3][4096];
    static int next;
    char *p = buf[next++ % 3];
    snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
    return p;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fileio DIR\n");
        return 2;
    }
    dir = argv[1];

    static char data[TOTAL], back[TOTAL];
    for (int i = 0; i < TOTAL; i++)
        data[i] = (char)('a' + i % 26);

    /* write side: offsets 0..1000 write, 1000..1200 pwrite64, 1200..1500 writev,
     * 1500..1550 pwritev2 */
    int fd = open(path_in_dir("out.bin"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("open out.bin for writing");
    check(write(fd, data, 1000), 1000, "write");
    check(pwrite(fd, data + 1000, 200, 1000), 200, "pwrite64");
    if (lseek(fd, 1200, SEEK_SET) != 1200)
        die("lseek");
    struct iovec wv[2] = {{data + 1200, 100}, {data + 1300, 200}};
    check(writev(fd, wv, 2), 300, "writev");
    struct iovec wv2 = {data + 1500, 50};
    check(pwritev2(fd, &wv2, 1, 1500, 0), 50, "pwritev2");
    if (close(fd) != 0)
        die("close out.bin");

    /* read side, the same offsets */
    fd = open(path_in_dir("out.bin"), O_RDONLY);
    if (fd < 0)
        die("open out.bin for reading");
    check(read(fd, back, 1000), 1000, "read");
    check(pread(fd, back + 1000, 200, 1000), 200, "pread64");
    if (lseek(fd, 1200, SEEK_SET) != 1200)
        die("lseek");
    struct iovec rv[2] = {{back + 1200, 120}, {back + 1320, 180}};
    check(readv(fd, rv, 2), 300, "readv");
    struct iovec rv2 = {back + 1500, 50};
    check(preadv2(fd, &rv2, 1, 1500, 0), 50, "preadv2");
    if (memcmp(data, back, TOTAL) != 0) {
        fprintf(stderr, "fileio: read back different bytes\n");
        return 1;
    }

    /* copy_file_range: 100 bytes from offset 0 into copy.bin */
    int out = open(path_in_dir("copy.bin"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0)
        die("open copy.bin");
    loff_t off_in = 0;
    size_t left = 100;
    while (left > 0) {
        ssize_t n = copy_file_range(fd, &off_in, out, NULL, left, 0);
        if (n <= 0)
            die("copy_file_range");
        left -= (size_t)n;
    }
    if (close(out) != 0)
        die("close copy.bin");

    /* sendfile: 100 bytes from offset 100 into copy2.bin */
    out = open(path_in_dir("copy2.bin"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0)
        die("open copy2.bin");
    off_t off = 100;
    left = 100;
    while (left > 0) {
        ssize_t n = sendfile(out, fd, &off, left);
        if (n <= 0)
            die("sendfile");
        left -= (size_t)n;
    }
    if (close(out) != 0)
        die("close copy2.bin");
    if (close(fd) != 0)
        die("close out.bin");

    /* a failed open */
    fd = open(path_in_dir("missing"), O_RDONLY);
    if (fd >= 0 || errno != ENOENT) {
        fprintf(stderr, "fileio: opening missing did not fail with ENOENT\n");
        return 1;
    }
    return 0;
}
