/* daemonize CODE: starts a daemon the classic way and exits CODE.
 *
 * Forks; the child starts a session of its own and forks again, and exits
 * 0; the grandchild, the daemon, sleeps (60 seconds at most) until it is
 * killed. The parent reaps the child, prints the daemon's pid and a newline
 * on stdout and exits CODE, leaving the daemon running. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: daemonize CODE\n");
        return 2;
    }
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0) {
        setsid();
        pid_t daemon = fork();
        if (daemon == 0) {
            close(fds[1]);
            close(fds[0]);
            sleep(60);
            _exit(0);
        }
        ssize_t unused = write(fds[1], &daemon, sizeof(daemon));
        (void)unused;
        _exit(daemon > 0 ? 0 : 1);
    }
    close(fds[1]);
    pid_t daemon = 0;
    if (read(fds[0], &daemon, sizeof(daemon)) != (ssize_t)sizeof(daemon))
        return 1;
    int status;
    waitpid(child, &status, 0);
    printf("%d\n", (int)daemon);
    return atoi(argv[1]);
}
