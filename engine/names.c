#include "event.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "syscall_table.h"

/* Every name returned here is a string literal, so LuaJIT may keep the
 * pointer it gets for as long as it likes; unknown numbers give NULL. */

#define ERRNO(name) [name] = #name

/* The x86-64 errno values are the generic ones glibc also uses. */
static const char *const errno_names[] = {
    ERRNO(EPERM),
    ERRNO(ENOENT),
    ERRNO(ESRCH),
    ERRNO(EINTR),
    ERRNO(EIO),
    ERRNO(ENXIO),
    ERRNO(E2BIG),
    ERRNO(ENOEXEC),
    ERRNO(EBADF),
    ERRNO(ECHILD),
    ERRNO(EAGAIN),
    ERRNO(ENOMEM),
    ERRNO(EACCES),
    ERRNO(EFAULT),
    ERRNO(ENOTBLK),
    ERRNO(EBUSY),
    ERRNO(EEXIST),
    ERRNO(EXDEV),
    ERRNO(ENODEV),
    ERRNO(ENOTDIR),
    ERRNO(EISDIR),
    ERRNO(EINVAL),
    ERRNO(ENFILE),
    ERRNO(EMFILE),
    ERRNO(ENOTTY),
    ERRNO(ETXTBSY),
    ERRNO(EFBIG),
    ERRNO(ENOSPC),
    ERRNO(ESPIPE),
    ERRNO(EROFS),
    ERRNO(EMLINK),
    ERRNO(EPIPE),
    ERRNO(EDOM),
    ERRNO(ERANGE),
    ERRNO(EDEADLK),
    ERRNO(ENAMETOOLONG),
    ERRNO(ENOLCK),
    ERRNO(ENOSYS),
    ERRNO(ENOTEMPTY),
    ERRNO(ELOOP),
    ERRNO(ENOMSG),
    ERRNO(EIDRM),
    ERRNO(ECHRNG),
    ERRNO(EL2NSYNC),
    ERRNO(EL3HLT),
    ERRNO(EL3RST),
    ERRNO(ELNRNG),
    ERRNO(EUNATCH),
    ERRNO(ENOCSI),
    ERRNO(EL2HLT),
    ERRNO(EBADE),
    ERRNO(EBADR),
    ERRNO(EXFULL),
    ERRNO(ENOANO),
    ERRNO(EBADRQC),
    ERRNO(EBADSLT),
    ERRNO(EBFONT),
    ERRNO(ENOSTR),
    ERRNO(ENODATA),
    ERRNO(ETIME),
    ERRNO(ENOSR),
    ERRNO(ENONET),
    ERRNO(ENOPKG),
    ERRNO(EREMOTE),
    ERRNO(ENOLINK),
    ERRNO(EADV),
    ERRNO(ESRMNT),
    ERRNO(ECOMM),
    ERRNO(EPROTO),
    ERRNO(EMULTIHOP),
    ERRNO(EDOTDOT),
    ERRNO(EBADMSG),
    ERRNO(EOVERFLOW),
    ERRNO(ENOTUNIQ),
    ERRNO(EBADFD),
    ERRNO(EREMCHG),
    ERRNO(ELIBACC),
    ERRNO(ELIBBAD),
    ERRNO(ELIBSCN),
    ERRNO(ELIBMAX),
    ERRNO(ELIBEXEC),
    ERRNO(EILSEQ),
    ERRNO(ERESTART),
    ERRNO(ESTRPIPE),
    ERRNO(EUSERS),
    ERRNO(ENOTSOCK),
    ERRNO(EDESTADDRREQ),
    ERRNO(EMSGSIZE),
    ERRNO(EPROTOTYPE),
    ERRNO(ENOPROTOOPT),
    ERRNO(EPROTONOSUPPORT),
    ERRNO(ESOCKTNOSUPPORT),
    ERRNO(EOPNOTSUPP),
    ERRNO(EPFNOSUPPORT),
    ERRNO(EAFNOSUPPORT),
    ERRNO(EADDRINUSE),
    ERRNO(EADDRNOTAVAIL),
    ERRNO(ENETDOWN),
    ERRNO(ENETUNREACH),
    ERRNO(ENETRESET),
    ERRNO(ECONNABORTED),
    ERRNO(ECONNRESET),
    ERRNO(ENOBUFS),
    ERRNO(EISCONN),
    ERRNO(ENOTCONN),
    ERRNO(ESHUTDOWN),
    ERRNO(ETOOMANYREFS),
    ERRNO(ETIMEDOUT),
    ERRNO(ECONNREFUSED),
    ERRNO(EHOSTDOWN),
    ERRNO(EHOSTUNREACH),
    ERRNO(EALREADY),
    ERRNO(EINPROGRESS),
    ERRNO(ESTALE),
    ERRNO(EUCLEAN),
    ERRNO(ENOTNAM),
    ERRNO(ENAVAIL),
    ERRNO(EISNAM),
    ERRNO(EREMOTEIO),
    ERRNO(EDQUOT),
    ERRNO(ENOMEDIUM),
    ERRNO(EMEDIUMTYPE),
    ERRNO(ECANCELED),
    ERRNO(ENOKEY),
    ERRNO(EKEYEXPIRED),
    ERRNO(EKEYREVOKED),
    ERRNO(EKEYREJECTED),
    ERRNO(EOWNERDEAD),
    ERRNO(ENOTRECOVERABLE),
    ERRNO(ERFKILL),
    ERRNO(EHWPOISON),
};

