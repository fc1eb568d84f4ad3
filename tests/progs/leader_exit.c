/* leader_exit: a process whose main thread has exited while another runs on.
 *
 * Starts a thread, prints "ready\n" (flushed) and ends the main thread with
 * pthread_exit: the process lives on as a zombie leader and one thread. That
 * thread sleeps 30 seconds (or until SIGTERM ends the process) and exits 0. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
    (void)arg;
    sleep(30);
    return NULL;
}

int main(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, sleeper, NULL) != 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    pthread_exit(NULL);
}
