/* Opens DIR/decoy through a buffer that a second thread rewrites to
 * DIR/real while the open is stopped at its entry, before the kernel copies
 * the path: what the tracer read at entry is not the file opened. The two
 * threads meet through files a hook makes (tests/integration/scripts/
 * path_swap.lua): the hook creates DIR/entered at the open's entry and waits
 * for DIR/rewritten, a directory the second thread makes once it has
 * rewritten the buffer. Exits 0 when the file opened was DIR/real, 3 when
 * it was DIR/decoy (untraced, nobody stops the open: the decoy).
 *
 *   path_swap DIR */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char path[4096];
static const char *dir;
static atomic_int opened, started;

static void *swap(void *arg)
{
    (void)arg;
    char entered[4096], rewritten[4096];
    snprintf(entered, sizeof(entered), "%s/entered", dir);
    snprintf(rewritten, sizeof(rewritten), "%s/rewritten", dir);
    struct stat st;
    struct timespec ms = {0, 1000000};
    atomic_store(&started, 1);
    /* stat, nanosleep and mkdir: syscalls the hook's tracer does not stop */
    while (stat(entered, &st) != 0) {
        if (atomic_load(&opened))
            return NULL;
        nanosleep(&ms, NULL);
    }
    snprintf(path, sizeof(path), "%s/real", dir);
    mkdir(rewritten, 0755);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: path_swap DIR\n");
        return 2;
    }
    dir = argv[1];
    snprintf(path, sizeof(path), "%s/decoy", dir);
    char real[4096];
    snprintf(real, sizeof(real), "%s/real", dir);
    pthread_t t;
    if (pthread_create(&t, NULL, swap, NULL) != 0)
        return 1;
    /* Running, so no longer held by the tracer at its first stop. */
    while (!atomic_load(&started))
        sched_yield();
    int fd = open(path, O_RDONLY);
    atomic_store(&opened, 1);
    pthread_join(t, NULL);
    struct stat got, want;
    if (fd < 0 || fstat(fd, &got) != 0 || stat(real, &want) != 0)
        return 1;
    return got.st_ino == want.st_ino && got.st_dev == want.st_dev ? 0 : 3;
}
