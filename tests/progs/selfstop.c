/* selfstop: job control must look untraced.
 *
 * Forks a child that stops itself with raise(SIGSTOP). The parent must see,
 * with waitpid: the child stopped by SIGSTOP (WUNTRACED); after it sends
 * SIGCONT, the child continued (WCONTINUED); then, after telling the child
 * through a pipe to finish, the child exited with code 7. Exit 0 when all
 * three were observed, 1 (with a message on stderr) otherwise. An alarm ends
 * the program (SIGALRM) if a wait never returns. Prints nothing. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *what, int status)
{
    fprintf(stderr, "selfstop: %s (status 0x%x, %s)\n", what, status, strerror(errno));
    return 1;
}

int main(void)
{
    int go[2];
    if (pipe(go) != 0)
        return fail("pipe", 0);
    alarm(20);

    pid_t child = fork();
    if (child < 0)
        return fail("fork", 0);
    if (child == 0) {
        close(go[1]);
        raise(SIGSTOP);
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(1);
        _exit(7);
    }
    close(go[0]);

    int status = 0;
    if (waitpid(child, &status, WUNTRACED) != child)
        return fail("waitpid(WUNTRACED)", status);
    if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP)
        return fail("the child was not seen stopped by SIGSTOP", status);

    if (kill(child, SIGCONT) != 0)
        return fail("kill(SIGCONT)", 0);
    /* the child waits on the pipe, so it cannot exit before this wait */
    if (waitpid(child, &status, WCONTINUED) != child)
        return fail("waitpid(WCONTINUED)", status);
    if (!WIFCONTINUED(status))
        return fail("the child was not seen continued", status);

    if (write(go[1], "x", 1) != 1)
        return fail("write to pipe", 0);
    if (waitpid(child, &status, 0) != child)
        return fail("waitpid", status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 7)
        return fail("the child did not exit 7", status);
    return 0;
}
