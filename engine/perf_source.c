#include "perf_source.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "xalloc.h"

/* Data pages per ring (a power of two): 256 KB holds 8192 samples, and the
 * loop is woken when half of that is waiting. */
#define RING_DATA_PAGES 64

struct ring {
    int fd;
    int major_fd; /* the major faults' event, which writes into fd's ring */
    void *base;   /* the metadata page, then the data pages */
    size_t data_size;
    pid_t tid;
};

static struct ring *rings;
static size_t nrings, rings_cap;
static size_t page_size;
static int ncpus;
static bool exclude_kernel;
static uint64_t lost;

/* One sample as PERF_SAMPLE_TID | TIME | ADDR lays it out. */
struct fault_sample {
    struct perf_event_header header;
    uint32_t pid, tid;
    uint64_t time;
    uint64_t addr;
};

struct lost_record {
    struct perf_event_header header;
    uint64_t id;
    uint64_t lost;
};

static int perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu)
{
    return (int)syscall(SYS_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* The kernel counts a fault as minor or major (getrusage's ru_minflt and
 * ru_majflt) and fires the matching event; one of each covers them all. */
static void fault_attr(struct perf_event_attr *a, uint64_t config)
{
    memset(a, 0, sizeof(*a));
    a->size = sizeof(*a);
    a->type = PERF_TYPE_SOFTWARE;
    a->config = config;
    a->sample_period = 1;
    a->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR;
    a->use_clockid = 1;
    a->clockid = CLOCK_MONOTONIC;
    /* Children and threads created later carry the event with them. */
    a->inherit = 1;
    /* Faults the kernel takes on the program's behalf (a read() into a
     * fresh buffer) are memory the program touched too, when permitted. */
    a->exclude_kernel = exclude_kernel;
    a->exclude_hv = 1;
    a->watermark = 1;
    a->wakeup_watermark = (uint32_t)(RING_DATA_PAGES * page_size / 2);
}

bool perf_source_open(char *why, size_t cap)
{
    page_size = (size_t)sysconf(_SC_PAGESIZE);
    ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
    if (ncpus < 1)
        ncpus = 1;
    struct perf_event_attr attr;
    /* A probe on ourselves tells what is permitted before anything runs. */
    for (int attempt = 0; attempt < 2; attempt++) {
        exclude_kernel = attempt == 1;
        fault_attr(&attr, PERF_COUNT_SW_PAGE_FAULTS_MIN);
        attr.inherit = 0;
        int fd = perf_event_open(&attr, 0, -1);
        if (fd >= 0) {
            close(fd);
            return true;
        }
        if (errno != EACCES && errno != EPERM)
            break;
    }
    int err = errno;
    int paranoid = procfs_sysctl_int("kernel/perf_event_paranoid", 2);
    if ((err == EACCES || err == EPERM) && paranoid > 2)
        snprintf(why, cap,
                 "--faults is not permitted: kernel.perf_event_paranoid is %d; run as root (or "
                 "with CAP_PERFMON), or allow it with: sysctl kernel.perf_event_paranoid=2",
                 paranoid);
    else if ((err == EACCES || err == EPERM) && geteuid() != 0)
        snprintf(why, cap,
                 "--faults is not permitted (perf_event_open: %s) with kernel.perf_event_paranoid "
                 "at %d; run as root or with CAP_PERFMON",
                 strerror(err), paranoid);
    else if (err == EACCES || err == EPERM)
        snprintf(why, cap,
                 "--faults is not permitted: perf_event_open is refused (%s) even to root; a "
                 "seccomp profile or security module (a container's?) blocks it",
                 strerror(err));
    else if (err == ENOSYS)
        snprintf(why, cap, "--faults needs perf_event_open, which this system does not offer");
    else if (err == ENOENT || err == ENODEV || err == EOPNOTSUPP)
        snprintf(why, cap, "--faults: the kernel has no software page-fault event");
    else
        snprintf(why, cap, "--faults: perf_event_open failed: %s", strerror(err));
    return false;
}

static bool map_ring(int fd, pid_t tid)
{
    size_t len = (1 + RING_DATA_PAGES) * page_size;
    void *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED)
        return false;
    /* Half a ring waiting interrupts the loop's wait (SIGALRM, which the
     * loop treats as "look around"), so a program that faults without
     * making syscalls cannot overrun the ring unnoticed. */
    fcntl(fd, F_SETOWN, getpid());
    fcntl(fd, F_SETSIG, SIGALRM);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
    if (nrings == rings_cap) {
        rings_cap = rings_cap ? rings_cap * 2 : 8;
        rings = xrealloc(rings, rings_cap * sizeof(*rings));
    }
    rings[nrings++] = (struct ring){.fd = fd,
                                    .major_fd = -1,
                                    .base = base,
                                    .data_size = RING_DATA_PAGES * page_size,
                                    .tid = tid};
    return true;
}

static int open_fault_event(uint64_t config, pid_t tid, int cpu, bool from_exec)
{
    struct perf_event_attr attr;
    fault_attr(&attr, config);
    /* Before its execve the command runs compendium's set-up code (the
     * seccomp filter): counting starts when the execve is done (see
     * perf_source_exec). */
    attr.disabled = from_exec;
    return perf_event_open(&attr, tid, cpu);
}

/* The major faults' event for tid on cpu, writing into the ring of fd
 * (which must be mapped already); -1 with errno set. */
static int open_major(int fd, pid_t tid, int cpu, bool from_exec)
{
    int major_fd = open_fault_event(PERF_COUNT_SW_PAGE_FAULTS_MAJ, tid, cpu, from_exec);
    if (major_fd >= 0 && ioctl(major_fd, PERF_EVENT_IOC_SET_OUTPUT, fd) != 0) {
        int err = errno;
        close(major_fd);
        errno = err;
        return -1;
    }
    return major_fd;
}

bool perf_source_track(pid_t tid, bool from_exec)
{
    /* Inherited events cannot share one ring per task, so: one per CPU. */
    int opened = 0;
    for (int cpu = 0; cpu < ncpus; cpu++) {
        int fd = open_fault_event(PERF_COUNT_SW_PAGE_FAULTS_MIN, tid, cpu, from_exec);
        if (fd < 0) {
            if (errno == ENODEV || errno == EINVAL)
                continue; /* offline CPU */
            fprintf(stderr, "compendium: --faults: cannot watch task %d: %s\n", (int)tid,
                    strerror(errno));
            return false;
        }
        if (!map_ring(fd, tid)) {
            fprintf(stderr, "compendium: --faults: cannot map the sample ring: %s\n",
                    strerror(errno));
            close(fd);
            return false;
        }
        int major_fd = open_major(fd, tid, cpu, from_exec);
        if (major_fd < 0) {
            fprintf(stderr, "compendium: --faults: cannot watch task %d's major faults: %s\n",
                    (int)tid, strerror(errno));
            return false; /* the ring is closed with the others */
        }
        rings[nrings - 1].major_fd = major_fd;
        opened++;
    }
    if (opened == 0) {
        fprintf(stderr, "compendium: --faults: no CPU accepted the page-fault event\n");
        return false;
    }
    return true;
}

void perf_source_exec(pid_t tid)
{
    for (size_t i = 0; i < nrings; i++)
        if (rings[i].tid == tid) {
            ioctl(rings[i].fd, PERF_EVENT_IOC_ENABLE, 0);
            if (rings[i].major_fd >= 0)
                ioctl(rings[i].major_fd, PERF_EVENT_IOC_ENABLE, 0);
        }
}

/* Copies len bytes at ring offset pos, which may wrap around the end. */
static void ring_copy(const struct ring *r, uint64_t pos, void *out, size_t len)
{
    const char *data = (const char *)r->base + page_size;
    size_t off = (size_t)(pos & (r->data_size - 1));
    size_t first = len < r->data_size - off ? len : r->data_size - off;
    memcpy(out, data + off, first);
    memcpy((char *)out + first, data, len - first);
}

static void drain_ring(const struct ring *r, struct native_buf *out)
{
    struct perf_event_mmap_page *meta = r->base;
    uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
    uint64_t tail = meta->data_tail;
    while (tail < head) {
        struct perf_event_header header;
        ring_copy(r, tail, &header, sizeof(header));
        if (header.size < sizeof(header))
            break; /* cannot happen with a sane kernel; never spin */
        if (header.type == PERF_RECORD_SAMPLE && header.size >= sizeof(struct fault_sample)) {
            struct fault_sample s;
            ring_copy(r, tail, &s, sizeof(s));
            struct native_record *rec = native_buf_push(out);
            rec->kind = NATIVE_FAULT;
            rec->ts_ns = s.time;
            rec->pid = (int32_t)s.pid;
            rec->tid = (int32_t)s.tid;
            rec->addr = s.addr;
        } else if (header.type == PERF_RECORD_LOST && header.size >= sizeof(struct lost_record)) {
            struct lost_record l;
            ring_copy(r, tail, &l, sizeof(l));
            lost += l.lost;
        }
        tail += header.size;
    }
    __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

void perf_source_drain(struct native_buf *out)
{
    for (size_t i = 0; i < nrings; i++)
        drain_ring(&rings[i], out);
}

uint64_t perf_source_lost(void)
{
    return lost;
}

size_t perf_source_page_size(void)
{
    return page_size;
}

void perf_source_close(void)
{
    for (size_t i = 0; i < nrings; i++) {
        munmap(rings[i].base, (1 + RING_DATA_PAGES) * page_size);
        if (rings[i].major_fd >= 0)
            close(rings[i].major_fd);
        close(rings[i].fd);
    }
    free(rings);
    rings = NULL;
    nrings = rings_cap = 0;
}
