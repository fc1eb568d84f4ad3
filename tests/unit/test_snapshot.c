/* Applying an attach snapshot: a synthetic snapshot is fed to the state,
 * then synthetic syscalls; the fd lookups and memory totals must start
 * from what the snapshot says the process had. Also the maps parser. */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "fdtable.h"
#include "memregions.h"
#include "proctable.h"
#include "snapshot.h"
#include "state.h"
#include "xalloc.h"

#define MiB (1024ull * 1024)
#define KiB 1024ull
/* Beyond any pid_max, so no /proc entry can answer for these tasks. */
#define PID 0x7ffffff0
#define TID2 (PID + 1)
#define TID3 (PID + 2)

#define ANON_AT 0x7f0000000000ull
#define FILE_AT 0x7f0000800000ull
#define STACK_AT 0x7ffd00000000ull
#define VDSO_AT 0x7ffd10000000ull
#define HEAP_AT 0x555500000000ull

static struct snapshot_fd fd_of(int fd, int kind, const char *path, int flags)
{
    return (struct snapshot_fd){.fd = fd, .kind = kind, .path = xstrdup(path), .flags = flags};
}

static struct snapshot_region region(uint64_t start, uint64_t len, int prot, int kind,
                                     const char *name)
{
    return (struct snapshot_region){
        .start = start, .end = start + len, .prot = prot, .kind = kind, .name = xstrdup(name)};
}

/* A process with 3 threads, a file open for writing, a connected TCP
 * socket, a pipe; 4 MiB anonymous and 8 KiB of a file mapped, a 256 KiB
 * heap, its stack and the vdso. */
static void build(struct snapshot *s)
{
    memset(s, 0, sizeof(*s));
    s->pid = PID;
    s->exe = xstrdup("/usr/bin/python3");
    static const char argv[] = "python3\0app.py";
    s->argv = xcalloc(1, sizeof(argv));
    memcpy(s->argv, argv, sizeof(argv));
    s->argv_len = sizeof(argv);
    s->tid_count = 3;
    s->tids = xcalloc(3, sizeof(*s->tids));
    s->tids[0] = PID;
    s->tids[1] = TID2;
    s->tids[2] = TID3;
    s->fd_count = 4;
    s->fds = xcalloc(4, sizeof(*s->fds));
    s->fds[0] = fd_of(3, CMP_FD_FILE, "/tmp/data", O_WRONLY | O_CLOEXEC);
    s->fds[1] = fd_of(4, CMP_FD_PIPE, "pipe:[77]", O_RDONLY);
    s->fds[2] = fd_of(5, CMP_FD_SOCKET, "socket:[78]", O_RDWR);
    s->fds[2].sock_family = AF_INET;
    snprintf(s->fds[2].sock_type, sizeof(s->fds[2].sock_type), "tcp4");
    s->fds[2].remote = xstrdup("127.0.0.1:4242");
    s->fds[3] = fd_of(7, CMP_FD_PIPE, "pipe:[77]", O_WRONLY);
    s->region_count = 6;
    s->regions = xcalloc(6, sizeof(*s->regions));
    s->regions[0] = region(HEAP_AT, 256 * KiB, PROT_READ | PROT_WRITE, SNAP_HEAP, "[heap]");
    s->regions[1] = region(ANON_AT, 4 * MiB, PROT_READ | PROT_WRITE, SNAP_ANON, "");
    s->regions[2] = region(FILE_AT, 8 * KiB, PROT_READ, SNAP_FILE, "/tmp/mapped");
    s->regions[2].shared = true;
    s->regions[3] = region(STACK_AT, 132 * KiB, PROT_READ | PROT_WRITE, SNAP_STACK, "[stack]");
    s->regions[4] = region(VDSO_AT, 8 * KiB, PROT_READ | PROT_EXEC, SNAP_KERNEL, "[vdso]");
    s->regions[5] = region(VDSO_AT + 8 * KiB, 4 * KiB, PROT_READ, SNAP_KERNEL, "[vvar]");
    s->heap_known = true;
    s->heap_start = HEAP_AT;
    s->heap_end = HEAP_AT + 256 * KiB;
}

