/* touch_pages N: touches fresh pages in known places, for page-fault tests.
 *
 * 1. The main thread mallocs N pages from the brk heap (mmap threshold
 *    raised so malloc cannot use mmap) and writes one byte per page.
 * 2. A new thread mmaps N anonymous pages and writes one byte per page.
 * 3. A forked child mmaps N anonymous pages and writes one byte per page.
 *
 * Prints one line per buffer: "KIND TID START END" (hex addresses, END
 * exclusive), KIND being heap, thread-anon or child-anon, so a tracer's
 * faults can be checked against exact ranges. Exit 0. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long pages;
static long page_size;

static void die(const char *what)
{
    fprintf(stderr, "touch_pages: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void touch(const char *kind, char *buf)
{
    for (long i = 0; i < pages; i++)
        buf[i * page_size] = 1;
    printf("%s %ld %lx %lx\n", kind, (long)syscall(SYS_gettid), (unsigned long)(uintptr_t)buf,
           (unsigned long)(uintptr_t)(buf + pages * page_size));
    fflush(stdout);
}

static char *anon_pages(void)
{
    char *buf = mmap(NULL, (size_t)(pages * page_size), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        die("mmap");
    return buf;
}

static void *thread_main(void *arg)
{
    (void)arg;
    touch("thread-anon", anon_pages());
    return NULL;
}

int main(int argc, char **argv)
{
    pages = argc > 1 ? atol(argv[1]) : 0;
    page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0) {
        fprintf(stderr, "usage: touch_pages PAGES\n");
        return 2;
    }
    mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
    /* Page-aligned so every page of the buffer is a fresh one. */
    char *heap = malloc((size_t)((pages + 1) * page_size));
    if (!heap)
        die("malloc");
    heap = (char *)(((uintptr_t)heap + (uintptr_t)page_size - 1) & ~((uintptr_t)page_size - 1));
    touch("heap", heap);

    pthread_t thread;
    if (pthread_create(&thread, NULL, thread_main, NULL) != 0)
        die("pthread_create");
    pthread_join(thread, NULL);

    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        touch("child-anon", anon_pages());
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
