/* What bpf/latency.bpf.c and engine/bpf_source.c share: the ring buffer
 * record and the traced-task map's value. Both sides must define __u8/__u32/__u64 before including
 * it (the BPF side through vmlinux.h, the engine through <linux/types.h>). */
#ifndef COMPENDIUM_BPF_LATENCY_H
#define COMPENDIUM_BPF_LATENCY_H

enum latency_kind {
    LATENCY_SCHED_DELAY = 1, /* a traced task waited on a run queue */
    LATENCY_BLOCK_IO = 2,    /* a block request of a traced task completed */
};

enum latency_op {
    LATENCY_OP_OTHER = 0, /* flush, discard, ... */
    LATENCY_OP_READ = 1,
    LATENCY_OP_WRITE = 2,
};

/* The value of the `traced` map, keyed by tid. No pid: records take theirs
 * from the task when they are made (see latency.bpf.c). */
struct latency_task {
    __u64 runnable_ns; /* since when it waits for a CPU; 0: it does not */
};

struct latency_event {
    __u64 ts_ns;    /* bpf_ktime_get_ns (CLOCK_MONOTONIC) when the wait ended:
                     * switch-in, or the request's completion */
    __u64 value_ns; /* sched: runnable to switch-in; block: issue to completion */
    __u64 bytes;    /* block: bytes this completion finished */
    __u32 pid;      /* thread group id */
    __u32 tid;
    __u8 kind; /* enum latency_kind */
    __u8 op;   /* enum latency_op */
    __u8 pad[6];
};

#endif
