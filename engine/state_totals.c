/* The run's counts: what the state summed while applying records, handed
 * to the run object at the end. Each concern adds to its own fields. */
#include "state_internal.h"

struct state_counts state_counts;

void state_init(uint64_t start_ns)
{
    memset(&state_counts, 0, sizeof(state_counts));
    state_counts.start_ns = start_ns;
}

void state_totals(cmp_run_info *out)
{
    const struct state_counts *s = &state_counts;
    out->processes = s->processes;
    out->threads = s->threads;
    out->syscalls = s->syscalls;
    out->heap_bytes = s->heap_bytes;
    out->mmap_bytes = s->mmap_bytes;
    out->mmap_regions = s->mmap_regions;
    out->file_read_bytes = s->file_read;
    out->file_written_bytes = s->file_written;
    out->net_sent_bytes = s->net_sent;
    out->net_recv_bytes = s->net_recv;
    out->io_urings = s->io_urings;
    out->attach_heap_bytes = s->attach_heap;
    out->attach_mmap_bytes = s->attach_mmap;
    out->attach_mmap_regions = s->attach_regions;
    out->anon_bytes = s->map_use[USE_ANON];
    out->file_map_bytes = s->map_use[USE_FILE];
    out->reserved_bytes = s->map_use[USE_RESERVED];
    out->attach_anon_bytes = s->attach_map_use[USE_ANON];
    out->attach_file_map_bytes = s->attach_map_use[USE_FILE];
    out->attach_reserved_bytes = s->attach_map_use[USE_RESERVED];
}
