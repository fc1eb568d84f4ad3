/* spawn: one child process and one thread.
 *
 * Forks a child that execs /bin/true (execv("/bin/true", {"true", NULL})),
 * then starts a thread that writes exactly 5 bytes ("hello") into a pipe and
 * exits; the main thread joins it, reads the 5 bytes back, waits for the
 * child (which must exit 0), and prints "child <pid>\n" on stdout.
 *
 * What a tracer must report: spawn_process{child_pid = <pid>} from the root;
 * exec{program "/bin/true", argv {"true"}} in the child; exit{code 0} of the
 * child; spawn_thread{child_tid = T}; write{bytes 5, target "pipe"} on T;
 * exit{is_thread true} of T; read{bytes 5, target "pipe"} on the main thread;
 * exit{code 0} of the root. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int pipefd[2];

static void die(const char *what)
{
    fprintf(stderr, "spawn: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void *writer(void *arg)
{
    (void)arg;
    if (write(pipefd[1], "hello", 5) != 5)
        die("write to pipe");
    return NULL;
}

int main(void)
{
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        die("pipe2");

    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        char *const args[] = {"true", NULL};
        execv("/bin/true", args);
        fprintf(stderr, "spawn: execv /bin/true: %s\n", strerror(errno));
        _exit(127);
    }

    pthread_t th;
    int err = pthread_create(&th, NULL, writer, NULL);
    if (err != 0) {
        errno = err;
        die("pthread_create");
    }
    err = pthread_join(th, NULL);
    if (err != 0) {
        errno = err;
        die("pthread_join");
    }

    char buf[5];
    if (read(pipefd[0], buf, sizeof(buf)) != 5 || memcmp(buf, "hello", 5) != 0)
        die("read from pipe");

    int status;
    if (waitpid(child, &status, 0) != child)
        die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "spawn: /bin/true did not exit 0 (status 0x%x)\n", status);
        return 1;
    }
    printf("child %d\n", (int)child);
    return 0;
}
