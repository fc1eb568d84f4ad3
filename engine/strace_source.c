#include "strace_source.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "event.h"
#include "fdtable.h"
#include "output.h"
#include "proctable.h"
#include "stream.h"
#include "syscall_table.h"
#include "tracee_mem.h"
#include "xalloc.h"
#include "xlat.h"

#define BATCH 1024
#define BAD_SHOWN 5
/* A log without -f has no pids: its one task gets this one. */
#define NO_PID 1
/* A time in seconds below this (1973) is -r's gap, not -ttt's clock. */
#define RELATIVE_BELOW_NS (100000000ull * 1000000000ull)

/* ---- the line parser --------------------------------------------------------- */

static const char *skip_spaces(const char *p, const char *end)
{
    while (p < end && *p == ' ')
        p++;
    return p;
}

static bool starts(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

static int signal_number(const char *name, size_t len)
{
    for (int sig = 1; sig < 65; sig++) {
        const char *n = cmp_signal_name(sig);
        if (n && strlen(n) == len && memcmp(n, name, len) == 0)
            return sig;
    }
    return 0;
}

static size_t word_len(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && (isalnum((unsigned char)*q) || *q == '_'))
        q++;
    return (size_t)(q - p);
}

/* The digits after a decimal point, as nanoseconds; past them. */
static const char *fraction_ns(const char *p, const char *end, uint64_t *ns)
{
    int digits = 0;
    *ns = 0;
    for (; p < end && isdigit((unsigned char)*p); p++)
        if (digits < 9) {
            *ns = *ns * 10 + (uint64_t)(*p - '0');
            digits++;
        }
    while (digits++ < 9)
        *ns *= 10;
    return p;
}

/* A timestamp: seconds.micro (-ttt), HH:MM:SS[.micro] (-t, -tt). */
static const char *parse_time(const char *p, const char *end, struct strace_line *out)
{
    const char *q = p;
    uint64_t secs = 0;
    int fields = 0;
    for (;;) {
        uint64_t v = 0;
        const char *d = q;
        while (q < end && isdigit((unsigned char)*q))
            v = v * 10 + (uint64_t)(*q++ - '0');
        if (q == d)
            return p;
        secs = fields ? secs * 60 + v : v;
        fields++;
        if (q < end && *q == ':' && fields < 3) {
            q++;
            continue;
        }
        break;
    }
    if (fields == 2)
        return p;
    out->clock = fields == 3;
    uint64_t ns = 0;
    if (q < end && *q == '.') {
        q = fraction_ns(q + 1, end, &ns);
    } else if (fields == 1) {
        return p; /* a bare number is no time */
    }
    if (q >= end || *q != ' ')
        return p;
    out->has_time = true;
    out->ts_ns = secs * 1000000000ull + ns;
    return q + 1;
}

/* "=>" (a value the kernel changed) and "->" (a socket's peer) hold no
 * bracket. */
static bool arrow(const char *q, const char *start)
{
    return q > start && (q[-1] == '=' || q[-1] == '-');
}

/* The end of the argument text: the ")" closing the call, outside quotes
 * and brackets; NULL when there is none. */
static const char *args_end(const char *p, const char *end)
{
    int depth = 0;
    for (const char *q = p; q < end; q++) {
        if (*q == '"') {
            for (q++; q < end && *q != '"'; q++)
                if (*q == '\\')
                    q++;
            if (q >= end)
                return NULL;
        } else if (*q == '(' || *q == '[' || *q == '{' || *q == '<') {
            depth++;
        } else if (*q == ']' || *q == '}' || (*q == '>' && !arrow(q, p))) {
            depth--;
        } else if (*q == ')') {
            if (depth == 0)
                return q;
            depth--;
        }
    }
    return NULL;
}

/* ") = RET [ERRNO (text)] [<dur>]" after the arguments. */
static bool parse_result(const char *p, const char *end, struct strace_line *out)
{
    p = skip_spaces(p, end);
    if (p >= end || *p != '=')
        return false;
    p = skip_spaces(p + 1, end);
    const char *r = p;
    if (p < end && *p == '?') {
        out->ret_unknown = true;
        p++;
    } else {
        if (p < end && *p == '-')
            p++;
        const char *d = p;
        while (p < end && (isxdigit((unsigned char)*p) || *p == 'x'))
            p++;
        if (p == d)
            return false;
        if (p < end && *p == '<') { /* -y: the new fd's name */
            int depth = 0;
            for (; p < end; p++) {
                if (*p == '<')
                    depth++;
                else if (*p == '>' && !arrow(p, r) && --depth == 0) {
                    p++;
                    break;
                }
            }
            if (depth)
                return false;
        }
    }
    out->ret = r;
    out->ret_len = (size_t)(p - r);
    p = skip_spaces(p, end);
    if (p < end && isupper((unsigned char)*p)) {
        size_t n = word_len(p, end);
        char name[32];
        if (n == 0 || n >= sizeof(name))
            return false;
        memcpy(name, p, n);
        name[n] = '\0';
        out->err = cmp_errno_number(name);
        if (out->err <= 0)
            return false;
        p = skip_spaces(p + n, end);
        if (p < end && *p == '(') {
            const char *c = memchr(p, ')', (size_t)(end - p));
            if (!c)
                return false;
            p = skip_spaces(c + 1, end);
        }
    } else if (p < end && *p == '(') { /* "= 0x1 (flags ...)": a decoded value */
        const char *c = memchr(p, ')', (size_t)(end - p));
        if (!c)
            return false;
        p = skip_spaces(c + 1, end);
    }
    if (p < end && *p == '<') {
        uint64_t s = 0, ns = 0;
        p++;
        const char *d = p;
        while (p < end && isdigit((unsigned char)*p))
            s = s * 10 + (uint64_t)(*p++ - '0');
        if (p == d || p >= end || *p != '.')
            return false;
        p = fraction_ns(p + 1, end, &ns);
        if (p >= end || *p != '>')
            return false;
        p++;
        out->has_dur = true;
        out->dur_ns = s * 1000000000ull + ns;
    }
    return skip_spaces(p, end) == end;
}

static void parse_line(const char *line, size_t len, struct strace_line *out);

void strace_parse_line(const char *line, size_t len, struct strace_line *out)
{
    parse_line(line, len, out);
    if (out->kind != STRACE_BAD || out->pid || out->has_time)
        return;
    /* "ARGS) = RET" alone: the rest of the call the line before left
     * unfinished (strace -e status=... writes it so, with no pid) */
    const char *p = line, *end = line + len;
    while (end > p && (end[-1] == '\r' || end[-1] == ' '))
        end--;
    const char *a = args_end(p, end);
    memset(out, 0, sizeof(*out));
    if (a && parse_result(a + 1, end, out)) {
        out->args = p;
        out->args_len = (size_t)(a - p);
        out->kind = STRACE_CONTINUED;
    } else {
        memset(out, 0, sizeof(*out));
    }
}

