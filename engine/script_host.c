#include "script_host.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <limits.h>
#include <lua.h>
#include <lualib.h>
#include <luajit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "interest.h"
#include "output.h"
#include "syscall_table.h"

extern const char cmp_ffi_cdef[];

cmp_event script_event;

static lua_State *L;
static int ref_hooks = LUA_NOREF;
static int ref_hook_done = LUA_NOREF;
static int ref_start = LUA_NOREF;
static int ref_finish = LUA_NOREF;
static bool wanted_types[CMP_EV_COUNT];
static uint8_t wanted_entry[SYSCALL_TABLE_SIZE];
static uint8_t wanted_exit[SYSCALL_TABLE_SIZE];
static bool wanted_exit_all;
/* Every script loaded said c.accept_io_runs(). */
static bool io_runs;
/* What scripts read of a syscall's record beyond the state: its formatted
 * line (the memory its arguments point to), its resolved paths. */
static uint8_t wanted_format[SYSCALL_TABLE_SIZE];
static uint8_t wanted_resolved[SYSCALL_TABLE_SIZE];
static int failures;
static bool dispatch_broken;

/* Chunk names of compendium's own modules start with this ("@DATA/lua/"):
 * everything else is script code. */
static char library_source[PATH_MAX + 8];
static size_t library_len;

/* ---- interrupting a hook ----------------------------------------------
 *
 * A hook that never returns keeps its tracee stopped. The signal handler
 * (or the hook_timeout tick, or the allocator) sets a count hook with
 * lua_sethook, which Lua allows from a signal handler; the count hook
 * raises an error at the next instruction of script code, never inside
 * compendium's own modules. The error keeps coming back until the runtime
 * has it, so a script's own pcall cannot swallow it.
 *
 * LuaJIT's compiled code never looks at debug hooks: a compiled loop would
 * run on. Its profiler, in line mode, compiles a check into every line of
 * every trace, and each tick of it (SIGPROF) leaves compiled code for the
 * interpreter, where the count hook then fires. A request raises a tick
 * itself rather than wait for the next one. */

enum { INTERRUPT_NONE, INTERRUPT_REQUESTED, INTERRUPT_RAISED };

static volatile sig_atomic_t lua_running; /* a pcall into the Lua state is under way */
static volatile sig_atomic_t interrupt_state;
static volatile sig_atomic_t interrupt_by_signal; /* the request came from a signal */
static const char *volatile interrupt_reason;     /* "sigint", "timeout", … */
static volatile sig_atomic_t hook_seq;            /* bumped for each hook run */

static bool is_library(const char *source)
{
    return library_len && strncmp(source, library_source, library_len) == 0;
}

static void interrupt_hook(lua_State *l, lua_Debug *ar);

static void request_interrupt(const char *reason)
{
    if (!lua_running)
        return;
    interrupt_reason = reason;
    interrupt_state = INTERRUPT_REQUESTED;
    lua_sethook(L, interrupt_hook, LUA_MASKCOUNT, 1);
    /* A profiler tick now: compiled code leaves at its next line. Only
     * while the profiler handles SIGPROF (a script may have stopped it),
     * whose default would end compendium. */
    struct sigaction prof;
    if (sigaction(SIGPROF, NULL, &prof) == 0 && prof.sa_handler != SIG_DFL &&
        prof.sa_handler != SIG_IGN)
        raise(SIGPROF);
}

static void interrupt_hook(lua_State *l, lua_Debug *ar)
{
    if (!lua_running || interrupt_state == INTERRUPT_NONE) {
        lua_sethook(l, NULL, 0, 0);
        /* a request that came while this ran must not be lost */
        if (lua_running && interrupt_state == INTERRUPT_REQUESTED)
            lua_sethook(l, interrupt_hook, LUA_MASKCOUNT, 1);
        return;
    }
    if (!lua_getinfo(l, "Sl", ar) || is_library(ar->source))
        return; /* fires again at the next instruction */
    interrupt_state = INTERRUPT_RAISED;
    lua_createtable(l, 0, 3);
    lua_pushstring(l, interrupt_reason);
    lua_setfield(l, -2, "interrupted");
    lua_pushstring(l, ar->source);
    lua_setfield(l, -2, "source");
    lua_pushinteger(l, ar->currentline);
    lua_setfield(l, -2, "line");
    lua_error(l);
}

