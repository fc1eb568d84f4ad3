/* Run-queue delay and block I/O latency of the traced tasks only.
 *
 * The engine fills `traced` with the tids it traces; the programs add the
 * children of traced tasks at fork (before the tracer hears of them) and drop
 * tasks at exit. `traced` says only whether a task is measured: a record's
 * pid and tid are read from the task itself when the record is made, never
 * from the map. An entry can outlive its task (a tid the tracer learns of
 * late, a tid reused), and a value looked up in a preallocated hash map can
 * be recycled for another key while a program on another CPU still reads
 * it: a pid kept there could charge one process's work to another.
 *
 * The scheduler hooks run on every context switch of the machine: they make
 * one lookup in `traced` and return at once for anything else. The block
 * hooks run once per bio or request, and return at once while no bio of a
 * traced task is in flight.
 *
 * Run-queue delay is the kernel's own: what it adds to the task's
 * sched_info.run_delay (the second field of /proc/PID/schedstat), read at
 * each switch-in. The kernel counts from the enqueue (a wakeup, a new task,
 * a preemption of a task still runnable) to the switch-in, on the run
 * queue's clock; when a wakeup preempts the running task, that clock is not
 * advanced again at the switch that follows, so the few microseconds
 * between the wakeup and the switch count as the preempted task's wait, not
 * the woken one's. Timestamps of our own (bpf_ktime_get_ns at sched_wakeup
 * and sched_switch) charged them to the woken task instead, and made per-task
 * totals disagree with the kernel's. Kernels without sched_info
 * (CONFIG_SCHED_INFO off) get those timestamps. Block I/O is followed bio by bio: a bio is charged
 * to the task that submitted it (block_bio_queue runs in the submitter's context, wherever the
 * request is later issued from and whoever's request the bio is merged into), stamped when a
 * request carrying it is issued, and reported when a request carrying it completes: one record for
 * each run of bios of one task in a request, its latency from issue to completion. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "latency.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define TASK_RUNNING 0
#define REQ_OP_BITS_MASK 0xff /* REQ_OP_MASK: the low bits of cmd_flags */

/* Set before load: shorter run-queue delays are not reported. */
const volatile __u64 sched_threshold_ns = 0;
/* Set where the kernel lacks bpf_loop (before 5.17): the block request
 * programs for it run, the others return at once. A loader that cannot
 * leave programs out (the light skeleton) loads both kinds. */
const volatile bool old_kernel = false;
/* Records the ring buffer had no room for. */
__u64 dropped = 0;
/* Bios of traced tasks that ended without a request completion that
 * carried them being seen (found when their memory is reused): the kernel
 * runs no BPF program for some completions (block_rq_complete in a softirq
 * that interrupted certain tasks). Their records are still made, from the
 * map entry, marked unseen: bytes and kind known, latency not. */
__u64 lost_bios = 0;

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8192);
    __type(key, __u32); /* tid */
    __type(value, struct latency_task);
} traced SEC(".maps");

/* Bios submitted by traced tasks, by address, until a request completes
 * them. LRU: bios that never reach a request (those a device mapper
 * replaces by clones) must not fill the map. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 8192);
    __type(key, __u64);
    __type(value, struct latency_bio);
} bios SEC(".maps");

/* How many entries `bios` holds, roughly (an entry the LRU drops is not
 * counted out): while 0 the block hooks do nothing. */
__s64 bios_in_flight = 0;

struct request_info {
    __u64 issue_ns;
    __u32 pid;
    __u32 tid;
};

/* Passthrough requests (built without submit_bio) of traced tasks. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 1024);
    __type(key, __u64);
    __type(value, struct request_info);
} passthrough SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4 << 20);
} events SEC(".maps");

/* Kernels before 5.14 call the task state `state`. */
struct task_struct___pre514 {
    long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
    if (bpf_core_field_exists(t->__state))
        return t->__state;
    return ((struct task_struct___pre514 *)t)->state;
}

