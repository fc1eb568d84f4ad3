/* counts N M: a known number of calls.
 *
 * Calls openat(AT_FDCWD, "/etc/hostname", O_RDONLY) N times, closing the fd
 * each time, then opens /dev/null once for writing and calls write on it M
 * times with 1 byte each. Nothing else of note. Prints nothing; exit 0. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: counts N M\n");
        return 2;
    }
    int n = atoi(argv[1]), m = atoi(argv[2]);
    for (int i = 0; i < n; i++) {
        int fd = openat(AT_FDCWD, "/etc/hostname", O_RDONLY);
        if (fd < 0 || close(fd) != 0) {
            fprintf(stderr, "counts: /etc/hostname: %s\n", strerror(errno));
            return 1;
        }
    }
    int null = openat(AT_FDCWD, "/dev/null", O_WRONLY);
    if (null < 0) {
        fprintf(stderr, "counts: /dev/null: %s\n", strerror(errno));
        return 1;
    }
    for (int i = 0; i < m; i++) {
        if (write(null, "x", 1) != 1) {
            fprintf(stderr, "counts: write: %s\n", strerror(errno));
            return 1;
        }
    }
    close(null);
    return 0;
}
