/* proc_tree [ARGS...]: a known tree of three processes under the root.
 *
 * The root forks A and then B. A forks G, which execs /bin/true with argv
 * {"true", "g-arg"} and exits 0; A waits for G, prints "g <G's pid>\n" and
 * exits 7 without an exec. B kills itself with SIGTERM. The root waits for
 * both, prints "a <A's pid>\nb <B's pid>\n" and exits 0. Each line is one
 * write(2) of stdout.
 *
 * What a tracer must report: spawn_process A and B from the root, G from
 * A; exec of /bin/true in G only; exits: G 0, A 7, B killed by SIGTERM,
 * the root 0. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "proc_tree: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void wait_for(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid");
}

int main(void)
{
    pid_t a = fork();
    if (a < 0)
        die("fork");
    if (a == 0) {
        pid_t g = fork();
        if (g < 0)
            die("fork");
        if (g == 0) {
            char *const args[] = {"true", "g-arg", NULL};
            execv("/bin/true", args);
            _exit(127);
        }
        wait_for(g);
        dprintf(STDOUT_FILENO, "g %d\n", (int)g);
        _exit(7);
    }
    wait_for(a);
    pid_t b = fork();
    if (b < 0)
        die("fork");
    if (b == 0) {
        kill(getpid(), SIGTERM);
        _exit(1);
    }
    wait_for(b);
    dprintf(STDOUT_FILENO, "a %d\nb %d\n", (int)a, (int)b);
    return 0;
}
