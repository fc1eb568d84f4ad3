/* The embedded LuaJIT: loads the scripts, learns what they hook, and hands
 * them each event. */
#ifndef COMPENDIUM_SCRIPT_HOST_H
#define COMPENDIUM_SCRIPT_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "event.h"

/* The one event being dispatched; the engine fills it, scripts view it. */
extern cmp_event script_event;

/* Creates the Lua state and loads every script the options ask for. On any
 * error prints one line and returns false (nothing has been traced yet). */
bool script_host_init(const char *data_dir, const struct cli_options *opts, const char *command);

/* Whether any script hooks this event type. */
bool script_host_wants(int type);
/* Whether any script hooks this syscall at entry (enter:NAME). */
bool script_host_wants_entry(int32_t nr);
/* Whether any script hooks this syscall at exit (syscall / syscall:NAME). */
bool script_host_wants_exit(int32_t nr);
/* Every loaded script accepts a read/write/send/recv event standing for a
 * run of calls (c.accept_io_runs): a source may merge them. */
bool script_host_io_runs(void);
/* Whether any script formats this syscall's events (c.want_format) or asks
 * for its paths as resolved at its exit (c.want_resolved). */
bool script_host_wants_format(int32_t nr);
bool script_host_wants_resolved(int32_t nr);

void script_host_start(void);
/* Runs the hooks for script_event (its type must be set). */
void script_host_dispatch(void);
/* Runs the end hooks; returns the number of failures scripts reported. */
int script_host_finish(void);
void script_host_close(void);

/* From a signal handler that ends the trace (a second Ctrl-C, SIGTERM, a
 * hangup while attached): a hook running now raises an error at its next
 * line, naming it. Asked again before it stopped, compendium dies of sig. */
void script_host_interrupt(int sig);

#endif
