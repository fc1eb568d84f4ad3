/* kernel_books DIR PAGES WAKES: does three kinds of work the kernel keeps
 * books on, then prints what the books say.
 *
 *   1. touches PAGES fresh anonymous pages (one write each);
 *   2. writes 8 MiB to DIR/kernel_books.bin with O_DIRECT in 128 KiB
 *      writes, overwrites it and reads it back (the window, see direct_io),
 *      reads it through a mapping (major faults), fsyncs, removes the file (DIR must take O_DIRECT:
 * a file system on a block device, not tmpfs);
 *   3. starts two children that spin until told to stop (so the CPUs are
 *      busy), then sleeps 1 ms and wakes up WAKES times; stops the children.
 *
 * Prints machine-readable lines, one task each (the children print their
 * own, read just before they exit):
 *
 *   window start, window end            (step 2, see direct_io)
 *   direct ok window_read_bytes N window_write_bytes N
 *   direct unsupported                  (O_DIRECT refused: step 2 skipped)
 *   child TID at T minflt N majflt N run_delay NS
 *   main TID at T minflt N majflt N run_delay NS read_bytes N write_bytes N
 *
 * Each task reads its books and notes the time T, then formats its line
 * (once before too, so that formatting touches no new memory) and writes it
 * with one write(2): what a tracer saw of the task up to T is what the books
 * count.
 *
 * T is CLOCK_MONOTONIC in ns just after the books were read (the clock of
 * compendium's ts_ns). minflt/majflt are getrusage(RUSAGE_SELF) (the whole process: the program
 * is one thread), run_delay the second field of /proc/thread-self/schedstat
 * (ns waited on a run queue), read_bytes/write_bytes those of
 * /proc/thread-self/io. The main line is the last line. Exit 0; 1 on any
 * failure (message on stderr). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (128 * 1024)
#define TOTAL (8 * 1024 * 1024)

static void die(const char *what)
{
    fprintf(stderr, "kernel_books: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* The number after `key` in a /proc file of "key: value" lines. */
static unsigned long long proc_field(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die(path);
    char line[256];
    size_t klen = strlen(key);
    unsigned long long v = 0;
    bool found = false;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtoull(line + klen + 1, NULL, 10);
            found = true;
        }
    fclose(f);
    if (!found) {
        fprintf(stderr, "kernel_books: no %s in %s\n", key, path);
        exit(1);
    }
    return v;
}

static unsigned long long run_delay(void)
{
    FILE *f = fopen("/proc/thread-self/schedstat", "r");
    unsigned long long on_cpu, delay;
    if (!f)
        die("/proc/thread-self/schedstat");
    int n = fscanf(f, "%llu %llu", &on_cpu, &delay);
    fclose(f);
    if (n != 2) {
        fprintf(stderr, "kernel_books: cannot read /proc/thread-self/schedstat\n");
        exit(1);
    }
    return delay;
}

/* Everything below is read first and printed after, so that printing's
 * own faults and waits are not in the figures. */
struct books {
    long minflt, majflt;
    unsigned long long run_delay;
    unsigned long long at; /* CLOCK_MONOTONIC ns just after they were read */
};

static unsigned long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000u + (unsigned long long)ts.tv_nsec;
}

static void read_books(struct books *b)
{
    b->run_delay = run_delay();
    /* Last: reading schedstat allocates (a FILE), which faults. */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    b->at = now_ns();
    b->minflt = ru.ru_minflt;
    b->majflt = ru.ru_majflt;
}

static void touch_pages(long pages)
{
    long size = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, (size_t)(pages * size), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
    for (long i = 0; i < pages; i++)
        p[i * size] = 1;
    munmap(p, (size_t)(pages * size));
}

struct io_books {
    unsigned long long read_bytes, write_bytes;
};

static void read_io(struct io_books *io)
{
    io->read_bytes = proc_field("/proc/thread-self/io", "read_bytes");
    io->write_bytes = proc_field("/proc/thread-self/io", "write_bytes");
}

static void say(const char *line)
{
    if (write(1, line, strlen(line)) != (ssize_t)strlen(line))
        die("write");
}

static void transfer(int fd, void *buf, bool writing)
{
    for (long done = 0; done < TOTAL; done += CHUNK) {
        ssize_t n = writing ? pwrite(fd, buf, CHUNK, done) : pread(fd, buf, CHUNK, done);
        if (n != CHUNK)
            die(writing ? "pwrite" : "pread");
    }
}

