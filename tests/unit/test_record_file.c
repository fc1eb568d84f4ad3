/* The recording format round trip: every field of every record kind, with
 * every payload bit, written by the writer and read back by the reader
 * equal; the argument deltas of one task across calls and tasks; a cut
 * file reads as a prefix and says it was cut. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "event.h"
#include "record_file.h"

static struct task task_a, task_b; /* big: not on the stack */

static void fill_call(struct syscall_call *c, int nr, uint64_t base)
{
    memset(c, 0, sizeof(*c));
    c->nr = nr;
    c->abi = nr == 42 ? CMP_ABI_I386 : CMP_ABI_X86_64;
    for (int i = 0; i < 6; i++)
        c->args[i] = base + (uint64_t)i * 0x1000 - (i == 3 ? base * 2 : 0);
    c->path_len = snprintf(c->path, sizeof(c->path), "/tmp/a path %d", nr);
    c->path_err = 0;
    c->path2_len = -1;
}

/* Every payload bit, at entry the ones an entry captures. */
static void fill_entry_payloads(struct syscall_payloads *p)
{
    p->have = PAYLOAD_SOCKADDR | PAYLOAD_CLONE_ARGS;
    p->missing = PAYLOAD_OPEN_HOW;
    p->sockaddr_len = 16;
    for (int i = 0; i < 16; i++)
        p->sockaddr[i] = (uint8_t)(i * 7);
    p->clone_flags = 0x3d0f00;
    p->open_how_err = 14;
    p->fd_count = 1;
    p->fds[0].fd = 5;
    p->fds[0].info = (struct snapshot_fd){.fd = 5,
                                          .kind = CMP_FD_SOCKET,
                                          .path = strdup("socket:[123]"),
                                          .flags = 02,
                                          .sock_family = 2,
                                          .sock_type = "tcp4",
                                          .remote = strdup("10.0.0.1:80")};
    p->shown_have = 1u << 1;
    p->shown[1] = (struct captured_arg){.err = 0, .len = 5, .value = 9, .bytes = "hello"};
}

static void fill_exit_payloads(struct syscall_payloads *p)
{
    p->have |= PAYLOAD_PEER | PAYLOAD_FD_PAIR | PAYLOAD_MMSG | PAYLOAD_URING | PAYLOAD_CWD |
               PAYLOAD_RESOLVED;
    p->missing |= 0;
    p->peer_len = 3;
    memcpy(p->peer, "\x01\x02\x03", 3);
    p->fd_pair[0] = 7;
    p->fd_pair[1] = 8;
    p->mmsg_bytes = 123456789;
    p->uring_sq_entries = 64;
    p->uring_flags = 2;
    p->cwd_err = 0;
    snprintf(p->cwd, sizeof(p->cwd), "/home/x");
    p->resolved[0].dir_err = 0;
    snprintf(p->resolved[0].dir, sizeof(p->resolved[0].dir), "/real");
    snprintf(p->resolved[0].full, sizeof(p->resolved[0].full), "/real/f");
    p->resolved[1].dir_err = 2;
    p->resolved[1].full_err = 2;
    p->fds[1] = (struct captured_fd){
        .fd = 9,
        .err = 0,
        .info = {.fd = 9, .kind = CMP_FD_FILE, .path = strdup("/f"), .flags = 0, .sock_type = ""},
        .ring_known = 1,
        .ring_entries = 32,
        .ring_sqpoll = 1};
    p->fd_count = 2;
    p->shown_have |= 1u << 4;
    p->shown[4] = (struct captured_arg){.err = 14, .len = 0};
    /* read again at the exit, changed (the kernel wrote into it) */
    p->shown[1] = (struct captured_arg){.err = 0, .len = 6, .value = 9, .bytes = "world!"};
}

static void same_fd(const struct snapshot_fd *a, const struct snapshot_fd *b)
{
    CHECK_INT(a->fd, b->fd);
    CHECK_INT(a->kind, b->kind);
    CHECK_STR(a->path, b->path);
    CHECK_INT(a->path_missing, b->path_missing);
    CHECK_INT(a->flags, b->flags);
    CHECK_INT(a->sock_family, b->sock_family);
    CHECK_STR(a->sock_type, b->sock_type);
    CHECK((a->remote == NULL) == (b->remote == NULL));
    if (a->remote && b->remote)
        CHECK_STR(a->remote, b->remote);
}