/* After a pcall into Lua returned: nothing may interrupt what runs next. */
static void interrupt_done(void)
{
    lua_running = 0;
    if (interrupt_state != INTERRUPT_NONE) {
        interrupt_state = INTERRUPT_NONE;
        interrupt_by_signal = 0;
        lua_sethook(L, NULL, 0, 0);
    }
}

/* Line checks; the profiler's own ticks (every 100 ms of CPU time) matter
 * only if a request's tick fell just before the code got compiled. */
static const char PROFILE_MODE[] = "li100";

static void profile_tick(void *data, lua_State *l, int samples, int vmstate)
{
    (void)data, (void)l, (void)samples, (void)vmstate;
}

/* Timers of their own signal: the grace after an interrupting signal, and
 * the hook_timeout tick. */
static timer_t grace_timer, tick_timer;
static bool timers_made;

/* The second Ctrl-C often arrives while a quick hook runs: only a hook that
 * is still the same one this long after the signal is interrupted. */
static const long GRACE_NS = 500000000;
static volatile sig_atomic_t grace_armed, grace_seq;
static const char *volatile grace_reason;

static void die_of(int sig)
{
    /* Asked before and still running: a C function or compiled code that
     * no hook reaches. Die of the signal; the kernel then kills a command
     * compendium started and releases an attached process. */
    static const char msg[] = "\ncompendium: the hook does not stop (it runs a C function or "
                              "compiled code); quitting without the summary\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)ignored;
    signal(sig, SIG_DFL);
    raise(sig); /* delivered when the handler returns */
}

static void interrupt_for_signal(const char *reason)
{
    grace_armed = 0;
    interrupt_by_signal = 1;
    request_interrupt(reason);
}

void script_host_interrupt(int sig)
{
    if (!lua_running)
        return;
    const char *reason = sig == SIGTERM ? "sigterm" : sig == SIGHUP ? "sighup" : "sigint";
    if (interrupt_state != INTERRUPT_NONE && interrupt_by_signal) {
        die_of(sig);
    } else if (grace_armed && grace_seq == hook_seq) {
        interrupt_for_signal(reason); /* asked twice: no more grace */
    } else if (timers_made) {
        grace_seq = hook_seq;
        grace_reason = reason;
        grace_armed = 1;
        struct itimerspec its;
        memset(&its, 0, sizeof(its));
        its.it_value.tv_nsec = GRACE_NS;
        timer_settime(grace_timer, 0, &its, NULL);
    } else {
        interrupt_for_signal(reason);
    }
}

void cmp_host_hook_next(void)
{
    hook_seq++;
    if (interrupt_state == INTERRUPT_RAISED) {
        interrupt_state = INTERRUPT_NONE; /* the count hook clears itself */
        interrupt_by_signal = 0;
    }
}

/* hook_timeout: a tick every quarter of it; a hook seen running at five
 * ticks in a row has run at least the whole timeout. Nothing on the hot
 * path but the counter. */
enum { TICKS_PER_TIMEOUT = 4 };
static volatile sig_atomic_t tick_seq, ticks_seen;

static void on_timer(int sig, siginfo_t *info, void *ctx)
{
    (void)sig;
    (void)ctx;
    if (!lua_running || interrupt_state != INTERRUPT_NONE)
        return;
    if (info->si_code == SI_TIMER && info->si_value.sival_int == 0) {
        if (grace_armed && grace_seq == hook_seq)
            interrupt_for_signal(grace_reason);
        grace_armed = 0;
    } else if (info->si_code == SI_TIMER) {
        if (hook_seq != tick_seq) {
            tick_seq = hook_seq;
            ticks_seen = 0;
        } else if (++ticks_seen == TICKS_PER_TIMEOUT) {
            request_interrupt("timeout");
        }
    }
}

static bool make_timer(timer_t *timer, int id)
{
    struct sigevent sev;
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGVTALRM;
    sev.sigev_value.sival_int = id;
    return timer_create(CLOCK_MONOTONIC, &sev, timer) == 0;
}

static void make_timers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO | SA_RESTART; /* the engine's own syscalls go on */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGVTALRM, &sa, NULL) != 0 || !make_timer(&grace_timer, 0))
        return;
    if (!make_timer(&tick_timer, 1)) {
        timer_delete(grace_timer);
        return;
    }
    timers_made = true;
}

int cmp_host_hook_timeout(uint64_t ns)
{
    if (ns == 0)
        return 1;
    if (!timers_made)
        return 0;
    uint64_t period = ns / TICKS_PER_TIMEOUT;
    if (period == 0)
        period = 1;
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = its.it_interval.tv_sec = (time_t)(period / 1000000000u);
    its.it_value.tv_nsec = its.it_interval.tv_nsec = (long)(period % 1000000000u);
    return timer_settime(tick_timer, 0, &its, NULL) == 0;
}