/* Writes the file (allocating its blocks), then, between the lines
 * "window start" and "window end", overwrites it and reads it back: in the
 * window the only I/O is O_DIRECT data, and *window holds what the kernel
 * counted for it. The metadata the allocation dirtied is in no window: the
 * kernel counts it in write_bytes when it is dirtied, and the task writes
 * it at the fsync. False if the file system refuses O_DIRECT. */
static bool direct_io(const char *dir, struct io_books *window)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/kernel_books.bin", dir) >= (int)sizeof(path)) {
        fprintf(stderr, "kernel_books: path too long\n");
        exit(1);
    }
    void *buf;
    if (posix_memalign(&buf, 4096, CHUNK) != 0)
        die("posix_memalign");
    memset(buf, 'k', CHUNK);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0644);
    if (fd < 0 && errno == EINVAL) {
        free(buf);
        return false;
    }
    if (fd < 0)
        die(path);
    if (pwrite(fd, buf, CHUNK, 0) != CHUNK) {
        if (errno != EINVAL)
            die("pwrite");
        close(fd);
        unlink(path);
        free(buf);
        return false;
    }
    transfer(fd, buf, true);
    struct io_books before, after;
    read_io(&before);
    say("window start\n");
    transfer(fd, buf, true);
    transfer(fd, buf, false);
    read_io(&after);
    say("window end\n");
    window->read_bytes = after.read_bytes - before.read_bytes;
    window->write_bytes = after.write_bytes - before.write_bytes;
    /* O_DIRECT left none of the file in the page cache: reading it through
     * a mapping takes major faults. */
    volatile char *map = mmap(NULL, TOTAL, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        die("mmap");
    for (long off = 0; off < TOTAL; off += CHUNK)
        (void)map[off];
    munmap((void *)map, TOTAL);
    if (fsync(fd) != 0)
        die("fsync");
    if (close(fd) != 0 || unlink(path) != 0)
        die("close/unlink");
    free(buf);
    return true;
}

static int child_line(char *line, size_t cap, const struct books *b)
{
    return snprintf(line, cap, "child %ld at %llu minflt %ld majflt %ld run_delay %llu\n",
                    (long)syscall(SYS_gettid), b->at, b->minflt, b->majflt, b->run_delay);
}

static void spin(volatile int *stop)
{
    struct books b = {.at = now_ns()};
    char line[160];
    child_line(line, sizeof(line), &b);
    while (!*stop)
        ;
    read_books(&b);
    int n = child_line(line, sizeof(line), &b);
    if (write(1, line, (size_t)n) != n)
        _exit(1);
    _exit(0);
}

static int main_line(char *line, size_t cap, const struct books *b, const struct io_books *io)
{
    return snprintf(line, cap,
                    "main %ld at %llu minflt %ld majflt %ld run_delay %llu read_bytes %llu "
                    "write_bytes %llu\n",
                    (long)syscall(SYS_gettid), b->at, b->minflt, b->majflt, b->run_delay,
                    io->read_bytes, io->write_bytes);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: kernel_books DIR PAGES WAKES\n");
        return 1;
    }
    long pages = atol(argv[2]), wakes = atol(argv[3]);
    if (pages < 0 || wakes < 0) {
        fprintf(stderr, "kernel_books: PAGES and WAKES are counts\n");
        return 1;
    }
    /* stdout may be a pipe: the children's lines must not sit in a copy of
     * this buffer. */
    setvbuf(stdout, NULL, _IONBF, 0);
    volatile int *stop =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (stop == MAP_FAILED)
        die("mmap");
    *stop = 0;

    touch_pages(pages);
    struct io_books window;
    if (direct_io(argv[1], &window))
        printf("direct ok window_read_bytes %llu window_write_bytes %llu\n", window.read_bytes,
               window.write_bytes);
    else
        printf("direct unsupported\n");

    pid_t children[2];
    for (int i = 0; i < 2; i++) {
        children[i] = fork();
        if (children[i] < 0)
            die("fork");
        if (children[i] == 0)
            spin(stop);
    }
    struct timespec ms = {0, 1000000};
    for (long i = 0; i < wakes; i++)
        nanosleep(&ms, NULL);
    *stop = 1;
    for (int i = 0; i < 2; i++) {
        int status;
        if (waitpid(children[i], &status, 0) != children[i] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            fprintf(stderr, "kernel_books: a child failed\n");
            return 1;
        }
    }

    struct io_books io;
    read_io(&io);
    struct books b = {.at = now_ns()};
    char line[256];
    main_line(line, sizeof(line), &b, &io);
    read_books(&b);
    int n = main_line(line, sizeof(line), &b, &io);
    if (write(1, line, (size_t)n) != n)
        die("write");
    return 0;
}
