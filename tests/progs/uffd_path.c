/* Opens FILE through a path that lives in a userfaultfd-registered page
 * nobody has touched yet. Whoever reads the path before the kernel does
 * finds the page missing; the handler thread fills it only once the kernel's
 * own copy of the path has faulted, and a second later. Exits 7 once the
 * open returned FILE, 1 when it did not, 77 (with the reason on stderr) when
 * userfaultfd is not available here.
 *
 *   uffd_path FILE */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif

static int uffd;
static char *page;
static long page_size;
static const char *file;

static void skip(const char *what)
{
    fprintf(stderr, "userfaultfd unavailable: %s: %s\n", what, strerror(errno));
    exit(77);
}

/* Faults taken in the kernel (copying a syscall's path) must be served too,
 * so the fd may not be user-mode-only: that takes privilege, through the
 * syscall or /dev/userfaultfd. */
static int open_uffd(void)
{
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
    if (fd >= 0)
        return fd;
    int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
    if (dev < 0)
        skip("userfaultfd(2) and /dev/userfaultfd");
    fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC);
    if (fd < 0)
        skip("USERFAULTFD_IOC_NEW");
    close(dev);
    return fd;
}

static void *serve(void *arg)
{
    (void)arg;
    struct pollfd p = {uffd, POLLIN, 0};
    struct uffd_msg msg;
    for (;;) {
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            exit(1);
        ssize_t n = read(uffd, &msg, sizeof(msg));
        if (n == (ssize_t)sizeof(msg) && msg.event == UFFD_EVENT_PAGEFAULT)
            break;
    }
    struct timespec second = {1, 0};
    nanosleep(&second, NULL);
    char *filled = aligned_alloc((size_t)page_size, (size_t)page_size);
    memset(filled, 0, (size_t)page_size);
    snprintf(filled, (size_t)page_size, "%s", file);
    struct uffdio_copy copy = {(uintptr_t)page, (uintptr_t)filled, (uint64_t)page_size, 0, 0};
    if (ioctl(uffd, UFFDIO_COPY, &copy) != 0)
        exit(1);
    free(filled);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: uffd_path FILE\n");
        return 2;
    }
    file = argv[1];
    page_size = sysconf(_SC_PAGESIZE);
    uffd = open_uffd();
    struct uffdio_api api = {UFFD_API, 0, 0};
    if (ioctl(uffd, UFFDIO_API, &api) != 0)
        skip("UFFDIO_API");
    page =
        mmap(NULL, (size_t)page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return 1;
    struct uffdio_register reg = {
        {(uintptr_t)page, (uint64_t)page_size}, UFFDIO_REGISTER_MODE_MISSING, 0};
    if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0)
        skip("UFFDIO_REGISTER");
    pthread_t handler;
    if (pthread_create(&handler, NULL, serve, NULL) != 0)
        return 1;

    int fd = open(page, O_RDONLY);
    if (fd < 0) {
        perror("open");
        return 1;
    }
    struct stat got, want;
    if (fstat(fd, &got) != 0 || stat(file, &want) != 0 || got.st_ino != want.st_ino ||
        got.st_dev != want.st_dev)
        return 1;
    pthread_join(handler, NULL);
    close(fd);
    return 7;
}
