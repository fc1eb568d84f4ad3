/* sigint_handler: a program that handles SIGINT itself.
 *
 * Installs a SIGINT handler, prints "ready\n" on stdout (flushed) and waits
 * for signals. When SIGINT arrives it exits with code 42. An alarm ends it
 * with SIGALRM after 30 s if no SIGINT ever comes. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig)
{
    (void)sig;
    got_sigint = 1;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0) {
        perror("sigint_handler: sigaction");
        return 1;
    }

    /* block SIGINT so that it can only arrive inside sigsuspend */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &old);
    sigdelset(&old, SIGINT);

    alarm(30);
    printf("ready\n");
    fflush(stdout);
    while (!got_sigint)
        sigsuspend(&old);
    _exit(42);
}
