/* x86-64 syscall numbers, names, argument shapes, classes and what the
 * state needs of each, and how the i386 ABI's syscalls map onto them. */
#ifndef COMPENDIUM_SYSCALL_TABLE_H
#define COMPENDIUM_SYSCALL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One past the highest syscall number the table knows. */
#define SYSCALL_TABLE_SIZE 512

/* Argument kinds, one letter per argument in syscall_desc.args:
 *   d fd            D dirfd (AT_FDCWD shown by name)   p path (string)
 *   s other string  b buffer written by the caller (length in the next arg)
 *   B buffer filled by the kernel (length is the return value)
 *   i signed int    u unsigned      x hex / pointer     o open flags
 *   m mode (octal)  P mmap prot     F mmap flags         a sockaddr in (len next)
 *   A sockaddr out (len pointer next)                   S signal number
 *   c clone flags   f fcntl/other command               - unused
 * Named values and flags (engine/xlat.h's sets):
 *   h hex, 0 as "0"  n AT_* flags   N statx's flags      J faccessat2's flags
 *   k STATX_* mask   e access mode  w lseek whence       v address family
 *   t socket type    7 SOCK_* flags l socket level       O socket option (level before)
 *   M MSG_* flags    g GRND_* flags W wait options       r RLIMIT_* resource
 *   C clock id       y fadvise advice                    q sigprocmask how
 *   I madvise advice 6 O_* flags without the access mode 3 fcntl's argument
 * Memory decoded as strace abbreviates it (syscall_kind_shown says what
 * a source captures of it):
 *   T struct stat out   X struct statx out   G struct sigaction in   H ... out
 *   Q sigset in         R sigset out         L struct rlimit in      K ... out
 *   1 struct timespec in                     2 struct utsname out
 *   Z wait status out   z int in ([N])       U int out ([N])
 *   4 CPU mask out (ret bytes)               5 string out (ret bytes, getcwd)
 *   E dirent buffer out (its entry count)    Y the fd pair made ([3, 4])
 *   V argv (execve's strings)                j envp (its count)
 *   0 socket protocol (the family first)     : struct pollfd[nfds] (nfds next)
 *   8 iovec[] the caller fills (count next)  9 iovec[] the kernel fills (ret bytes)
 *   ; struct clone_args in                  < loff_t in ([N])
 *   > loff_t in and out ([in] => [out])
 *   @ struct msghdr the caller fills        & struct msghdr the kernel fills (ret bytes)
 *   % struct sysinfo out
 * An 'x' after an 'A' is the address length: [in => out]. */
#define SYSCALL_KIND_LETTERS                                                                       \
    "dDpsbBiuxomPFaAScf-hnNJkewvt7lOMgWrCyqI63TXGHQRLK12ZzU45EYVj0:89;<>@&%"
struct syscall_desc {
    const char *name;    /* NULL for unassigned numbers */
    const char *args;    /* up to 6 kind letters; NULL means six hex args */
    uint16_t classes;    /* SYSCALL_CLASS_* bits */
    uint8_t needs;       /* SYSCALL_NEED_* bits: what the state needs of it */
    const char *capture; /* SYSCALL_CAPTURE_* letters by argument; NULL: none */
};

/* What a syscall is about, as strace's classes (-e trace=%file, ...) say. */
enum {
    SYSCALL_CLASS_FD = 1u << 0,      /* takes or makes a file descriptor (strace's %desc) */
    SYSCALL_CLASS_FILE = 1u << 1,    /* takes a file name */
    SYSCALL_CLASS_NETWORK = 1u << 2, /* sockets */
    SYSCALL_CLASS_PROCESS = 1u << 3, /* process management: clone, exec, exit, wait, kill */
    SYSCALL_CLASS_MEMORY = 1u << 4,  /* the address space: mmap, brk, mprotect, ... */
    SYSCALL_CLASS_SIGNAL = 1u << 5,
    SYSCALL_CLASS_IPC = 1u << 6, /* SysV IPC */
    SYSCALL_CLASS_CREDS = 1u << 7,
    SYSCALL_CLASS_CLOCK = 1u << 8,
};

/* What the engine's state needs of a syscall. Which syscalls must stop the
 * tracee is derived from these (interest.c), and they are exactly what the
 * state's dispatch says it handles (state_needs()). */