/* Out of memory: LuaJIT raises "not enough memory" with no position and
 * calls no error handler. Memory held back for this lets the failed
 * allocation succeed once; the count hook then raises the error at the
 * script's line. An allocation bigger than the reserve still fails the
 * plain way (the runtime then names the hook). */
enum { RESERVE_BYTES = 16 << 20 };
static lua_Alloc lua_alloc;
static void *reserve;

static void take_reserve(void)
{
    if (reserve)
        return;
    reserve =
        mmap(NULL, RESERVE_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserve == MAP_FAILED)
        reserve = NULL;
}

static void *alloc_with_reserve(void *ud, void *ptr, size_t osize, size_t nsize)
{
    void *p = lua_alloc(ud, ptr, osize, nsize);
    if (p || nsize == 0 || !reserve)
        return p;
    munmap(reserve, RESERVE_BYTES);
    reserve = NULL;
    p = lua_alloc(ud, ptr, osize, nsize);
    if (p) {
        interrupt_by_signal = 0;
        request_interrupt("memory");
    }
    return p;
}

/* lua_pcall, marked as running so that it can be interrupted. */
static int protected_call(int nargs, int nres)
{
    take_reserve();
    hook_seq++;
    lua_running = 1;
    int rc = lua_pcall(L, nargs, nres, 0);
    interrupt_done();
    return rc;
}

/* ---- services scripts call through ffi.C ---------------------------- */

const cmp_event *cmp_host_event(void)
{
    return &script_event;
}

void cmp_host_print(const char *text, size_t len)
{
    output_write(text, len);
}

void cmp_host_fail(void)
{
    failures++;
}

bool script_host_io_runs(void)
{
    return io_runs;
}

void cmp_host_want_event(int32_t type)
{
    if (type > 0 && type < CMP_EV_COUNT) {
        wanted_types[type] = true;
        interest_add_event(type);
    }
}

void cmp_host_want_syscall(int32_t nr, int32_t at_entry)
{
    if (nr < 0) {
        if (at_entry)
            memset(wanted_entry, 1, sizeof(wanted_entry));
        else
            wanted_exit_all = true;
    } else if (nr < SYSCALL_TABLE_SIZE) {
        (at_entry ? wanted_entry : wanted_exit)[nr] = 1;
    }
    wanted_types[at_entry ? CMP_EV_ENTER : CMP_EV_SYSCALL] = true;
    interest_add_syscall(nr);
}

static void want_record(uint8_t *wanted, int32_t nr)
{
    if (nr < 0)
        memset(wanted, 1, SYSCALL_TABLE_SIZE);
    else if (nr < SYSCALL_TABLE_SIZE)
        wanted[nr] = 1;
}

void cmp_host_want_format(int32_t nr)
{
    want_record(wanted_format, nr);
}

void cmp_host_want_resolved(int32_t nr)
{
    want_record(wanted_resolved, nr);
}

/* ---- loading ---------------------------------------------------------- */

static int preload_cdef(lua_State *l)
{
    lua_pushstring(l, cmp_ffi_cdef);
    return 1;
}

/* Calls rt[name](args...) expecting nres results; on a Lua error prints it. */
static bool call_runtime(int nargs, int nres)
{
    if (protected_call(nargs, nres) != 0) {
        fprintf(stderr, "compendium: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
        return false;
    }
    return true;
}

static int runtime_ref(const char *name)
{
    lua_getfield(L, -1, name);
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 1);
        return LUA_NOREF;
    }
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

static bool push_runtime_function(const char *name)
{
    lua_getglobal(L, "require");
    lua_pushstring(L, "compendium.runtime");
    if (!call_runtime(1, 1))
        return false;
    lua_getfield(L, -1, name);
    lua_remove(L, -2);
    return true;
}

static void push_option(int *n, const char *key, const char *value)
{
    lua_newtable(L);
    lua_pushstring(L, key);
    lua_setfield(L, -2, "key");
    lua_pushstring(L, value);
    lua_setfield(L, -2, "value");
    lua_rawseti(L, -2, ++*n);
}

/* strace's flags, for c.strace: {trace = {names...} (without -e: nil),
 * timestamps = 0-3, durations =, fd_paths = 0-2, string_limit = N or nil}. */