static void parse_line(const char *line, size_t len, struct strace_line *out)
{
    memset(out, 0, sizeof(*out));
    const char *p = line, *end = line + len;
    while (end > p && (end[-1] == '\r' || end[-1] == ' '))
        end--;
    p = skip_spaces(p, end); /* -r pads its times: "     0.000123 " */
    if (p < end && isdigit((unsigned char)*p)) {
        const char *q = p;
        long pid = 0;
        while (q < end && isdigit((unsigned char)*q) && pid < 1 << 30)
            pid = pid * 10 + (*q++ - '0');
        if (q < end && *q == ' ') {
            const char *t = skip_spaces(q, end);
            /* "PID  TIME" or "PID  NAME(": a pid; "TIME NAME(": no pid */
            if (t - q >= 1 && (t - q >= 2 || !(q < end && *q == '.'))) {
                struct strace_line probe;
                memset(&probe, 0, sizeof(probe));
                if (parse_time(p, end, &probe) == p || t - q >= 2) {
                    out->pid = (int)pid;
                    p = t;
                }
            }
        }
    }
    p = parse_time(p, end, out);
    if (starts(p, end, "--- ")) {
        p += 4;
        size_t n = word_len(p, end);
        if (n < 4 || !starts(p, end, "SIG") || !(end - p >= 4 && starts(end - 4, end, " ---")))
            return;
        out->code = signal_number(p, n);
        if (!out->code)
            return;
        out->kind = STRACE_SIGNAL;
        return;
    }
    if (starts(p, end, "+++ ")) {
        p += 4;
        if (!(end - p >= 4 && starts(end - 4, end, " +++")))
            return;
        if (starts(p, end, "exited with ")) {
            char *e;
            long code = strtol(p + 12, &e, 10);
            if (e == p + 12 || e != end - 4 || code < 0 || code > 255)
                return;
            out->code = (int)code;
            out->kind = STRACE_EXITED;
        } else if (starts(p, end, "superseded by execve in pid ")) {
            char *e;
            long pid = strtol(p + 28, &e, 10);
            if (e == p + 28 || e != end - 4 || pid <= 0 || pid >= 1 << 30)
                return;
            out->code = (int)pid;
            out->kind = STRACE_SUPERSEDED;
        } else if (starts(p, end, "killed by ")) {
            p += 10;
            size_t n = word_len(p, end);
            out->code = signal_number(p, n);
            if (!out->code)
                return;
            p = skip_spaces(p + n, end);
            out->core = starts(p, end, "(core dumped)");
            out->kind = STRACE_KILLED;
        }
        return;
    }
    if (starts(p, end, "<... ")) {
        p += 5;
        size_t n = word_len(p, end);
        if (n == 0 || !starts(p + n, end, " resumed>"))
            return;
        out->name = p;
        out->name_len = n;
        p += n + 9;
        const char *a = args_end(p, end);
        if (!a)
            return;
        out->args = p;
        out->args_len = (size_t)(a - p);
        if (parse_result(a + 1, end, out))
            out->kind = STRACE_RESUMED;
        return;
    }
    if (starts(p, end, "strace: ")) { /* strace's own word (a process detached) */
        out->kind = STRACE_IGNORED;
        return;
    }
    size_t n = word_len(p, end);
    if (n == 0 || p + n >= end || p[n] != '(' || isdigit((unsigned char)*p))
        return;
    out->name = p;
    out->name_len = n;
    p += n + 1;
    out->args = p;
    static const char unfinished[] = " <unfinished ...>";
    size_t ul = sizeof(unfinished) - 1;
    if ((size_t)(end - p) >= ul && memcmp(end - ul, unfinished, ul) == 0) {
        out->args_len = (size_t)(end - ul - p);
        out->kind = STRACE_UNFIN;
        return;
    }
    const char *a = args_end(p, end);
    if (!a)
        return;
    out->args_len = (size_t)(a - p);
    if (parse_result(a + 1, end, out))
        out->kind = STRACE_CALL;
}

bool strace_log_looks(const char *bytes, size_t len)
{
    const char *p = bytes, *end = bytes + len;
    int lines = 0, good = 0;
    while (p < end && lines < 8) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break; /* a partial last line of the sample says nothing */
        struct strace_line l;
        strace_parse_line(p, (size_t)(nl - p), &l);
        lines++;
        if (l.kind != STRACE_BAD)
            good++;
        else if (lines == 1)
            return false;
        p = nl + 1;
    }
    if (lines == 0 && p < end) {
        struct strace_line l;
        strace_parse_line(p, (size_t)(end - p), &l);
        return l.kind != STRACE_BAD;
    }
    return good > 0 && good * 2 > lines;
}

/* ---- arguments ---------------------------------------------------------------- */

/* A number or an OR of names (strace's FLAG|FLAG|0x4, SIGCHLD too); false
 * when a part is neither. The names are the raw-line formatter's own (xlat),
 * so what compendium prints reads back, and their values are the kernel's:
 * O_LARGEFILE is 0100000 as in the register, not glibc's 0 for x86-64, so a
 * record made from a log holds what a live trace of the call would. */
bool strace_parse_value(const char *p, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    const char *end = p + len;
    while (p < end) {
        const char *bar = memchr(p, '|', (size_t)(end - p));
        const char *e = bar ? bar : end;
        size_t n = (size_t)(e - p);
        char buf[64];
        if (n == 0 || n >= sizeof(buf))
            return false;
        memcpy(buf, p, n);
        buf[n] = '\0';
        char *stop;
        errno = 0;
        unsigned long long num =
            buf[0] == '-' ? (unsigned long long)strtoll(buf, &stop, 0) : strtoull(buf, &stop, 0);
        if (stop != buf && *stop == '\0' && errno == 0) {
            v |= num;
        } else if (!isupper((unsigned char)buf[0]) && buf[0] != '_') { /* __WALL is a name */
            return false; /* a string, a struct, a pointer's text: no name */
        } else {
            uint64_t named;
            bool found = xlat_value_any(buf, n, &named);
            if (found)
                v |= named;
            int sig = found || n < 4 || memcmp(buf, "SIG", 3) ? 0 : signal_number(buf, n);
            if (sig)
                v |= (uint64_t)sig;
            else if (!found)
                return false;
        }
        p = bar ? bar + 1 : end;
    }
    *out = v;
    return true;
}

/* The next top-level argument of [p, end): its text, without a "name=". */
static const char *next_arg(const char *p, const char *end, const char **a, size_t *alen)
{
    p = skip_spaces(p, end);
    const char *s = p;
    int depth = 0;
    for (; p < end; p++) {
        if (*p == '"') {
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\')
                    p++;
            if (p >= end)
                break;
        } else if (*p == '(' || *p == '[' || *p == '{' || *p == '<') {
            depth++;
        } else if (*p == ')' || *p == ']' || *p == '}' || (*p == '>' && !arrow(p, s))) {
            depth--;
        } else if (*p == ',' && depth == 0) {
            break;
        }
    }
    const char *e = p;
    while (e > s && e[-1] == ' ')
        e--;
    size_t n = word_len(s, e);
    if (n && s + n < e && s[n] == '=' && !isupper((unsigned char)*s))
        s += n + 1;
    *a = s;
    *alen = (size_t)(e - s);
    return p < end ? p + 1 : end;
}

/* A quoted C string into out (NUL-terminated); its length, -1 when it is
 * none. *cut: strace shortened it ("..." after the quote). */
static int unquote(const char *p, size_t len, char *out, size_t cap, bool *cut)
{
    const char *end = p + len;
    if (cut)
        *cut = false;
    if (len < 2 || *p != '"')
        return -1;
    size_t o = 0;
    for (p++; p < end && *p != '"'; p++) {
        int c = (unsigned char)*p;
        if (c == '\\' && p + 1 < end) {
            p++;
            switch (*p) {
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            case 'v':
                c = '\v';
                break;
            case 'f':
                c = '\f';
                break;
            case 'x': {
                int v = 0, k = 0;
                while (k < 2 && p + 1 < end && isxdigit((unsigned char)p[1])) {
                    p++;
                    v = v * 16 + (isdigit((unsigned char)*p) ? *p - '0' : (tolower(*p) - 'a' + 10));
                    k++;
                }
                c = v;
                break;
            }
            default:
                if (*p >= '0' && *p <= '7') {
                    int v = 0, k = 0;
                    while (k < 3 && p < end && *p >= '0' && *p <= '7') {
                        v = v * 8 + (*p - '0');
                        p++;
                        k++;
                    }
                    p--;
                    c = v;
                } else {
                    c = (unsigned char)*p;
                }
            }
        }
        if (o + 1 < cap)
            out[o++] = (char)c;
    }
    if (p >= end)
        return -1;
    out[o] = '\0';
    if (cut)
        *cut = starts(p + 1, end, "...");
    return (int)o;
}

/* ---- the source ------------------------------------------------------------- */

