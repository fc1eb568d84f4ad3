/* Records from the sources that are not ptrace (perf fault samples, the BPF
 * ring buffer). Each drain gathers them here; the session sorts them by time
 * and hands them to the state before the next tracee stop, so every event
 * reaches the scripts in timestamp order. */
#ifndef COMPENDIUM_NATIVE_H
#define COMPENDIUM_NATIVE_H

#include <stddef.h>
#include <stdint.h>

enum native_kind { NATIVE_FAULT = 1, NATIVE_SCHED_DELAY = 2, NATIVE_BLOCK_IO = 3 };
/* The block layer's request kinds (bpf/latency.h says what each is). */
enum native_op {
    NATIVE_OP_OTHER = 0,
    NATIVE_OP_READ = 1,
    NATIVE_OP_WRITE = 2,
    NATIVE_OP_FLUSH = 3,
    NATIVE_OP_DISCARD = 4,
    NATIVE_OP_SECURE_ERASE = 5,
    NATIVE_OP_WRITE_ZEROES = 6,
    NATIVE_OP_ZONE_APPEND = 7,
    NATIVE_OP_ZONE = 8,
    NATIVE_OP_PASSTHROUGH = 9,
    NATIVE_OP_LAST = NATIVE_OP_PASSTHROUGH
};

struct native_record {
    uint64_t ts_ns;    /* CLOCK_MONOTONIC */
    uint64_t addr;     /* fault: the faulting address */
    uint64_t value_ns; /* sched_delay: time runnable; block_io: issue to completion */
    uint64_t bytes;    /* block_io */
    int32_t pid;       /* thread group id, 0 if the source does not know it */
    int32_t tid;
    uint8_t kind;   /* enum native_kind */
    uint8_t op;     /* block_io: enum native_op */
    uint8_t unseen; /* block_io: its completion was not seen: value_ns unknown (0) */
    uint32_t seq;   /* order of arrival, so equal times keep it */
};

struct native_buf {
    struct native_record *recs;
    size_t len, cap;
};

/* A new zeroed record at the end of b. */
struct native_record *native_buf_push(struct native_buf *b);
/* Stable sort by ts_ns. */
void native_buf_sort(struct native_buf *b);
void native_buf_clear(struct native_buf *b);
void native_buf_free(struct native_buf *b);

#endif
