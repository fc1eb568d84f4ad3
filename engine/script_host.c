#include "script_host.h"

#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interest.h"
#include "output.h"
#include "syscall_table.h"

extern const char cmp_ffi_cdef[];

cmp_event script_event;

static lua_State *L;
static int ref_dispatch = LUA_NOREF;
static int ref_start = LUA_NOREF;
static int ref_finish = LUA_NOREF;
static bool wanted_types[CMP_EV_COUNT];
static uint8_t wanted_entry[SYSCALL_TABLE_SIZE];
static uint8_t wanted_exit[SYSCALL_TABLE_SIZE];
static bool wanted_exit_all;
static int failures;
static bool dispatch_broken;

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

/* ---- loading ---------------------------------------------------------- */

static int preload_cdef(lua_State *l)
{
    lua_pushstring(l, cmp_ffi_cdef);
    return 1;
}

/* Calls rt[name](args...) expecting nres results; on a Lua error prints it. */
static bool call_runtime(int nargs, int nres)
{
    if (lua_pcall(L, nargs, nres, 0) != 0) {
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

static void set_options(const struct cli_options *opts, const char *command)
{
    lua_newtable(L);
    lua_newtable(L);
    int n = 0;
    for (int i = 0; i < opts->nxopts; i++) {
        lua_newtable(L);
        lua_pushstring(L, opts->xopts[i].key);
        lua_setfield(L, -2, "key");
        lua_pushstring(L, opts->xopts[i].value);
        lua_setfield(L, -2, "value");
        lua_rawseti(L, -2, ++n);
    }
    /* The shorthand flags are options of the bundled scripts they load. */
    if (opts->json_path)
        push_option(&n, "jsonl.out", opts->json_path);
    if (opts->report_path)
        push_option(&n, "report.out", opts->report_path);
    if (opts->max_report_events)
        push_option(&n, "report.max_events", opts->max_report_events);
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

static bool load_script(const char *data_dir, const char *name)
{
    char path[4096];
    if (!resolve_script(data_dir, name, path, sizeof(path)))
        return false;
    if (!push_runtime_function("load"))
        return false;
    lua_pushstring(L, path);
    lua_pushstring(L, name);
    if (!call_runtime(2, 2))
        return false;
    bool ok = lua_toboolean(L, -2);
    if (!ok)
        fprintf(stderr, "compendium: %s\n", lua_tostring(L, -1));
    lua_pop(L, 2);
    return ok;
}

bool script_host_init(const char *data_dir, const struct cli_options *opts, const char *command)
{
    L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "compendium: cannot create the Lua state (out of memory?)\n");
        return false;
    }
    luaL_openlibs(L);

    lua_getglobal(L, "package");
    lua_pushfstring(L, "%s/lua/?.lua;%s/lua/?/init.lua;", data_dir, data_dir);
    lua_getfield(L, -2, "path");
    lua_concat(L, 2);
    lua_setfield(L, -2, "path");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, preload_cdef);
    lua_setfield(L, -2, "compendium.cdef");
    lua_pop(L, 2);

    if (!push_runtime_function("configure"))
        return false;
    set_options(opts, command);
    if (!call_runtime(1, 0))
        return false;

    if (opts->nscripts == 0 && !load_script(data_dir, "default"))
        return false;
    for (int i = 0; i < opts->nscripts; i++)
        if (!load_script(data_dir, opts->scripts[i]))
            return false;
    if (opts->json_path && !load_script(data_dir, "jsonl"))
        return false;
    if (opts->report_path && !load_script(data_dir, "report"))
        return false;

    if (!push_runtime_function("check_options") || !call_runtime(0, 1))
        return false;
    if (!lua_isnil(L, -1)) {
        fprintf(stderr, "compendium: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
        return false;
    }
    lua_pop(L, 1);

    lua_getglobal(L, "require");
    lua_pushstring(L, "compendium.runtime");
    if (!call_runtime(1, 1))
        return false;
    ref_dispatch = runtime_ref("dispatch");
    ref_start = runtime_ref("start");
    ref_finish = runtime_ref("finish");
    lua_pop(L, 1);
    if (ref_dispatch == LUA_NOREF || ref_start == LUA_NOREF || ref_finish == LUA_NOREF) {
        fprintf(stderr, "compendium: the Lua runtime is incomplete (dispatch/start/finish)\n");
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

void script_host_start(void)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref_start);
    if (!call_runtime(0, 0))
        failures++;
}

void script_host_dispatch(void)
{
    if (dispatch_broken)
        return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref_dispatch);
    lua_pushinteger(L, script_event.type);
    /* Hook errors are caught and reported inside the runtime; an error here
     * means the runtime itself failed, so stop calling it rather than flood. */
    if (lua_pcall(L, 1, 0, 0) != 0) {
        output_flush(); /* after the lines that came before it */
        fprintf(stderr, "compendium: script runtime failed: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
        dispatch_broken = true;
        failures++;
    }
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
    if (L)
        lua_close(L);
    L = NULL;
}
