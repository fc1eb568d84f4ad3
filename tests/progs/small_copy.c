/* small_copy IN OUT CHUNK [thread]: copies file IN to a new file OUT, one
 * read of CHUNK bytes and one write of what it read at a time (a copy
 * loop's flood of small reads and writes on two fds), then closes both,
 * reads OUT back in reads of CHUNK bytes, and exits 0 (1 on an error).
 * With "thread", a second thread does all that while the first waits for
 * it (the fd table is shared). Prints nothing. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char **args;

static int copy(void)
{
    size_t chunk = (size_t)atoi(args[3]);
    char buf[4096];
    if (chunk == 0 || chunk > sizeof(buf))
        return 1;
    int in = open(args[1], O_RDONLY);
    int out = open(args[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0)
        return 1;
    ssize_t n;
    while ((n = read(in, buf, chunk)) > 0)
        if (write(out, buf, (size_t)n) != n)
            return 1;
    if (n < 0 || close(in) != 0 || close(out) != 0)
        return 1;
    int back = open(args[2], O_RDONLY);
    if (back < 0)
        return 1;
    while ((n = read(back, buf, chunk)) > 0)
        ;
    return n == 0 && close(back) == 0 ? 0 : 1;
}

static void *run(void *arg)
{
    (void)arg;
    return (void *)(long)copy();
}

int main(int argc, char **argv)
{
    if (argc != 4 && !(argc == 5 && strcmp(argv[4], "thread") == 0))
        return 1;
    args = argv;
    if (argc == 4)
        return copy();
    pthread_t t;
    void *rc;
    if (pthread_create(&t, NULL, run, NULL) != 0 || pthread_join(t, &rc) != 0)
        return 1;
    return (int)(long)rc;
}
