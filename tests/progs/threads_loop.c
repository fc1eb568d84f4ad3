/* threads_loop FILE SECONDS: a long-running two-thread process to attach to.
 *
 * Starts 2 threads that each append a line ("thread N tick K\n", N = 1 or 2)
 * to FILE every 50 ms, then prints "ready\n" on stdout (flushed). After
 * SECONDS seconds (counted on CLOCK_MONOTONIC from the start, so a tracer
 * attaching or detaching does not change it), or at once on SIGUSR1, the
 * threads stop, the main thread joins them, prints "done\n" and exits 0. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fd;
static atomic_int stop;

static void die(const char *what, int err)
{
    fprintf(stderr, "threads_loop: %s: %s\n", what, strerror(err));
    exit(1);
}

/* Sleeps until `deadline`, whatever interrupts the sleep. */
static void sleep_until(const struct timespec *deadline)
{
    int err;
    while ((err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline, NULL)) == EINTR)
        ;
    if (err != 0)
        die("clock_nanosleep", err);
}

static void add_ns(struct timespec *t, long ns)
{
    t->tv_nsec += ns;
    while (t->tv_nsec >= 1000000000L) {
        t->tv_nsec -= 1000000000L;
        t->tv_sec++;
    }
}

static void *ticker(void *arg)
{
    int n = (int)(long)arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (int tick = 1; !atomic_load(&stop); tick++) {
        char line[64];
        int len = snprintf(line, sizeof(line), "thread %d tick %d\n", n, tick);
        if (write(fd, line, (size_t)len) != len)
            die("write", errno);
        add_ns(&next, 50 * 1000000L);
        sleep_until(&next);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: threads_loop FILE SECONDS\n");
        return 2;
    }
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += atoi(argv[2]);

    fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        die("open", errno);

    /* Only the main thread takes SIGUSR1, in sigtimedwait. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);

    pthread_t th[2];
    for (long i = 0; i < 2; i++) {
        int err = pthread_create(&th[i], NULL, ticker, (void *)(i + 1));
        if (err != 0)
            die("pthread_create", err);
    }
    printf("ready\n");
    fflush(stdout);

    for (;;) {
        struct timespec now, left;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ns = (long)(end.tv_sec - now.tv_sec) * 1000000000L + (end.tv_nsec - now.tv_nsec);
        if (ns <= 0)
            break;
        left.tv_sec = ns / 1000000000L;
        left.tv_nsec = ns % 1000000000L;
        if (sigtimedwait(&usr1, NULL, &left) == SIGUSR1)
            break;
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++) {
        int err = pthread_join(th[i], NULL);
        if (err != 0)
            die("pthread_join", err);
    }
    printf("done\n");
    return 0;
}
