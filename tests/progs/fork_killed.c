/* fork_killed ROUNDS: processes killed while they fork.
 *
 * Each round forks a victim whose 4 threads fork without pause (each child
 * exits 0 at once) until, 20 ms in, the victim SIGKILLs itself; some of
 * its children are then just born, their parent gone. The driver waits for
 * each victim (it must die of SIGKILL) and after ROUNDS rounds prints
 * "done\n" and exits 0. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *forker(void *arg)
{
    (void)arg;
    for (;;) {
        pid_t child = fork();
        if (child == 0)
            _exit(0);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
    }
    return NULL;
}

static void victim(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, forker, NULL);
    struct timespec pause = {0, 20000000L};
    nanosleep(&pause, NULL);
    kill(getpid(), SIGKILL);
    _exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fork_killed ROUNDS\n");
        return 2;
    }
    int rounds = atoi(argv[1]);
    for (int i = 0; i < rounds; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0)
            victim();
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) ||
            WTERMSIG(status) != SIGKILL) {
            fprintf(stderr, "fork_killed: the victim did not die of SIGKILL\n");
            return 1;
        }
    }
    printf("done\n");
    return 0;
}