static struct {
    const char *path;
    char *map;
    size_t len, pos;
    unsigned long lineno;
    bool done, started, timed;
    pid_t root_pid;
    struct root_status root;
    struct source_run run;
    uint64_t last_ns;
    unsigned long bad;
    unsigned long bad_lines[BAD_SHOWN];
    char exe[PATH_MAX];
    /* -r: each time is the gap since the line before; their sum so far */
    bool relative;
    uint64_t rel_sum;
    /* -ff: the per-pid files merged into one buffer of "PID line"s */
    bool merged, by_file;
    /* what says what the log could not tell (sl_totals) */
    bool annotated, durations, high_fd;
    unsigned long cut_paths, cut_args, orphans;
    uint8_t seen[SYSCALL_TABLE_SIZE]; /* syscalls that have a line */
    char unknown[2048];
    bool io_unknown;
    bool exec_first;                  /* the first call is an execve */
    bool spawns_known, spawns_in_log; /* some line is a clone, fork or vfork */
    pid_t spawned;                    /* the task the call just applied made */
    pid_t unfinished_tid;             /* the line before was this task's <unfinished ...> */
    pid_t kept_unfinished;            /* ... and it waits for the task's making (defer) */
    pid_t adopted;                    /* the resumed call's child, made before it returned */
    pid_t former_tid;                 /* the tid of a thread whose exec took the leader's */
    /* -ff: the file and line of each merged line, and the files' names */
    struct {
        uint32_t file, line;
    } * origin;
    char **names;
    size_t name_count;
} sl;

/* A call seen to its <unfinished ...>: its text, waiting for the rest. */
struct pending {
    pid_t tid;
    char *text; /* "NAME(ARGS" */
    uint64_t ts;
    bool timed;
    uint64_t clone_flags; /* a clone's, for a child seen before it returns */
    bool spawns;
    pid_t adopted; /* that child, made then: it may have exited before the return */
};
static struct pending *pend;
static size_t pend_count, pend_cap;

static struct pending *pending_of(pid_t tid)
{
    for (size_t i = 0; i < pend_count; i++)
        if (pend[i].tid == tid)
            return &pend[i];
    return NULL;
}

static void pending_drop(struct pending *p)
{
    free(p->text);
    *p = pend[--pend_count];
}

static const struct root_status *sl_root(void)
{
    return &sl.root;
}

static pid_t sl_root_pid(void)
{
    return sl.root_pid;
}

static const struct source_run *sl_recorded(void)
{
    return &sl.run;
}

static void sl_prepare(void) {}

static void sl_set_interest(void) {}

static bool is_spawn(int32_t nr)
{
    return nr == SYS_clone || nr == SYS_fork || nr == SYS_vfork || nr == 435;
}

/* The clone flags a spawning call's text says. */
static uint64_t spawn_flags(int32_t nr, const char *args, size_t len)
{
    if (nr == SYS_fork)
        return SIGCHLD;
    if (nr == SYS_vfork)
        return CLONE_VM | CLONE_VFORK | SIGCHLD;
    const char *p = args, *end = args + len;
    if (nr == 435 && p < end && *p == '{')
        p++;
    while (p < end) {
        const char *a;
        size_t n;
        const char *s = skip_spaces(p, end);
        p = next_arg(p, end, &a, &n);
        if (starts(s, end, "flags=") || starts(s, end, "{flags=")) {
            uint64_t v;
            if (strace_parse_value(a, n, &v))
                return v;
        }
        if (nr == 435)
            break;
    }
    return SIGCHLD;
}

/* An address the kernel wrote out, as strace decoded it ({sa_family=…}). */
static void parse_peer(struct syscall_call *c, const char *text, size_t len)
{
    c->cap.peer_len = strace_parse_sockaddr(text, len, c->cap.peer);
    if (c->cap.peer_len)
        c->cap.have |= PAYLOAD_PEER;
}

static void no_path(struct syscall_call *c)
{
    c->path_len = c->path2_len = -1;
    c->path_err = ENODATA;
    c->path[0] = c->path2[0] = '\0';
}

/* What "<...>" after an fd says it is. An argument's annotation is what
 * the fd was when the call began; the result's, what it is now (dup2's
 * newfd was another file before), so the result's replaces it. */
static void describe_fd(struct syscall_payloads *cap, int fd, const char *name, size_t len,
                        bool result)
{
    if (fd < 0)
        return;
    struct captured_fd *cf = NULL;
    for (uint32_t i = 0; i < cap->fd_count; i++)
        if (cap->fds[i].fd == fd)
            cf = &cap->fds[i];
    if (cf && !result)
        return;
    if (cf) {
        snapshot_fd_free(&cf->info);
    } else {
        if (cap->fd_count == PAYLOAD_FDS_MAX)
            return;
        cf = &cap->fds[cap->fd_count++];
    }
    memset(cf, 0, sizeof(*cf));
    cf->fd = fd;
    struct snapshot_fd *s = &cf->info;
    s->fd = fd;
    /* -yy names a device's numbers after its path: "/dev/null<char 1:3>" */
    if (len > 2 && name[len - 1] == '>' && *name == '/') {
        const char *in = memchr(name, '<', len);
        if (in && (starts(in, name + len, "<char ") || starts(in, name + len, "<block ")))
            len = (size_t)(in - name);
    }
    s->flags = -1; /* a log does not say how it was opened */
    s->path = xcalloc(1, len + 1);
    memcpy(s->path, name, len);
    s->path[len] = '\0';
    const char *br = memchr(name, '[', len);
    size_t pre = br ? (size_t)(br - name) : 0;
    if (starts(name, name + len, "pipe:[") || (len == 4 && memcmp(name, "pipe", 4) == 0))
        s->kind = CMP_FD_PIPE;
    else if (br && name[len - 1] == ']' &&
             (starts(name, name + len, "socket:[") || starts(name, name + len, "TCP:[") ||
              starts(name, name + len, "TCPv6:[") || starts(name, name + len, "UDP:[") ||
              starts(name, name + len, "UDPv6:[") || starts(name, name + len, "UNIX") ||
              starts(name, name + len, "NETLINK:["))) {
        s->kind = CMP_FD_SOCKET;
        static const struct {
            const char *prefix, *type;
            int family;
        } types[] = {{"TCP", "tcp4", AF_INET},          {"TCPv6", "tcp6", AF_INET6},
                     {"UDP", "udp4", AF_INET},          {"UDPv6", "udp6", AF_INET6},
                     {"UNIX", "unix", AF_UNIX},         {"UNIX-STREAM", "unix", AF_UNIX},
                     {"NETLINK", "netlink", AF_NETLINK}};
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strlen(types[i].prefix) == pre && memcmp(types[i].prefix, name, pre) == 0) {
                snprintf(s->sock_type, sizeof(s->sock_type), "%s", types[i].type);
                s->sock_family = types[i].family;
            }
        const char *arrow = memmem(name, len, "->", 2);
        if (arrow && s->sock_family != AF_UNIX) {
            size_t rl = (size_t)(name + len - 1 - (arrow + 2));
            s->remote = xcalloc(1, rl + 1);
            memcpy(s->remote, arrow + 2, rl);
            s->remote[rl] = '\0';
        }
    } else if (starts(name, name + len, "anon_inode:[eventfd]"))
        s->kind = CMP_FD_EVENTFD;
    else if (starts(name, name + len, "anon_inode:[eventpoll]"))
        s->kind = CMP_FD_EPOLL;
    else if (starts(name, name + len, "anon_inode:"))
        s->kind = CMP_FD_OTHER;
    else if (starts(name, name + len, "/dev/") && !starts(name, name + len, "/dev/shm/"))
        s->kind = CMP_FD_DEVICE;
    else if (*name == '/')
        s->kind = CMP_FD_FILE;
    else
        s->kind = CMP_FD_OTHER;
}

/* The text of field `key=` in a struct's top-level fields; NULL without. */
static const char *field(const char *p, const char *end, const char *key, size_t *len)
{
    size_t kl = strlen(key);
    while (p < end) {
        const char *a;
        size_t n;
        const char *s = skip_spaces(p, end);
        p = next_arg(p, end, &a, &n);
        if ((size_t)(end - s) > kl && memcmp(s, key, kl) == 0 && s[kl] == '=') {
            *len = n;
            return a;
        }
    }
    return NULL;
}

/* The number inside "htons(80)"; false when it is not that. */
static bool wrapped_number(const char *a, size_t n, const char *fn, uint64_t *v)
{
    size_t fl = strlen(fn);
    if (n < fl + 3 || memcmp(a, fn, fl) != 0 || a[fl] != '(' || a[n - 1] != ')')
        return false;
    return strace_parse_value(a + fl + 1, n - fl - 2, v);
}

/* strace's decoded socket address ({sa_family=AF_INET, sin_port=htons(80),
 * sin_addr=inet_addr("127.0.0.1")}, AF_INET6 with inet_pton, AF_UNIX with
 * sun_path) as the bytes the program passed; its length, 0 when the text
 * is no address strace decoded (a pointer, NULL, another family). */