static __always_inline void emit(__u8 kind, __u64 ts, __u64 value, __u64 bytes, __u32 pid,
                                 __u32 tid, __u8 op, __u8 unseen)
{
    struct latency_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e) {
        __sync_fetch_and_add(&dropped, 1);
        return;
    }
    e->ts_ns = ts;
    e->value_ns = value;
    e->bytes = bytes;
    e->pid = pid;
    e->tid = tid;
    e->kind = kind;
    e->op = op;
    e->unseen = unseen;
    __builtin_memset(e->pad, 0, sizeof(e->pad));
    /* The engine drains after every tracee stop and on a timer; it never
     * sleeps on the ring, so a wakeup would be wasted work. */
    bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* ---- scheduler ---------------------------------------------------------- */

/* The kernel keeps run-queue books for every task (CONFIG_SCHED_INFO), on
 * the clock of the task's run queue, which is reached through the task's
 * CFS run queue (CONFIG_FAIR_GROUP_SCHED; the per-CPU `runqueues` needs
 * CONFIG_KALLSYMS_ALL to be found). */
static __always_inline bool has_sched_info(void)
{
    return bpf_core_field_exists(struct task_struct, sched_info) &&
           bpf_core_field_exists(struct cfs_rq, rq);
}

static __always_inline void became_runnable(__u32 tid)
{
    if (has_sched_info())
        return;
    struct latency_task *t = bpf_map_lookup_elem(&traced, &tid);
    if (t)
        t->runnable_ns = bpf_ktime_get_ns();
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(on_wakeup, struct task_struct *p)
{
    became_runnable(p->pid);
    return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(on_wakeup_new, struct task_struct *p)
{
    became_runnable(p->pid);
    return 0;
}

/* What the kernel adds to next's run_delay now (sched_info_arrive, which
 * runs just after this tracepoint: from last_queued to the run queue's
 * clock), and what it added since the task's last switch-in without one (a
 * task dequeued while it waited, to migrate, adds its wait so far then). */
static __always_inline __u64 kernel_run_delay(struct task_struct *next, struct latency_task *t)
{
    /* next is on this CPU's run queue, which it is about to run on. */
    __u64 clock = BPF_CORE_READ(next, se.cfs_rq, rq, clock);
    __u64 queued = BPF_CORE_READ(next, sched_info.last_queued);
    __u64 waiting = queued && clock > queued ? clock - queued : 0;
    __u64 total = BPF_CORE_READ(next, sched_info.run_delay) + waiting;
    /* Before the first switch-in seen, only the wait that ends now is
     * known to be the traced task's. */
    __u64 delay = t->seen && total >= t->run_delay_seen ? total - t->run_delay_seen : waiting;
    t->run_delay_seen = total;
    t->seen = 1;
    return delay;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
    /* Switched out but still runnable: it waits on the run queue again. */
    if (preempt || task_state(prev) == TASK_RUNNING)
        became_runnable(prev->pid);

    __u32 tid = next->pid;
    struct latency_task *t = bpf_map_lookup_elem(&traced, &tid);
    if (!t || t->from_exec)
        return 0;
    __u64 now = bpf_ktime_get_ns(), delay;
    if (has_sched_info()) {
        delay = kernel_run_delay(next, t);
    } else {
        if (!t->runnable_ns)
            return 0;
        delay = now - t->runnable_ns;
        t->runnable_ns = 0;
    }
    if (delay && delay >= sched_threshold_ns)
        emit(LATENCY_SCHED_DELAY, now, delay, 0, next->tgid, tid, 0, 0);
    return 0;
}

/* ---- following the traced tasks ----------------------------------------- */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
    __u32 ptid = BPF_CORE_READ(parent, pid);
    if (!bpf_map_lookup_elem(&traced, &ptid))
        return 0;
    __u32 ctid = BPF_CORE_READ(child, pid);
    struct latency_task info = {};
    /* Every wait of the child is the traced program's, from the first. */
    if (has_sched_info()) {
        info.run_delay_seen = BPF_CORE_READ(child, sched_info.run_delay);
        info.seen = 1;
    }
    bpf_map_update_elem(&traced, &ctid, &info, BPF_ANY);
    return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
    __u32 tid = BPF_CORE_READ(p, pid);
    bpf_map_delete_elem(&traced, &tid);
    return 0;
}

/* The command compendium started is measured from the end of its execve
 * (what it did before was compendium's start-up code), with its books as
 * they stand then. A thread other than the leader that calls execve goes
 * on under the leader's tid (whose exit already dropped that entry). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid)
{
    __u32 tid = BPF_CORE_READ(p, pid), old = old_pid;
    struct latency_task *o = bpf_map_lookup_elem(&traced, &old);
    if (!o || (tid == old && !o->from_exec))
        return 0;
    struct latency_task info = *o;
    if (info.from_exec) {
        info.from_exec = 0;
        info.runnable_ns = 0;
        if (has_sched_info()) {
            info.run_delay_seen = BPF_CORE_READ(p, sched_info.run_delay);
            info.seen = 1;
        }
    }
    bpf_map_update_elem(&traced, &tid, &info, BPF_ANY);
    if (tid != old)
        bpf_map_delete_elem(&traced, &old);
    return 0;
}

/* ---- block I/O ------------------------------------------------------------ */

/* A request holds at most max_segments bios (254 on virtio). */
#define MAX_BIOS 256

static __always_inline void forget_bio(__u64 key)
{
    if (bpf_map_delete_elem(&bios, &key) == 0)
        __sync_fetch_and_add(&bios_in_flight, -1);
}

/* The block layer's request kind; an empty write is a cache flush (the
 * run's bytes say, see end_run). */
static __always_inline __u8 op_of(__u32 opf)
{
    switch (opf & REQ_OP_BITS_MASK) {
    case REQ_OP_READ:
        return LATENCY_OP_READ;
    case REQ_OP_WRITE:
        return LATENCY_OP_WRITE;
    case REQ_OP_FLUSH:
        return LATENCY_OP_FLUSH;
    case REQ_OP_DISCARD:
        return LATENCY_OP_DISCARD;
    case REQ_OP_SECURE_ERASE:
        return LATENCY_OP_SECURE_ERASE;
    case REQ_OP_WRITE_ZEROES:
        return LATENCY_OP_WRITE_ZEROES;
    case REQ_OP_ZONE_APPEND:
        return LATENCY_OP_ZONE_APPEND;
    case REQ_OP_ZONE_OPEN:
    case REQ_OP_ZONE_CLOSE:
    case REQ_OP_ZONE_FINISH:
    case REQ_OP_ZONE_RESET:
    case REQ_OP_ZONE_RESET_ALL:
        return LATENCY_OP_ZONE;
    case REQ_OP_DRV_IN:
    case REQ_OP_DRV_OUT:
        return LATENCY_OP_PASSTHROUGH;
    default:
        return LATENCY_OP_OTHER;
    }
}

static __always_inline __u8 request_op(struct request *rq)
{
    return op_of(BPF_CORE_READ(rq, cmd_flags));
}

/* A write of no bytes is a cache flush (an empty REQ_PREFLUSH write). */
static __always_inline __u8 op_for(__u8 op, __u64 bytes)
{
    return bytes || op != LATENCY_OP_WRITE ? op : LATENCY_OP_FLUSH;
}

/* A traced bio ended unseen and its memory is being reused: its record,
 * from what the map kept, at its issue (its completion's time is unknown). */
static __always_inline void report_unseen(__u64 key)
{
    struct latency_bio *b = bpf_map_lookup_elem(&bios, &key);
    if (!b)
        return;
    struct latency_bio old = *b;
    __sync_fetch_and_add(&lost_bios, 1);
    emit(LATENCY_BLOCK_IO, old.issue_ns ? old.issue_ns : old.submit_ns, 0, old.size, old.pid,
         old.tid, op_for(old.op, old.size), 1);
}

/* The current task submits bio. */
static __always_inline void bio_submitted(struct bio *bio)
{
    __u64 key = (__u64)bio;
    __u64 id = bpf_get_current_pid_tgid();
    __u32 tid = (__u32)id;
    if (bpf_map_lookup_elem(&traced, &tid)) {
        __u64 now = bpf_ktime_get_ns();
        struct latency_bio info = {.submit_ns = now,
                                   .pid = (__u32)(id >> 32),
                                   .tid = tid,
                                   .size = BPF_CORE_READ(bio, bi_iter.bi_size),
                                   .op = op_of(BPF_CORE_READ(bio, bi_opf))};
        if (bpf_map_update_elem(&bios, &key, &info, BPF_NOEXIST) == 0) {
            __sync_fetch_and_add(&bios_in_flight, 1);
        } else {
            report_unseen(key);
            bpf_map_update_elem(&bios, &key, &info, BPF_ANY);
        }
    } else if (bios_in_flight > 0 && bpf_map_lookup_elem(&bios, &key)) {
        report_unseen(key);
        forget_bio(key);
    }
}

SEC("tp_btf/block_bio_queue")
int BPF_PROG(on_bio_queue, struct bio *bio)
{
    bio_submitted(bio);
    return 0;
}

/* Splitting to the device's limits makes a new bio for the front part. */
SEC("tp_btf/block_split")
int BPF_PROG(on_bio_split, struct bio *split)
{
    bio_submitted(split);
    /* The tracepoint comes after bio_chain: the split's bi_private is the
     * bio it was cut from, which now holds only the rest. */
    if (bios_in_flight > 0) {
        __u64 parent = (__u64)BPF_CORE_READ(split, bi_private);
        struct latency_bio *p = bpf_map_lookup_elem(&bios, &parent);
        if (p)
            p->size = BPF_CORE_READ((struct bio *)parent, bi_iter.bi_size);
    }
    return 0;
}

/* Bio-based devices (device mapper, md) end their bios without requests. */
SEC("tp_btf/block_bio_complete")
int BPF_PROG(on_bio_complete, struct request_queue *q, struct bio *bio)
{
    if (bios_in_flight > 0)
        forget_bio((__u64)bio);
    return 0;
}

/* A walk along the bios of a request, one bio a step: by bpf_loop (5.17 and
 * later; verified once), or by a short bounded loop on older kernels. */
#define OLD_KERNEL_MAX_BIOS 32

struct walk {
    struct bio *bio; /* the next bio */
    __u32 left;      /* bytes the walk still covers */
    __u8 done;       /* the bio that used up `left` was walked */
    __u32 pid, tid;  /* completion: the run of bios being summed up */
    __u64 since;     /* ... its issue time */
    __u64 bytes;     /* ... and size */
    __u64 now;       /* 0 until needed */
    __u8 op;
};

/* Issue: stamps the traced bios of the request. */
static long issue_step(__u32 i, void *ctx)
{
    struct walk *w = ctx;
    struct bio *bio = w->bio;
    if (!bio || w->done)
        return 1;
    __u64 key = (__u64)bio;
    __u32 size = BPF_CORE_READ(bio, bi_iter.bi_size);
    struct latency_bio *b = bpf_map_lookup_elem(&bios, &key);
    if (b) {
        if (!w->now)
            w->now = bpf_ktime_get_ns();
        b->issue_ns = w->now;
        b->size = size;
    }
    w->left = size < w->left ? w->left - size : 0;
    w->done = !w->left;
    w->bio = BPF_CORE_READ(bio, bi_next);
    return 0;
}

static __always_inline void end_run(struct walk *w)
{
    if (w->tid)
        emit(LATENCY_BLOCK_IO, w->now, w->now - w->since, w->bytes, w->pid, w->tid,
             op_for(w->op, w->bytes), 0);
}

/* Completion: reports the traced bios, one record for each run of bios of
 * one task (and one issue). The tracepoint comes before the request is
 * updated, so the bios are whole; a partial completion reports what it
 * completed and the rest comes later. Like the kernel's blk_update_request,
 * the walk ends after the bio that uses up the completed bytes, so the one
 * empty bio of a flush (0 bytes completed) is ended too. */
static long complete_step(__u32 i, void *ctx)
{
    struct walk *w = ctx;
    struct bio *bio = w->bio;
    if (!bio || w->done)
        return 1;
    __u64 key = (__u64)bio;
    __u32 size = BPF_CORE_READ(bio, bi_iter.bi_size);
    __u32 take = size < w->left ? size : w->left;
    struct latency_bio owner = {};
    struct latency_bio *b = bpf_map_lookup_elem(&bios, &key);
    if (b) {
        owner = *b;
        if (!owner.issue_ns)
            owner.issue_ns = owner.submit_ns; /* never seen issued */
        if (take == size)
            forget_bio(key);
        else
            b->size = size - take;
    }
    if (owner.tid != w->tid || owner.pid != w->pid || owner.issue_ns != w->since) {
        end_run(w);
        if (owner.tid && !w->now)
            w->now = bpf_ktime_get_ns();
        w->pid = owner.pid;
        w->tid = owner.tid;
        w->since = owner.issue_ns;
        w->bytes = 0;
    }
    w->bytes += take;
    w->left -= take;
    w->done = !w->left;
    w->bio = BPF_CORE_READ(bio, bi_next);
    return 0;
}

/* Passthrough requests (SG_IO and the like) have no submitted bios: they
 * are charged to the task that issues them. True if rq is one. */
static __always_inline bool passthrough_issued(struct request *rq)
{
    if (request_op(rq) != LATENCY_OP_PASSTHROUGH)
        return false;
    __u64 id = bpf_get_current_pid_tgid();
    __u32 tid = (__u32)id;
    if (bpf_map_lookup_elem(&traced, &tid)) {
        __u64 key = (__u64)rq;
        struct request_info info = {
            .issue_ns = bpf_ktime_get_ns(), .pid = (__u32)(id >> 32), .tid = tid};
        bpf_map_update_elem(&passthrough, &key, &info, BPF_ANY);
    }
    return true;
}

static __always_inline void passthrough_completed(struct request *rq, unsigned int nr_bytes)
{
    __u64 key = (__u64)rq;
    struct request_info *r = bpf_map_lookup_elem(&passthrough, &key);
    if (!r)
        return;
    __u64 now = bpf_ktime_get_ns();
    emit(LATENCY_BLOCK_IO, now, now - r->issue_ns, nr_bytes, r->pid, r->tid, LATENCY_OP_PASSTHROUGH,
         0);
    if (nr_bytes >= BPF_CORE_READ(rq, __data_len))
        bpf_map_delete_elem(&passthrough, &key);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(on_rq_issue, struct request *rq)
{
    if (old_kernel || passthrough_issued(rq) || bios_in_flight <= 0)
        return 0;
    struct walk w = {.bio = BPF_CORE_READ(rq, bio), .left = BPF_CORE_READ(rq, __data_len)};
    bpf_loop(MAX_BIOS, issue_step, &w, 0);
    return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(on_rq_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
    if (old_kernel)
        return 0;
    if (bios_in_flight > 0) {
        struct walk w = {.bio = BPF_CORE_READ(rq, bio), .left = nr_bytes, .op = request_op(rq)};
        bpf_loop(MAX_BIOS, complete_step, &w, 0);
        end_run(&w);
    }
    passthrough_completed(rq, nr_bytes);
    return 0;
}

/* The same for kernels without bpf_loop (before 5.17): the engine loads
 * these instead (with old_kernel set) when the two above are refused. */
SEC("tp_btf/block_rq_issue")
int BPF_PROG(on_rq_issue_old, struct request *rq)
{
    if (!old_kernel || passthrough_issued(rq) || bios_in_flight <= 0)
        return 0;
    struct walk w = {.bio = BPF_CORE_READ(rq, bio), .left = BPF_CORE_READ(rq, __data_len)};
    for (__u32 i = 0; i < OLD_KERNEL_MAX_BIOS; i++)
        if (issue_step(i, &w))
            break;
    return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(on_rq_complete_old, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
    if (!old_kernel)
        return 0;
    if (bios_in_flight > 0) {
        struct walk w = {.bio = BPF_CORE_READ(rq, bio), .left = nr_bytes, .op = request_op(rq)};
        for (__u32 i = 0; i < OLD_KERNEL_MAX_BIOS; i++)
            if (complete_step(i, &w))
                break;
        end_run(&w);
    }
    passthrough_completed(rq, nr_bytes);
    return 0;
}
