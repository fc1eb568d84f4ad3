/* uring_io PATH [GO]: through one io_uring, and no open, write or read
 * syscall, creates PATH (truncated), writes 64 KiB to it, reads them back,
 * checks them and closes it. With GO, it sets the ring up, prints "ready"
 * and waits until the file GO exists before the I/O (time to attach to it).
 *
 * Prints "io_uring fd N: wrote 65536, read 65536 bytes" (N: the ring's fd)
 * and exits 0; exit 1 on any failure, with the reason on stderr; exit 3 when
 * the kernel offers no io_uring (ENOSYS, or EPERM: disabled by sysctl). */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SIZE 65536
#define ENTRIES 4

struct ring {
    int fd;
    unsigned *sq_tail, *sq_mask, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
};

static void die(const char *what)
{
    fprintf(stderr, "uring_io: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void *map(int fd, size_t len, off_t offset)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
    if (p == MAP_FAILED)
        die("mmap");
    return p;
}

static void setup(struct ring *r)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    r->fd = (int)syscall(SYS_io_uring_setup, ENTRIES, &p);
    if (r->fd < 0) {
        if (errno == ENOSYS || errno == EPERM) {
            fprintf(stderr, "uring_io: no io_uring here: %s\n", strerror(errno));
            exit(3);
        }
        die("io_uring_setup");
    }
    char *sq = map(r->fd, p.sq_off.array + p.sq_entries * sizeof(unsigned), IORING_OFF_SQ_RING);
    char *cq =
        map(r->fd, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe), IORING_OFF_CQ_RING);
    r->sqes = map(r->fd, p.sq_entries * sizeof(struct io_uring_sqe), IORING_OFF_SQES);
    r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    r->sq_array = (unsigned *)(sq + p.sq_off.array);
    r->cq_head = (unsigned *)(cq + p.cq_off.head);
    r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
    r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
}

/* Submits one operation, waits for it and returns its result. */
static int run(struct ring *r, const struct io_uring_sqe *op, const char *what)
{
    unsigned tail = *r->sq_tail;
    unsigned idx = tail & *r->sq_mask;
    r->sqes[idx] = *op;
    r->sq_array[idx] = idx;
    __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
    if (syscall(SYS_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) != 1)
        die("io_uring_enter");
    unsigned head = *r->cq_head;
    if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
        fprintf(stderr, "uring_io: %s: no completion\n", what);
        exit(1);
    }
    int res = r->cqes[head & *r->cq_mask].res;
    __atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
    if (res < 0) {
        errno = -res;
        die(what);
    }
    return res;
}

/* One operation on fd: opcode, buffer (or path) and length. */
static int op_on(struct ring *r, int opcode, int fd, const void *addr, unsigned len,
                 const char *what)
{
    struct io_uring_sqe op;
    memset(&op, 0, sizeof(op));
    op.opcode = (uint8_t)opcode;
    op.fd = fd;
    op.addr = (uint64_t)(uintptr_t)addr;
    op.len = len;
    if (opcode == IORING_OP_OPENAT)
        op.open_flags = O_CREAT | O_RDWR | O_TRUNC; /* len is the mode */
    return run(r, &op, what);
}

static int do_io(struct ring *r, const char *path)
{
    static char out[SIZE], in[SIZE];
    memset(out, 'u', sizeof(out));
    int fd = op_on(r, IORING_OP_OPENAT, AT_FDCWD, path, 0644, "openat");
    int wrote = op_on(r, IORING_OP_WRITE, fd, out, SIZE, "write");
    int got = op_on(r, IORING_OP_READ, fd, in, SIZE, "read");
    op_on(r, IORING_OP_CLOSE, fd, NULL, 0, "close");
    if (wrote != SIZE || got != SIZE || memcmp(in, out, SIZE) != 0) {
        fprintf(stderr, "uring_io: wrote %d, read %d bytes, or they differ\n", wrote, got);
        return 1;
    }
    printf("io_uring fd %d: wrote %d, read %d bytes\n", r->fd, wrote, got);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: uring_io PATH [GO]\n");
        return 1;
    }
    struct ring r;
    setup(&r);
    if (argc == 3) {
        printf("ready\n");
        fflush(stdout);
        while (access(argv[2], F_OK) != 0)
            usleep(10000);
    }
    return do_io(&r, argv[1]);
}