static void syscall_returns(struct task *t, int nr, uint64_t a0, uint64_t a1, uint64_t a2,
                            int64_t ret)
{
    memset(&t->call, 0, sizeof(t->call));
    t->call.nr = nr;
    t->call.args[0] = a0;
    t->call.args[1] = a1;
    t->call.args[2] = a2;
    t->call.path_len = t->call.path2_len = t->call.sockaddr_len = -1;
    t->call.active = true;
    state_syscall_exit(t, ret, 2000);
}

static void test_state_starts_from_the_snapshot(void)
{
    struct snapshot s;
    build(&s);
    state_init(1000);
    state_attach(&s, 1000);
    snapshot_free(&s);

    struct task *leader = proctable_find(PID), *t2 = proctable_find(TID2),
                *t3 = proctable_find(TID3);
    CHECK(leader && t2 && t3);
    if (!leader || !t2 || !t3)
        return;
    CHECK(!leader->is_thread);
    CHECK_STR(leader->proc->exe, "/usr/bin/python3");
    CHECK_STR(t3->proc->comm, "python3");
    CHECK_INT(leader->proc->argv_len, sizeof("python3\0app.py"));
    CHECK(t2->proc == leader->proc);
    CHECK(t2->is_thread && t3->is_thread);
    CHECK_INT(t3->pid, PID);
    CHECK(t2->fds == leader->fds && t3->mm == leader->mm);

    cmp_run_info run;
    memset(&run, 0, sizeof(run));
    state_totals(&run);
    CHECK_INT(run.processes, 1);
    CHECK_INT(run.threads, 2);
    CHECK_INT(run.attach_heap_bytes, 256 * KiB);
    CHECK_INT(run.attach_mmap_bytes, 4 * MiB + 8 * KiB); /* not the stack, not the kernel's */
    CHECK_INT(run.attach_mmap_regions, 2);

    /* The fds are known without asking /proc (which knows no such pid). */
    struct ofd *data = fdtable_get(leader->fds, 3);
    CHECK(data && data->kind == CMP_FD_FILE && data->writable);
    CHECK_STR(data ? data->path : NULL, "/tmp/data");
    CHECK(fdtable_cloexec(leader->fds, 3));
    struct ofd *sock = fdtable_get(t3->fds, 5);
    CHECK(sock && sock->kind == CMP_FD_SOCKET && sock->sock_family == AF_INET && sock->writable);
    CHECK_STR(sock ? sock->remote : NULL, "127.0.0.1:4242");
    CHECK_STR(sock ? sock->sock_type : NULL, "tcp4");
    struct ofd *rd = fdtable_get(leader->fds, 4);
    CHECK(rd && rd->kind == CMP_FD_PIPE && !rd->writable && !fdtable_cloexec(leader->fds, 4));
    CHECK_INT(fdtable_count(leader->fds), 4);

    /* A thread writes 1000 bytes to the file, sends 3000 on the socket. */
    syscall_returns(t2, SYS_write, 3, 0, 1000, 1000);
    syscall_returns(t3, SYS_sendto, 5, 0, 3000, 3000);
    /* dup2 of a snapshot fd, then the original closed: the copy stays. */
    syscall_returns(leader, SYS_dup2, 3, 10, 0, 10);
    syscall_returns(leader, SYS_close, 3, 0, 0, 0);
    CHECK(fdtable_get(leader->fds, 3) == NULL);
    struct ofd *copy = fdtable_get(leader->fds, 10);
    CHECK_STR(copy ? copy->path : NULL, "/tmp/data");
    syscall_returns(leader, SYS_write, 10, 0, 24, 24);
    memset(&run, 0, sizeof(run));
    state_totals(&run);
    CHECK_INT(run.file_written_bytes, 1024);
    CHECK_INT(run.net_sent_bytes, 3000);

    /* Memory: the pre-existing regions are the starting point. */
    struct region scratch;
    const struct region *r = mm_find(leader->mm, FILE_AT + 100, &scratch);
    CHECK(r && r->kind == REGION_FILE && r->prot == PROT_READ);
    CHECK_STR(r ? r->name : NULL, "/tmp/mapped");
    r = mm_find(leader->mm, STACK_AT + 100, &scratch);
    CHECK(r && r->kind == REGION_STACK);
    r = mm_find(leader->mm, HEAP_AT + 100, &scratch);
    CHECK(r && r->kind == REGION_HEAP);
    CHECK(mm_find(leader->mm, VDSO_AT, &scratch) == NULL);
    syscall_returns(leader, SYS_munmap, FILE_AT, 8 * KiB, 0, 0);
    /* mremap of the snapshot's anonymous 4 MiB to 8 MiB elsewhere: it keeps its protection. */
    uint64_t moved = ANON_AT + 64 * MiB;
    memset(&leader->call, 0, sizeof(leader->call));
    leader->call.nr = SYS_mremap;
    leader->call.args[0] = ANON_AT;
    leader->call.args[1] = 4 * MiB;
    leader->call.args[2] = 8 * MiB;
    leader->call.active = true;
    state_syscall_exit(leader, (int64_t)moved, 3000);
    r = mm_find(leader->mm, moved + 5 * MiB, &scratch);
    CHECK(r && r->kind == REGION_ANON && r->prot == (PROT_READ | PROT_WRITE));
    /* brk: the first value, inside the page the snapshot knew the break to,
     * is no growth; then 64 KiB more is. */
    syscall_returns(leader, SYS_brk, 0, 0, 0, (int64_t)(HEAP_AT + 256 * KiB - 16));
    syscall_returns(leader, SYS_brk, HEAP_AT + 320 * KiB - 16, 0, 0,
                    (int64_t)(HEAP_AT + 320 * KiB - 16));
    struct mm_stats m;
    mm_stats(leader->mm, &m);
    CHECK_INT(m.heap_bytes, 320 * KiB - 16);
    CHECK_INT(m.mapped_bytes, 8 * MiB);
    CHECK_INT(m.peak_mapped_bytes, 8 * MiB);
    CHECK_INT(m.regions, 1);
    CHECK_INT(m.peak_regions, 2);

    state_finish();
    memset(&run, 0, sizeof(run));
    state_totals(&run);
    CHECK_INT(run.heap_bytes, 320 * KiB - 16);
    CHECK_INT(run.mmap_bytes, 8 * MiB);
    CHECK_INT(run.mmap_regions, 2);
    CHECK_INT(run.attach_mmap_bytes, 4 * MiB + 8 * KiB);
}

