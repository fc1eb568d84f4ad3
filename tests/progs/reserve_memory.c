/* With "full": starts a thread on a 1 MB stack (the C library adds a
 * one-page guard without access), then reserves 64 MB without access
 * (PROT_NONE), makes its first 1 MB writable and maps the 12288-byte file
 * DIR/mapped.bin (made here). With "base" it makes the file and does none
 * of that, so the difference between two runs is what "full" did. It is
 * linked statically: no loader maps and unmaps libraries first, so the
 * peaks of the memory totals are its own mappings'. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RESERVED (64u << 20)
#define WRITABLE (1u << 20)
#define FILE_SIZE 12288u
#define STACK (1u << 20)

static void *thread_main(void *arg)
{
    return arg;
}

static int fail(const char *what)
{
    perror(what);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: reserve_memory base|full DIR\n");
        return 2;
    }
    char path[4096];
    static char page[FILE_SIZE];
    snprintf(path, sizeof(path), "%s/mapped.bin", argv[2]);
    memset(page, 'm', sizeof(page));
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
        return fail("mapped.bin");
    if (strcmp(argv[1], "full") != 0)
        return 0;
    pthread_attr_t attr;
    pthread_t thread;
    if (pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, STACK) != 0 ||
        pthread_create(&thread, &attr, thread_main, NULL) != 0 || pthread_join(thread, NULL) != 0)
        return fail("thread");
    char *reserve =
        mmap(NULL, RESERVED, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserve == MAP_FAILED || mprotect(reserve, WRITABLE, PROT_READ | PROT_WRITE) != 0)
        return fail("reserve");
    reserve[0] = 1;
    char *file = mmap(NULL, FILE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    if (file == MAP_FAILED || file[0] != 'm')
        return fail("mmap file");
    return 0;
}
