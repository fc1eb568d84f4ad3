/* vfork_wait DIR: a parent blocked in vfork for as long as a test wants.
 *
 * Prints "ready\n" (flushed), waits for DIR/go to exist, then vforks. The
 * child waits for DIR/release to exist (polling every 10 ms with raw system
 * calls only, as a vfork child must) and _exits 7; until then the parent
 * cannot run. The parent then reaps it, prints "child exited 7\n" and exits
 * 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void wait_for_file(const char *path)
{
    struct timespec tick = {0, 10000000L};
    while (syscall(SYS_access, path, F_OK) != 0)
        syscall(SYS_nanosleep, &tick, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: vfork_wait DIR\n");
        return 2;
    }
    static char go[4096], release[4096];
    snprintf(go, sizeof(go), "%s/go", argv[1]);
    snprintf(release, sizeof(release), "%s/release", argv[1]);
    printf("ready\n");
    fflush(stdout);
    wait_for_file(go);
    pid_t child = vfork();
    if (child == 0) {
        wait_for_file(release);
        syscall(SYS_exit, 7);
    }
    if (child < 0) {
        perror("vfork_wait: vfork");
        return 1;
    }
    int status;
    if (waitpid(child, &status, 0) != child) {
        perror("vfork_wait: waitpid");
        return 1;
    }
    printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
