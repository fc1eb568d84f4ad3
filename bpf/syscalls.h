/* What bpf/syscalls.bpf.c and engine/bpf_syscall_source.c share: the
 * per-syscall capture spec the engine fills from the syscall table and the
 * interest, and the records of the ring buffer. Both sides define
 * __u8/__u32/__u64 before including it (the BPF side through vmlinux.h, the
 * engine through <linux/types.h>). */
#ifndef COMPENDIUM_BPF_SYSCALLS_H
#define COMPENDIUM_BPF_SYSCALLS_H

#define SYS_SPEC_SIZE 512  /* SYSCALL_TABLE_SIZE */
#define SYS_PATH_MAX 4096  /* PATH_MAX */
#define SYS_ADDR_MAX 128   /* sizeof(struct sockaddr_storage) */
#define SYS_FD_NAME_MAX 64 /* a dentry name: "[eventfd]", "pipe:[...]" is built from the inode */
#define SYS_ARGV_MAX 4096  /* exec records: the first bytes of the arguments */
#define SYS_FDS 3          /* fd descriptions per record: an argument, and up to two new ones */
#define SYS_MMSG_MAX 64    /* the messages of a sendmmsg/recvmmsg whose lengths are read */

/* sys_spec.flags */
enum {
    SYS_SPEC_TRACE = 1,    /* records leave the kernel */
    SYS_SPEC_AT_ENTRY = 2, /* a record at entry too: exec and clone (ordering), exit (no return) */
    SYS_SPEC_NEW_FD = 4,   /* describe the fds it returns (ret, or the pair it wrote) */
    SYS_SPEC_NO_EXIT = 8,  /* it never returns */
    SYS_SPEC_MERGE = 16,   /* like calls back to back (one fd) may leave as one run record */
    SYS_SPEC_CLOSES = 32,  /* it closes the fd in argument sys_spec.closes: runs on it end first */
    SYS_SPEC_CLOSES_RANGE = 64, /* it closes the fds from argument 0 to argument 1 */
};

/* What to capture, as the argument (0-5) each capture takes, or SYS_ARG_NONE:
 * the syscall table's capture letters, with paths, addresses and the first fd
 * added where a script wants decoded arguments. One field per kind of
 * capture, not a letter per argument: the programs then make no loop over
 * the arguments, which the verifier would walk once per letter each. */
#define SYS_ARG_NONE 0xff
struct sys_spec {
    __u8 flags;
    __u8 path[2];  /* 'p': paths passed in */
    __u8 addr_in;  /* 'a': a sockaddr passed in, its length the next argument */
    __u8 addr_out; /* 'A': a sockaddr written out, its length's address next */
    __u8 fd_pair;  /* 'F': the int[2] of new fds written out */
    __u8 clone;    /* 'C': struct clone_args passed in (its flags) */
    __u8 open_how; /* 'H': struct open_how passed in (its flags) */
    __u8 uring;    /* 'U': struct io_uring_params written out */
    __u8 fd[2];    /* 'd', 'R': fds to describe */
    __u8 mmsg;     /* 'M': struct mmsghdr[ret], whose msg_lens are the bytes moved */
    __u8 closes;   /* SYS_SPEC_CLOSES: the argument that is the fd it closes */
    __u8 msg_name; /* 'N': struct msghdr whose msg_name the kernel wrote out */
    __u8 pad[2];
};

enum sys_rec_type {
    SYS_REC_ENTER = 1,     /* an AT_ENTRY syscall's entry */
    SYS_REC_EXIT = 2,      /* a syscall returned: its entry's arguments and time too */
    SYS_REC_FORK = 3,      /* args[0] parent tid; tid, pid: the new task's */
    SYS_REC_EXEC = 4,      /* args[0] the tid it had before */
    SYS_REC_TASK_EXIT = 5, /* ret: the wait status the task ends with */
    SYS_REC_SIGNAL = 6,    /* args[0]: a signal the task is given */
    SYS_REC_IO_RUN = 7,    /* nr, args[0] the fd, args[1] the calls, ret their bytes; entry_ns
                              the first call's entry, ts_ns the last one's exit */
};