uint32_t strace_parse_sockaddr(const char *a, size_t n, uint8_t *out)
{
    if (n < 2 || a[0] != '{' || a[n - 1] != '}')
        return 0;
    const char *p = a + 1, *end = a + n - 1;
    size_t fl, pl, al;
    const char *fam = field(p, end, "sa_family", &fl);
    uint64_t family, port;
    char text[INET6_ADDRSTRLEN + 1];
    if (!fam || !strace_parse_value(fam, fl, &family))
        return 0;
    if (family == AF_INET) {
        struct sockaddr_in sin = {.sin_family = AF_INET};
        const char *pt = field(p, end, "sin_port", &pl);
        const char *ad = field(p, end, "sin_addr", &al);
        if (!pt || !ad || !wrapped_number(pt, pl, "htons", &port) || al < 13 ||
            !starts(ad, ad + al, "inet_addr(") ||
            unquote(ad + 10, al - 11, text, sizeof(text), NULL) < 0 ||
            inet_pton(AF_INET, text, &sin.sin_addr) != 1)
            return 0;
        sin.sin_port = htons((uint16_t)port);
        memcpy(out, &sin, sizeof(sin));
        return sizeof(sin);
    }
    if (family == AF_INET6) {
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
        const char *pt = field(p, end, "sin6_port", &pl);
        const char *ad = memmem(p, (size_t)(end - p), "inet_pton(AF_INET6, ", 20);
        if (!pt || !ad || !wrapped_number(pt, pl, "htons", &port))
            return 0;
        const char *q = ad + 20, *qe = memchr(q + 1, '"', (size_t)(end - q - 1));
        if (!qe || unquote(q, (size_t)(qe + 1 - q), text, sizeof(text), NULL) < 0 ||
            inet_pton(AF_INET6, text, &sin6.sin6_addr) != 1)
            return 0;
        sin6.sin6_port = htons((uint16_t)port);
        uint64_t scope;
        const char *sc = field(p, end, "sin6_scope_id", &pl);
        if (sc && strace_parse_value(sc, pl, &scope))
            sin6.sin6_scope_id = (uint32_t)scope;
        memcpy(out, &sin6, sizeof(sin6));
        return sizeof(sin6);
    }
    if (family == AF_UNIX) {
        uint8_t *path = out + offsetof(struct sockaddr_un, sun_path);
        size_t cap = sizeof(((struct sockaddr_un *)0)->sun_path);
        memset(out, 0, sizeof(struct sockaddr_un));
        ((struct sockaddr_un *)(void *)out)->sun_family = AF_UNIX;
        const char *sp = field(p, end, "sun_path", &pl);
        if (!sp)
            return (uint32_t)offsetof(struct sockaddr_un, sun_path); /* unnamed */
        bool abstract = pl && *sp == '@';
        char name[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
        int k = unquote(sp + abstract, pl - abstract, name, sizeof(name), NULL);
        if (k < 0 || (size_t)k + abstract > cap)
            return 0;
        memcpy(path + abstract, name, (size_t)k);
        /* the kernel's length: a path's NUL counts, an abstract name's not */
        return (uint32_t)(offsetof(struct sockaddr_un, sun_path) + abstract + (size_t)k +
                          !abstract);
    }
    return 0;
}

/* "3</path>" or "3": the fd, its name described. */
static bool parse_fd(const char *a, size_t n, struct syscall_payloads *cap, uint64_t *out)
{
    const char *lt = memchr(a, '<', n);
    if (!strace_parse_value(a, lt ? (size_t)(lt - a) : n, out))
        return false;
    if (lt && a[n - 1] == '>')
        sl.annotated = true;
    if (lt && a[n - 1] == '>')
        describe_fd(cap, (int)(int64_t)*out, lt + 1, (size_t)(a + n - 1 - (lt + 1)), false);
    return true;
}

/* ["a", "b"] into a NUL-separated argv. */
static void parse_argv(const char *a, size_t n, struct program_record *prog)
{
    prog->argv = NULL;
    prog->argv_len = 0;
    if (n < 2 || a[0] != '[')
        return;
    const char *p = a + 1, *end = a + n - 1;
    size_t cap = n + 1, len = 0;
    char *out = xcalloc(1, cap);
    while (p < end) {
        const char *s;
        size_t sl_len;
        p = next_arg(p, end, &s, &sl_len);
        if (sl_len == 0)
            break;
        bool cut;
        int k = unquote(s, sl_len, out + len, cap - len, &cut);
        if (k < 0 || cut) { /* cut by -s, or strace's "..." for more */
            sl.cut_args++;
            if (k >= 0) { /* as strace showed it: the cut marked */
                memcpy(out + len + k, "...", 4);
                len += (size_t)k + 4;
            }
            break;
        }
        len += (size_t)k + 1;
    }
    prog->argv = out;
    prog->argv_len = len;
}

static struct task *task_for(pid_t tid)
{
    struct task *t = proctable_find(tid);
    return t && t->proc ? t : NULL;
}

/* A task the log names before its parent's clone returned: the child of the
 * call still unfinished (the latest such). */
static struct task *adopt(pid_t tid, uint64_t ts)
{
    struct pending *from = NULL;
    for (size_t i = 0; i < pend_count; i++)
        if (pend[i].spawns && (!from || pend[i].ts >= from->ts))
            from = &pend[i];
    struct task *parent = from ? task_for(from->tid) : NULL;
    if (!parent)
        return NULL;
    from->spawns = false;
    from->adopted = tid;
    struct task *child = proctable_add(tid);
    stream_spawn(parent, child, from->clone_flags, ts);
    return task_for(tid);
}

static void root_for(pid_t tid, uint64_t ts)
{
    struct task *t = proctable_add(tid);
    sl.root_pid = tid;
    /* the run starts at the command's exec; a log that does not start
     * with it (strace -p, or -e without execve) starts at its first line */
    t->before_exec = sl.exec_first;
    struct program_record prog;
    memset(&prog, 0, sizeof(prog));
    prog.cwd_err = ENODATA; /* a log does not say where it ran */
    snprintf(prog.exe, sizeof(prog.exe), "%s", sl.exe);
    stream_root(t, &prog, 0, ts);
}

static void bad_line(void)
{
    if (sl.bad < BAD_SHOWN)
        sl.bad_lines[sl.bad] = sl.lineno;
    sl.bad++;
}

/* The bytes of the first count messages of a sendmmsg/recvmmsg vector as
 * strace shows it: their msg_len. Missing when strace did not show them. */
static void mmsg_bytes(struct syscall_payloads *cap, const char *a, size_t n, int64_t count)
{
    const char *p = a + 1, *end = a + n - 1;
    uint64_t total = 0;
    int64_t seen = 0;
    while (p < end && seen < count) {
        const char *m;
        size_t ml, vl;
        p = next_arg(p, end, &m, &ml);
        uint64_t v;
        const char *len = ml > 2 && *m == '{' ? field(m + 1, m + ml - 1, "msg_len", &vl) : NULL;
        if (!len || !strace_parse_value(len, vl, &v))
            break;
        total += v;
        seen++;
    }
    if (seen < count) {
        cap->missing |= PAYLOAD_MMSG;
        return;
    }
    cap->mmsg_bytes = total;
    cap->have |= PAYLOAD_MMSG;
}

/* A log that -e left without open or close calls leaves the fd tables
 * stale (fd 3 was libc, now a pipe): there, what -yy says an argument is
 * when the call begins is the kernel's word, and replaces the table's. */
static void forget_stale(struct task *t)
{
    if (!t->fds || (sl.seen[SYS_close] && (sl.seen[SYS_openat] || sl.seen[SYS_open])))
        return;
    const struct syscall_payloads *cap = &t->call.cap;
    for (uint32_t i = 0; i < cap->fd_count; i++) {
        const struct snapshot_fd *s = &cap->fds[i].info;
        struct ofd *d = fdtable_get(t->fds, s->fd);
        if (d && (d->kind != s->kind || (s->kind == CMP_FD_FILE && strcmp(d->path, s->path))))
            fdtable_close(t->fds, s->fd);
    }
}

/* A whole call (a line, or an unfinished one and its resumption). */
static bool apply_call(struct task *t, const char *name, size_t name_len, const char *args,
                       size_t args_len, const struct strace_line *l, uint64_t entry_ts,
                       uint64_t exit_ts)
{
    pid_t adopted = sl.adopted; /* set by a resumption for this call only */
    sl.adopted = 0;
    char nm[64];
    if (name_len >= sizeof(nm))
        return false;
    memcpy(nm, name, name_len);
    nm[name_len] = '\0';
    int32_t nr = cmp_syscall_number(nm);
    const struct syscall_desc *d = nr >= 0 ? syscall_desc(nr) : NULL;
    if (!d)
        return false;
    sl.seen[nr] = 1;
    sl.durations |= l->has_dur;
    struct syscall_call *c = &t->call;
    payloads_reset(&c->cap);
    memset(c->args, 0, sizeof(c->args));
    c->nr = nr;
    c->abi = CMP_ABI_X86_64;
    no_path(c);
    c->sockaddr_len = 0;
    c->sockaddr[0] = '\0';
    c->sock_family = AF_UNSPEC;
    c->want_exit = true;
    const char *p = args, *end = args + args_len;
    struct program_record prog; /* an execve's; cleared only for one (it is large) */
    prog.argv = NULL;
    prog.exe[0] = '\0';
    if (nr == SYS_execve)
        memset(&prog, 0, sizeof(prog));
    size_t kinds = d->args ? strlen(d->args) : 0;
    size_t captures = d->capture ? strlen(d->capture) : 0;
    const char *mmsg_text = NULL; /* sendmmsg/recvmmsg's [{msg_hdr=…, msg_len=N}, …] */
    size_t mmsg_len = 0;
    int paths = 0;
    for (int i = 0; i < 6 && p < end; i++) {
        const char *a;
        size_t n;
        p = next_arg(p, end, &a, &n);
        char kind = (size_t)i < kinds ? d->args[i] : 'x';
        uint64_t v = 0;
        if (kind == 'd' || kind == 'D') {
            /* an fd the log does not show as a number is none of the task's */
            c->args[i] = parse_fd(a, n, &c->cap, &v) ? v : (uint64_t)-1;
            sl.high_fd |= kind == 'd' && (int64_t)c->args[i] > 2;
        } else if (kind == 'p') {
            char *dst = paths == 0 ? c->path : c->path2;
            bool cut;
            int k = unquote(a, n, dst, PATH_MAX, &cut);
            if (cut) { /* strace -s shortened it: a path cut short is no path */
                k = -1;
                sl.cut_paths++;
            }
            if (paths == 0) {
                c->path_len = k;
                c->path_err = cut ? ENODATA : k < 0 ? EFAULT : 0;
            } else {
                c->path2_len = k;
            }
            paths++;
            if (nr == SYS_execve && i == 0 && k >= 0)
                snprintf(prog.exe, sizeof(prog.exe), "%s", c->path);
        } else if (nr == SYS_execve && i == 1) {
            free(prog.argv);
            parse_argv(a, n, &prog);
        } else if ((n && *a == '[' &&
                    (nr == SYS_pipe || nr == SYS_pipe2 || nr == SYS_socketpair))) {
            /* [3<pipe:[1]>, 4<pipe:[1]>] */
            const char *q = a + 1, *qe = a + n - 1;
            int k = 0;
            while (q < qe && k < 2) {
                const char *f;
                size_t fl;
                q = next_arg(q, qe, &f, &fl);
                uint64_t fd;
                if (!parse_fd(f, fl, &c->cap, &fd))
                    break;
                c->cap.fd_pair[k++] = (int32_t)fd;
            }
            if (k == 2)
                c->cap.have |= PAYLOAD_FD_PAIR;
            /* Without -y a pipe's inode is unknown, but that it is a pipe
             * is the call's own fact. */
            for (int j = 0; j < k && nr != SYS_socketpair; j++)
                if (!payload_fd(&c->cap, c->cap.fd_pair[j]))
                    describe_fd(&c->cap, c->cap.fd_pair[j], "pipe", 4, false);
        } else if ((size_t)i < captures && d->capture[i] == SYSCALL_CAPTURE_MSG_NAME && n > 2 &&
                   *a == '{') {
            /* {msg_name={sa_family=AF_INET, …}, msg_namelen=16, msg_iov=…}:
             * next_arg gives a field's value, its name before it */
            static const char field[] = "msg_name=";
            const size_t name_len = sizeof(field) - 1;
            const char *f;
            size_t fl;
            next_arg(a + 1, a + n - 1, &f, &fl);
            if (f >= a + 1 + name_len && !memcmp(f - name_len, field, name_len) && fl && *f == '{')
                parse_peer(c, f, fl);
        } else if ((size_t)i < captures && d->capture[i] == SYSCALL_CAPTURE_MMSG_VEC && n &&
                   *a == '[') {
            mmsg_text = a;
            mmsg_len = n;
        } else if ((kind == 'a' || kind == 'A') && n && *a == '{') {
            /* -v (or the default for these): the address as strace decoded it */
            char want = (size_t)i < captures ? d->capture[i] : '-';
            if (want == SYSCALL_CAPTURE_SOCKADDR_IN) {
                c->cap.sockaddr_len = strace_parse_sockaddr(a, n, c->cap.sockaddr);
                if (c->cap.sockaddr_len)
                    c->cap.have |= PAYLOAD_SOCKADDR;
            } else if (want == SYSCALL_CAPTURE_SOCKADDR_OUT) {
                parse_peer(c, a, n);
            }
        } else if (kind == 's' || kind == 'b' || kind == 'B') {
            /* a string or buffer: what it held is not a fact the state uses */
        } else if (strace_parse_value(a, n, &v)) {
            c->args[i] = v;
        } else if (kind == 'f') {
            c->args[i] = (uint64_t)-1; /* no command the state acts on */
        }
    }
    if (nr == 435) {
        c->cap.clone_flags = spawn_flags(nr, args, args_len);
        c->cap.have |= PAYLOAD_CLONE_ARGS;
    }
    int64_t ret = 0;
    bool known = !l->ret_unknown;
    if (known && l->ret_len) {
        const char *lt = memchr(l->ret, '<', l->ret_len);
        uint64_t v;
        if (!strace_parse_value(l->ret, lt ? (size_t)(lt - l->ret) : l->ret_len, &v)) {
            free(prog.argv);
            return false;
        }
        ret = (int64_t)v;
        sl.annotated |= lt != NULL;
        if (lt)
            describe_fd(&c->cap, (int)ret, lt + 1, (size_t)(l->ret + l->ret_len - 1 - (lt + 1)),
                        true);
    }
    if (l->err)
        ret = -l->err;
    if (mmsg_text && ret > 0)
        mmsg_bytes(&c->cap, mmsg_text, mmsg_len, ret);
    forget_stale(t);
    stream_syscall_entry(t, entry_ts);
    if (known && t->call.want_exit) {
        if (is_spawn(nr) && ret > 0 && (pid_t)ret != adopted && !proctable_find((pid_t)ret)) {
            struct task *child = proctable_add((pid_t)ret);
            stream_spawn(t, child, spawn_flags(nr, args, args_len), exit_ts);
            sl.spawned = (pid_t)ret;
        }
        stream_syscall_exit(t, ret, exit_ts);
        if (nr == SYS_execve && ret == 0) {
            if (!prog.exe[0])
                snprintf(prog.exe, sizeof(prog.exe), "%s", c->path);
            prog.cwd_err = ENODATA;
            /* a thread's exec: the tid it had (the leader's it took, else) */
            pid_t former = sl.former_tid ? sl.former_tid : t->tid;
            sl.former_tid = 0;
            stream_exec(t, former, &prog, exit_ts);
        }
    }
    t->call.active = false;
    free(prog.argv);
    return true;
}

/* Lines of a task that came before the call that made it returned (its
 * parent's clone printed whole at its exit, as -e status=!unfinished
 * does), kept until it does. */
struct deferred {
    pid_t tid;
    unsigned long lineno;
    char *text;
    size_t len;
};
static struct deferred *defers;
static size_t defer_count, defer_cap;

static bool defer(pid_t tid, const char *line, size_t len)
{
    if (defer_count == defer_cap) {
        defer_cap = defer_cap ? defer_cap * 2 : 64;
        defers = xrealloc(defers, defer_cap * sizeof(*defers));
    }
    struct deferred *d = &defers[defer_count++];
    d->tid = tid;
    d->lineno = sl.lineno;
    d->text = xcalloc(1, len + 1);
    memcpy(d->text, line, len);
    d->len = len;
    return true;
}

static bool apply_line(const char *line, size_t len);
static void undefer(pid_t tid);

/* Whether a task unknown yet will be made by a line further on: looked up
 * when one first appears (a log of one process never needs to know). */
static bool spawns_in_log(void)
{
    if (!sl.spawns_known) {
        sl.spawns_known = true;
        sl.spawns_in_log = memmem(sl.map, sl.len, "clone(", 6) ||
                           memmem(sl.map, sl.len, "clone3(", 7) ||
                           memmem(sl.map, sl.len, "fork(", 5);
    }
    return sl.spawns_in_log;
}

/* A call made a task: the lines it had before, now. */
static void after_spawn(void)
{
    pid_t tid = sl.spawned;
    sl.spawned = 0;
    if (tid && defer_count)
        undefer(tid);
}

/* The kept lines of tid (every task's, tid 0), in their order. */
static void undefer(pid_t tid)
{
    unsigned long lineno = sl.lineno;
    size_t kept = 0;
    for (size_t i = 0; i < defer_count; i++) {
        struct deferred d = defers[i];
        if (tid && d.tid != tid) {
            defers[kept++] = d;
            continue;
        }
        sl.lineno = d.lineno;
        if (!apply_line(d.text, d.len))
            bad_line();
        free(d.text);
    }
    defer_count = kept;
    sl.lineno = lineno;
}

static bool apply_line(const char *line, size_t len)
{
    struct strace_line l;
    strace_parse_line(line, len, &l);
    if (l.kind == STRACE_BAD)
        return false;
    if (l.kind == STRACE_IGNORED)
        return true;
    pid_t kept_unfinished = sl.kept_unfinished;
    sl.kept_unfinished = 0;
    if (l.kind == STRACE_CONTINUED && kept_unfinished) /* its call's line waits: so does it */
        return defer(kept_unfinished, line, len);
    if (l.kind == STRACE_CONTINUED) {
        if (!sl.unfinished_tid || !pending_of(sl.unfinished_tid))
            return false;
        l.pid = sl.unfinished_tid; /* and its time is the unfinished line's */
        l.kind = STRACE_RESUMED;
        l.name = pending_of(l.pid)->text;
        l.name_len = strcspn(l.name, "(");
    }
    sl.unfinished_tid = 0;
    pid_t tid = l.pid ? l.pid : NO_PID;
    if (sl.relative && l.has_time) {
        sl.rel_sum += l.ts_ns;
        l.ts_ns = sl.rel_sum;
    }
    uint64_t ts = l.has_time ? l.ts_ns : sl.last_ns;
    if (ts < sl.last_ns)
        ts = sl.last_ns; /* -t and -tt wrap at midnight */
    sl.last_ns = ts;
    if (ts > sl.run.end_ns)
        sl.run.end_ns = ts;
    if (!sl.root_pid)
        root_for(tid, ts);
    struct task *t = task_for(tid);
    if (!t)
        t = adopt(tid, ts);
    if (!t && spawns_in_log()) {
        sl.kept_unfinished = l.kind == STRACE_UNFIN ? tid : 0;
        return defer(tid, line, len);
    }
    if (!t && !spawns_in_log()) {
        /* -e left out clone, fork and vfork: the task is one, its parent
         * unknown (said at the end); the root stands in */
        struct task *root = task_for(sl.root_pid);
        if (root) {
            stream_spawn(root, proctable_add(tid), SIGCHLD, ts);
            t = task_for(tid);
            sl.orphans++;
        }
    }
    if (!t)
        return false;
    switch (l.kind) {
    case STRACE_SIGNAL:
        stream_signal(t, l.code, ts);
        return true;
    case STRACE_SUPERSEDED: {
        /* the leader vanishes without an exit of its own; the thread that
         * exec'd goes on under its pid, its execve still to return */
        struct task *execer = task_for(l.code);
        if (!execer || execer == t)
            return false;
        struct pending *p = pending_of(tid);
        if (p)
            pending_drop(p);
        p = pending_of(l.code);
        if (p)
            p->tid = tid;
        proctable_remove(t);
        proctable_rekey(execer, tid);
        sl.former_tid = l.code;
        return true;
    }
    case STRACE_EXITED:
    case STRACE_KILLED: {
        int code = l.kind == STRACE_EXITED ? l.code : -1;
        int sig = l.kind == STRACE_KILLED ? l.code : 0;
        if (t->tid == sl.root_pid && !sl.root.ended) {
            sl.root.ended = true;
            sl.root.exit_code = code;
            sl.root.exit_signal = sig;
            sl.root.core_dumped = l.core;
        }
        stream_exit(t, code, sig, l.core, ts);
        proctable_remove(t);
        struct pending *p = pending_of(tid);
        if (p)
            pending_drop(p);
        return true;
    }
    case STRACE_CALL: {
        bool ok = apply_call(t, l.name, l.name_len, l.args, l.args_len, &l, ts,
                             l.has_dur ? ts + l.dur_ns : ts);
        after_spawn();
        return ok;
    }
    case STRACE_UNFIN: {
        struct pending *p = pending_of(tid);
        if (p)
            pending_drop(p);
        if (pend_count == pend_cap) {
            pend_cap = pend_cap ? pend_cap * 2 : 16;
            pend = xrealloc(pend, pend_cap * sizeof(*pend));
        }
        p = &pend[pend_count++];
        p->tid = tid;
        p->text = xcalloc(1, len + 1);
        size_t tl = (size_t)(l.args + l.args_len - l.name);
        memcpy(p->text, l.name, tl);
        p->text[tl] = '\0';
        p->ts = ts;
        char nm[64];
        int32_t nr = -1;
        if (l.name_len < sizeof(nm)) {
            memcpy(nm, l.name, l.name_len);
            nm[l.name_len] = '\0';
            nr = cmp_syscall_number(nm);
        }
        p->spawns = is_spawn(nr);
        p->adopted = 0;
        sl.unfinished_tid = tid;
        p->clone_flags = p->spawns ? spawn_flags(nr, l.args, l.args_len) : 0;
        return true;
    }
    case STRACE_RESUMED: {
        struct pending *p = pending_of(tid);
        if (!p || strncmp(p->text, l.name, l.name_len) != 0 || p->text[l.name_len] != '(')
            return false;
        size_t head = strlen(p->text);
        char *whole = xcalloc(1, head + l.args_len + 1);
        memcpy(whole, p->text, head);
        memcpy(whole + head, l.args, l.args_len);
        whole[head + l.args_len] = '\0';
        uint64_t entry = p->ts;
        sl.adopted = p->adopted;
        pending_drop(p);
        bool ok = apply_call(t, whole, l.name_len, whole + l.name_len + 1,
                             head + l.args_len - l.name_len - 1, &l, entry,
                             l.has_dur ? entry + l.dur_ns : ts);
        free(whole);
        after_spawn();
        return ok;
    }
    default:
        return false;
    }
}

/* ---- -ff: a file per pid --------------------------------------------------- */

/* A -ff file: its pid (from its name) and its lines. */
struct pid_file {
    pid_t pid;
    char *text;
    size_t len;
    char *name; /* NAME.PID, once read */
};

/* One line of a -ff file, to be merged by time. */
struct merged_line {
    uint64_t ts;
    uint32_t file;
    uint32_t line;
    const char *text;
    size_t len;
};

static int by_time(const void *a, const void *b)
{
    const struct merged_line *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int by_pid(const void *a, const void *b)
{
    const struct pid_file *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The pid of a -ff file name that is PREFIX.PID; 0 for another name. */
static pid_t pid_suffix(const char *name, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(name, prefix, pl) != 0 || name[pl] != '.' || !isdigit((unsigned char)name[pl + 1]))
        return 0;
    long pid = 0;
    for (const char *q = name + pl + 1; *q; q++) {
        if (!isdigit((unsigned char)*q) || pid > 1 << 22)
            return 0;
        pid = pid * 10 + (*q - '0');
    }
    return (pid_t)pid;
}

/* The directory and file-name prefix of -ff files: DIR (a directory of
 * NAME.PID files, any NAME) or DIR/NAME (not a file itself). */
static bool per_pid_where(const char *path, char *dir, size_t dirsz, char *prefix, size_t psz)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return false;
        snprintf(dir, dirsz, "%s", path);
        prefix[0] = '\0';
        return true;
    }
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(dir, dirsz, "%.*s", (int)(slash - path), path);
    else
        snprintf(dir, dirsz, ".");
    if (slash && slash == path)
        snprintf(dir, dirsz, "/");
    snprintf(prefix, psz, "%s", slash ? slash + 1 : path);
    return prefix[0] != '\0';
}

