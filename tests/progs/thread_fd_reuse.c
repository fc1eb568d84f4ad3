/* thread_fd_reuse X Y N [close|dup2|close_range]: a thread reads file X one
 * byte at a time N times, then waits (spinning: no syscall) while the main
 * thread makes X's fd number name Y, and reads N bytes of it one at a time.
 * It does that by closing the fd and opening Y, which gets the same number
 * (close, the default; close_range: the same with close_range(fd, fd)), or
 * by opening Y elsewhere and dup2-ing it onto the fd (dup2). The reading
 * thread's calls are a run the kernel may still hold when the fd changes: a
 * tracer that counted them only later would count them for Y. Prints
 * "fd F X B Y B" (the fd and the bytes read of each); exits 1 on any
 * failure. */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fd, count;
static atomic_int stage;
static long read_x;

static long read_bytes(int from, int n)
{
    long got = 0;
    char c;
    for (int i = 0; i < n; i++)
        if (read(from, &c, 1) == 1)
            got++;
    return got;
}

static void *reader(void *arg)
{
    (void)arg;
    read_x = read_bytes(fd, count);
    atomic_store(&stage, 1);
    while (atomic_load(&stage) != 2)
        __builtin_ia32_pause();
    return NULL;
}

int main(int argc, char **argv)
{
    const char *how = argc == 5 ? argv[4] : "close";
    if (argc != 4 && argc != 5)
        return 2;
    count = atoi(argv[3]);
    fd = open(argv[1], O_RDONLY);
    if (fd < 0)
        return 1;
    pthread_t t;
    if (pthread_create(&t, NULL, reader, NULL) != 0)
        return 1;
    while (atomic_load(&stage) != 1)
        __builtin_ia32_pause();
    int old = fd;
    if (strcmp(how, "dup2") == 0) {
        int y = open(argv[2], O_RDONLY);
        if (y < 0 || dup2(y, old) != old || close(y) != 0)
            return 1;
    } else {
        if (strcmp(how, "close_range") == 0 ? syscall(SYS_close_range, fd, fd, 0) != 0
                                            : close(fd) != 0)
            return 1;
        fd = open(argv[2], O_RDONLY);
        if (fd != old)
            return 1;
    }
    long read_y = read_bytes(fd, count);
    /* Long enough for a tracer to have handled all of the above before the
     * reading thread ends (and with it, its run, if nothing sent it). */
    usleep(200000);
    atomic_store(&stage, 2);
    pthread_join(t, NULL);
    printf("fd %d X %ld Y %ld\n", fd, read_x, read_y);
    return 0;
}