/* Kernel-internal codes never reach a program, but a tracer sees them in
 * the return register when a signal interrupts a syscall. */
static const char *const restart_errno_names[] = {
    "ERESTARTSYS",           /* 512 */
    "ERESTARTNOINTR",        /* 513 */
    "ERESTARTNOHAND",        /* 514 */
    "ENOIOCTLCMD",           /* 515 */
    "ERESTART_RESTARTBLOCK", /* 516 */
};
#define RESTART_ERRNO_FIRST 512

/* Second names for values whose first name is in errno_names. */
static const struct {
    const char *name;
    int32_t err;
} errno_aliases[] = {
    {"EWOULDBLOCK", EWOULDBLOCK},
    {"EDEADLOCK", EDEADLOCK},
    {"ENOTSUP", ENOTSUP},
};

#define SIGNAL(name) [name] = #name

static const char *const signal_names[] = {
    SIGNAL(SIGHUP),    SIGNAL(SIGINT),  SIGNAL(SIGQUIT),  SIGNAL(SIGILL),  SIGNAL(SIGTRAP),
    SIGNAL(SIGABRT),   SIGNAL(SIGBUS),  SIGNAL(SIGFPE),   SIGNAL(SIGKILL), SIGNAL(SIGUSR1),
    SIGNAL(SIGSEGV),   SIGNAL(SIGUSR2), SIGNAL(SIGPIPE),  SIGNAL(SIGALRM), SIGNAL(SIGTERM),
    SIGNAL(SIGSTKFLT), SIGNAL(SIGCHLD), SIGNAL(SIGCONT),  SIGNAL(SIGSTOP), SIGNAL(SIGTSTP),
    SIGNAL(SIGTTIN),   SIGNAL(SIGTTOU), SIGNAL(SIGURG),   SIGNAL(SIGXCPU), SIGNAL(SIGXFSZ),
    SIGNAL(SIGVTALRM), SIGNAL(SIGPROF), SIGNAL(SIGWINCH), SIGNAL(SIGIO),   SIGNAL(SIGPWR),
    SIGNAL(SIGSYS),
};

/* The kernel's realtime range, named by offset from 32 as strace does
 * (glibc reserves the first few, so SIGRTMIN is not a fixed number). */
#define RT_SIGNAL_FIRST 32
static const char *const rt_signal_names[] = {
    "SIGRT_0",  "SIGRT_1",  "SIGRT_2",  "SIGRT_3",  "SIGRT_4",  "SIGRT_5",  "SIGRT_6",
    "SIGRT_7",  "SIGRT_8",  "SIGRT_9",  "SIGRT_10", "SIGRT_11", "SIGRT_12", "SIGRT_13",
    "SIGRT_14", "SIGRT_15", "SIGRT_16", "SIGRT_17", "SIGRT_18", "SIGRT_19", "SIGRT_20",
    "SIGRT_21", "SIGRT_22", "SIGRT_23", "SIGRT_24", "SIGRT_25", "SIGRT_26", "SIGRT_27",
    "SIGRT_28", "SIGRT_29", "SIGRT_30", "SIGRT_31", "SIGRT_32",
};

#define COUNT(array) ((int32_t)(sizeof(array) / sizeof((array)[0])))

const char *cmp_syscall_name(int32_t nr)
{
    const struct syscall_desc *desc = syscall_desc(nr);
    return desc ? desc->name : NULL;
}

int32_t cmp_syscall_number(const char *name)
{
    if (!name)
        return -1;
    for (int32_t nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        const struct syscall_desc *desc = syscall_desc(nr);
        if (desc && strcmp(desc->name, name) == 0)
            return nr;
    }
    return -1;
}

const char *cmp_errno_name(int32_t err)
{
    if (err > 0 && err < COUNT(errno_names))
        return errno_names[err];
    if (err >= RESTART_ERRNO_FIRST && err - RESTART_ERRNO_FIRST < COUNT(restart_errno_names))
        return restart_errno_names[err - RESTART_ERRNO_FIRST];
    return NULL;
}

int32_t cmp_errno_number(const char *name)
{
    if (!name)
        return -1;
    for (int32_t err = 1; err < COUNT(errno_names); err++)
        if (errno_names[err] && strcmp(errno_names[err], name) == 0)
            return err;
    for (int32_t i = 0; i < COUNT(restart_errno_names); i++)
        if (strcmp(restart_errno_names[i], name) == 0)
            return RESTART_ERRNO_FIRST + i;
    for (int32_t i = 0; i < COUNT(errno_aliases); i++)
        if (strcmp(errno_aliases[i].name, name) == 0)
            return errno_aliases[i].err;
    return -1;
}

const char *cmp_signal_name(int32_t sig)
{
    if (sig > 0 && sig < COUNT(signal_names))
        return signal_names[sig];
    if (sig >= RT_SIGNAL_FIRST && sig - RT_SIGNAL_FIRST < COUNT(rt_signal_names))
        return rt_signal_names[sig - RT_SIGNAL_FIRST];
    return NULL;
}