/* The -ff files at path, sorted by pid; their count (0: none). A directory
 * takes the files of the first NAME.PID it holds, by name. */
static size_t per_pid_files(const char *path, struct pid_file **out)
{
    char dir[PATH_MAX], prefix[NAME_MAX + 1];
    *out = NULL;
    if (!per_pid_where(path, dir, sizeof(dir), prefix, sizeof(prefix)))
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    if (!prefix[0]) { /* a directory: the name before ".PID" of its first such file */
        char best[NAME_MAX + 1] = "";
        for (struct dirent *e; (e = readdir(d));) {
            const char *dot = strrchr(e->d_name, '.');
            if (dot && dot != e->d_name) {
                char name[NAME_MAX + 1];
                snprintf(name, sizeof(name), "%.*s", (int)(dot - e->d_name), e->d_name);
                if (pid_suffix(e->d_name, name) && (!best[0] || strcmp(name, best) < 0))
                    snprintf(best, sizeof(best), "%s", name);
            }
        }
        snprintf(prefix, sizeof(prefix), "%s", best);
        rewinddir(d);
    }
    size_t n = 0, cap = 0;
    struct pid_file *files = NULL;
    for (struct dirent *e; prefix[0] && (e = readdir(d));) {
        pid_t pid = pid_suffix(e->d_name, prefix);
        if (!pid)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            files = xrealloc(files, cap * sizeof(*files));
        }
        files[n].pid = pid;
        files[n].text = NULL;
        files[n].name = NULL;
        files[n].len = 0;
        char full[PATH_MAX + NAME_MAX + 2];
        snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
        files[n].text = xstrdup(full); /* the name, until it is read */
        n++;
    }
    closedir(d);
    if (n)
        qsort(files, n, sizeof(*files), by_pid);
    *out = files;
    return n;
}