static void same_payloads(const struct syscall_payloads *a, const struct syscall_payloads *b)
{
    CHECK_INT(a->have, b->have);
    CHECK_INT(a->missing, b->missing);
    CHECK_INT(a->sockaddr_len, b->sockaddr_len);
    CHECK(memcmp(a->sockaddr, b->sockaddr, a->sockaddr_len) == 0);
    CHECK_INT(a->clone_flags, b->clone_flags);
    CHECK_INT(a->open_how_err, b->open_how_err);
    CHECK_INT(a->peer_len, b->peer_len);
    CHECK(memcmp(a->peer, b->peer, a->peer_len) == 0);
    CHECK_INT(a->fd_pair[0], b->fd_pair[0]);
    CHECK_INT(a->fd_pair[1], b->fd_pair[1]);
    CHECK_INT(a->mmsg_bytes, b->mmsg_bytes);
    CHECK_INT(a->uring_sq_entries, b->uring_sq_entries);
    CHECK_INT(a->uring_flags, b->uring_flags);
    CHECK_STR(a->cwd, b->cwd);
    for (int i = 0; i < 2; i++) {
        CHECK_INT(a->resolved[i].dir_err, b->resolved[i].dir_err);
        CHECK_INT(a->resolved[i].full_err, b->resolved[i].full_err);
        CHECK_STR(a->resolved[i].dir, b->resolved[i].dir);
        CHECK_STR(a->resolved[i].full, b->resolved[i].full);
    }
    CHECK_INT(a->fd_count, b->fd_count);
    for (uint32_t i = 0; i < a->fd_count && i < b->fd_count; i++) {
        CHECK_INT(a->fds[i].fd, b->fds[i].fd);
        CHECK_INT(a->fds[i].ring_known, b->fds[i].ring_known);
        CHECK_INT(a->fds[i].ring_entries, b->fds[i].ring_entries);
        CHECK_INT(a->fds[i].ring_sqpoll, b->fds[i].ring_sqpoll);
        same_fd(&a->fds[i].info, &b->fds[i].info);
    }
    CHECK_INT(a->shown_have, b->shown_have);
    for (int i = 0; i < 6; i++) {
        if (!(a->shown_have & (1u << i)))
            continue;
        CHECK_INT(a->shown[i].err, b->shown[i].err);
        CHECK_INT(a->shown[i].len, b->shown[i].len);
        CHECK_INT(a->shown[i].value, b->shown[i].value);
        CHECK(memcmp(a->shown[i].bytes, b->shown[i].bytes, a->shown[i].len) == 0);
    }
}

static void same_call(const struct syscall_call *a, const struct syscall_call *b)
{
    CHECK_INT(a->nr, b->nr);
    CHECK_INT(a->abi, b->abi);
    for (int i = 0; i < 6; i++)
        CHECK_INT(a->args[i], b->args[i]);
    CHECK_INT(a->path_len, b->path_len);
    CHECK_STR(a->path, b->path);
    CHECK_INT(a->path2_len, b->path2_len);
    CHECK_INT(a->path_err, b->path_err);
}

/* The file a writer made, whole; the file is removed. */
static uint8_t *take_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    CHECK(fd >= 0 && fstat(fd, &st) == 0);
    *len = (size_t)st.st_size;
    uint8_t *data = malloc(*len);
    CHECK(read(fd, data, *len) == (ssize_t)*len);
    close(fd);
    unlink(path);
    return data;
}

/* Every fd kind the engine has reads back: a kind added to event.h must
 * not make recordings of it unreadable. */
static void every_fd_kind(void)
{
    char path[] = "/tmp/compendium-rec.XXXXXX";
    int tmp = mkstemp(path);
    CHECK(tmp >= 0);
    close(tmp);
    struct rf_writer *w = rf_writer_open(path);
    CHECK(w != NULL);
    struct rf_header h;
    memset(&h, 0, sizeof(h));
    h.command = "kinds";
    rf_write_header(w, &h);
    for (int kind = 0; kind < CMP_FD_KIND_COUNT; kind++) {
        struct snapshot_fd sfd = {.fd = kind, .kind = kind, .path = "x", .flags = 0};
        rf_write_fd(w, 1, kind, 0, &sfd);
    }
    CHECK_INT(rf_writer_close(w), 0);

    size_t len;
    uint8_t *data = take_file(path, &len);
    enum rf_status status;
    uint64_t at;
    struct rf_reader *r = rf_reader_new(data, len, &status, &at);
    CHECK(r != NULL);
    struct rf_next n;
    int kinds = 0;
    while (rf_next(r, &n) > 0) {
        int gfd, gerr;
        struct snapshot_fd gs;
        CHECK(rf_read_fd(r, &gfd, &gerr, &gs));
        CHECK_INT(gs.kind, kinds);
        snapshot_fd_free(&gs);
        kinds++;
    }
    CHECK_INT(kinds, CMP_FD_KIND_COUNT);
    rf_reader_free(r);
    free(data);
}

