#include "bpf_source.h"

#include <errno.h>
#include <linux/types.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "latency.h"
#include "procfs.h"
#include "latency.lskel.h"
#include "latency.skel.h"

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"

/* The BPF programs' request kinds, as the engine's records name them. */
static const uint8_t native_op[] = {
    [LATENCY_OP_OTHER] = NATIVE_OP_OTHER,
    [LATENCY_OP_READ] = NATIVE_OP_READ,
    [LATENCY_OP_WRITE] = NATIVE_OP_WRITE,
    [LATENCY_OP_FLUSH] = NATIVE_OP_FLUSH,
    [LATENCY_OP_DISCARD] = NATIVE_OP_DISCARD,
    [LATENCY_OP_SECURE_ERASE] = NATIVE_OP_SECURE_ERASE,
    [LATENCY_OP_WRITE_ZEROES] = NATIVE_OP_WRITE_ZEROES,
    [LATENCY_OP_ZONE_APPEND] = NATIVE_OP_ZONE_APPEND,
    [LATENCY_OP_ZONE] = NATIVE_OP_ZONE,
    [LATENCY_OP_PASSTHROUGH] = NATIVE_OP_PASSTHROUGH,
};

/* Loaded by the kernel's loader program (light: no BTF parsed here), or,
 * where the kernel has none (before 5.17), by libbpf (skel). */
static struct latency_light *light;
static struct latency_bpf *skel;
static struct ring_buffer *ring;
static int traced_fd = -1;
/* Where the ring buffer callback appends, during bpf_source_drain only. */
static struct native_buf *drain_into;

/* libbpf explains its failures on stderr; compendium says it in one line.
 * COMPENDIUM_BPF_DEBUG=1 shows libbpf's own account. */
static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

static int libbpf_verbose(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    return vfprintf(stderr, fmt, ap);
}

bool bpf_debugging(void)
{
    const char *debug = getenv("COMPENDIUM_BPF_DEBUG");
    return debug && *debug && strcmp(debug, "0") != 0;
}

bool bpf_light_wanted(void)
{
    const char *loader = getenv("COMPENDIUM_BPF_LOADER");
    return !(loader && strcmp(loader, "libbpf") == 0);
}

bool bpf_retry_with_libbpf(int err)
{
    return err && err != EPERM && err != EACCES;
}

void bpf_libbpf_print_setup(void)
{
    libbpf_set_print(bpf_debugging() ? libbpf_verbose : libbpf_quiet);
}

static void explain(int err, const char *what, char *why, size_t cap)
{
    if (err == EPERM || err == EACCES) {
        int disabled = procfs_sysctl_int("kernel/unprivileged_bpf_disabled", -1);
        if (disabled > 0 && geteuid() != 0)
            snprintf(why, cap,
                     "--ebpf needs CAP_BPF and CAP_PERFMON (or root); without them this kernel "
                     "allows no BPF at all (kernel.unprivileged_bpf_disabled=%d)",
                     disabled);
        else
            snprintf(why, cap,
                     "--ebpf needs CAP_BPF and CAP_PERFMON (or root): the kernel refused to "
                     "load the BPF programs");
        return;
    }
    snprintf(why, cap, "--ebpf: cannot %s the BPF programs: %s (COMPENDIUM_BPF_DEBUG=1 shows why)",
             what, strerror(err));
}

/* Loads and attaches the light skeleton. Returns 0 or a positive errno. */
static int load_light(uint64_t sched_threshold_ns)
{
    light = latency_light__open();
    if (!light)
        return errno ? errno : ENOMEM;
    light->rodata->sched_threshold_ns = sched_threshold_ns;
    int err = latency_light__load(light);
    /* The programs for old kernels are loaded too but not attached: they
     * would return at once, and a tracepoint with two programs waits for a
     * grace period when it loses the first (about 10 ms each, at exit). */
    int (*attach[])(struct latency_light *) = {
        latency_light__on_wakeup__attach,       latency_light__on_wakeup_new__attach,
        latency_light__on_switch__attach,       latency_light__on_fork__attach,
        latency_light__on_exit__attach,         latency_light__on_exec__attach,
        latency_light__on_bio_queue__attach,    latency_light__on_bio_split__attach,
        latency_light__on_bio_complete__attach, latency_light__on_rq_issue__attach,
        latency_light__on_rq_complete__attach,
    };
    for (size_t i = 0; !err && i < sizeof(attach) / sizeof(attach[0]); i++)
        err = attach[i](light) < 0 ? -errno : 0;
    if (err) {
        latency_light__destroy(light);
        light = NULL;
        return -err;
    }
    return 0;
}

/* Opens and loads the object: the block programs that walk a request's
 * bios with bpf_loop, or (old_kernel) the ones for kernels before 5.17,
 * which lack it. Returns 0 or a positive errno. */
static int load(uint64_t sched_threshold_ns, bool old_kernel)
{
    skel = latency_bpf__open();
    if (!skel)
        return errno ? errno : EINVAL;
    skel->rodata->sched_threshold_ns = sched_threshold_ns;
    skel->rodata->old_kernel = old_kernel;
    bpf_program__set_autoload(skel->progs.on_rq_issue, !old_kernel);
    bpf_program__set_autoload(skel->progs.on_rq_complete, !old_kernel);
    bpf_program__set_autoload(skel->progs.on_rq_issue_old, old_kernel);
    bpf_program__set_autoload(skel->progs.on_rq_complete_old, old_kernel);
    int err = latency_bpf__load(skel);
    if (err) {
        latency_bpf__destroy(skel);
        skel = NULL;
        return -err;
    }
    return 0;
}

enum latency_map { EVENTS, TRACED, BIOS };

