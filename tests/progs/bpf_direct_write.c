/* bpf_direct_write DIR [COUNT [SIZE [fsync]]]: writes COUNT blocks of SIZE
 * bytes (default 32 x 131072 = 4 MiB) to DIR/direct.bin with O_DIRECT, so
 * every byte goes to the block device from this process, then (with fsync)
 * fsyncs it, then removes the file.
 *
 * DIR must be on a real block device (not tmpfs). Prints one line,
 * "wrote N bytes", N being exactly the sum of what write(2) returned;
 * exit 0. Fails (exit 1, message on stderr) if any write is short or fails,
 * exit 2 if the file system refuses O_DIRECT. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "bpf_direct_write: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 5 || (argc == 5 && strcmp(argv[4], "fsync") != 0)) {
        fprintf(stderr, "usage: bpf_direct_write DIR [COUNT [SIZE [fsync]]]\n");
        return 1;
    }
    long count = argc > 2 ? atol(argv[2]) : 32;
    long size = argc > 3 ? atol(argv[3]) : 131072;
    if (count <= 0 || size <= 0 || size % 4096 != 0) {
        fprintf(stderr, "bpf_direct_write: COUNT > 0 and SIZE a multiple of 4096\n");
        return 1;
    }
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/direct.bin", argv[1]) >= (int)sizeof(path)) {
        fprintf(stderr, "bpf_direct_write: path too long\n");
        return 1;
    }
    void *buf;
    if (posix_memalign(&buf, 4096, (size_t)size) != 0)
        die("posix_memalign");
    memset(buf, 'x', (size_t)size);

    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0644);
    if (fd < 0) {
        if (errno == EINVAL) {
            fprintf(stderr, "bpf_direct_write: %s: the file system does not take O_DIRECT\n",
                    argv[1]);
            return 2;
        }
        die(path);
    }
    long long total = 0;
    for (long i = 0; i < count; i++) {
        ssize_t n = write(fd, buf, (size_t)size);
        if (n < 0)
            die("write");
        if (n != size) {
            fprintf(stderr, "bpf_direct_write: short write: %zd of %ld bytes\n", n, size);
            return 1;
        }
        total += n;
    }
    if (argc == 5 && fsync(fd) != 0)
        die("fsync");
    if (close(fd) != 0)
        die("close");
    if (unlink(path) != 0)
        die("unlink");
    free(buf);
    printf("wrote %lld bytes\n", total);
    return 0;
}