bool strace_per_pid(const char *path)
{
    struct pid_file *files;
    size_t n = per_pid_files(path, &files);
    /* named so, and the first with lines has strace's */
    bool looks = n > 0;
    for (size_t i = 0; i < n; i++) {
        char head[4096];
        int fd = looks ? open(files[i].text, O_RDONLY | O_CLOEXEC) : -1;
        ssize_t k = fd >= 0 ? read(fd, head, sizeof(head)) : 0;
        if (fd >= 0)
            close(fd);
        if (k > 0) {
            looks = strace_log_looks(head, (size_t)k);
            break;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(files[i].text);
    free(files);
    return looks;
}

/* Reads every -ff file and merges their lines, each with its pid in front
 * as -f would have written it: by time when every line has one (-t, -tt,
 * -ttt), else one file after another (said: the order is unknown). */
static bool merge_per_pid(const char *path)
{
    struct pid_file *files;
    size_t n = per_pid_files(path, &files);
    bool ok = n > 0;
    size_t total = 0, lines = 0;
    for (size_t i = 0; i < n; i++) {
        char *name = files[i].text;
        files[i].text = NULL;
        FILE *f = ok ? fopen(name, "re") : NULL;
        if (ok && !f) {
            fprintf(stderr, "compendium: cannot read %s: %s\n", name, strerror(errno));
            ok = false;
        }
        if (f) {
            char buf[65536];
            size_t k;
            while ((k = fread(buf, 1, sizeof(buf), f)) > 0) {
                files[i].text = xrealloc(files[i].text, files[i].len + k + 1);
                memcpy(files[i].text + files[i].len, buf, k);
                files[i].len += k;
            }
            fclose(f);
            for (size_t j = 0; j < files[i].len; j++)
                lines += files[i].text[j] == '\n';
            lines++;
            total += files[i].len + 1;
        }
        const char *base = strrchr(name, '/');
        files[i].name = xstrdup(base ? base + 1 : name);
        free(name);
    }
    struct merged_line *all = ok ? xcalloc(lines ? lines : 1, sizeof(*all)) : NULL;
    size_t count = 0;
    bool timed = ok;
    for (size_t i = 0; ok && i < n; i++) {
        const char *p = files[i].text, *end = p + files[i].len;
        bool file_timed = false;
        uint64_t last = 0;
        for (uint32_t ln = 0; p && p < end; ln++) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            if (le > p) {
                struct strace_line l;
                memset(&l, 0, sizeof(l));
                const char *q = skip_spaces(p, le);
                parse_time(q, le, &l);
                /* -r's gaps cannot be merged across files */
                if (l.has_time && !l.clock && l.ts_ns < RELATIVE_BELOW_NS)
                    timed = false;
                /* a line without one (not strace's) stays after the line before */
                last = l.has_time ? l.ts_ns : last;
                file_timed |= l.has_time;
                all[count++] = (struct merged_line){last, (uint32_t)i, ln, p, (size_t)(le - p)};
            }
            p = le + 1;
        }
        timed &= file_timed || files[i].len == 0;
    }
    if (ok && timed && count)
        qsort(all, count, sizeof(*all), by_time);
    if (ok) {
        /* each line with "PID " in front: at most 11 bytes more */
        sl.map = xcalloc(1, total + count * 12 + 1);
        size_t o = 0;
        /* where each line was, for the lines not understood */
        sl.origin = xcalloc(count ? count : 1, sizeof(*sl.origin));
        sl.names = xcalloc(n, sizeof(*sl.names));
        sl.name_count = n;
        for (size_t i = 0; i < n; i++) {
            sl.names[i] = files[i].name;
            files[i].name = NULL;
        }
        for (size_t i = 0; i < count; i++) {
            sl.origin[i].file = all[i].file;
            sl.origin[i].line = all[i].line + 1;
            o += (size_t)sprintf(sl.map + o, "%d ", files[all[i].file].pid);
            memcpy(sl.map + o, all[i].text, all[i].len);
            o += all[i].len;
            sl.map[o++] = '\n';
        }
        sl.len = o;
        sl.merged = true;
        sl.by_file = !timed;
    }
    for (size_t i = 0; i < n; i++) {
        free(files[i].text);
        free(files[i].name);
    }
    free(files);
    free(all);
    if (!n)
        fprintf(stderr, "compendium: %s has no strace -ff files (NAME.PID)\n", path);
    return ok;
}

static bool read_all(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "compendium: cannot read %s: %s\n", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return false;
    }
    sl.len = (size_t)st.st_size;
    if (sl.len) {
        void *m = mmap(NULL, sl.len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            fprintf(stderr, "compendium: cannot read %s: %s\n", path, strerror(errno));
            close(fd);
            return false;
        }
        sl.map = m;
    }
    close(fd);
    return true;
}

