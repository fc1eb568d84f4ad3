/* The structs and functions scripts see through the LuaJIT FFI.
 *
 * Everything between the FFI markers is handed verbatim to ffi.cdef at
 * start-up (the build embeds it), so it must stay plain C declarations:
 * no preprocessor lines, no macros, fixed-width types only. */
#ifndef COMPENDIUM_EVENT_H
#define COMPENDIUM_EVENT_H

#include <stddef.h>
#include <stdint.h>

/* BEGIN FFI */
/* A byte string owned by the engine; valid only while the hook runs. */
typedef struct cmp_str {
    const char *ptr;
    uint32_t len;
} cmp_str;

enum cmp_event_type {
    CMP_EV_NONE = 0,
    CMP_EV_ENTER = 1,   /* a syscall, before it runs */
    CMP_EV_SYSCALL = 2, /* a syscall, after it returned */
    CMP_EV_OPEN = 3,
    CMP_EV_CONNECT = 4,
    CMP_EV_READ = 5,
    CMP_EV_WRITE = 6,
    CMP_EV_SEND = 7,
    CMP_EV_RECV = 8,
    CMP_EV_BRK = 9,
    CMP_EV_MMAP = 10,
    CMP_EV_MUNMAP = 11,
    CMP_EV_SPAWN_PROCESS = 12,
    CMP_EV_SPAWN_THREAD = 13,
    CMP_EV_EXEC = 14,
    CMP_EV_EXIT = 15,
    CMP_EV_SIGNAL = 16,
    CMP_EV_FAULT = 17,
    CMP_EV_SCHED_DELAY = 18,
    CMP_EV_BLOCK_IO = 19,
    CMP_EV_INJECT = 20,   /* a hook changed a syscall's result or delayed it */
    CMP_EV_IO_URING = 21, /* an io_uring came into use: the I/O through it is not seen */
    /* changes to the file tree (failed calls too, with error set) */
    CMP_EV_RENAME = 22,
    CMP_EV_UNLINK = 23,
    CMP_EV_MKDIR = 24,
    CMP_EV_RMDIR = 25,
    CMP_EV_LINK = 26,
    CMP_EV_SYMLINK = 27,
    CMP_EV_CHMOD = 28,
    CMP_EV_CHOWN = 29,
    CMP_EV_TRUNCATE = 30,
    CMP_EV_UTIMES = 31,
    CMP_EV_COUNT = 32
};

/* The ABI a syscall was made through. Events of an i386 syscall (int $0x80)
 * carry the x86-64 number and argument order of the syscall it means. */
enum cmp_abi { CMP_ABI_X86_64 = 0, CMP_ABI_I386 = 1 };

/* What an enter/exit hook asked for, through cmp_host_inject (bit flags). */
enum cmp_inject_action { CMP_INJECT_RETURN = 1, CMP_INJECT_DELAY = 2 };

/* What a read/write touched (sockets produce send/recv instead). */
enum cmp_io_target { CMP_TARGET_FILE = 0, CMP_TARGET_PIPE = 1, CMP_TARGET_OTHER = 2 };

/* One event. Syscall-derived events carry the syscall context (nr, args,
 * ret, decoded strings); the semantic fields used depend on `type`. */