enum {
    /* Every call changes the state (fds, memory, processes): it always stops. */
    SYSCALL_NEED_STOP = 1u << 0,
    /* The state counts its bytes (read/write/send/recv events and totals): it
     * stops when a script wants I/O events. */
    SYSCALL_NEED_IO = 1u << 1,
    /* The state reads it at entry, before the kernel runs it (paths, clone
     * flags, addresses): a source must capture it then. */
    SYSCALL_NEED_ENTRY = 1u << 2,
    /* It never returns (exit, exit_group): no exit is waited for. */
    SYSCALL_NEED_NO_EXIT = 1u << 3,
    /* It makes fds (its return value, or the pair it writes out) that the
     * state learns as the kernel names them: a source captures what each
     * new fd is at the exit. */
    SYSCALL_NEED_NEW_FD = 1u << 4,
    /* It changes the working directory: a source captures the new one, as
     * the kernel names it, at the exit of a call that succeeded. */
    SYSCALL_NEED_CWD = 1u << 5,
    /* It closes fds: its last fd argument ('d'), or, with none, the range
     * its first two arguments give. A source holding work on an fd (a run
     * of calls it has not yet handed on) hands it on before the call runs. */
    SYSCALL_NEED_CLOSES = 1u << 6,
    /* It starts a task or a program (fork, clone, exec): what the new one
     * does may come before the call returns, so a source that reports
     * calls at their exit reports its entry too, before anything of it. */
    SYSCALL_NEED_STARTS = 1u << 7,
};

/* What the state takes from the memory an argument points to, one letter
 * per argument in syscall_desc.capture ('-' for nothing), so that a source
 * can capture it into the record: at entry for what the caller passes, at
 * exit for what the kernel fills in. */
#define SYSCALL_CAPTURE_PATH 'p'         /* NUL-terminated path, at entry */
#define SYSCALL_CAPTURE_SOCKADDR_IN 'a'  /* sockaddr, its length in the next argument */
#define SYSCALL_CAPTURE_SOCKADDR_OUT 'A' /* sockaddr at exit, its length pointer next */
#define SYSCALL_CAPTURE_FD_PAIR 'F'      /* int[2] of new fds, at exit */
#define SYSCALL_CAPTURE_CLONE_ARGS 'C'   /* struct clone_args (its flags), at entry */
#define SYSCALL_CAPTURE_OPEN_HOW 'H'     /* struct open_how (its flags) */
#define SYSCALL_CAPTURE_MMSG_VEC 'M'     /* struct mmsghdr[ret]: the byte counts, at exit */
#define SYSCALL_CAPTURE_MSG_NAME 'N'     /* struct msghdr: the msg_name written out, at exit */
#define SYSCALL_CAPTURE_URING_PARAMS 'U' /* struct io_uring_params, at exit */
/* What the fd is, when the state has not met it yet (at entry) */
#define SYSCALL_CAPTURE_FD 'd'
/* The same, and for an io_uring the state has not seen set up, its fdinfo */
#define SYSCALL_CAPTURE_RING_FD 'R'
#define SYSCALL_CAPTURE_LETTERS "-paAFCHMNUdR"

/* NULL for numbers outside the table or unassigned. */
const struct syscall_desc *syscall_desc(int32_t nr);
/* The SYSCALL_CLASS_* and SYSCALL_NEED_* bits of nr; 0 when unknown. */
unsigned syscall_classes(int32_t nr);
unsigned syscall_needs(int32_t nr);
/* For a SYSCALL_NEED_CLOSES syscall, the argument holding the fd it closes;
 * SYSCALL_CLOSES_RANGE when it closes the range its first two arguments
 * give; SYSCALL_CLOSES_NONE for a syscall that closes nothing. */
enum { SYSCALL_CLOSES_NONE = -2, SYSCALL_CLOSES_RANGE = -1 };
int syscall_closed_fd_arg(int32_t nr);
/* A class bit's name ("file", "network", ...), NULL for anything else; and
 * the bit of a name, 0 when there is no such class. */
const char *syscall_class_name(unsigned bit);
unsigned syscall_class_by_name(const char *name);

/* How many bytes of the memory argument kind points to a decoder shows
 * (0: none, or a kind the source reads its own way: 4 5 E V j), and whether
 * the kernel writes them (read at the exit of a call that succeeded) or
 * the caller passes them (read at entry). */
size_t syscall_kind_shown(char kind, bool *at_exit);

/* One past the highest i386 syscall number the i386 table knows. */
#define SYSCALL_I386_TABLE_SIZE 470

/* The i386 name of an i386 syscall number; NULL for unassigned numbers. */
const char *syscall_i386_name(int32_t nr);

/* Copies len bytes of the tracee's memory at addr; false when it cannot. */
typedef bool (*syscall_mem_reader)(void *ctx, uint64_t addr, void *buf, size_t len);

/* An i386 syscall as the x86-64 syscall of the same meaning. */
struct syscall_i386_call {
    int32_t nr;       /* x86-64 number, -1 when not decoded */
    uint64_t args[6]; /* in x86-64 order and width; 32-bit values zero-extended */
    const char *name; /* i386 name ("socketcall:recvmmsg" for a sub-call), NULL if unknown */
};

/* Translates i386 syscall nr with arguments raw (in i386 order) into *out.
 * The multiplexers (socketcall, ipc, the old mmap) read their arguments
 * through read. Returns false when the call has no x86-64 equivalent that
 * the state would read right, or its arguments cannot be read: *out then
 * names it for the count of undecoded syscalls. */
bool syscall_i386_translate(int32_t nr, const uint64_t raw[6], syscall_mem_reader read, void *ctx,
                            struct syscall_i386_call *out);

#endif
