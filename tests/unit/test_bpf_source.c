/* The BPF source on its own: track a child, let it (and the thread and the
 * process it starts) write with O_DIRECT and wake up on pipes, drain, and
 * check every record. Needs root (CAP_BPF, CAP_PERFMON) and kernel BTF;
 * without them it says SKIP and why, and exits 77. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/types.h>

#include "bpf_source.h"
#include "check.h"
#include "../../bpf/latency.h"

#define SKIP 77
#define BLOCK 65536
#define TMPFS_MAGIC_ 0x01021994
#define RAMFS_MAGIC_ 0x858458f6

static char dir[] = "bpf-source-test.XXXXXX";

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Writes count blocks to dir/name with O_DIRECT; false on any failure. */
static bool direct_write(const char *name, int count)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    void *buf;
    if (posix_memalign(&buf, 4096, BLOCK) != 0)
        return false;
    memset(buf, 'b', BLOCK);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0644);
    bool ok = fd >= 0;
    for (int i = 0; ok && i < count; i++)
        ok = write(fd, buf, BLOCK) == BLOCK;
    if (fd >= 0)
        close(fd);
    unlink(path);
    free(buf);
    return ok;
}

struct family {
    pid_t child, thread, grandchild, waker;
};

static pid_t gettid_(void)
{
    return (pid_t)syscall(SYS_gettid);
}

struct waker_arg {
    int fd;
    int cpu;
    pid_t tid;
};

/* Both tasks on one CPU: the waker's wakeups then always wait for it. */
static bool pin_to(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) == 0;
}

static void spin_us(uint64_t us)
{
    uint64_t end = now_ns() + us * 1000;
    while (now_ns() < end)
        ;
}

/* Wakes the reader on its CPU, then keeps that CPU for half a millisecond
 * before sleeping: a reader that may not preempt it waits all that time.
 * (A wakeup that preempts at once can wait 0 ns in the kernel's books,
 * which then makes no record.) */
static void *waker(void *arg)
{
    struct waker_arg *w = arg;
    w->tid = gettid_();
    int fd = w->fd;
    if (!pin_to(w->cpu))
        return NULL;
    for (int i = 0; i < 20; i++) {
        usleep(200);
        if (write(fd, "w", 1) != 1)
            break;
        spin_us(500);
    }
    return NULL;
}

/* Blocks on a pipe 20 times, woken each time by another thread on the same
 * CPU; as SCHED_IDLE it never preempts that thread, so each wakeup waits on
 * the run queue. */
static bool be_woken(pid_t *waker_tid)
{
    int p[2];
    int cpu = sched_getcpu();
    struct sched_param idle = {0};
    if (cpu < 0 || !pin_to(cpu))
        return false;
    if (pipe(p) != 0)
        return false;
    pthread_t t;
    struct waker_arg w = {.fd = p[1], .cpu = cpu};
    if (pthread_create(&t, NULL, waker, &w) != 0)
        return false;
    /* after the waker is made, which would inherit the policy */
    if (sched_setscheduler(0, SCHED_IDLE, &idle) != 0)
        return false;
    char c;
    bool ok = true;
    for (int i = 0; i < 20 && ok; i++)
        ok = read(p[0], &c, 1) == 1;
    pthread_join(t, NULL);
    *waker_tid = w.tid;
    close(p[0]);
    close(p[1]);
    return ok;
}

static void *thread_writes(void *arg)
{
    *(pid_t *)arg = gettid_();
    return direct_write("thread.bin", 3) ? arg : NULL;
}

/* The tracked child: waits for go, then writes 4 blocks itself, 3 from a
 * thread and 2 from a child process; is woken 20 times by a fourth task;
 * reports the tids on out. */
