/* timed_sleeps MS COUNT [GO_FILE]: syscalls that take a known minimum time.
 *
 * Forks a child; each of the two processes writes "tick\n" to a file of its
 * own, OUT.parent or OUT.child (OUT is GO_FILE, or timed_sleeps.out in the
 * working directory), touches 16 fresh pages, then makes COUNT nanosleep
 * syscalls of MS milliseconds each (the raw syscall, nr 35: it sleeps at
 * least that long from its entry).
 * The parent waits for the child and exits 0.
 *
 * With GO_FILE: first prints "ready\n" and loops in MS sleeps until GO_FILE
 * exists (a tracer attaches meanwhile), then does the above with OUT =
 * GO_FILE. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "timed_sleeps: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void sleep_ms(long ms)
{
    struct timespec req = {ms / 1000, (ms % 1000) * 1000000L};
    /* An interruption (a stop, an attach) restarts it as restart_syscall. */
    if (syscall(SYS_nanosleep, &req, NULL) != 0)
        die("nanosleep");
}

static void work(const char *out, const char *who, long ms, long count)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s.%s", out, who);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("open");
    if (write(fd, "tick\n", 5) != 5)
        die("write");
    close(fd);
    long page = sysconf(_SC_PAGESIZE);
    char *p =
        mmap(NULL, 16 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
    for (int i = 0; i < 16; i++)
        p[i * page] = 1;
    for (long i = 0; i < count; i++)
        sleep_ms(ms);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: timed_sleeps MS COUNT [GO_FILE]\n");
        return 2;
    }
    long ms = atol(argv[1]), count = atol(argv[2]);
    const char *out = "timed_sleeps.out";
    if (argc > 3) {
        out = argv[3];
        printf("ready\n");
        fflush(stdout);
        while (access(out, F_OK) != 0)
            sleep_ms(ms);
    }
    /* Traced, even an ignored SIGCHLD stops the parent: it would cut its
     * sleep short (ERESTART_RESTARTBLOCK). Blocked, it waits for waitpid. */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pid_t child = fork();
    if (child < 0)
        die("fork");
    work(out, child == 0 ? "child" : "parent", ms, count);
    if (child == 0)
        _exit(0);
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("child");
    return 0;
}
