/* sigstate [-b SIG]... [-i SIG]... [-- COMMAND ARGS...]: the signal state a
 * program starts with.
 *
 * -b SIG blocks signal number SIG, -i SIG ignores it. With a COMMAND, it
 * then execs the command, which inherits both. Without one it prints its
 * own state, one line each, signal numbers in increasing order:
 *   blocked: 10 12
 *   ignored: 13
 * and then writes to a pipe whose reader is gone: with SIGPIPE ignored it
 * prints "write: EPIPE" and exits 0; otherwise SIGPIPE kills it (141). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_set(const char *label, const sigset_t *set, int ignored_only)
{
    printf("%s:", label);
    for (int sig = 1; sig < NSIG; sig++) {
        int member;
        if (ignored_only) {
            struct sigaction sa;
            member = sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
        } else {
            member = sigismember(set, sig) == 1;
        }
        if (member)
            printf(" %d", sig);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    sigset_t block;
    sigemptyset(&block);
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (i + 1 >= argc || (strcmp(argv[i], "-b") != 0 && strcmp(argv[i], "-i") != 0)) {
            fprintf(stderr, "usage: sigstate [-b SIG]... [-i SIG]... [-- COMMAND ARGS...]\n");
            return 2;
        }
        int sig = atoi(argv[i + 1]);
        if (argv[i][1] == 'b')
            sigaddset(&block, sig);
        else
            signal(sig, SIG_IGN);
        i++;
    }
    sigprocmask(SIG_BLOCK, &block, NULL);
    if (i < argc) {
        execvp(argv[i], argv + i);
        fprintf(stderr, "sigstate: %s: %s\n", argv[i], strerror(errno));
        return 127;
    }
    sigset_t mask;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    print_set("blocked", &mask, 0);
    print_set("ignored", NULL, 1);
    fflush(stdout);
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    close(fds[0]);
    if (write(fds[1], "x", 1) < 0 && errno == EPIPE)
        printf("write: EPIPE\n");
    return 0;
}