/* A map of whichever skeleton is loaded. */
static int map_fd(enum latency_map m)
{
    if (light) {
        switch (m) {
        case EVENTS:
            return light->maps.events.map_fd;
        case TRACED:
            return light->maps.traced.map_fd;
        case BIOS:
            return light->maps.bios.map_fd;
        }
    }
    if (skel) {
        switch (m) {
        case EVENTS:
            return bpf_map__fd(skel->maps.events);
        case TRACED:
            return bpf_map__fd(skel->maps.traced);
        case BIOS:
            return bpf_map__fd(skel->maps.bios);
        }
    }
    return -1;
}

static int on_sample(void *ctx, void *data, size_t size)
{
    (void)ctx;
    const struct latency_event *e = data;
    if (size < sizeof(*e) || !drain_into)
        return 0;
    struct native_record *r = native_buf_push(drain_into);
    r->ts_ns = e->ts_ns;
    r->value_ns = e->value_ns;
    r->bytes = e->bytes;
    r->pid = (int32_t)e->pid;
    r->tid = (int32_t)e->tid;
    r->kind = e->kind == LATENCY_SCHED_DELAY ? NATIVE_SCHED_DELAY : NATIVE_BLOCK_IO;
    r->op = e->op < sizeof(native_op) ? native_op[e->op] : NATIVE_OP_OTHER;
    r->unseen = e->unseen != 0;
    return 0;
}

/* A traced bio whose completion was never seen: what it did is known, how
 * long it took is not. It is placed at its issue (or submission). */
static void push_unseen(struct native_buf *out, const struct latency_bio *b)
{
    struct native_record *r = native_buf_push(out);
    r->ts_ns = b->issue_ns ? b->issue_ns : b->submit_ns;
    r->bytes = b->size;
    r->pid = (int32_t)b->pid;
    r->tid = (int32_t)b->tid;
    r->kind = NATIVE_BLOCK_IO;
    uint8_t op = b->op < sizeof(native_op) ? native_op[b->op] : NATIVE_OP_OTHER;
    r->op = op == NATIVE_OP_WRITE && b->size == 0 ? NATIVE_OP_FLUSH : op;
    r->unseen = 1;
}

size_t bpf_source_report_unfinished(int bios_fd, struct native_buf *out)
{
    size_t n = 0;
    __u64 key;
    struct latency_bio b;
    /* Deleting as it goes, the walk always starts from the first key left. */
    while (bpf_map_get_next_key(bios_fd, NULL, &key) == 0) {
        if (bpf_map_lookup_elem(bios_fd, &key, &b) == 0 && b.tid != 0) {
            push_unseen(out, &b);
            n++;
        }
        if (bpf_map_delete_elem(bios_fd, &key) != 0)
            break;
    }
    return n;
}

bool bpf_source_open(uint64_t sched_threshold_ns, char *why, size_t cap)
{
    if (light || skel)
        return true;
    bpf_libbpf_print_setup();

    if (access(KERNEL_BTF, R_OK) != 0) {
        if (errno == ENOENT)
            snprintf(why, cap,
                     "--ebpf needs kernel BTF, and " KERNEL_BTF " is missing (the kernel must be "
                     "built with CONFIG_DEBUG_INFO_BTF=y)");
        else
            snprintf(why, cap, "--ebpf needs kernel BTF: cannot read " KERNEL_BTF ": %s",
                     strerror(errno));
        return false;
    }

    int err = bpf_light_wanted() ? load_light(sched_threshold_ns) : EOPNOTSUPP;
    if (bpf_retry_with_libbpf(err)) {
        err = load(sched_threshold_ns, false);
        if (bpf_retry_with_libbpf(err))
            err = load(sched_threshold_ns, true);
        if (err) {
            explain(err, "load", why, cap);
            return false;
        }
        err = latency_bpf__attach(skel);
        if (err) {
            explain(-err, "attach", why, cap);
            bpf_source_close();
            return false;
        }
    } else if (err) {
        explain(err, "load", why, cap);
        return false;
    }
    ring = ring_buffer__new(map_fd(EVENTS), on_sample, NULL, NULL);
    if (!ring) {
        explain(errno, "read the ring buffer of", why, cap);
        bpf_source_close();
        return false;
    }
    traced_fd = map_fd(TRACED);
    return true;
}

void bpf_source_track(pid_t tid, bool from_exec)
{
    if (traced_fd < 0 || tid <= 0)
        return;
    __u32 key = (__u32)tid;
    /* A child the programs added at fork keeps its entry, and the wakeup
     * it may already carry. */
    struct latency_task value = {.from_exec = from_exec};
    bpf_map_update_elem(traced_fd, &key, &value, BPF_NOEXIST);
}

void bpf_source_untrack(pid_t tid)
{
    if (traced_fd < 0 || tid <= 0)
        return;
    __u32 key = (__u32)tid;
    bpf_map_delete_elem(traced_fd, &key);
}

void bpf_source_drain(struct native_buf *out)
{
    if (!ring)
        return;
    drain_into = out;
    ring_buffer__consume(ring);
    drain_into = NULL;
}

void bpf_source_finish(struct native_buf *out)
{
    bpf_source_drain(out);
    if (light || skel)
        bpf_source_report_unfinished(map_fd(BIOS), out);
}

uint64_t bpf_source_dropped(void)
{
    const __u64 *dropped = light && light->bss ? &light->bss->dropped
                           : skel && skel->bss ? &skel->bss->dropped
                                               : NULL;
    return dropped ? __atomic_load_n(dropped, __ATOMIC_RELAXED) : 0;
}

void bpf_source_close(void)
{
    ring_buffer__free(ring);
    ring = NULL;
    latency_light__destroy(light);
    light = NULL;
    latency_bpf__destroy(skel);
    skel = NULL;
    traced_fd = -1;
}