static void push_strace_flags(const struct cli_options *opts)
{
    lua_newtable(L);
    if (opts->trace_set) {
        lua_newtable(L);
        int n = 0;
        for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
            if (opts->trace_set[nr]) {
                lua_pushstring(L, syscall_desc(nr)->name);
                lua_rawseti(L, -2, ++n);
            }
        lua_setfield(L, -2, "trace");
    }
    lua_pushinteger(L, opts->timestamps);
    lua_setfield(L, -2, "timestamps");
    lua_pushboolean(L, opts->durations);
    lua_setfield(L, -2, "durations");
    lua_pushinteger(L, opts->fd_paths);
    lua_setfield(L, -2, "fd_paths");
    if (opts->string_limit >= 0) {
        lua_pushinteger(L, opts->string_limit);
        lua_setfield(L, -2, "string_limit");
    }
}

static void set_options(const struct cli_options *opts, const char *command)
{
    lua_newtable(L);
    lua_newtable(L);
    int n = 0;
    for (int i = 0; i < opts->nxopts; i++)
        push_option(&n, opts->xopts[i].key, opts->xopts[i].value);
    /* The shorthand flags are options of the bundled scripts they load. */
    if (opts->json_path)
        push_option(&n, "jsonl.out", opts->json_path);
    if (opts->report_path)
        push_option(&n, "report.out", opts->report_path);
    if (opts->max_report_events)
        push_option(&n, "report.max_events", opts->max_report_events);
    if (opts->otel_endpoint)
        push_option(&n, "otel.endpoint", opts->otel_endpoint);
    if (opts->perfetto_path)
        push_option(&n, "perfetto.out", opts->perfetto_path);
    if (opts->strace_out_path)
        push_option(&n, "strace-out.out", opts->strace_out_path);
    lua_setfield(L, -2, "options");
    if (opts->junit_path) {
        lua_pushstring(L, opts->junit_path);
        lua_setfield(L, -2, "junit");
    }
    lua_pushboolean(L, opts->faults);
    lua_setfield(L, -2, "faults");
    lua_pushboolean(L, opts->ebpf);
    lua_setfield(L, -2, "ebpf");
    lua_pushboolean(L, opts->verbose);
    lua_setfield(L, -2, "verbose");
    lua_pushboolean(L, opts->quiet);
    lua_setfield(L, -2, "quiet");
    lua_pushboolean(L, opts->record_path != NULL);
    lua_setfield(L, -2, "recording");
    push_strace_flags(opts);
    lua_setfield(L, -2, "strace");
    lua_pushstring(L, command);
    lua_setfield(L, -2, "command");
}

/* A bare name is a bundled script (never a file in the current directory);
 * something that looks like a path is a file. */
static bool is_path(const char *name)
{
    size_t n = strlen(name);
    return name[0] == '/' || strncmp(name, "./", 2) == 0 || strncmp(name, "../", 3) == 0 ||
           (n > 4 && strcmp(name + n - 4, ".lua") == 0);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The bundled checks' names, sorted and comma-separated, on stderr. */
static void list_checks(const char *data_dir)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/scripts/check", data_dir);
    DIR *d = opendir(dir);
    char *names[256];
    size_t n = 0;
    struct dirent *ent;
    while (d && (ent = readdir(d)) && n < sizeof(names) / sizeof(names[0])) {
        size_t len = strlen(ent->d_name);
        char *name = len > 4 && strcmp(ent->d_name + len - 4, ".lua") == 0
                         ? strndup(ent->d_name, len - 4)
                         : NULL;
        if (name)
            names[n++] = name;
    }
    if (d)
        closedir(d);
    qsort(names, n, sizeof(names[0]), compare_names);
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, "%s%s", i ? ", " : "", names[i]);
        free(names[i]);
    }
}

static bool resolve_script(const char *data_dir, const char *name, char *out, size_t cap)
{
    if (is_path(name)) {
        if (access(name, R_OK) != 0) {
            fprintf(stderr, "compendium: cannot read script %s: %s\n", name, strerror(errno));
            return false;
        }
        snprintf(out, cap, "%s", name);
        return true;
    }
    if (strstr(name, "..")) {
        fprintf(stderr, "compendium: no bundled script named '%s'\n", name);
        return false;
    }
    snprintf(out, cap, "%s/scripts/%s.lua", data_dir, name);
    if (access(out, R_OK) != 0 && strncmp(name, "check/", 6) == 0) {
        fprintf(stderr, "compendium: no bundled check '%s' (there are: ", name);
        list_checks(data_dir);
        fprintf(stderr, ")\n");
        return false;
    }
    if (access(out, R_OK) != 0) {
        fprintf(stderr,
                "compendium: no bundled script named '%s' (bundled scripts are in %s/scripts; "
                "give a file as ./%s.lua)\n",
                name, data_dir, name);
        return false;
    }
    return true;
}