static int child_main(int go, int out)
{
    char c;
    if (read(go, &c, 1) != 1)
        return 1;
    struct family f = {.child = getpid()};
    pthread_t t;
    void *res = NULL;
    if (pthread_create(&t, NULL, thread_writes, &f.thread) != 0 || pthread_join(t, &res) != 0 ||
        !res)
        return 1;
    f.grandchild = fork();
    if (f.grandchild == 0)
        _exit(direct_write("grandchild.bin", 2) ? 0 : 1);
    int status;
    if (f.grandchild < 0 || waitpid(f.grandchild, &status, 0) != f.grandchild ||
        !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 1;
    if (!direct_write("child.bin", 4) || !be_woken(&f.waker))
        return 1;
    return write(out, &f, sizeof(f)) == sizeof(f) ? 0 : 1;
}

/* Starts a child stopped on its go pipe; *go is the write end. */
static pid_t start_child(int *go, int *out)
{
    int g[2], o[2];
    if (pipe(g) != 0 || pipe(o) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(g[1]);
        close(o[0]);
        _exit(child_main(g[0], o[1]));
    }
    close(g[0]);
    close(o[1]);
    *go = g[1];
    *out = o[0];
    return pid;
}

static bool finish_child(pid_t pid, int go, int out, struct family *f)
{
    bool ok = write(go, "g", 1) == 1;
    close(go);
    ok = read(out, f, sizeof(*f)) == sizeof(*f) && ok;
    close(out);
    int status;
    ok = waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 && ok;
    return ok;
}

static uint64_t written_by(const struct native_buf *b, pid_t pid, pid_t tid)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < b->len; i++) {
        const struct native_record *r = &b->recs[i];
        if (r->kind == NATIVE_BLOCK_IO && r->op == NATIVE_OP_WRITE && r->tid == tid &&
            r->pid == pid)
            sum += r->bytes;
    }
    return sum;
}

/* What the source reported, for a failing check. */
static void dump_block(const struct native_buf *b)
{
    for (size_t i = 0; i < b->len; i++) {
        const struct native_record *r = &b->recs[i];
        if (r->kind == NATIVE_BLOCK_IO)
            fprintf(stderr, "  block_io pid %d tid %d op %d bytes %llu latency %llu ns%s\n",
                    (int)r->pid, (int)r->tid, (int)r->op, (unsigned long long)r->bytes,
                    (unsigned long long)r->value_ns, r->unseen ? " (completion unseen)" : "");
    }
}

/* The family's O_DIRECT writes, each charged to the task that made it. */
static void check_family_writes(const struct native_buf *b, const struct family *f)
{
    int failed = check_failures;
    CHECK_INT(written_by(b, f->child, f->child), 4 * BLOCK);
    CHECK_INT(written_by(b, f->child, f->thread), 3 * BLOCK);
    CHECK_INT(written_by(b, f->grandchild, f->grandchild), 2 * BLOCK);
    if (check_failures > failed)
        dump_block(b);
}

static size_t count_kind(const struct native_buf *b, int kind, pid_t tid)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++)
        if (b->recs[i].kind == kind && (tid == 0 || b->recs[i].tid == tid))
            n++;
    return n;
}

/* Threshold 0: every wakeup of the family is reported, and all its block
 * I/O, charged to the task that wrote. */
static void test_family(void)
{
    char why[512];
    CHECK(bpf_source_open(0, why, sizeof(why)));
    int go, out;
    uint64_t t0 = now_ns();
    pid_t pid = start_child(&go, &out);
    CHECK(pid > 0);
    bpf_source_track(pid, false);
    struct family f;
    CHECK(finish_child(pid, go, out, &f));
    /* The end of the run: bios whose completion the programs did not see
     * (the kernel runs none for some) come as records marked unseen, so
     * the bytes are whole either way. */
    struct native_buf b = {0};
    bpf_source_finish(&b);
    uint64_t t1 = now_ns();

    CHECK_INT(f.child, pid);
    check_family_writes(&b, &f);
    CHECK(count_kind(&b, NATIVE_SCHED_DELAY, pid) >= 1);
    size_t strangers = 0, wrong_pid = 0, out_of_time = 0, no_latency = 0;
    for (size_t i = 0; i < b.len; i++) {
        const struct native_record *r = &b.recs[i];
        if (r->tid != pid && r->tid != f.thread && r->tid != f.grandchild && r->tid != f.waker)
            strangers++;
        /* Every record, of either kind, names the process its task is in. */
        if (r->pid != (r->tid == f.grandchild ? f.grandchild : pid))
            wrong_pid++;
        if (r->ts_ns < t0 || r->ts_ns > t1)
            out_of_time++;
        if (r->kind == NATIVE_BLOCK_IO && r->value_ns == 0 && !r->unseen)
            no_latency++;
    }
    CHECK_INT(strangers, 0);
    CHECK_INT(wrong_pid, 0);
    CHECK_INT(out_of_time, 0);
    CHECK_INT(no_latency, 0);
    CHECK_INT(bpf_source_dropped(), 0);

    /* Nothing waits once drained. */
    native_buf_clear(&b);
    bpf_source_drain(&b);
    CHECK_INT(b.len, 0);
    bpf_source_untrack(pid);
    bpf_source_untrack(f.thread);
    bpf_source_untrack(f.grandchild);
    bpf_source_untrack(f.waker);
    native_buf_free(&b);
    bpf_source_close();
}

/* A threshold above any delay hides the scheduler records; an untracked
 * child is not measured at all. */