int main(void)
{
    char path[] = "/tmp/compendium-rec.XXXXXX";
    int tmp = mkstemp(path);
    CHECK(tmp >= 0);
    close(tmp);

    struct rf_writer *w = rf_writer_open(path);
    CHECK(w != NULL);
    struct rf_header h;
    memset(&h, 0, sizeof(h));
    snprintf(h.kernel, sizeof(h.kernel), "6.1.0-test");
    h.page_size = 4096;
    h.start_ns = 1000000000;
    h.wall_start_ns = 1790000000123456789ull;
    h.command = "cmd with args";
    snprintf(h.source, sizeof(h.source), "ptrace");
    h.flags = RF_IO_TRACED | RF_ALL;
    h.traced[0] = 0x5a;
    h.at_entry[63] = 0x80;
    rf_write_header(w, &h);

    task_a.tid = task_a.pid = 4000;
    task_b.tid = 4001;
    task_b.pid = 4000;
    struct program_record prog = {.exe = "/bin/prog", .executed = "/usr/bin/prog", .cwd = "/w"};
    prog.cwd_err = 0;
    prog.argv = "prog\0-x\0";
    prog.argv_len = 8;
    rf_write_root(w, &task_a, &prog, RF_ROOT_BEFORE_EXEC, 1000000100);

    /* two calls of task a, one of task b between: deltas per task and slot */
    fill_call(&task_a.call, 257, 0x7fff0000);
    fill_entry_payloads(&task_a.call.cap);
    rf_write_entry(w, &task_a, 1000000200);
    struct syscall_call entry_a = task_a.call;
    fill_exit_payloads(&task_a.call.cap);
    rf_write_return(w, &task_a, -2, 1000000300);

    fill_call(&task_b.call, 42, 0x10);
    task_b.call.path_len = -1;
    task_b.call.path_err = 14;
    rf_write_entry(w, &task_b, 999999999); /* older than the record before it */
    rf_write_spawn(w, &task_a, 4002, 0x50f00, 1000000400);
    struct native_record nat = {.ts_ns = 1000000350,
                                .addr = 0x7f0000001000,
                                .pid = 4000,
                                .tid = 4001,
                                .kind = NATIVE_FAULT};
    struct rf_class cls = {.region = "heap", .prot = "rw-", .has_file = false};
    rf_write_native(w, &nat, &cls);
    /* block I/O, one whose completion was seen and one whose was not */
    struct native_record seen = {.ts_ns = 1000000360,
                                 .value_ns = 5000,
                                 .bytes = 4096,
                                 .pid = 4000,
                                 .tid = 4001,
                                 .kind = NATIVE_BLOCK_IO,
                                 .op = NATIVE_OP_READ};
    rf_write_native(w, &seen, NULL);
    struct native_record unseen = {.ts_ns = 1000000370,
                                   .bytes = 65536,
                                   .pid = 4000,
                                   .tid = 4001,
                                   .kind = NATIVE_BLOCK_IO,
                                   .op = NATIVE_OP_PASSTHROUGH,
                                   .unseen = 1};
    rf_write_native(w, &unseen, NULL);
    struct snapshot_fd sfd = {.fd = 7, .kind = CMP_FD_PIPE, .path = "pipe:[9]", .flags = 0};
    rf_write_fd(w, 4001, 7, 0, &sfd);
    rf_write_fd(w, 4001, 8, 2, NULL);
    /* task a again (its tid), the slot of nr 257 again */
    static struct task task_a2;
    task_a2.tid = task_a2.pid = 4000;
    fill_call(&task_a2.call, 257, 0x7fff0008);
    rf_write_entry(w, &task_a2, 1000000500);
    struct syscall_call entry_a2 = task_a2.call;
    rf_write_signal(w, &task_b, 17, 1000000600);
    rf_write_exec(w, &task_a, 4001, &prog, 1000000700);
    rf_write_exit(w, &task_a, 3, 0, false, 1000000800);
    struct rf_end end = {.end_ns = 1000000900,
                         .root_pid = 4000,
                         .root_ended = true,
                         .exit_code = 3,
                         .undecoded = 2,
                         .undecoded_names = "signal=2",
                         .faults_traced = true,
                         .page_size = 4096,
                         .faults_dropped = 5};
    rf_write_end(w, &end);
    CHECK_INT(rf_writer_close(w), 0);

    size_t len;
    uint8_t *data = take_file(path, &len);

    enum rf_status status;
    uint64_t at;
    struct rf_reader *r = rf_reader_new(data, len, &status, &at);
    CHECK(r != NULL);
    CHECK_INT(status, RF_OK);
    const struct rf_header *rh = rf_reader_header(r);
    CHECK_STR(rh->kernel, "6.1.0-test");
    CHECK_INT(rh->page_size, 4096);
    CHECK_INT(rh->start_ns, h.start_ns);
    CHECK_INT(rh->wall_start_ns, h.wall_start_ns);
    CHECK_STR(rh->command, "cmd with args");
    CHECK_STR(rh->source, "ptrace");
    CHECK_INT(rh->flags, h.flags);
    CHECK(memcmp(rh->traced, h.traced, sizeof(h.traced)) == 0);
    CHECK(memcmp(rh->at_entry, h.at_entry, sizeof(h.at_entry)) == 0);

    struct rf_next n;
    static struct syscall_call call_a, call_b;
    struct program_record got;
    unsigned flags;
    CHECK_INT(rf_next(r, &n), 1);
    CHECK_INT(n.kind, RF_ROOT);
    CHECK_INT(n.tid, 4000);
    CHECK_INT(n.ts, 1000000100);
    memset(&got, 0, sizeof(got));
    CHECK(rf_read_root(r, &got, &flags));
    CHECK_INT(flags, RF_ROOT_BEFORE_EXEC);
    CHECK_STR(got.exe, "/bin/prog");
    CHECK_STR(got.executed, "/usr/bin/prog");
    CHECK_STR(got.cwd, "/w");
    CHECK_INT(got.argv_len, 8);
    CHECK(got.argv && memcmp(got.argv, "prog\0-x\0", 8) == 0);
    free(got.argv);

    CHECK_INT(rf_next(r, &n), 1);
    CHECK_INT(n.kind, RF_ENTRY);
    CHECK(rf_read_entry(r, &call_a));
    same_call(&entry_a, &call_a);
    same_payloads(&entry_a.cap, &call_a.cap);
    CHECK_INT(rf_next(r, &n), 1);
    CHECK_INT(n.kind, RF_RETURN);
    CHECK_INT(n.ts, 1000000300);
    int64_t ret;
    CHECK(rf_read_return(r, &call_a, &ret));
    CHECK_INT(ret, -2);
    struct syscall_payloads want;
    memset(&want, 0, sizeof(want));
    fill_entry_payloads(&want);
    fill_exit_payloads(&want);
    same_payloads(&want, &call_a.cap);
    payloads_reset(&want);

    CHECK_INT(rf_next(r, &n), 1);
    CHECK_INT(n.kind, RF_ENTRY);
    CHECK_INT(n.tid, 4001);
    CHECK_INT(n.ts, 999999999);
    CHECK(rf_read_entry(r, &call_b));
    CHECK_INT(call_b.nr, 42);
    CHECK_INT(call_b.abi, CMP_ABI_I386);
    CHECK_INT(call_b.path_len, -1);
    CHECK_INT(call_b.path_err, 14);
    CHECK_INT(call_b.args[3], (uint64_t)0x10 + 0x3000 - 0x20);

    CHECK_INT(rf_next(r, &n), 1);
    CHECK_INT(n.kind, RF_SPAWN);
    pid_t child;
    uint64_t clone_flags;
    CHECK(rf_read_spawn(r, &child, &clone_flags));
    CHECK_INT(child, 4002);
    CHECK_INT(clone_flags, 0x50f00);

    CHECK_INT(rf_next(r, &n), 1);
    CHECK_INT(n.kind, RF_NATIVE);
    struct native_record gn;
    struct rf_class gc;
    CHECK(rf_read_native(r, &gn, &gc));
    CHECK_INT(gn.ts_ns, 1000000350);
    CHECK_INT(gn.tid, 4001);
    CHECK_INT(gn.pid, 4000);
    CHECK_INT(gn.addr, 0x7f0000001000);
    CHECK_INT(gn.kind, NATIVE_FAULT);
    CHECK_STR(gc.region, "heap");
    CHECK_STR(gc.prot, "rw-");
    CHECK(!gc.has_file);
    for (int i = 0; i < 2; i++) {
        CHECK_INT(rf_next(r, &n), 1);
        CHECK_INT(n.kind, RF_NATIVE);
        CHECK(rf_read_native(r, &gn, &gc));
        CHECK_INT(gn.kind, NATIVE_BLOCK_IO);
        CHECK_INT(gn.op, i ? NATIVE_OP_PASSTHROUGH : NATIVE_OP_READ);
        CHECK_INT(gn.bytes, i ? 65536 : 4096);
        CHECK_INT(gn.value_ns, i ? 0 : 5000);
        CHECK_INT(gn.unseen, i);
    }

    /* the replay reads the fd answers ahead, then comes back */
    CHECK_INT(rf_peek_kind(r), RF_FD);
    struct rf_mark m;
    rf_mark(r, &m);
    int gfd, gerr;
    struct snapshot_fd gs;
    CHECK_INT(rf_next(r, &n), 1);
    CHECK(rf_read_fd(r, &gfd, &gerr, &gs));
    CHECK_INT(gfd, 7);
    CHECK_INT(gerr, 0);
    same_fd(&sfd, &gs);
    snapshot_fd_free(&gs);
    rf_reset(r, &m);
    CHECK_INT(rf_next(r, &n), 1);
    CHECK_INT(n.kind, RF_FD);
    CHECK_INT(n.tid, 4001);
    CHECK(rf_read_fd(r, &gfd, &gerr, &gs));
    CHECK_INT(gfd, 7);
    snapshot_fd_free(&gs);
    CHECK_INT(rf_next(r, &n), 1);
    CHECK(rf_read_fd(r, &gfd, &gerr, &gs));
    CHECK_INT(gfd, 8);
    CHECK_INT(gerr, 2);

    CHECK_INT(rf_next(r, &n), 1);
    CHECK_INT(n.kind, RF_ENTRY);
    CHECK(rf_read_entry(r, &call_a));
    same_call(&entry_a2, &call_a);

    CHECK_INT(rf_next(r, &n), 1);
    CHECK_INT(n.kind, RF_SIGNAL);
    int sig;
    CHECK(rf_read_signal(r, &sig));
    CHECK_INT(sig, 17);

    CHECK_INT(rf_next(r, &n), 1);
    CHECK_INT(n.kind, RF_EXEC);
    pid_t former;
    memset(&got, 0, sizeof(got));
    CHECK(rf_read_exec(r, &former, &got));
    CHECK_INT(former, 4001);
    free(got.argv);

    CHECK_INT(rf_next(r, &n), 1);
    CHECK_INT(n.kind, RF_EXIT);
    int code;
    bool core;
    CHECK(rf_read_exit(r, &code, &sig, &core));
    CHECK_INT(code, 3);

    CHECK_INT(rf_next(r, &n), 1);
    CHECK_INT(n.kind, RF_END);
    struct rf_end ge;
    CHECK(rf_read_end(r, &ge));
    CHECK_INT(ge.end_ns, 1000000900);
    CHECK_INT(ge.root_pid, 4000);
    CHECK(ge.root_ended);
    CHECK_INT(ge.exit_code, 3);
    CHECK_INT(ge.undecoded, 2);
    CHECK_STR(ge.undecoded_names, "signal=2");
    CHECK(ge.faults_traced);
    CHECK_INT(ge.faults_dropped, 5);
    rf_end_free(&ge);
    CHECK_INT(rf_next(r, &n), 0);
    CHECK(!rf_reader_cut(r));
    rf_reader_free(r);

    /* without its trailer: read to the end, and said to be cut */
    r = rf_reader_new(data, len - 1, &status, &at);
    CHECK(r != NULL);
    CHECK_INT(status, RF_CUT);
    while (rf_next(r, &n) > 0)
        ;
    CHECK(rf_reader_cut(r));
    rf_reader_free(r);

    payloads_reset(&call_a.cap);
    payloads_reset(&call_b.cap);
    payloads_reset(&task_a.call.cap);
    free(data);
    every_fd_kind();
    return check_finish();
}
