#include "sources.h"

#include <stdio.h>
#include <string.h>

#include "bpf_source.h"
#include "fault_class.h"
#include "native.h"
#include "perf_source.h"
#include "proctable.h"
#include "script_host.h"
#include "stream.h"

/* Without a script asking for less, delays under 10 us are not reported. */
#define DEFAULT_SCHED_THRESHOLD_NS 10000u
/* How often the loop drains the rings when no tracee stop brings it round. */
#define PUMP_INTERVAL_NS 100000000u

static bool faults_on, ebpf_on;
static uint64_t sched_threshold_ns;
static struct native_buf pending;

void cmp_host_sched_threshold(uint64_t ns)
{
    if (sched_threshold_ns == 0 || ns < sched_threshold_ns)
        sched_threshold_ns = ns ? ns : 1;
}

bool sources_open(bool faults, bool ebpf)
{
    char why[512];
    bool faults_ok = faults && perf_source_open(why, sizeof(why));
    if (faults && !faults_ok) {
        fprintf(stderr, "compendium: %s%s\n", why, ebpf ? " (going on without page faults)" : "");
        if (!ebpf)
            return false;
    }
    uint64_t threshold = sched_threshold_ns ? sched_threshold_ns : DEFAULT_SCHED_THRESHOLD_NS;
    bool ebpf_ok = ebpf && bpf_source_open(threshold, why, sizeof(why));
    if (ebpf && !ebpf_ok) {
        fprintf(stderr, "compendium: %s%s\n", why, faults_ok ? " (going on without --ebpf)" : "");
        if (!faults_ok)
            return false;
    }
    faults_on = faults_ok;
    ebpf_on = ebpf_ok;
    return true;
}

bool sources_track_root(pid_t tid, bool before_exec)
{
    if (faults_on && !perf_source_track(tid, before_exec))
        return false;
    if (ebpf_on)
        bpf_source_track(tid, before_exec);
    return true;
}

void sources_exec(pid_t tid)
{
    if (faults_on)
        perf_source_exec(tid);
}

void sources_track_child(pid_t tid)
{
    if (ebpf_on)
        bpf_source_track(tid, false);
}

void sources_untrack(pid_t tid)
{
    if (ebpf_on)
        bpf_source_untrack(tid);
}

static cmp_str text(const char *s)
{
    return s ? (cmp_str){s, (uint32_t)strlen(s)} : (cmp_str){NULL, 0};
}

static const char *const op_names[] = {
    [NATIVE_OP_OTHER] = "other",
    [NATIVE_OP_READ] = "read",
    [NATIVE_OP_WRITE] = "write",
    [NATIVE_OP_FLUSH] = "flush",
    [NATIVE_OP_DISCARD] = "discard",
    [NATIVE_OP_SECURE_ERASE] = "secure-erase",
    [NATIVE_OP_WRITE_ZEROES] = "write-zeroes",
    [NATIVE_OP_ZONE_APPEND] = "zone-append",
    [NATIVE_OP_ZONE] = "zone",
    [NATIVE_OP_PASSTHROUGH] = "passthrough",
};

static const char *op_name(int op)
{
    return op >= 0 && op <= NATIVE_OP_LAST ? op_names[op] : "other";
}

static const int event_type[] = {
    [NATIVE_FAULT] = CMP_EV_FAULT,
    [NATIVE_SCHED_DELAY] = CMP_EV_SCHED_DELAY,
    [NATIVE_BLOCK_IO] = CMP_EV_BLOCK_IO,
};

void sources_fault_class(const struct native_record *r, struct fault_class *out)
{
    struct task *t = proctable_find(r->tid);
    pid_t pid = r->pid ? r->pid : t ? t->pid : r->tid;
    if (!t)
        t = proctable_find(pid);
    fault_classify(t ? t->mm : NULL, pid, r->addr, out);
}

void sources_dispatch(const struct native_record *r, const struct fault_class *fc)
{
    if (r->kind < NATIVE_FAULT || r->kind > NATIVE_BLOCK_IO)
        return;
    int type = event_type[r->kind];
    if (!script_host_wants(type))
        return;
    struct task *t = proctable_find(r->tid);
    /* The command's own setup is not its program's. Run-queue waits are
     * measured from the kernel's exec on the BPF side (sched_process_exec),
     * which comes before the exec stop this flag waits for. */
    if (t && t->before_exec && r->kind != NATIVE_SCHED_DELAY)
        return;
    cmp_event *e = &script_event;
    memset(e, 0, sizeof(*e));
    e->type = type;
    e->pid = r->pid ? r->pid : t ? t->pid : r->tid;
    e->tid = r->tid;
    e->ts_ns = r->ts_ns;
    e->nr = -1;
    e->fd = -1;
    struct fault_class now;
    switch (r->kind) {
    case NATIVE_FAULT:
        if (!fc) {
            sources_fault_class(r, &now);
            fc = &now;
        }
        e->addr = r->addr;
        e->count = 1;
        e->region = text(fc->region);
        e->prot = (cmp_str){fc->prot, 3};
        e->filename = text(fc->file);
        break;
    case NATIVE_SCHED_DELAY:
        e->delay_ns = r->value_ns;
        break;
    case NATIVE_BLOCK_IO:
        e->latency_ns = r->unseen ? 0 : r->value_ns;
        e->unseen = r->unseen;
        e->bytes = r->bytes;
        e->op = text(op_name(r->op));
        break;
    default:
        break;
    }
    script_host_dispatch();
}

void sources_pump(uint64_t until)
{
    if (!faults_on && !ebpf_on)
        return;
    if (faults_on)
        perf_source_drain(&pending);
    /* The end of the run: what never completes now is reported unseen. */
    if (ebpf_on && until == UINT64_MAX)
        bpf_source_finish(&pending);
    else if (ebpf_on)
        bpf_source_drain(&pending);
    if (pending.len == 0)
        return;
    native_buf_sort(&pending);
    /* Address spaces may have changed since the last look at /proc. */
    fault_class_reset();
    size_t done = 0;
    while (done < pending.len && pending.recs[done].ts_ns <= until)
        stream_native(&pending.recs[done++], NULL);
    /* Records newer than the stop about to be handled (other tasks run on)
     * wait for a later pump, so events reach the scripts in time order. */
    size_t left = pending.len - done;
    memmove(pending.recs, pending.recs + done, left * sizeof(*pending.recs));
    for (size_t i = 0; i < left; i++)
        pending.recs[i].seq = (uint32_t)i; /* still older than what arrives next */
    pending.len = left;
}

uint64_t sources_next_pump(uint64_t now)
{
    if (!faults_on && !ebpf_on)
        return 0;
    /* On a fixed grid, so the timer is re-armed once per interval. */
    return (now / PUMP_INTERVAL_NS + 1) * PUMP_INTERVAL_NS;
}

void sources_totals(cmp_run_info *out)
{
    out->faults_traced = faults_on;
    out->ebpf_traced = ebpf_on;
    out->page_size = faults_on ? perf_source_page_size() : 0;
    out->faults_dropped = faults_on ? perf_source_lost() : 0;
    out->ebpf_dropped = ebpf_on ? bpf_source_dropped() : 0;
    out->dropped = out->faults_dropped + out->ebpf_dropped;
}

void sources_close(void)
{
    if (faults_on)
        perf_source_close();
    if (ebpf_on)
        bpf_source_close();
    faults_on = ebpf_on = false;
    native_buf_free(&pending);
}