/* What -s names, if it is a regular file; anything else (a FIFO would block
 * the open, a device could be endless) is refused with one line. */
static char *read_script(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "compendium: cannot read script %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "compendium: script %s is not a regular file (%s)\n", path,
                S_ISDIR(st.st_mode)    ? "a directory"
                : S_ISFIFO(st.st_mode) ? "a FIFO"
                : S_ISSOCK(st.st_mode) ? "a socket"
                                       : "a device");
        close(fd);
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *text = malloc(cap);
    ssize_t got = 0;
    while (text && (got = read(fd, text + n, cap - n)) > 0) {
        n += (size_t)got;
        if (n == cap) {
            char *more = realloc(text, cap *= 2);
            if (!more)
                free(text);
            text = more;
        }
    }
    int err = got < 0 ? errno : ENOMEM;
    close(fd);
    if (!text || got < 0) {
        fprintf(stderr, "compendium: cannot read script %s: %s\n", path, strerror(err));
        free(text);
        return NULL;
    }
    *len = n;
    return text;
}

static bool load_script(const char *data_dir, const char *name)
{
    char path[4096];
    if (!resolve_script(data_dir, name, path, sizeof(path)))
        return false;
    size_t len;
    char *text = read_script(path, &len);
    if (!text)
        return false;
    if (!push_runtime_function("load")) {
        free(text);
        return false;
    }
    lua_pushstring(L, path);
    lua_pushstring(L, name);
    lua_pushlstring(L, text, len);
    free(text);
    if (!call_runtime(3, 2))
        return false;
    bool ok = lua_toboolean(L, -2);
    if (!ok)
        fprintf(stderr, "compendium: %s\n", lua_tostring(L, -1));
    lua_pop(L, 2);
    return ok;
}

/* package[field] keeping only absolute entries, after prefix: "./?.lua",
 * the default's first, would run code from the working directory inside
 * compendium (often root, in a directory others may write). A relative
 * entry in LUA_PATH means the same directory and goes too. */
static void drop_relative_entries(const char *field, const char *prefix)
{
    lua_getfield(L, -1, field);
    const char *s = lua_tostring(L, -1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, prefix);
    while (s && *s) {
        size_t n = strcspn(s, ";");
        if (s[0] == '/') {
            luaL_addlstring(&b, s, n);
            luaL_addchar(&b, ';');
        }
        s += n;
        if (*s == ';')
            s++;
    }
    luaL_pushresult(&b);
    lua_setfield(L, -3, field);
    lua_pop(L, 1);
}

bool script_host_init(const char *data_dir, const struct cli_options *opts, const char *command)
{
    L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "compendium: cannot create the Lua state (out of memory?)\n");
        return false;
    }
    void *alloc_ud;
    lua_alloc = lua_getallocf(L, &alloc_ud);
    lua_setallocf(L, alloc_with_reserve, alloc_ud);
    luaL_openlibs(L);
    luaJIT_profile_start(L, PROFILE_MODE, profile_tick, NULL);
    make_timers();
    snprintf(library_source, sizeof(library_source), "@%s/lua/", data_dir);
    library_len = strlen(library_source);

    lua_getglobal(L, "package");
    char own[2 * PATH_MAX + 32];
    snprintf(own, sizeof(own), "%s/lua/?.lua;%s/lua/?/init.lua;", data_dir, data_dir);
    drop_relative_entries("path", own);
    drop_relative_entries("cpath", "");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, preload_cdef);
    lua_setfield(L, -2, "compendium.cdef");
    lua_pop(L, 2);

    if (!push_runtime_function("configure"))
        return false;
    set_options(opts, command);
    if (!call_runtime(1, 0))
        return false;
    if (!push_runtime_function("protect") || !call_runtime(0, 0))
        return false;

    /* -c is strace's table instead of the view, -C after it */
    if (opts->nscripts == 0 && !opts->count && !load_script(data_dir, "default"))
        return false;
    for (int i = 0; i < opts->nscripts; i++)
        if (!load_script(data_dir, opts->scripts[i]))
            return false;
    if ((opts->count || opts->count_and_show) && !load_script(data_dir, "syscalls"))
        return false;
    if (opts->json_path && !load_script(data_dir, "jsonl"))
        return false;
    if (opts->report_path && !load_script(data_dir, "report"))
        return false;
    if (opts->otel && !load_script(data_dir, "otel"))
        return false;
    if (opts->perfetto_path && !load_script(data_dir, "perfetto"))
        return false;
    if (opts->strace_out_path && !load_script(data_dir, "strace-out"))
        return false;

    if (!push_runtime_function("check_options") || !call_runtime(0, 1))
        return false;
    if (!lua_isnil(L, -1)) {
        fprintf(stderr, "compendium: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
        return false;
    }
    lua_pop(L, 1);
    if (!push_runtime_function("io_runs") || !call_runtime(0, 1))
        return false;
    io_runs = lua_toboolean(L, -1);
    lua_pop(L, 1);

    lua_getglobal(L, "require");
    lua_pushstring(L, "compendium.runtime");
    if (!call_runtime(1, 1))
        return false;
    ref_hooks = runtime_ref("hooks");
    ref_hook_done = runtime_ref("hook_done");
    ref_start = runtime_ref("start");
    ref_finish = runtime_ref("finish");
    lua_pop(L, 1);
    if (ref_hooks == LUA_NOREF || ref_hook_done == LUA_NOREF || ref_start == LUA_NOREF ||
        ref_finish == LUA_NOREF) {
        fprintf(stderr,
                "compendium: the Lua runtime is incomplete (hooks/hook_done/start/finish)\n");
        return false;
    }
    return true;
}

