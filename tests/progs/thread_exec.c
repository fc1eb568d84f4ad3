/* thread_exec: exec from a thread that is not the thread group leader.
 *
 * The main thread starts a second thread and joins it; the second thread
 * calls execv("/bin/echo", {"echo", "from-thread", NULL}). The kernel kills
 * the main thread and the process continues as echo, which prints
 * "from-thread\n" and exits 0.
 *
 * What a tracer must report: spawn_thread, then exec{program "/bin/echo",
 * argv {"echo", "from-thread"}} with pid = the original process id, and
 * exit{code 0} of the process. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void *run_echo(void *arg)
{
    (void)arg;
    char *const args[] = {"echo", "from-thread", NULL};
    execv("/bin/echo", args);
    fprintf(stderr, "thread_exec: execv /bin/echo: %s\n", strerror(errno));
    _exit(127);
}

int main(void)
{
    pthread_t th;
    int err = pthread_create(&th, NULL, run_echo, NULL);
    if (err != 0) {
        fprintf(stderr, "thread_exec: pthread_create: %s\n", strerror(err));
        return 1;
    }
    pthread_join(th, NULL);
    fprintf(stderr, "thread_exec: the exec never happened\n");
    return 1;
}
