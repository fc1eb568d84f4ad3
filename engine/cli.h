/* Command-line options. */
#ifndef COMPENDIUM_CLI_H
#define COMPENDIUM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct script_option {
    char *key;
    char *value;
};

struct cli_options {
    pid_t attach_pid; /* 0: spawn the command */
    char **command;   /* NULL-terminated, points into argv */
    const char **scripts;
    int nscripts;
    struct script_option *xopts;
    int nxopts;
    const char *output_path;
    const char *json_path;
    const char *report_path;       /* --report: the bundled report script's out */
    const char *max_report_events; /* --max-report-events, as given */
    const char *perfetto_path;     /* --perfetto: the bundled perfetto script's out */
    const char *strace_out_path;   /* --strace-out: the strace-out script's out */
    const char *junit_path;        /* --junit: one testcase per script */
    bool otel;                     /* --otel: the bundled otel script */
    const char *otel_endpoint;     /* --otel URL: its otel.endpoint, NULL for the default */
    bool faults;                   /* --faults: page faults via perf */
    bool ebpf;                     /* --ebpf: scheduler and block I/O via BPF */
    bool bpf;                      /* --bpf: the syscalls from BPF, no task ever stopped */
    const char *record_path;       /* --record: keep the record stream in this file */
    bool record_all;               /* --record-all: stop every syscall, capture every argument */
    const char *replay_path;       /* --replay, -r: the records come from this recording */
    const char *diff_paths[2];     /* --diff A B: compare two recordings (see diff_mode.c) */
    bool diff_mode;                /* a replay run by --diff: its status is the diff's */
    bool verbose;
    bool quiet;
    /* strace's flags (see "Options from strace" in --help) */
    bool count;          /* -c: the syscalls table instead of the default view */
    bool count_and_show; /* -C: the table besides the view */
    bool durations;      /* -T */
    int timestamps;      /* -t 1, -tt 2, -ttt 3 */
    int fd_paths;        /* -y 1, -yy 2 */
    uint8_t *trace_set;  /* -e trace=: selected syscall numbers; NULL without -e */
    int string_limit;    /* --string-limit N (strace's -s), -1 without */
};

enum cli_result { CLI_RUN = 0, CLI_EXIT_OK = 1, CLI_USAGE_ERROR = 2 };

/* Parses argv; on CLI_USAGE_ERROR a one-line message has been printed. */
enum cli_result cli_parse(int argc, char **argv, struct cli_options *out);
void cli_free(struct cli_options *opts);

#endif
