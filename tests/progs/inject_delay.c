/* inject_delay: how long an fsync takes, and whether another process got
 * on with its work meanwhile.
 *
 *   inject_delay PATH
 *
 * A child opens PATH and times fsync on it with CLOCK_MONOTONIC; the
 * parent meanwhile opens and closes /dev/null 10 times and then writes to
 * a pipe. The child prints "fsync: <result> after <ms> ms" and "other
 * process done meanwhile: yes|no" (whether the pipe had data when fsync
 * returned). Exit 0; 2 for bad arguments. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int p[2];
    if (argc != 2 || pipe(p) != 0)
        return 2;
    pid_t child = fork();
    if (child == 0) {
        close(p[1]);
        int fd = open(argv[1], O_WRONLY | O_CREAT, 0644);
        long long t0 = now_ms();
        int rc = fsync(fd);
        long long took = now_ms() - t0;
        printf("fsync: %s after %lld ms\n", rc == 0 ? "ok" : strerrorname_np(errno), took);
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        printf("other process done meanwhile: %s\n", poll(&pfd, 1, 0) == 1 ? "yes" : "no");
        _exit(0);
    }
    close(p[0]);
    for (int i = 0; i < 10; i++)
        close(open("/dev/null", O_RDONLY));
    if (write(p[1], "x", 1) != 1)
        return 2;
    waitpid(child, NULL, 0);
    return 0;
}