typedef struct cmp_event {
    int32_t type; /* enum cmp_event_type */
    int32_t pid;  /* thread group id */
    int32_t tid;
    int32_t nr;     /* syscall number, -1 for events not tied to a syscall */
    uint64_t ts_ns; /* CLOCK_MONOTONIC */
    int64_t ret;    /* syscall return value (raw, -errno on failure); inject: the value */
    uint64_t args[6];

    /* decoded syscall context, empty when not applicable */
    cmp_str path;     /* first path argument, as passed; open: the file opened;
                         file tree events: the file changed, made absolute */
    cmp_str path2;    /* second path argument (rename, link, symlink) */
    cmp_str fd_path;  /* what the first fd argument refers to */
    cmp_str sockaddr; /* decoded socket address argument */

    /* semantic fields (names follow the JSON schema) */
    cmp_str filename;     /* read/write/mmap: file */
    cmp_str requested;    /* open, file tree events: the path argument, as passed */
    cmp_str path_error;   /* open: errno name when path is unknown (ENAMETOOLONG) */
    cmp_str arg_error;    /* open: errno name when the argument was unreadable */
    cmp_str sock_type;    /* connect: tcp4, udp6, unix, netlink, ... */
    cmp_str remote_addr;  /* connect/send/recv: peer */
    cmp_str prot;         /* mmap/fault: "rw-" */
    cmp_str map_type;     /* mmap: anon | file */
    cmp_str program;      /* exec: path of the new program */
    cmp_str argv;         /* exec: arguments, each followed by a NUL */
    cmp_str region;       /* fault: heap | anon | file | stack | other */
    cmp_str op;           /* block_io: read | write | other; inject: error | return | delay */
    cmp_str error;        /* connect, open, file tree events: errno name when it failed */
    cmp_str new_path;     /* rename: the new name; link: the link made (absolute) */
    cmp_str link_target;  /* symlink: what the link holds, as passed */
    uint64_t addr;        /* mmap/munmap/fault */
    uint64_t end_addr;    /* mmap */
    uint64_t size;        /* mmap/munmap; truncate: the new length */
    uint64_t bytes;       /* read/write/send/recv/block_io */
    int64_t growth_bytes; /* brk: change of the heap size */
    uint64_t delay_ns;    /* sched_delay: run-queue wait; inject: the delay */
    uint64_t latency_ns;  /* block_io */
    uint64_t count;       /* fault: faults grouped in this event */
    uint64_t calls;       /* read/write/send/recv: the calls this event stands for (1, or
                             more for a merged run: see c.accept_io_runs) */
    int32_t fd;           /* open: new fd; read/write/send/recv: the fd */
    int32_t writable;     /* open: opened for writing */
    int32_t target;       /* read/write: enum cmp_io_target */
    int32_t child;        /* spawn_process: child pid; spawn_thread: child tid */
    int32_t code;         /* exit: status, -1 when killed by a signal */
    int32_t signal;       /* exit: fatal signal; signal: the signal number */
    int32_t is_thread;    /* exit: the task was a thread, not a process */
    int32_t core_dumped;  /* exit */
    int32_t unseen;       /* block_io: its completion was not seen, latency_ns unknown */
    int32_t abi;          /* syscall-derived events: enum cmp_abi */
    int32_t entries;      /* io_uring: submission queue entries, 0 if unknown */
    int32_t sqpoll;       /* io_uring: a kernel thread submits (IORING_SETUP_SQPOLL) */
    int32_t inherited;    /* io_uring: first seen in use, its setup not traced */
    int32_t mode;         /* mkdir, chmod: the mode asked for */
    int32_t uid;          /* chown: the new owner, -1 for unchanged */
    int32_t gid;          /* chown: the new group, -1 for unchanged */
    int32_t exchange;     /* rename: RENAME_EXCHANGE, the two names swapped */
    /* CLOCK_MONOTONIC at the syscall's entry stop, for events made when it
     * returned (dur_ns = ts_ns - entry_ns); 0 for every other event and when
     * the entry was not seen: no duration is ever guessed. */
    uint64_t entry_ns;
    /* Syscall-derived events: what the source captured of the call's
     * memory (engine/record.h), which cmp_format_syscall and
     * cmp_host_resolved read; NULL for other events. */
    const struct syscall_payloads *payloads;
} cmp_event;

/* A path argument as the kernel resolved it when its syscall returned,
 * for check.resolved: the directory it is in and the whole path, symlinks
 * resolved (the last one too in full); a string is empty (ptr NULL) when
 * it could not be resolved, its err (errno) says why. */
typedef struct cmp_resolved_path {
    cmp_str dir;
    cmp_str full;
    int32_t dir_err;
    int32_t full_err;
} cmp_resolved_path;

/* What the engine knows about a task, for c.proc(). */
typedef struct cmp_proc_info {
    int32_t pid; /* thread group id */
    int32_t tid;
    int32_t ppid; /* the traced parent, 0 for the root */
    int32_t is_thread;
    int32_t alive;
    int32_t exit_code;   /* -1 while alive or when killed */
    int32_t exit_signal; /* 0 unless killed by a signal */
    uint64_t start_ns;
    uint64_t end_ns;
    cmp_str comm;          /* short program name */
    cmp_str exe;           /* program path */
    cmp_str argv;          /* NUL-terminated arguments */
    uint64_t heap_bytes;   /* its address space now: heap grown with brk */
    uint64_t mapped_bytes; /* and bytes mapped with mmap (as the summary counts) */
    cmp_str cwd;           /* working directory; empty when it has no name within PATH_MAX */
    uint64_t anon_bytes;   /* of mapped_bytes: anonymous mappings with access (memory used) */
} cmp_proc_info;