static enum source_open_result sl_open(const struct source_target *target, char **command)
{
    sl.path = target->recording;
    tracee_mem_refuse();
    if (strace_per_pid(sl.path)) {
        if (!merge_per_pid(sl.path))
            return SOURCE_FAILED;
        fprintf(stderr, "compendium: %s holds strace -ff files: replaying their lines %s\n",
                sl.path,
                sl.by_file ? "one file after another (they have no timestamps)" : "by time");
    } else {
        if (!read_all(sl.path))
            return SOURCE_FAILED;
        fprintf(stderr, "compendium: %s is an strace log: replaying its lines\n", sl.path);
    }
    sl.root.exit_code = -1;
    /* The command: the first execve's arguments. */
    char *cmd = xstrdup("");
    const char *p = sl.map, *end = sl.map + sl.len;
    bool first_seen = false;
    for (int lines = 0; p < end && lines < 64; lines++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        struct strace_line l;
        strace_parse_line(p, (size_t)(le - p), &l);
        if (l.has_time && !sl.timed) {
            sl.timed = true;
            /* -r's first gap is 0; -ttt's seconds are since 1970 */
            sl.relative = !l.clock && l.ts_ns < RELATIVE_BELOW_NS;
            if (!sl.relative) {
                sl.run.start_ns = sl.run.end_ns = sl.last_ns = l.ts_ns;
                sl.run.wall_start_ns = l.ts_ns;
            }
        }
        bool exec = (l.kind == STRACE_CALL || l.kind == STRACE_UNFIN) && l.name_len == 6 &&
                    memcmp(l.name, "execve", 6) == 0;
        if (!first_seen && l.kind != STRACE_BAD && l.kind != STRACE_IGNORED) {
            first_seen = true;
            sl.exec_first = exec;
        }
        if (exec && l.kind == STRACE_CALL) {
            const char *a, *ae = l.args + l.args_len;
            size_t n;
            const char *q = next_arg(l.args, ae, &a, &n);
            unquote(a, n, sl.exe, sizeof(sl.exe), NULL);
            next_arg(q, ae, &a, &n);
            struct program_record prog;
            parse_argv(a, n, &prog);
            if (prog.argv) {
                free(cmd);
                cmd = xcalloc(1, prog.argv_len + 1);
                for (size_t i = 0; i < prog.argv_len; i++)
                    cmd[i] = prog.argv[i] ? prog.argv[i] : ' ';
                cmd[prog.argv_len ? prog.argv_len - 1 : 0] = '\0';
                free(prog.argv);
            }
            break;
        }
        p = le + 1;
    }
    sl.cut_args = 0;
    *command = cmd;
    return SOURCE_OPENED;
}

