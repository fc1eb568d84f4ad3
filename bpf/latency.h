/* What bpf/latency.bpf.c and engine/bpf_source.c share: the ring buffer
 * record, the traced-task map's value and the bio map's. Both sides must define __u8/__u32/__u64
 * before including it (the BPF side through vmlinux.h, the engine through <linux/types.h>). */
#ifndef COMPENDIUM_BPF_LATENCY_H
#define COMPENDIUM_BPF_LATENCY_H

enum latency_kind {
    LATENCY_SCHED_DELAY = 1, /* a traced task waited on a run queue */
    LATENCY_BLOCK_IO = 2,    /* a block request of a traced task completed */
};

/* What a block request did: the block layer's request kinds. */
enum latency_op {
    LATENCY_OP_OTHER = 0, /* a kind this list does not name */
    LATENCY_OP_READ = 1,
    LATENCY_OP_WRITE = 2,
    LATENCY_OP_FLUSH = 3,        /* a cache flush (an empty write with REQ_PREFLUSH) */
    LATENCY_OP_DISCARD = 4,      /* bytes: the range discarded, no data */
    LATENCY_OP_SECURE_ERASE = 5, /* likewise */
    LATENCY_OP_WRITE_ZEROES = 6, /* likewise: the range zeroed, no data sent */
    LATENCY_OP_ZONE_APPEND = 7,  /* data written to a zone */
    LATENCY_OP_ZONE = 8,         /* zone management: open, close, finish, reset */
    LATENCY_OP_PASSTHROUGH = 9,  /* a driver command (SG_IO, NVMe passthrough) */
};

/* The value of the `traced` map, keyed by tid. No pid: records take theirs
 * from the task when they are made (see latency.bpf.c). */
struct latency_task {
    __u64 runnable_ns;    /* without sched_info: since when it waits for a CPU; 0: it does not */
    __u64 run_delay_seen; /* the kernel's run_delay of the task as of its last switch-in */
    __u8 seen;            /* run_delay_seen is known */
    __u8 from_exec;       /* not measured until its execve is done */
    __u8 pad[6];
};

/* The value of the `bios` map, keyed by the bio's address: a bio a traced
 * task submitted, until a completion of a request carrying it is seen. What
 * is left at the end of a run was never seen to complete; the engine reports
 * it from this (bpf_source_report_unfinished). */
struct latency_bio {
    __u64 submit_ns;
    __u64 issue_ns; /* the last issue of a request carrying it; 0: not yet */
    __u32 pid;
    __u32 tid;
    __u32 size; /* bytes not yet reported: kept as splits and partial completions shrink it */
    __u8 op;    /* enum latency_op of the bio */
    __u8 pad[3];
};

struct latency_event {
    __u64 ts_ns;    /* bpf_ktime_get_ns (CLOCK_MONOTONIC) when the wait ended:
                     * switch-in, or the request's completion */
    __u64 value_ns; /* sched: runnable to switch-in; block: issue to completion */
    __u64 bytes;    /* block: bytes this completion finished */
    __u32 pid;      /* thread group id */
    __u32 tid;
    __u8 kind;   /* enum latency_kind */
    __u8 op;     /* enum latency_op */
    __u8 unseen; /* block: its completion was not seen (value_ns 0, ts_ns its issue) */
    __u8 pad[5];
};

#endif