static void test_threshold_and_untrack(void)
{
    char why[512];
    CHECK(bpf_source_open(3600ull * 1000000000u, why, sizeof(why)));
    int go_a, out_a, go_b, out_b;
    pid_t a = start_child(&go_a, &out_a);
    pid_t b_pid = start_child(&go_b, &out_b);
    CHECK(a > 0 && b_pid > 0);
    bpf_source_track(a, false);
    bpf_source_track(b_pid, false);
    bpf_source_untrack(b_pid);
    struct family fa, fb;
    CHECK(finish_child(a, go_a, out_a, &fa));
    CHECK(finish_child(b_pid, go_b, out_b, &fb));
    struct native_buf b = {0};
    bpf_source_finish(&b);
    CHECK_INT(count_kind(&b, NATIVE_SCHED_DELAY, 0), 0);
    CHECK_INT(fa.child, a);
    check_family_writes(&b, &fa);
    size_t from_b = 0;
    for (size_t i = 0; i < b.len; i++)
        if (b.recs[i].tid == b_pid || b.recs[i].tid == fb.thread ||
            b.recs[i].tid == fb.grandchild || b.recs[i].tid == fb.waker)
            from_b++;
    CHECK_INT(from_b, 0);
    native_buf_free(&b);
    bpf_source_close();
}

/* What the programs' `bios` map holds at the end of a run becomes records
 * marked unseen, with the bytes and kind the programs kept, and the map is
 * emptied. A map of the same shape stands in for theirs. */
static void test_unfinished(void)
{
    int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bios", sizeof(__u64), sizeof(struct latency_bio),
                            16, NULL);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    struct {
        __u64 key;
        struct latency_bio b;
        uint8_t op;
        uint64_t ts_ns; /* its issue, or its submission */
    } in[] = {
        {0x1000,
         {.submit_ns = 4,
          .issue_ns = 5,
          .pid = 40,
          .tid = 41,
          .size = 65536,
          .op = LATENCY_OP_WRITE},
         NATIVE_OP_WRITE,
         5},
        /* never seen issued: its submission */
        {0x2000,
         {.submit_ns = 6, .pid = 40, .tid = 42, .op = LATENCY_OP_WRITE},
         NATIVE_OP_FLUSH,
         6},
        {0x3000,
         {.submit_ns = 7, .issue_ns = 8, .pid = 50, .tid = 50, .size = 4096, .op = LATENCY_OP_READ},
         NATIVE_OP_READ,
         8},
    };
    size_t n = sizeof(in) / sizeof(in[0]);
    for (size_t i = 0; i < n; i++)
        CHECK_INT(bpf_map_update_elem(fd, &in[i].key, &in[i].b, BPF_NOEXIST), 0);
    struct native_buf b = {0};
    CHECK_INT(bpf_source_report_unfinished(fd, &b), n);
    CHECK_INT(b.len, n);
    size_t matched = 0;
    for (size_t i = 0; i < b.len; i++) {
        const struct native_record *r = &b.recs[i];
        CHECK(r->kind == NATIVE_BLOCK_IO && r->unseen && r->value_ns == 0);
        for (size_t j = 0; j < n; j++)
            if (r->tid == (int32_t)in[j].b.tid && r->pid == (int32_t)in[j].b.pid &&
                r->bytes == in[j].b.size && r->op == in[j].op && r->ts_ns == in[j].ts_ns)
                matched++;
    }
    CHECK_INT(matched, n);
    __u64 key;
    CHECK(bpf_map_get_next_key(fd, NULL, &key) != 0); /* empty */
    native_buf_free(&b);
    close(fd);
}

int main(void)
{
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        printf("SKIP: no kernel BTF (/sys/kernel/btf/vmlinux)\n");
        return SKIP;
    }
    char why[512];
    if (!bpf_source_open(0, why, sizeof(why))) {
        if (geteuid() != 0) {
            printf("SKIP: not root: %s\n", why);
            return SKIP;
        }
        fprintf(stderr, "bpf_source_open failed as root: %s\n", why);
        return 1;
    }
    bpf_source_close();
    test_unfinished();
    if (!mkdtemp(dir)) {
        fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    struct statfs sf;
    if (statfs(dir, &sf) != 0 || sf.f_type == TMPFS_MAGIC_ || sf.f_type == RAMFS_MAGIC_) {
        printf("SKIP: the working directory is not on a block device (tmpfs)\n");
        rmdir(dir);
        return SKIP;
    }
    alarm(60);
    test_family();
    test_threshold_and_untrack();
    rmdir(dir);
    return check_finish();
}