static void test_parse_map_lines(void)
{
    struct snapshot_region r;
    CHECK(snapshot_parse_map_line("7f8bf4b32000-7f8bf4b34000 r--s 00000000 fe:00 10969651     "
                                  "              /tmp/a b (deleted)\n",
                                  &r));
    CHECK_INT(r.start, 0x7f8bf4b32000ull);
    CHECK_INT(r.end, 0x7f8bf4b34000ull);
    CHECK_INT(r.prot, PROT_READ);
    CHECK(r.shared);
    CHECK_INT(r.kind, SNAP_FILE);
    CHECK_STR(r.name, "/tmp/a b (deleted)");
    free(r.name);
    CHECK(snapshot_parse_map_line("7f8bf4543000-7f8bf4943000 rw-p 00000000 00:00 0 ", &r));
    CHECK_INT(r.kind, SNAP_ANON);
    CHECK_INT(r.prot, PROT_READ | PROT_WRITE);
    CHECK(!r.shared);
    CHECK_STR(r.name, "");
    free(r.name);
    const struct {
        const char *line;
        int kind;
    } kinds[] = {
        {"5645b663d000-5645b669e000 rw-p 00000000 00:00 0                          [heap]",
         SNAP_HEAP},
        {"7ffce43fd000-7ffce441e000 rw-p 00000000 00:00 0   [stack]", SNAP_STACK},
        {"7f8bf4b3c000-7f8bf4b3e000 r-xp 00000000 00:00 0   [vdso]", SNAP_KERNEL},
        {"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0   [vsyscall]", SNAP_KERNEL},
        {"7f0000000000-7f0000001000 rw-p 00000000 00:00 0   [anon:my arena]", SNAP_ANON},
        {"7f0000000000-7f0000001000 rw-s 00000000 00:01 5   /dev/zero (deleted)", SNAP_ANON},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        CHECK(snapshot_parse_map_line(kinds[i].line, &r));
        CHECK_INT(r.kind, kinds[i].kind);
        free(r.name);
    }
    CHECK(!snapshot_parse_map_line("", &r));
    CHECK(!snapshot_parse_map_line("not a maps line", &r));
    CHECK(!snapshot_parse_map_line("7f0000001000-7f0000000000 rw-p 00000000 00:00 0", &r));
}

int main(void)
{
    test_state_starts_from_the_snapshot();
    test_parse_map_lines();
    return check_finish();
}
