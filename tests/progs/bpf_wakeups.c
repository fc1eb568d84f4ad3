/* bpf_wakeups [ROUNDS]: the main thread and a second thread pass a byte back
 * and forth over two pipes ROUNDS times (default 2000), so each is woken
 * ROUNDS times; run it while other processes keep the CPUs busy and the
 * wakeups wait on the run queue.
 *
 * Prints one line, "pid P tids T1 T2" (the process, the main thread, the
 * second thread); exit 0. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ping[2], pong[2];
static long rounds = 2000;
static pid_t worker_tid;

static void die(const char *what)
{
    fprintf(stderr, "bpf_wakeups: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void *worker(void *arg)
{
    (void)arg;
    worker_tid = (pid_t)syscall(SYS_gettid);
    char c;
    for (long i = 0; i < rounds; i++) {
        if (read(ping[0], &c, 1) != 1)
            die("worker read");
        if (write(pong[1], &c, 1) != 1)
            die("worker write");
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        rounds = atol(argv[1]);
    if (rounds <= 0) {
        fprintf(stderr, "usage: bpf_wakeups [ROUNDS > 0]\n");
        return 1;
    }
    if (pipe(ping) != 0 || pipe(pong) != 0)
        die("pipe");
    pthread_t t;
    int err = pthread_create(&t, NULL, worker, NULL);
    if (err) {
        errno = err;
        die("pthread_create");
    }
    char c = 'x';
    for (long i = 0; i < rounds; i++) {
        if (write(ping[1], &c, 1) != 1)
            die("write");
        if (read(pong[0], &c, 1) != 1)
            die("read");
    }
    pthread_join(t, NULL);
    printf("pid %d tids %d %d\n", (int)getpid(), (int)syscall(SYS_gettid), (int)worker_tid);
    return 0;
}
