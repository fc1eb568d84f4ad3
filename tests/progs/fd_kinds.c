/* Moves known byte counts through one fd of each kind: 1000 bytes written
 * to a file in DIR and read back, 300 through a pipe, 8 each way through an
 * eventfd, 40 each way through a unix socketpair and 5 to /dev/null. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what)
{
    perror(what);
    return 1;
}

static int through(int wfd, int rfd, size_t n)
{
    char buf[1000];
    memset(buf, 'x', sizeof(buf));
    return write(wfd, buf, n) == (ssize_t)n && read(rfd, buf, n) == (ssize_t)n ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fd_kinds DIR\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/data.bin", argv[1]);
    int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int r = open(path, O_RDONLY);
    if (w < 0 || r < 0 || through(w, r, 1000) != 0)
        return fail("file");
    int p[2];
    if (pipe(p) != 0 || through(p[1], p[0], 300) != 0)
        return fail("pipe");
    int e = eventfd(0, 0);
    if (e < 0 || through(e, e, 8) != 0)
        return fail("eventfd");
    int s[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) != 0 || through(s[0], s[1], 40) != 0)
        return fail("socketpair");
    int null = open("/dev/null", O_WRONLY);
    if (null < 0 || write(null, "12345", 5) != 5)
        return fail("/dev/null");
    return 0;
}