enum cmp_fd_kind {
    CMP_FD_UNKNOWN = 0,
    CMP_FD_FILE = 1,
    CMP_FD_DIR = 2,
    CMP_FD_SOCKET = 3,
    CMP_FD_PIPE = 4,
    CMP_FD_EVENTFD = 5,
    CMP_FD_TIMERFD = 6,
    CMP_FD_SIGNALFD = 7,
    CMP_FD_EPOLL = 8,
    CMP_FD_MEMFD = 9,
    CMP_FD_INOTIFY = 10,
    CMP_FD_PIDFD = 11,
    CMP_FD_OTHER = 12,
    CMP_FD_IO_URING = 13,  /* a ring the trace has reported (an io_uring event) */
    CMP_FD_DEVICE = 14,    /* a character or block device: a tty, /dev/null */
    CMP_FD_KIND_COUNT = 15 /* one past the last kind */
};

/* What one fd refers to, for c.fd(). */
typedef struct cmp_fd_info {
    int32_t fd;
    int32_t kind; /* enum cmp_fd_kind */
    int32_t cloexec;
    int32_t writable;
    cmp_str path;        /* file path, memfd name, pipe:[inode], ... */
    cmp_str sock_type;   /* tcp4, udp6, unix, ... */
    cmp_str remote_addr; /* peer, once known */
} cmp_fd_info;

/* Where the records come from (engine/source.h): run.source and c.source. */
typedef struct cmp_source_info {
    cmp_str name;     /* "ptrace" */
    int32_t live;     /* the tasks run while traced */
    int32_t can_stop; /* a task waits while hooks run: enter hooks, c.inject, c.delay */
} cmp_source_info;

/* The run as a whole, for the `end` hook. */
typedef struct cmp_run_info {
    uint64_t start_ns;
    uint64_t end_ns;
    int32_t root_pid;
    int32_t exit_code;        /* root's exit status, -1 if killed or unknown */
    int32_t exit_signal;      /* root's fatal signal, 0 if none */
    int32_t attached;         /* --pid: tracing began by attaching */
    int32_t detached;         /* tracing ended by detaching; the process runs on */
    int32_t interrupted;      /* tracees were killed after a second Ctrl-C */
    uint64_t processes;       /* processes seen, the root included */
    uint64_t threads;         /* threads seen beyond each process's first */
    uint64_t syscalls;        /* syscalls observed */
    uint64_t heap_bytes;      /* sum over address spaces of the peak brk heap */
    uint64_t mmap_bytes;      /* sum over address spaces of the peak mmap total */
    uint64_t mmap_regions;    /* sum over address spaces of the peak region count */
    uint64_t dropped;         /* events lost (ring buffers); 0 for ptrace */
    int32_t io_traced;        /* read/write/send/recv were traced, so the io totals hold */
    int32_t core_dumped;      /* the root's fatal signal dumped core */
    uint64_t file_read_bytes; /* read from anything but sockets, every path */
    uint64_t file_written_bytes;
    uint64_t net_sent_bytes; /* through inet/inet6 sockets */
    uint64_t net_recv_bytes;
    int32_t faults_traced;   /* --faults was on and permitted */
    int32_t ebpf_traced;     /* --ebpf was on and permitted */
    uint64_t page_size;      /* bytes per page, for fault totals */
    uint64_t faults_dropped; /* fault samples the perf rings lost */
    uint64_t ebpf_dropped;   /* records the BPF ring buffer could not take */
    cmp_str command;         /* the traced command line, space-joined */
    uint64_t undecoded;      /* syscalls of another ABI (int $0x80, x32) not decoded */
    cmp_str undecoded_names; /* which, with counts: "signal=2 socketcall:recvmmsg=1" */
    uint64_t io_urings;      /* io_uring instances seen: the I/O through them is not */
    /* CLOCK_REALTIME ns at the instant start_ns was taken (the clock anchor):
     * wall-clock time of ts_ns is wall_start_ns + (ts_ns - start_ns). */
    uint64_t wall_start_ns;
    /* --pid: what the process had when attached (counted in the totals above) */
    uint64_t attach_heap_bytes;
    uint64_t attach_mmap_bytes;
    uint64_t attach_mmap_regions;
    cmp_source_info source;
    /* mmap_bytes split: anonymous mappings with access, file mappings,
     * reservations without access (PROT_NONE); each a sum of peaks */
    uint64_t anon_bytes;
    uint64_t file_map_bytes;
    uint64_t reserved_bytes;
    uint64_t attach_anon_bytes;
    uint64_t attach_file_map_bytes;
    uint64_t attach_reserved_bytes;
    /* What the source could not know (an strace log without -yy, without
     * timestamps, filtered by -e): lines "ID\tWHY\n", ID one of times,
     * fd_names, paths, io, opens, spawns, execs, order; empty for a full
     * trace. Scripts say these instead of a number that would be wrong. */
    cmp_str unknown;
} cmp_run_info;