/* ---- running ---------------------------------------------------------- */

bool script_host_wants(int type)
{
    return type > 0 && type < CMP_EV_COUNT && wanted_types[type];
}

bool script_host_wants_entry(int32_t nr)
{
    return nr >= 0 && nr < SYSCALL_TABLE_SIZE && wanted_entry[nr];
}

bool script_host_wants_exit(int32_t nr)
{
    return wanted_exit_all || (nr >= 0 && nr < SYSCALL_TABLE_SIZE && wanted_exit[nr]);
}

bool script_host_wants_format(int32_t nr)
{
    return nr >= 0 && nr < SYSCALL_TABLE_SIZE && wanted_format[nr];
}

bool script_host_wants_resolved(int32_t nr)
{
    return nr >= 0 && nr < SYSCALL_TABLE_SIZE && wanted_resolved[nr];
}

void script_host_start(void)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref_start);
    if (!call_runtime(0, 0))
        failures++;
}

static void runtime_failed(void)
{
    output_flush(); /* after the lines that came before it */
    fprintf(stderr, "compendium: script runtime failed: %s\n", lua_tostring(L, -1));
    dispatch_broken = true;
    failures++;
}

/* The runtime names the event's hooks; each is called from here, one
 * lua_pcall each, so that LuaJIT's traces in a hook end at its return to C
 * (from a Lua caller they cannot: see runtime.lua's M.hooks). Hook errors
 * and returned values go back to the runtime; an error of the runtime
 * itself stops the calls rather than flood. */
void script_host_dispatch(void)
{
    if (dispatch_broken)
        return;
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref_hooks);
    lua_pushinteger(L, script_event.type);
    if (protected_call(1, 4) != 0) {
        runtime_failed();
        lua_settop(L, top);
        return;
    }
    /* top+1: the hook functions, +2: how many, +3: the list, +4: the event view */
    lua_Integer n = lua_tointeger(L, top + 2);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, top + 1, (int)i);
        lua_pushvalue(L, top + 4);
        int rc = protected_call(1, 1);
        if (rc != 0 || !lua_isnil(L, -1)) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, ref_hook_done);
            lua_pushvalue(L, top + 3);
            lua_pushinteger(L, i);
            lua_pushboolean(L, rc == 0);
            lua_pushvalue(L, -5); /* what the hook returned or raised */
            if (protected_call(4, 0) != 0) {
                runtime_failed();
                break;
            }
        }
        lua_settop(L, top + 4);
    }
    lua_settop(L, top);
}

int script_host_finish(void)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref_finish);
    if (call_runtime(0, 1))
        lua_pop(L, 1);
    else
        failures++;
    return failures;
}

void script_host_close(void)
{
    if (timers_made) {
        timer_delete(grace_timer);
        timer_delete(tick_timer);
    }
    timers_made = false;
    if (L) {
        luaJIT_profile_stop(L);
        lua_close(L);
    }
    L = NULL;
    if (reserve)
        munmap(reserve, RESERVE_BYTES);
    reserve = NULL;
}