static bool sl_start(uint64_t now)
{
    (void)now;
    sl.started = true;
    return true;
}

static bool sl_tracing(void)
{
    return !sl.done;
}

static void finish(void)
{
    /* tasks whose making the log never shows: the root stands in */
    sl.spawns_known = true;
    sl.spawns_in_log = false;
    undefer(0);
    sl.done = true;
    if (!sl.bad)
        return;
    char why[256];
    int n = snprintf(why, sizeof(why), "%lu line%s not understood (%s", sl.bad,
                     sl.bad == 1 ? " was" : "s were", sl.origin ? "" : "line");
    for (unsigned long i = 0; i < sl.bad && i < BAD_SHOWN && n > 0 && (size_t)n < sizeof(why);
         i++) {
        unsigned long at = sl.bad_lines[i];
        if (sl.origin) /* -ff: the file's own line */
            n += snprintf(why + n, sizeof(why) - (size_t)n, "%s%s line %u", i ? ", " : "",
                          sl.names[sl.origin[at - 1].file], sl.origin[at - 1].line);
        else
            n += snprintf(why + n, sizeof(why) - (size_t)n, "%s %lu", i ? "," : "", at);
    }
    if (n > 0 && (size_t)n < sizeof(why))
        snprintf(why + n, sizeof(why) - (size_t)n, "%s): the facts leave them out",
                 sl.bad > BAD_SHOWN ? ", ..." : "");
    output_input_incomplete(sl.path, why);
}

static enum source_step sl_next(uint64_t deadline, bool block)
{
    (void)deadline;
    (void)block;
    if (sl.done)
        return SOURCE_ENDED;
    for (int i = 0; i < BATCH; i++) {
        if (sl.pos >= sl.len) {
            finish();
            return SOURCE_ENDED;
        }
        const char *p = sl.map + sl.pos;
        const char *nl = memchr(p, '\n', sl.len - sl.pos);
        size_t len = nl ? (size_t)(nl - p) : sl.len - sl.pos;
        sl.pos += len + 1;
        sl.lineno++;
        if (len == 0)
            continue;
        if (!apply_line(p, len))
            bad_line();
    }
    return SOURCE_HANDLED;
}

static void sl_stop(enum source_stop_how how)
{
    (void)how;
    sl.done = true;
}

static void sl_close(void)
{
    for (size_t i = 0; i < sl.name_count; i++)
        free(sl.names[i]);
    free(sl.names);
    free(sl.origin);
    sl.names = NULL;
    sl.origin = NULL;
    sl.name_count = 0;
    if (sl.map && sl.merged)
        free(sl.map);
    else if (sl.map)
        munmap(sl.map, sl.len);
    sl.map = NULL;
    while (pend_count)
        pending_drop(&pend[0]);
    for (size_t i = 0; i < defer_count; i++)
        free(defers[i].text);
    free(defers);
    defers = NULL;
    defer_count = defer_cap = 0;
    free(pend);
    pend = NULL;
    pend_cap = 0;
}

static bool seen_with(unsigned need)
{
    for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
        if (sl.seen[nr] && (syscall_needs(nr) & need))
            return true;
    return false;
}

static void unknown(const char *id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void unknown(const char *id, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    size_t n = strlen(sl.unknown);
    snprintf(sl.unknown + n, sizeof(sl.unknown) - n, "%s\t%s\n", id, why);
}

/* What the log could not tell, from what it has and has not. */
static void say_unknowns(void)
{
    sl.unknown[0] = '\0';
    bool io = seen_with(SYSCALL_NEED_IO);
    bool made = seen_with(SYSCALL_NEED_NEW_FD) || sl.seen[SYS_socket] || sl.seen[SYS_dup] ||
                sl.seen[SYS_dup2] || sl.seen[SYS_dup3];
    if (sl.by_file)
        unknown("order", "the -ff files have no timestamps: they were read one after another, "
                         "so the order between processes is unknown");
    if (!sl.timed)
        unknown("times", "the log has no timestamps (strace -t, -tt, -ttt or -r)");
    else if (sl.relative)
        unknown("wall_clock", "the log has -r relative times: when the run began is unknown");
    if (sl.timed && !sl.durations)
        unknown("durations", "the log has no durations (strace -T)");
    if (!sl.annotated)
        unknown("fd_names", "the log has no -yy: fds have no names, and those the log did not "
                            "see made (inherited ones) no kind");
    if (!made && sl.high_fd)
        unknown("opens", "fds are used but no call made them (-e left out open, socket, pipe, "
                         "dup): their files and kinds are unknown");
    sl.io_unknown = !io && (made || sl.high_fd);
    if (sl.io_unknown)
        unknown("io", "the log has no read, write, send or recv (-e left them out): the bytes "
                      "moved are unknown");
    if (sl.orphans)
        unknown("spawns",
                "%lu process%s appear with no clone, fork or vfork in the log (-e left them "
                "out): their parents are unknown",
                sl.orphans, sl.orphans == 1 ? "" : "es");
    bool memory = false;
    for (int nr = 0; nr < SYSCALL_TABLE_SIZE && !memory; nr++)
        memory = sl.seen[nr] && (syscall_classes(nr) & SYSCALL_CLASS_MEMORY);
    if (!memory)
        unknown("memory", "the log has no brk, mmap or munmap (-e left them out): the memory "
                          "used is unknown");
    if (!sl.seen[SYS_execve] && !sl.seen[SYS_execveat])
        unknown("execs", "the log has no execve (-e left it out, or strace attached with -p): "
                         "the programs run are unknown");
    if (sl.cut_paths)
        unknown("paths", "%lu path%s cut short by strace -s: left out", sl.cut_paths,
                sl.cut_paths == 1 ? " was" : "s were");
    if (sl.cut_args)
        unknown("arguments", "%lu execve argument list%s cut short by strace -s", sl.cut_args,
                sl.cut_args == 1 ? " was" : "s were");
}

static void sl_totals(cmp_run_info *out)
{
    say_unknowns();
    /* strace shows every read and write unless -e left them out */
    out->io_traced = !sl.io_unknown;
    out->unknown = (cmp_str){sl.unknown, (uint32_t)strlen(sl.unknown)};
}

const struct source strace_source = {
    .caps = {.name = "strace", .live = false, .can_stop = false, .can_attach = false},
    .prepare = sl_prepare,
    .open = sl_open,
    .set_interest = sl_set_interest,
    .start = sl_start,
    .tracing = sl_tracing,
    .next = sl_next,
    .stop = sl_stop,
    .close = sl_close,
    .root = sl_root,
    .root_pid = sl_root_pid,
    .totals = sl_totals,
    .recorded = sl_recorded,
};
