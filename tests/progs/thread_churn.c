/* thread_churn SECONDS: a process that creates and destroys threads without
 * pause, to attach to and detach from while it does.
 *
 * 4 spawner threads each create a batch of 50 short-lived threads (each
 * sleeps 1 ms and ends) and join them, over and over, so up to 200 threads
 * come and go at any moment. Prints "ready\n" (flushed) once the spawners
 * run. After SECONDS seconds (CLOCK_MONOTONIC), or at once on SIGUSR1, the
 * spawners stop, the main thread joins them, prints "done\n" and exits 0. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SPAWNERS 4
#define BATCH 50

static atomic_int stop;

static void die(const char *what, int err)
{
    fprintf(stderr, "thread_churn: %s: %s\n", what, strerror(err));
    exit(1);
}

static void *short_lived(void *arg)
{
    (void)arg;
    struct timespec ms = {0, 1000000L};
    nanosleep(&ms, NULL);
    return NULL;
}

static void *spawner(void *arg)
{
    (void)arg;
    pthread_t batch[BATCH];
    while (!atomic_load(&stop)) {
        for (int i = 0; i < BATCH; i++) {
            int err = pthread_create(&batch[i], NULL, short_lived, NULL);
            if (err != 0)
                die("pthread_create", err);
        }
        for (int i = 0; i < BATCH; i++)
            pthread_join(batch[i], NULL);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: thread_churn SECONDS\n");
        return 2;
    }
    struct timespec left = {(time_t)atoi(argv[1]), 0}, start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    /* Only the main thread takes SIGUSR1, in sigtimedwait. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);

    pthread_t spawners[SPAWNERS];
    for (int i = 0; i < SPAWNERS; i++) {
        int err = pthread_create(&spawners[i], NULL, spawner, NULL);
        if (err != 0)
            die("pthread_create", err);
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        if (sigtimedwait(&usr1, NULL, &left) == SIGUSR1 || errno != EINTR)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        time_t spent = now.tv_sec - start.tv_sec;
        if (spent >= (time_t)atoi(argv[1]))
            break;
        left.tv_sec = (time_t)atoi(argv[1]) - spent;
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < SPAWNERS; i++)
        pthread_join(spawners[i], NULL);
    printf("done\n");
    return 0;
}
