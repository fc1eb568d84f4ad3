#include "record_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "output.h"
#include "xalloc.h"

static const uint8_t magic[8] = {0x89, 'C', 'M', 'P', 'D', '\r', '\n', 0x1a};
#define PREAMBLE_BYTES 12 /* the magic and the format version */
#define BLOCK_HEADER 12   /* payload length, CRC-32 of the payload, CRC-32 of those 8 bytes */
#define BLOCK_TARGET (64u * 1024u)
#define ARG_SLOTS 8 /* per task, the previous arguments of up to 8 syscalls (nr % 8) */

/* ---- CRC-32 (zlib's) ------------------------------------------------------ */

static uint32_t crc_table[256];

static void crc_init(void)
{
    if (crc_table[1])
        return;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

uint32_t rf_crc32(const void *p, size_t n)
{
    crc_init();
    return crc32_of(p, n);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- per-task delta state, the same on both sides --------------------------- */

struct dtask {
    pid_t tid;
    struct dtask *next;
    uint64_t args[ARG_SLOTS][6];
    /* writer: what the entry held, so the return writes only what is new */
    uint32_t e_have, e_missing, e_fds, e_shown;
    struct captured_arg shown[6];
};

#define DTASK_BUCKETS 1024

struct dtasks {
    struct dtask *b[DTASK_BUCKETS];
};

static struct dtask *dtask_get(struct dtasks *d, pid_t tid)
{
    struct dtask **slot = &d->b[(uint32_t)tid % DTASK_BUCKETS];
    for (struct dtask *t = *slot; t; t = t->next)
        if (t->tid == tid)
            return t;
    struct dtask *t = xcalloc(1, sizeof(*t));
    t->tid = tid;
    t->next = *slot;
    *slot = t;
    return t;
}

static void dtask_drop(struct dtasks *d, pid_t tid)
{
    for (struct dtask **p = &d->b[(uint32_t)tid % DTASK_BUCKETS]; *p; p = &(*p)->next) {
        if ((*p)->tid == tid) {
            struct dtask *t = *p;
            *p = t->next;
            free(t);
            return;
        }
    }
}

static void dtasks_free(struct dtasks *d)
{
    for (size_t i = 0; i < DTASK_BUCKETS; i++) {
        while (d->b[i]) {
            struct dtask *t = d->b[i];
            d->b[i] = t->next;
            free(t);
        }
    }
}

/* ---- writing ------------------------------------------------------------ */

struct buf {
    uint8_t *p;
    size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
    if (b->len + more <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

static void put_u8(struct buf *b, uint8_t v)
{
    buf_reserve(b, 1);
    b->p[b->len++] = v;
}

static void put_var(struct buf *b, uint64_t v)
{
    buf_reserve(b, 10);
    while (v >= 0x80) {
        b->p[b->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->p[b->len++] = (uint8_t)v;
}

static void put_svar(struct buf *b, int64_t v)
{
    put_var(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_bytes(struct buf *b, const void *p, size_t n)
{
    put_var(b, n);
    buf_reserve(b, n);
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void put_str(struct buf *b, const char *s)
{
    put_bytes(b, s ? s : "", s ? strlen(s) : 0);
}

/* A string that may be absent: a flag byte, then the string. */
static void put_opt(struct buf *b, const char *s, size_t n)
{
    put_u8(b, s != NULL);
    if (s)
        put_bytes(b, s, n);
}

struct rf_writer {
    int fd;
    int err;
    struct buf block; /* BLOCK_HEADER reserved at its start */
    struct buf body;
    int kind;
    pid_t last_tid;
    uint64_t last_ts;
    uint64_t written;
    struct dtasks tasks;
};

struct rf_writer *rf_writer_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return NULL;
    crc_init();
    struct rf_writer *w = xcalloc(1, sizeof(*w));
    w->fd = fd;
    uint8_t pre[PREAMBLE_BYTES];
    memcpy(pre, magic, sizeof(magic));
    put_le32(pre + 8, RF_VERSION);
    w->err = output_write_fd(fd, pre, sizeof(pre));
    w->written = sizeof(pre);
    buf_reserve(&w->block, BLOCK_TARGET + 1024);
    w->block.len = BLOCK_HEADER;
    return w;
}

int rf_writer_flush(struct rf_writer *w)
{
    if (w->block.len <= BLOCK_HEADER || w->err)
        return w->err;
    uint32_t n = (uint32_t)(w->block.len - BLOCK_HEADER);
    put_le32(w->block.p, n);
    put_le32(w->block.p + 4, crc32_of(w->block.p + BLOCK_HEADER, n));
    put_le32(w->block.p + 8, crc32_of(w->block.p, 8));
    w->err = output_write_fd(w->fd, w->block.p, w->block.len);
    w->written += w->block.len;
    w->block.len = BLOCK_HEADER;
    return w->err;
}

bool rf_writer_pending(const struct rf_writer *w)
{
    return w->block.len > BLOCK_HEADER && !w->err;
}

uint64_t rf_writer_bytes(const struct rf_writer *w)
{
    return w->written + (w->block.len - BLOCK_HEADER);
}

int rf_writer_close(struct rf_writer *w)
{
    int err = rf_writer_flush(w);
    if (close(w->fd) != 0 && !err)
        err = errno;
    free(w->block.p);
    free(w->body.p);
    dtasks_free(&w->tasks);
    free(w);
    return err;
}

/* Every record but the header and the trailer starts with its task and
 * time, each as the difference from the record before. */
static struct buf *rec_begin(struct rf_writer *w, int kind, pid_t tid, uint64_t ts)
{
    w->kind = kind;
    w->body.len = 0;
    put_svar(&w->body, (int64_t)tid - (int64_t)w->last_tid);
    put_svar(&w->body, (int64_t)(ts - w->last_ts));
    w->last_tid = tid;
    w->last_ts = ts;
    return &w->body;
}

static void rec_end(struct rf_writer *w)
{
    if (w->err)
        return;
    struct buf *b = &w->block;
    put_var(b, (uint64_t)w->kind);
    put_bytes(b, w->body.p, w->body.len);
    if (b->len >= BLOCK_TARGET)
        rf_writer_flush(w);
}

void rf_write_header(struct rf_writer *w, const struct rf_header *h)
{
    w->kind = RF_HEADER;
    struct buf *b = &w->body;
    b->len = 0;
    put_str(b, h->kernel);
    put_var(b, h->page_size);
    put_var(b, h->start_ns);
    put_var(b, h->wall_start_ns);
    put_str(b, h->command);
    put_str(b, h->source);
    put_var(b, h->flags);
    put_bytes(b, h->traced, sizeof(h->traced));
    put_bytes(b, h->at_entry, sizeof(h->at_entry));
    w->last_ts = h->start_ns;
    rec_end(w);
    rf_writer_flush(w); /* a recording cut short still says what it is */
}

static void put_program(struct buf *b, const struct program_record *p)
{
    put_str(b, p->exe);
    put_str(b, p->executed);
    put_str(b, p->cwd);
    put_svar(b, p->cwd_err);
    put_opt(b, p->argv, p->argv_len);
}

void rf_write_root(struct rf_writer *w, const struct task *t, const struct program_record *prog,
                   unsigned flags, uint64_t now)
{
    struct buf *b = rec_begin(w, RF_ROOT, t->tid, now);
    put_var(b, flags);
    put_program(b, prog);
    rec_end(w);
}

static void put_fd_info(struct buf *b, const struct snapshot_fd *s)
{
    put_svar(b, s->fd);
    put_var(b, (uint64_t)s->kind);
    put_str(b, s->path);
    put_u8(b, s->path_missing);
    put_svar(b, s->flags);
    put_var(b, (uint64_t)s->sock_family);
    put_str(b, s->sock_type);
    put_opt(b, s->remote, s->remote ? strlen(s->remote) : 0);
}

void rf_write_attach(struct rf_writer *w, const struct snapshot *s, uint64_t now)
{
    struct buf *b = rec_begin(w, RF_ATTACH, s->pid, now);
    put_str(b, s->exe);
    put_opt(b, s->cwd, s->cwd ? strlen(s->cwd) : 0);
    put_opt(b, s->argv, s->argv_len);
    put_var(b, s->tid_count);
    for (size_t i = 0; i < s->tid_count; i++)
        put_svar(b, s->tids[i]);
    put_u8(b, s->fds_missing);
    put_var(b, s->fd_count);
    for (size_t i = 0; i < s->fd_count; i++)
        put_fd_info(b, &s->fds[i]);
    put_u8(b, s->maps_missing);
    put_var(b, s->region_count);
    for (size_t i = 0; i < s->region_count; i++) {
        const struct snapshot_region *r = &s->regions[i];
        put_var(b, r->start);
        put_var(b, r->end - r->start);
        put_var(b, (uint64_t)r->prot);
        put_u8(b, r->shared);
        put_var(b, (uint64_t)r->kind);
        put_str(b, r->name);
    }
    put_u8(b, s->heap_known);
    put_var(b, s->heap_start);
    put_var(b, s->heap_end);
    rec_end(w);
}

void rf_write_spawn(struct rf_writer *w, const struct task *parent, pid_t child,
                    uint64_t clone_flags, uint64_t now)
{
    struct buf *b = rec_begin(w, RF_SPAWN, parent->tid, now);
    put_svar(b, (int64_t)child - parent->tid);
    put_var(b, clone_flags);
    rec_end(w);
}

void rf_write_exec(struct rf_writer *w, const struct task *t, pid_t former,
                   const struct program_record *prog, uint64_t now)
{
    struct buf *b = rec_begin(w, RF_EXEC, t->tid, now);
    put_svar(b, former);
    put_program(b, prog);
    rec_end(w);
    dtask_drop(&w->tasks, t->tid);
    dtask_drop(&w->tasks, former);
}

void rf_write_exit(struct rf_writer *w, const struct task *t, int code, int sig, bool core,
                   uint64_t now)
{
    struct buf *b = rec_begin(w, RF_EXIT, t->tid, now);
    put_svar(b, code);
    put_var(b, (uint64_t)sig);
    put_u8(b, core);
    rec_end(w);
    dtask_drop(&w->tasks, t->tid);
}

void rf_write_signal(struct rf_writer *w, const struct task *t, int sig, uint64_t now)
{
    struct buf *b = rec_begin(w, RF_SIGNAL, t->tid, now);
    put_var(b, (uint64_t)sig);
    rec_end(w);
}

static void put_captured_fd(struct buf *b, const struct captured_fd *cf)
{
    put_svar(b, cf->fd);
    put_svar(b, cf->err);
    put_fd_info(b, &cf->info);
    put_svar(b, cf->ring_known);
    put_svar(b, cf->ring_entries);
    put_svar(b, cf->ring_sqpoll);
}

enum {
    PAYLOAD_BITS = PAYLOAD_SOCKADDR | PAYLOAD_PEER | PAYLOAD_FD_PAIR | PAYLOAD_CLONE_ARGS |
                   PAYLOAD_OPEN_HOW | PAYLOAD_MMSG | PAYLOAD_URING | PAYLOAD_CWD | PAYLOAD_RESOLVED
};

/* The payloads whose bits are in `bits`, the fds from `fd_from` on and the
 * shown arguments in `shown`. */
static void put_payloads(struct buf *b, const struct syscall_payloads *p, uint32_t bits,
                         uint32_t fd_from, uint32_t shown)
{
    put_var(b, p->have & bits);
    put_var(b, p->missing & bits);
    bits &= p->have | p->missing;
    if (bits & PAYLOAD_SOCKADDR) {
        put_svar(b, p->sockaddr_err);
        put_bytes(b, p->sockaddr, p->sockaddr_len);
    }
    if (bits & PAYLOAD_PEER) {
        put_svar(b, p->peer_err);
        put_bytes(b, p->peer, p->peer_len);
    }
    if (bits & PAYLOAD_FD_PAIR) {
        put_svar(b, p->fd_pair_err);
        put_svar(b, p->fd_pair[0]);
        put_svar(b, p->fd_pair[1]);
    }
    if (bits & PAYLOAD_CLONE_ARGS) {
        put_svar(b, p->clone_args_err);
        put_var(b, p->clone_flags);
    }
    if (bits & PAYLOAD_OPEN_HOW) {
        put_svar(b, p->open_how_err);
        put_var(b, p->open_flags);
    }
    if (bits & PAYLOAD_MMSG)
        put_var(b, p->mmsg_bytes);
    if (bits & PAYLOAD_URING) {
        put_svar(b, p->uring_err);
        put_var(b, p->uring_sq_entries);
        put_var(b, p->uring_flags);
    }
    if (bits & PAYLOAD_CWD) {
        put_svar(b, p->cwd_err);
        put_str(b, p->cwd);
    }
    if (bits & PAYLOAD_RESOLVED) {
        for (int i = 0; i < 2; i++) {
            put_svar(b, p->resolved[i].dir_err);
            put_str(b, p->resolved[i].dir);
            put_svar(b, p->resolved[i].full_err);
            put_str(b, p->resolved[i].full);
        }
    }
    uint32_t nfds = p->fd_count > fd_from ? p->fd_count - fd_from : 0;
    put_var(b, nfds);
    for (uint32_t i = fd_from; i < p->fd_count && i < PAYLOAD_FDS_MAX; i++)
        put_captured_fd(b, &p->fds[i]);
    shown &= p->shown_have & 0x3f;
    put_var(b, shown);
    for (int i = 0; i < 6; i++) {
        if (!(shown & (1u << i)))
            continue;
        const struct captured_arg *a = &p->shown[i];
        uint32_t len = a->len < PAYLOAD_SHOWN_MAX ? a->len : PAYLOAD_SHOWN_MAX;
        put_svar(b, a->err);
        put_var(b, a->value);
        put_bytes(b, a->bytes, len);
    }
}

static bool payloads_empty(const struct syscall_payloads *p)
{
    return !(p->have | p->missing | p->fd_count | p->shown_have);
}

void rf_write_entry(struct rf_writer *w, const struct task *t, uint64_t now)
{
    const struct syscall_call *c = &t->call;
    struct buf *b = rec_begin(w, RF_ENTRY, t->tid, now);
    put_svar(b, c->nr);
    bool payloads = !payloads_empty(&c->cap);
    uint8_t flags =
        (uint8_t)((c->abi == CMP_ABI_I386 ? 1 : 0) | (c->path_len >= 0 ? 2 : 0) |
                  (c->path2_len >= 0 ? 4 : 0) | (c->path_err ? 8 : 0) | (payloads ? 16 : 0));
    put_u8(b, flags);
    struct dtask *d = dtask_get(&w->tasks, t->tid);
    uint64_t *prev = d->args[(uint32_t)c->nr % ARG_SLOTS];
    uint8_t mask = 0;
    for (int i = 0; i < 6; i++)
        if (c->args[i] != prev[i])
            mask |= (uint8_t)(1u << i);
    put_u8(b, mask);
    for (int i = 0; i < 6; i++) {
        if (mask & (1u << i))
            put_svar(b, (int64_t)(c->args[i] - prev[i]));
        prev[i] = c->args[i];
    }
    if (c->path_len >= 0)
        put_bytes(b, c->path, (size_t)c->path_len);
    if (c->path_err)
        put_svar(b, c->path_err);
    if (c->path2_len >= 0)
        put_bytes(b, c->path2, (size_t)c->path2_len);
    if (payloads)
        put_payloads(b, &c->cap, PAYLOAD_BITS, 0, 0x3f);
    d->e_have = c->cap.have;
    d->e_missing = c->cap.missing;
    d->e_fds = c->cap.fd_count;
    d->e_shown = c->cap.shown_have & 0x3f;
    if (d->e_shown)
        memcpy(d->shown, c->cap.shown, sizeof(d->shown));
    rec_end(w);
}

static bool shown_same(const struct captured_arg *a, const struct captured_arg *b)
{
    return a->err == b->err && a->len == b->len && a->value == b->value &&
           memcmp(a->bytes, b->bytes, a->len < PAYLOAD_SHOWN_MAX ? a->len : PAYLOAD_SHOWN_MAX) == 0;
}

void rf_write_return(struct rf_writer *w, const struct task *t, int64_t ret, uint64_t now)
{
    const struct syscall_payloads *p = &t->call.cap;
    struct dtask *d = dtask_get(&w->tasks, t->tid);
    struct buf *b = rec_begin(w, RF_RETURN, t->tid, now);
    put_svar(b, ret);
    uint32_t bits = PAYLOAD_BITS & ~(d->e_have | d->e_missing);
    uint32_t shown = (p->shown_have & 0x3f) & ~d->e_shown;
    for (int i = 0; i < 6; i++)
        if ((d->e_shown & p->shown_have & (1u << i)) && !shown_same(&d->shown[i], &p->shown[i]))
            shown |= 1u << i;
    bool more = ((p->have | p->missing) & bits) || p->fd_count > d->e_fds || shown;
    put_u8(b, more);
    if (more)
        put_payloads(b, p, bits, d->e_fds, shown);
    d->e_have = d->e_missing = d->e_fds = d->e_shown = 0;
    rec_end(w);
}

void rf_write_native(struct rf_writer *w, const struct native_record *r, const struct rf_class *c)
{
    struct buf *b = rec_begin(w, RF_NATIVE, r->tid, r->ts_ns);
    put_var(b, r->kind);
    put_var(b, r->op | (r->unseen ? RF_NATIVE_UNSEEN : 0));
    put_svar(b, r->pid);
    put_var(b, r->addr);
    put_var(b, r->value_ns);
    put_var(b, r->bytes);
    put_u8(b, c != NULL);
    if (c) {
        put_str(b, c->region);
        put_str(b, c->prot);
        put_opt(b, c->has_file ? c->file : NULL, strlen(c->file));
    }
    rec_end(w);
}

/* Asked while the hooks of the record before ran: its time. */
void rf_write_fd(struct rf_writer *w, pid_t tid, int fd, int err, const struct snapshot_fd *s)
{
    struct buf *b = rec_begin(w, RF_FD, tid, w->last_ts);
    put_svar(b, fd);
    put_svar(b, err);
    if (!err)
        put_fd_info(b, s);
    rec_end(w);
}

void rf_write_end(struct rf_writer *w, const struct rf_end *e)
{
    w->kind = RF_END;
    struct buf *b = &w->body;
    b->len = 0;
    put_var(b, e->end_ns);
    put_svar(b, e->root_pid);
    put_u8(b, (uint8_t)(e->root_ended | e->core_dumped << 1 | e->detached << 2 |
                        e->interrupted << 3 | e->faults_traced << 4 | e->ebpf_traced << 5));
    put_svar(b, e->exit_code);
    put_svar(b, e->exit_signal);
    put_svar(b, e->exec_errno);
    put_opt(b, e->program, e->program ? strlen(e->program) : 0);
    put_var(b, e->undecoded);
    put_str(b, e->undecoded_names);
    put_var(b, e->page_size);
    put_var(b, e->faults_dropped);
    put_var(b, e->ebpf_dropped);
    rec_end(w);
}

/* ---- reading ------------------------------------------------------------ */

struct cur {
    const uint8_t *p, *end;
    bool bad;
};

static uint64_t get_var(struct cur *c)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (c->p >= c->end) {
            c->bad = true;
            return 0;
        }
        uint8_t byte = *c->p++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return v;
    }
    c->bad = true;
    return 0;
}

static int64_t get_svar(struct cur *c)
{
    uint64_t v = get_var(c);
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* A signed value that must fit an int32. */
static int32_t get_i32(struct cur *c)
{
    int64_t v = get_svar(c);
    if (v < INT32_MIN || v > INT32_MAX) {
        c->bad = true;
        return 0;
    }
    return (int32_t)v;
}

static uint32_t get_u32(struct cur *c)
{
    uint64_t v = get_var(c);
    if (v > UINT32_MAX) {
        c->bad = true;
        return 0;
    }
    return (uint32_t)v;
}

static uint8_t get_u8(struct cur *c)
{
    if (c->p >= c->end) {
        c->bad = true;
        return 0;
    }
    return *c->p++;
}

static bool get_flag(struct cur *c)
{
    uint8_t v = get_u8(c);
    if (v > 1)
        c->bad = true;
    return v == 1;
}

/* A length-prefixed byte string, pointing into the file. */
static const uint8_t *get_span(struct cur *c, size_t *n)
{
    uint64_t len = get_var(c);
    if (c->bad || len > (uint64_t)(c->end - c->p)) {
        c->bad = true;
        *n = 0;
        return NULL;
    }
    const uint8_t *p = c->p;
    c->p += len;
    *n = (size_t)len;
    return p;
}

/* Into a fixed buffer, NUL-terminated; longer than it holds is bad. */
static size_t get_fixed(struct cur *c, void *out, size_t cap)
{
    size_t n;
    const uint8_t *p = get_span(c, &n);
    if (!p || n >= cap) {
        if (p)
            c->bad = true;
        ((char *)out)[0] = '\0';
        return 0;
    }
    memcpy(out, p, n);
    ((char *)out)[n] = '\0';
    return n;
}

/* A string of its own (NUL-terminated; the length is beside it). */
static char *get_alloc(struct cur *c, size_t *len)
{
    size_t n;
    const uint8_t *p = get_span(c, &n);
    char *s = xcalloc(1, n + 1);
    if (p)
        memcpy(s, p, n);
    if (len)
        *len = n;
    return s;
}

static char *get_opt(struct cur *c, size_t *len)
{
    if (len)
        *len = 0;
    return get_flag(c) ? get_alloc(c, len) : NULL;
}

/* A count of items each at least `min` bytes long: more than the rest of
 * the record could hold is bad (and so never allocated). */
static size_t get_count(struct cur *c, size_t min, size_t max)
{
    uint64_t n = get_var(c);
    if (n > max || n > (uint64_t)(c->end - c->p) / min) {
        c->bad = true;
        return 0;
    }
    return (size_t)n;
}

struct rf_reader {
    const uint8_t *data;
    size_t len;
    size_t valid_end; /* end of the last whole block */
    bool cut_block;   /* the file ends inside a block */
    bool ended;       /* the trailer was read */
    size_t pos;       /* next record within the current block */
    size_t block_end;
    struct cur body; /* the current record's body */
    int kind;
    uint64_t error_at;
    pid_t last_tid;
    uint64_t last_ts;
    struct rf_header header;
    struct dtasks tasks;
};

/* Walks the blocks: each whole one must match its checksum. */
static enum rf_status check_blocks(struct rf_reader *r, uint64_t *offset)
{
    size_t off = PREAMBLE_BYTES;
    while (off < r->len) {
        if (r->len - off < BLOCK_HEADER) {
            r->cut_block = true;
            break;
        }
        uint32_t n = get_le32(r->data + off);
        uint32_t crc = get_le32(r->data + off + 4);
        /* A length that is not what was written is damage, not a cut. */
        if (crc32_of(r->data + off, 8) != get_le32(r->data + off + 8)) {
            *offset = off;
            return RF_CORRUPT;
        }
        if (n > r->len - off - BLOCK_HEADER) {
            r->cut_block = true;
            break;
        }
        if (crc32_of(r->data + off + BLOCK_HEADER, n) != crc) {
            *offset = off;
            return RF_CORRUPT;
        }
        off += BLOCK_HEADER + n;
    }
    r->valid_end = off;
    *offset = off;
    return RF_OK;
}

/* The next record's kind and body, across blocks; false at the end. */
static bool next_record(struct rf_reader *r)
{
    while (r->pos >= r->block_end) {
        if (r->block_end + BLOCK_HEADER > r->valid_end)
            return false;
        uint32_t n = get_le32(r->data + r->block_end);
        r->pos = r->block_end + BLOCK_HEADER;
        r->block_end = r->pos + n;
    }
    struct cur c = {r->data + r->pos, r->data + r->block_end, false};
    uint64_t kind = get_var(&c);
    size_t n;
    const uint8_t *body = get_span(&c, &n);
    if (c.bad || kind == 0 || kind > INT32_MAX) {
        r->error_at = r->pos;
        r->kind = -1;
        return true;
    }
    r->error_at = r->pos;
    r->kind = (int)kind;
    r->body = (struct cur){body, body + n, false};
    r->pos = (size_t)(c.p - r->data);
    return true;
}

static bool read_header(struct rf_reader *r)
{
    if (!next_record(r) || r->kind != RF_HEADER)
        return false;
    struct cur *c = &r->body;
    struct rf_header *h = &r->header;
    get_fixed(c, h->kernel, sizeof(h->kernel));
    h->page_size = get_var(c);
    h->start_ns = get_var(c);
    h->wall_start_ns = get_var(c);
    h->command = get_alloc(c, NULL);
    get_fixed(c, h->source, sizeof(h->source));
    h->flags = get_u32(c);
    size_t n;
    const uint8_t *bits = get_span(c, &n);
    if (bits && n == RF_BITMAP_BYTES)
        memcpy(h->traced, bits, n);
    else
        c->bad = true;
    bits = get_span(c, &n);
    if (bits && n == RF_BITMAP_BYTES)
        memcpy(h->at_entry, bits, n);
    else
        c->bad = true;
    r->last_ts = h->start_ns;
    return !c->bad;
}

struct rf_reader *rf_reader_new(const uint8_t *data, size_t len, enum rf_status *status,
                                uint64_t *offset)
{
    crc_init();
    *offset = 0;
    if (len < sizeof(magic) || memcmp(data, magic, sizeof(magic)) != 0) {
        *status = RF_NOT_RECORDING;
        return NULL;
    }
    if (len < PREAMBLE_BYTES) {
        *status = RF_CUT;
        *offset = len;
        return NULL;
    }
    uint32_t version = get_le32(data + 8);
    if (version != RF_VERSION) {
        *status = version > RF_VERSION ? RF_NEWER : RF_CORRUPT;
        *offset = 8;
        return NULL;
    }
    struct rf_reader *r = xcalloc(1, sizeof(*r));
    r->data = data;
    r->len = len;
    r->header.version = version;
    r->pos = r->block_end = PREAMBLE_BYTES;
    *status = check_blocks(r, offset);
    if (*status == RF_OK && !read_header(r)) {
        /* No whole header: cut before it was written, or not one. */
        *status = r->valid_end == PREAMBLE_BYTES ? RF_CUT : RF_CORRUPT;
        *offset = r->valid_end == PREAMBLE_BYTES ? len : r->error_at;
    }
    if (*status != RF_OK) {
        rf_reader_free(r);
        return NULL;
    }
    *status = r->cut_block ? RF_CUT : RF_OK;
    return r;
}

const struct rf_header *rf_reader_header(const struct rf_reader *r)
{
    return &r->header;
}

void rf_reader_free(struct rf_reader *r)
{
    if (!r)
        return;
    free(r->header.command);
    dtasks_free(&r->tasks);
    free(r);
}

uint64_t rf_reader_offset(const struct rf_reader *r)
{
    return r->error_at;
}

bool rf_reader_cut(const struct rf_reader *r)
{
    return r->cut_block || !r->ended;
}

int rf_peek_kind(const struct rf_reader *r)
{
    size_t pos = r->pos, end = r->block_end;
    if (r->ended)
        return 0;
    if (pos >= end) {
        if (end + BLOCK_HEADER > r->valid_end)
            return 0;
        pos = end + BLOCK_HEADER;
        end = pos + get_le32(r->data + r->block_end);
    }
    struct cur c = {r->data + pos, r->data + end, false};
    uint64_t kind = get_var(&c);
    return c.bad || kind > INT32_MAX ? 0 : (int)kind;
}

void rf_mark(const struct rf_reader *r, struct rf_mark *m)
{
    *m = (struct rf_mark){r->pos,  r->block_end, r->body.p,   r->body.end,
                          r->kind, r->error_at,  r->last_tid, r->last_ts};
}

void rf_reset(struct rf_reader *r, const struct rf_mark *m)
{
    r->pos = m->pos;
    r->block_end = m->block_end;
    r->body = (struct cur){m->body, m->body_end, false};
    r->kind = m->kind;
    r->error_at = m->error_at;
    r->last_tid = m->last_tid;
    r->last_ts = m->last_ts;
}

int rf_next(struct rf_reader *r, struct rf_next *out)
{
    memset(out, 0, sizeof(*out));
    if (r->ended || !next_record(r)) {
        r->error_at = r->valid_end;
        return 0;
    }
    if (r->kind < 0 || r->kind == RF_HEADER)
        return -1;
    out->kind = r->kind;
    if (r->kind == RF_END)
        return 1;
    struct cur *c = &r->body;
    int64_t tid = (int64_t)r->last_tid + get_svar(c);
    uint64_t ts = r->last_ts + (uint64_t)get_svar(c);
    if (c->bad || tid <= 0 || tid > INT32_MAX)
        return -1;
    r->last_tid = (pid_t)tid;
    r->last_ts = ts;
    out->tid = (pid_t)tid;
    out->ts = ts;
    return 1;
}

/* A body is read whole: what is left over means it is not what it says. */
static bool done(const struct cur *c)
{
    return !c->bad && c->p == c->end;
}

static void get_program(struct cur *c, struct program_record *p)
{
    get_fixed(c, p->exe, sizeof(p->exe));
    get_fixed(c, p->executed, sizeof(p->executed));
    get_fixed(c, p->cwd, sizeof(p->cwd));
    p->cwd_err = get_i32(c);
    p->argv = get_opt(c, &p->argv_len);
}

bool rf_read_root(struct rf_reader *r, struct program_record *prog, unsigned *flags)
{
    struct cur *c = &r->body;
    *flags = get_u32(c);
    get_program(c, prog);
    return done(c);
}

static void get_fd_info(struct cur *c, struct snapshot_fd *s)
{
    s->fd = get_i32(c);
    s->kind = (int)get_u32(c);
    if (s->kind >= CMP_FD_KIND_COUNT)
        c->bad = true;
    s->path = get_alloc(c, NULL);
    s->path_missing = get_flag(c);
    s->flags = get_i32(c);
    s->sock_family = (int)get_u32(c);
    if (s->sock_family > 255)
        c->bad = true;
    get_fixed(c, s->sock_type, sizeof(s->sock_type));
    s->remote = get_opt(c, NULL);
}

bool rf_read_attach(struct rf_reader *r, struct snapshot *s)
{
    struct cur *c = &r->body;
    memset(s, 0, sizeof(*s));
    s->exe = get_alloc(c, NULL);
    s->cwd = get_opt(c, NULL);
    s->argv = get_opt(c, &s->argv_len);
    s->tid_count = get_count(c, 1, 1u << 22);
    s->tids = xcalloc(s->tid_count ? s->tid_count : 1, sizeof(*s->tids));
    for (size_t i = 0; i < s->tid_count; i++) {
        s->tids[i] = get_i32(c);
        if (s->tids[i] <= 0)
            c->bad = true;
    }
    s->pid = s->tid_count ? s->tids[0] : 0;
    if (s->tid_count == 0 || s->pid != r->last_tid)
        c->bad = true;
    s->fds_missing = get_flag(c);
    size_t nfds = get_count(c, 8, 1u << 22);
    s->fds = xcalloc(nfds ? nfds : 1, sizeof(*s->fds));
    for (size_t i = 0; i < nfds && !c->bad; i++)
        get_fd_info(c, &s->fds[s->fd_count++]);
    s->maps_missing = get_flag(c);
    size_t nregions = get_count(c, 6, 1u << 24);
    s->regions = xcalloc(nregions ? nregions : 1, sizeof(*s->regions));
    for (size_t i = 0; i < nregions && !c->bad; i++) {
        struct snapshot_region *reg = &s->regions[s->region_count++];
        reg->start = get_var(c);
        uint64_t size = get_var(c);
        reg->end = reg->start + size;
        if (reg->end < reg->start)
            c->bad = true;
        reg->prot = (int)get_u32(c);
        reg->shared = get_flag(c);
        reg->kind = (int)get_u32(c);
        if (reg->kind > SNAP_KERNEL || reg->prot > 7)
            c->bad = true;
        reg->name = get_alloc(c, NULL);
    }
    s->heap_known = get_flag(c);
    s->heap_start = get_var(c);
    s->heap_end = get_var(c);
    if (!done(c)) {
        snapshot_free(s);
        return false;
    }
    return true;
}

bool rf_read_spawn(struct rf_reader *r, pid_t *child, uint64_t *clone_flags)
{
    struct cur *c = &r->body;
    int64_t tid = (int64_t)r->last_tid + get_svar(c);
    *clone_flags = get_var(c);
    if (tid <= 0 || tid > INT32_MAX)
        c->bad = true;
    *child = (pid_t)tid;
    return done(c);
}

bool rf_read_exec(struct rf_reader *r, pid_t *former, struct program_record *prog)
{
    struct cur *c = &r->body;
    *former = get_i32(c);
    get_program(c, prog);
    dtask_drop(&r->tasks, r->last_tid);
    dtask_drop(&r->tasks, *former);
    return done(c) && *former > 0;
}

bool rf_read_exit(struct rf_reader *r, int *code, int *sig, bool *core)
{
    struct cur *c = &r->body;
    *code = get_i32(c);
    uint32_t s = get_u32(c);
    *sig = s < 65 ? (int)s : 0;
    if (s >= 65)
        c->bad = true;
    *core = get_flag(c);
    dtask_drop(&r->tasks, r->last_tid);
    return done(c);
}

bool rf_read_signal(struct rf_reader *r, int *sig)
{
    struct cur *c = &r->body;
    uint32_t s = get_u32(c);
    *sig = s < 65 ? (int)s : 0;
    return done(c) && s > 0 && s < 65;
}

static void get_captured_fd(struct cur *c, struct captured_fd *cf)
{
    memset(cf, 0, sizeof(*cf));
    cf->fd = get_i32(c);
    cf->err = get_i32(c);
    get_fd_info(c, &cf->info);
    cf->ring_known = get_i32(c);
    cf->ring_entries = get_i32(c);
    cf->ring_sqpoll = get_i32(c);
}

static void get_resolved(struct cur *c, struct resolved_path *rp)
{
    rp->dir_err = get_i32(c);
    get_fixed(c, rp->dir, sizeof(rp->dir));
    rp->full_err = get_i32(c);
    get_fixed(c, rp->full, sizeof(rp->full));
}

/* Adds the payloads to p, as put_payloads wrote them. */
static void get_payloads(struct cur *c, struct syscall_payloads *p)
{
    uint32_t have = get_u32(c), missing = get_u32(c);
    if ((have | missing) & ~(uint32_t)PAYLOAD_BITS)
        c->bad = true;
    uint32_t bits = have | missing;
    p->have |= have;
    p->missing |= missing;
    size_t n;
    const uint8_t *bytes;
    if (bits & PAYLOAD_SOCKADDR) {
        p->sockaddr_err = get_i32(c);
        bytes = get_span(c, &n);
        if (n > sizeof(p->sockaddr))
            c->bad = true;
        else if (bytes)
            memcpy(p->sockaddr, bytes, n);
        p->sockaddr_len = c->bad ? 0 : (uint32_t)n;
    }
    if (bits & PAYLOAD_PEER) {
        p->peer_err = get_i32(c);
        bytes = get_span(c, &n);
        if (n > sizeof(p->peer))
            c->bad = true;
        else if (bytes)
            memcpy(p->peer, bytes, n);
        p->peer_len = c->bad ? 0 : (uint32_t)n;
    }
    if (bits & PAYLOAD_FD_PAIR) {
        p->fd_pair_err = get_i32(c);
        p->fd_pair[0] = get_i32(c);
        p->fd_pair[1] = get_i32(c);
    }
    if (bits & PAYLOAD_CLONE_ARGS) {
        p->clone_args_err = get_i32(c);
        p->clone_flags = get_var(c);
    }
    if (bits & PAYLOAD_OPEN_HOW) {
        p->open_how_err = get_i32(c);
        p->open_flags = get_var(c);
    }
    if (bits & PAYLOAD_MMSG)
        p->mmsg_bytes = get_var(c);
    if (bits & PAYLOAD_URING) {
        p->uring_err = get_i32(c);
        p->uring_sq_entries = get_u32(c);
        p->uring_flags = get_u32(c);
    }
    if (bits & PAYLOAD_CWD) {
        p->cwd_err = get_i32(c);
        get_fixed(c, p->cwd, sizeof(p->cwd));
    }
    if (bits & PAYLOAD_RESOLVED) {
        get_resolved(c, &p->resolved[0]);
        get_resolved(c, &p->resolved[1]);
    }
    size_t nfds = get_count(c, 8, PAYLOAD_FDS_MAX);
    if (p->fd_count + nfds > PAYLOAD_FDS_MAX)
        c->bad = true;
    for (size_t i = 0; i < nfds && !c->bad; i++)
        get_captured_fd(c, &p->fds[p->fd_count++]);
    uint32_t shown = get_u32(c);
    if (shown & ~0x3fu)
        c->bad = true;
    for (int i = 0; i < 6 && !c->bad; i++) {
        if (!(shown & (1u << i)))
            continue;
        struct captured_arg *a = &p->shown[i];
        a->err = get_i32(c);
        a->value = get_var(c);
        bytes = get_span(c, &n);
        if (n > PAYLOAD_SHOWN_MAX) {
            c->bad = true;
            break;
        }
        if (bytes)
            memcpy(a->bytes, bytes, n);
        a->len = (uint32_t)n;
        p->shown_have |= 1u << i;
    }
}

/* A path argument into buf (PATH_MAX), its length as the record keeps it. */
static int get_path(struct cur *c, char *buf)
{
    size_t n = get_fixed(c, buf, PATH_MAX);
    return c->bad ? -1 : (int)n;
}

bool rf_read_entry(struct rf_reader *r, struct syscall_call *call)
{
    struct cur *c = &r->body;
    payloads_reset(&call->cap);
    call->nr = get_i32(c);
    uint8_t flags = get_u8(c);
    if (flags & ~0x1fu)
        c->bad = true;
    call->abi = (flags & 1) ? CMP_ABI_I386 : CMP_ABI_X86_64;
    struct dtask *d = dtask_get(&r->tasks, r->last_tid);
    uint64_t *prev = d->args[(uint32_t)call->nr % ARG_SLOTS];
    uint8_t mask = get_u8(c);
    if (mask & ~0x3fu)
        c->bad = true;
    for (int i = 0; i < 6; i++) {
        if (mask & (1u << i))
            prev[i] += (uint64_t)get_svar(c);
        call->args[i] = prev[i];
    }
    call->path_len = call->path2_len = -1;
    call->path[0] = call->path2[0] = '\0';
    call->path_err = 0;
    if (flags & 2)
        call->path_len = get_path(c, call->path);
    if (flags & 8)
        call->path_err = get_i32(c);
    if (flags & 4)
        call->path2_len = get_path(c, call->path2);
    if (flags & 16)
        get_payloads(c, &call->cap);
    return done(c);
}

bool rf_read_return(struct rf_reader *r, struct syscall_call *call, int64_t *ret)
{
    struct cur *c = &r->body;
    *ret = get_svar(c);
    if (get_flag(c))
        get_payloads(c, &call->cap);
    return done(c);
}

bool rf_read_native(struct rf_reader *r, struct native_record *rec, struct rf_class *cl)
{
    struct cur *c = &r->body;
    memset(rec, 0, sizeof(*rec));
    rec->tid = r->last_tid;
    rec->ts_ns = r->last_ts;
    uint32_t kind = get_u32(c), op = get_u32(c);
    rec->unseen = (op & RF_NATIVE_UNSEEN) != 0;
    op &= ~(uint32_t)RF_NATIVE_UNSEEN;
    if (kind < NATIVE_FAULT || kind > NATIVE_BLOCK_IO || op > NATIVE_OP_LAST ||
        (rec->unseen && kind != NATIVE_BLOCK_IO))
        c->bad = true;
    rec->kind = (uint8_t)kind;
    rec->op = (uint8_t)op;
    rec->pid = get_i32(c);
    rec->addr = get_var(c);
    rec->value_ns = get_var(c);
    rec->bytes = get_var(c);
    memset(cl, 0, sizeof(*cl));
    bool has_class = get_flag(c);
    if (has_class) {
        get_fixed(c, cl->region, sizeof(cl->region));
        get_fixed(c, cl->prot, sizeof(cl->prot));
        cl->has_file = get_flag(c);
        if (cl->has_file)
            get_fixed(c, cl->file, sizeof(cl->file));
    }
    if (kind == NATIVE_FAULT && !has_class)
        c->bad = true;
    return done(c);
}

bool rf_read_fd(struct rf_reader *r, int *fd, int *err, struct snapshot_fd *s)
{
    struct cur *c = &r->body;
    memset(s, 0, sizeof(*s));
    *fd = get_i32(c);
    *err = get_i32(c);
    if (!*err)
        get_fd_info(c, s);
    if (!done(c)) {
        snapshot_fd_free(s);
        return false;
    }
    return true;
}

bool rf_read_end(struct rf_reader *r, struct rf_end *e)
{
    struct cur *c = &r->body;
    memset(e, 0, sizeof(*e));
    e->end_ns = get_var(c);
    e->root_pid = get_i32(c);
    uint8_t f = get_u8(c);
    e->root_ended = f & 1;
    e->core_dumped = (f >> 1) & 1;
    e->detached = (f >> 2) & 1;
    e->interrupted = (f >> 3) & 1;
    e->faults_traced = (f >> 4) & 1;
    e->ebpf_traced = (f >> 5) & 1;
    e->exit_code = get_i32(c);
    e->exit_signal = get_i32(c);
    e->exec_errno = get_i32(c);
    e->program = get_opt(c, NULL);
    e->undecoded = get_var(c);
    e->undecoded_names = get_alloc(c, NULL);
    e->page_size = get_var(c);
    e->faults_dropped = get_var(c);
    e->ebpf_dropped = get_var(c);
    if (e->exit_signal < 0 || e->exit_signal > 64 || e->exec_errno < 0 || e->exec_errno > 4095)
        c->bad = true;
    if (!done(c)) {
        rf_end_free(e);
        return false;
    }
    r->ended = true;
    return true;
}

void rf_end_free(struct rf_end *e)
{
    free(e->program);
    free(e->undecoded_names);
    e->program = e->undecoded_names = NULL;
}