/* sys_payload.have: what was captured. Errors are in the *_err fields. */
enum {
    SYS_HAVE_ADDR = 1u << 0,     /* addr: the sockaddr passed in ('a') */
    SYS_HAVE_PEER = 1u << 1,     /* addr: the sockaddr the kernel wrote out ('A') */
    SYS_HAVE_FD_PAIR = 1u << 2,  /* 'F' */
    SYS_HAVE_CLONE = 1u << 3,    /* 'C' */
    SYS_HAVE_OPEN_HOW = 1u << 4, /* 'H' */
    SYS_HAVE_URING = 1u << 5,    /* 'U' */
    SYS_HAVE_MMSG = 1u << 6,     /* 'M': mmsg_bytes, over the first mmsg_read messages */
    SYS_HAVE_COMPAT = 1u << 7,   /* a 32-bit syscall (int $0x80): nr is i386's */
};

struct sys_hdr {
    __u64 ts_ns;    /* when the record was made: the reorder key */
    __u64 entry_ns; /* the syscall's entry */
    __u64 args[6];
    __s64 ret;
    __u32 type; /* enum sys_rec_type */
    __u32 tid;
    __u32 pid;
    __s32 nr;
};

struct sys_fd {
    __s32 fd;
    __s32 err; /* 0, or EBADF: not open when looked at */
    __u32 mode;
    __u32 dev;
    __u64 ino;
    __u32 flags;   /* f_flags */
    __u32 cloexec; /* in the table's close-on-exec set */
    char name[SYS_FD_NAME_MAX];
};

struct sys_payload {
    __u32 have;
    __u32 nfds;
    __s32 path_err[2]; /* per path argument: 0, or the errno of the read */
    __u32 path_len[2];
    __u32 npaths;
    __s32 addr_err;
    __u32 addr_len;
    __s32 fd_pair[2];
    __s32 fd_pair_err;
    __s32 clone_err;
    __s32 open_how_err;
    __s32 uring_err;
    __u32 uring_sq_entries;
    __u32 uring_flags;
    __u64 clone_flags;
    __u64 open_flags;
    __u64 mmsg_bytes;
    __u32 mmsg_read;
    __s32 mmsg_err;
    /* Sent only as far as nfds says, unless an address follows them. */
    struct sys_fd fds[SYS_FDS];
    __u8 addr[SYS_ADDR_MAX];
};

/* A syscall record: only as much of paths as was read is sent. */
struct sys_event {
    struct sys_hdr h;
    struct sys_payload p;
    char paths[2][SYS_PATH_MAX];
};

/* The runs of like calls a task has made since its last record (the runs
 * map, by tid): two at once, for a copy loop's reads of one fd and writes
 * of another. */
#define SYS_RUN_SLOTS 2
struct sys_run {
    __s32 nr; /* -1: a free slot */
    __s32 fd;
    __u64 file;  /* the open file the fd named: a run never spans a close and reopen */
    __u64 files; /* the fd table it is in (the key of its entry in run_owners) */
    __u64 calls;
    __u64 bytes;
    __u64 first_ns; /* entry of the first call counted */
    __u64 start_ns; /* the run's first call (its age) */
    __u64 last_ns;  /* exit of the last call counted (to within PRECISE_EVERY calls) */
    __u64 ticks;    /* the kernel's tick count (jiffies) when last_ns was read */
};
struct sys_runs {
    struct sys_run slot[SYS_RUN_SLOTS];
};

struct sys_exec_event {
    struct sys_hdr h;
    __u64 exe_ino;
    __u32 exe_dev;
    __u32 argv_len;
    __u32 argv_truncated;
    __u32 script; /* the file executed is not the exe (an interpreter runs it) */
    char filename[SYS_PATH_MAX];
    char argv[SYS_ARGV_MAX];
};

#endif
