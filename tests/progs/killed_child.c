/* killed_child [self | exit N]: deaths by signal, and exit codes.
 *
 * killed_child         forks a child that kills itself with raise(SIGKILL);
 *                      the parent waits for it and exits 0 when the child
 *                      died of signal 9 (1 otherwise). A tracer must report
 *                      exit{signal "SIGKILL"} for the child and code 0 for
 *                      the parent.
 * killed_child self    kills itself with raise(SIGTERM) (default action): the
 *                      tracer's exit status is 128+15 = 143.
 * killed_child exit N  exits with code N.
 * Prints nothing unless a step fails. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "self") == 0) {
        signal(SIGTERM, SIG_DFL);
        raise(SIGTERM);
        fprintf(stderr, "killed_child: survived SIGTERM\n");
        return 1;
    }
    if (argc >= 3 && strcmp(argv[1], "exit") == 0)
        return atoi(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: killed_child [self | exit N]\n");
        return 2;
    }

    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "killed_child: fork: %s\n", strerror(errno));
        return 1;
    }
    if (child == 0) {
        raise(SIGKILL);
        _exit(1);
    }
    int status;
    if (waitpid(child, &status, 0) != child) {
        fprintf(stderr, "killed_child: waitpid: %s\n", strerror(errno));
        return 1;
    }
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
        fprintf(stderr, "killed_child: the child did not die of SIGKILL (status 0x%x)\n", status);
        return 1;
    }
    return 0;
}
