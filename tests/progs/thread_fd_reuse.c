/* thread_fd_reuse X Y N: a thread reads file X one byte at a time N times,
 * then waits (spinning: no syscall) while the main thread closes X's fd,
 * opens Y, which gets the same fd number, and reads N bytes of it one at a
 * time. The reading thread's calls are a run the kernel may still hold when
 * the fd is closed: a tracer that counted them only later would count them
 * for Y. Prints "fd F X B Y B" (the fd and the bytes read of each); exits 1
 * on any failure. */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
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
    if (argc != 4)
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
    close(fd);
    fd = open(argv[2], O_RDONLY);
    if (fd != old)
        return 1;
    long read_y = read_bytes(fd, count);
    atomic_store(&stage, 2);
    pthread_join(t, NULL);
    printf("fd %d X %ld Y %ld\n", fd, read_x, read_y);
    return 0;
}