/* Engine services the Lua side calls. */
const cmp_event *cmp_host_event(void);
void cmp_host_print(const char *text, size_t len);
void cmp_host_fail(void);
/* A file a script writes (c.open_output) could not be written completely:
 * said once, and the run's exit status is 125. */
void cmp_host_output_failed(const char *name, const char *reason);
/* What was lost so far: "FILE (REASON), ...", or "" (for --junit). */
const char *cmp_host_output_lost(void);
int cmp_host_proc(int32_t tid, cmp_proc_info *out);
/* An fd the state has not met is asked of the source, if it can ask (a
 * live one); 0 when neither knows it. */
int cmp_host_fd(int32_t pid, int32_t fd, cmp_fd_info *out);
/* The event's path argument `which` (0: path, 1: path2) as its record has
 * it resolved; 0 when the record has none (no script asked for it with
 * cmp_host_want_resolved, or the source cannot resolve). */
int cmp_host_resolved(const cmp_event *ev, int32_t which, cmp_resolved_path *out);
void cmp_host_run(cmp_run_info *out);
void cmp_host_source(cmp_source_info *out);
void cmp_host_want_event(int32_t type);
void cmp_host_want_syscall(int32_t nr, int32_t at_entry);
/* Syscall nr's events will be formatted (cmp_format_syscall), or its paths
 * resolved (cmp_host_resolved): a source captures what that needs when the
 * call stops for any reason (it makes nothing stop). nr -1: every syscall. */
void cmp_host_want_format(int32_t nr);
void cmp_host_want_resolved(int32_t nr);
uint64_t cmp_host_start_ns(void);
/* From an enter:NAME hook: action CMP_INJECT_RETURN skips the syscall and
 * makes it return value (-errno to fail); from an exit hook it replaces the
 * return value. CMP_INJECT_DELAY holds the task for delay_ns first. */
void cmp_host_inject(int32_t action, int64_t value, uint64_t delay_ns);
/* sched_delay events shorter than ns are not reported (the smallest value
 * any script asks for wins; 10 us when none asks). Only before tracing. */
void cmp_host_sched_threshold(uint64_t ns);
/* -X hook_timeout: interrupt a hook that runs longer than ns (0 = no limit);
 * 0 when no timer could be made. */
int cmp_host_hook_timeout(uint64_t ns);
/* The runtime goes on to the next hook (and has the interrupt error, if one
 * was raised): the hook_timeout clock starts again. */
void cmp_host_hook_next(void);
const char *cmp_syscall_name(int32_t nr);
int32_t cmp_syscall_number(const char *name);
/* The syscall's class bits; a bit's name ("file", "network", ...), NULL for
 * no class; one past the highest syscall number. */
uint32_t cmp_syscall_classes(int32_t nr);
const char *cmp_syscall_class_name(uint32_t bit);
int32_t cmp_syscall_table_size(void);
/* 0 when syscall nr never returns to its caller (exit, exit_group). */
int cmp_syscall_returns(int32_t nr);
const char *cmp_errno_name(int32_t err);
int32_t cmp_errno_number(const char *name);
const char *cmp_signal_name(int32_t sig);
/* The strace-like line of a syscall event, from its record: memory the
 * record does not hold shows as the pointer. */
size_t cmp_format_syscall(const cmp_event *ev, char *buf, size_t cap);
/* One HTTP POST (engine/http_post.c, libcurl) for scripts that export:
 * headers are "Name: value" lines. status is the answer's HTTP status, 0
 * when there was none (error says why); retry_after_s its Retry-After in
 * seconds, -1 without one; error the start of the answer's body. */
typedef struct cmp_http_result {
    int32_t status;
    int32_t retry_after_s;
    char error[512];
} cmp_http_result;
int32_t cmp_http_post(const char *url, const char *body, size_t len, const char *headers,
                      uint32_t timeout_ms, cmp_http_result *out);
/* Waits ms milliseconds, less when a signal comes (an interrupt). */
void cmp_http_wait_ms(uint32_t ms);
/* CLOCK_REALTIME now, in ns since the epoch. */
uint64_t cmp_http_realtime_ns(void);
/* For strace's -y on raw lines (engine/strace_flags.c): which arguments
 * of syscall nr are fds ("d" fd, "D" dirfd, "-" other, by position; NULL
 * when the table has no shapes for it), and whether it returns a new fd. */
const char *cmp_syscall_fd_args(int32_t nr);
/* For --string-limit: the table's argument kinds of nr (syscall_table.h),
 * NULL when it has none. */
const char *cmp_syscall_arg_kinds(int32_t nr);
int32_t cmp_syscall_returns_fd(int32_t nr);
/* END FFI */

#endif
