#include "cli.h"
#include "record.h"
#include "strace_flags.h"
#include "xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_text[] =
    "usage: compendium [OPTIONS] [--] COMMAND [ARGS...]\n"
    "       compendium [OPTIONS] --pid PID\n"
    "       compendium [OPTIONS] --replay FILE\n"
    "       compendium [OPTIONS] --diff A B\n"
    "\n"
    "Trace a command (with all its children and threads), or attach to a running\n"
    "process, and show what it does: files, network, memory, processes.\n"
    "\n"
    "  -p, --pid PID          attach to a running process and all its threads;\n"
    "                         Ctrl-C detaches and the process runs on\n"
    "  -s, --script NAME|FILE run a bundled script (default, jsonl, inject, the\n"
    "                         checks check/no-network, check/fs-allow, ...) or a\n"
    "                         .lua file; repeat to compose, in order\n"
    "  -X KEY=VALUE           an option for the scripts (repeatable)\n"
    "  -o, --output FILE      also write the trace output to FILE\n"
    "      --json FILE        write one JSON object per event to FILE, then a\n"
    "                         summary whose totals are the sums of those events\n"
    "      --report FILE      write an interactive HTML report to FILE\n"
    "      --max-report-events N  keep at most N events in the report (75000)\n"
    "      --perfetto FILE    write a Perfetto trace (.pftrace) to FILE, for\n"
    "                         ui.perfetto.dev\n"
    "      --strace-out FILE  write the syscalls to FILE as strace -f -ttt -T -yy\n"
    "                         would (stops at every syscall, as -v does)\n"
    "      --junit FILE       write the scripts' checks as JUnit XML to FILE\n"
    "      --otel [URL]       send a span per process to an OpenTelemetry collector\n"
    "                         (OTLP/HTTP; URL: http://... or https://..., else\n"
    "                         $OTEL_EXPORTER_OTLP_ENDPOINT, else localhost:4318)\n"
    "      --faults           show page faults and the memory they touched\n"
    "                         (perf_event_open)\n"
    "      --ebpf             show scheduler delays and block I/O latency (BPF)\n"
    "      --bpf              trace the syscalls with BPF: nothing stops the program\n"
    "                         (no enter hooks, c.inject or c.delay)\n"
    "      --record FILE      also keep the record stream in FILE, to replay later\n"
    "      --record-all       with --record: stop every syscall and capture every\n"
    "                         argument, so that any script can replay it (-v too)\n"
    "  -r, --replay FILE      read the records from a recording instead of tracing\n"
    "      --diff A B         compare two recordings (or strace logs): what appeared,\n"
    "                         disappeared or changed; exit 0 equal, 1 not, 2 bad input\n"
    "  -v, --verbose          show every syscall as it returns; filter nothing\n"
    "  -q, --quiet            print only failures and the verdict (with no check,\n"
    "                         only how the command ended; with --record, nothing)\n"
    "  -h, --help             show this help\n"
    "      --version          show the version\n"
    "\n"
    "Options from strace (-s stays --script; see README, \"Coming from strace\"):\n"
    "  -f                     accepted: children and threads are always traced\n"
    "  -e [trace=]SET         the raw syscall lines (and -c's table) show only SET:\n"
    "                         NAME,... %file %desc %network %process %memory\n"
    "                         %signal %ipc %creds %clock /REGEX all none; !SET\n"
    "                         for all but SET\n"
    "  -c                     print strace -c's table of syscalls at the end,\n"
    "                         instead of the default view (the syscalls script)\n"
    "  -C                     the same table, after the default view\n"
    "  -T                     the time each raw syscall line took: <0.000123>\n"
    "  -t, -tt, -ttt          every line with the time of day: 12:34:56,\n"
    "                         12:34:56.123456, or seconds since the epoch\n"
    "  -y, -yy                fds on raw lines with what they are: 3</etc/passwd>,\n"
    "                         4<TCP:[?->127.0.0.1:80]> (-y and -yy show the same)\n"
    "      --string-limit N   strace's -s N: strings on raw lines cut at N bytes\n"
    "                         (0 to 32, the bytes a trace keeps; 32 by default)\n"
    "\n"
    "Exit status: the traced command's own (128+N if killed by signal N) when\n"
    "no check failed; 125 when a check or script failed, whatever the command\n"
    "did (the last line says how the command ended); 127 command not found;\n"
    "126 command not executable; 2 usage error; 1 tracing failed.\n";

__attribute__((format(printf, 1, 2))) static enum cli_result usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "compendium: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see compendium --help)\n");
    va_end(ap);
    return CLI_USAGE_ERROR;
}

static bool parse_pid(const char *text, pid_t *out)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || end == text || *end || value <= 0 || value > INT_MAX)
        return false;
    *out = (pid_t)value;
    return true;
}

static bool add_xopt(struct cli_options *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return false;
    o->xopts = xrealloc(o->xopts, sizeof(*o->xopts) * (size_t)(o->nxopts + 1));
    o->xopts[o->nxopts].key = xcalloc(1, (size_t)(eq - arg) + 1);
    memcpy(o->xopts[o->nxopts].key, arg, (size_t)(eq - arg));
    o->xopts[o->nxopts].value = xstrdup(eq + 1);
    o->nxopts++;
    return true;
}

/* An option whose value names a file: an empty one is a usage error. */
static bool file_arg(const char *flag, const char **dest)
{
    if (!*optarg) {
        usage_error("%s needs a file name", flag);
        return false;
    }
    *dest = optarg;
    return true;
}

/* Where a file that may not exist yet would be: its directory resolved,
 * then its name; false when the directory cannot be resolved. */
static bool file_place(const char *path, char *out, size_t cap)
{
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else if ((size_t)(slash - path) < sizeof(dir))
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    else
        return false;
    if (!realpath(dir, real))
        return false;
    int n = snprintf(out, cap, "%s/%s", real, name);
    return n > 0 && (size_t)n < cap;
}

/* Two outputs that name one regular file (or one not made yet) would
 * overwrite each other; a device or a FIFO (/dev/null, /dev/stderr) may
 * take both. */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb)
        return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char pa[PATH_MAX], pb[PATH_MAX];
    return ea == eb && file_place(a, pa, sizeof(pa)) && file_place(b, pb, sizeof(pb)) &&
           strcmp(pa, pb) == 0;
}

static enum cli_result check_outputs_differ(const struct cli_options *o)
{
    const struct {
        const char *flag, *path;
    } outs[] = {{"-o", o->output_path},
                {"--json", o->json_path},
                {"--report", o->report_path},
                {"--perfetto", o->perfetto_path},
                {"--strace-out", o->strace_out_path},
                {"--junit", o->junit_path},
                {"--record", o->record_path},
                {"--replay", o->replay_path},
                {"--diff", o->diff_paths[0]},
                {"--diff", o->diff_paths[1]}};
    size_t n = sizeof(outs) / sizeof(outs[0]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            /* (a recording may be compared with itself: both are read) */
            if (outs[i].path && outs[j].path && outs[i].flag != outs[j].flag &&
                same_file(outs[i].path, outs[j].path))
                return usage_error(
                    "%s and %s name the same file, %s: one would overwrite the other", outs[i].flag,
                    outs[j].flag, outs[j].path);
    return CLI_RUN;
}

/* What --otel takes for its endpoint. */
static bool is_url(const char *s)
{
    return (strncmp(s, "http://", 7) == 0 && s[7]) || (strncmp(s, "https://", 8) == 0 && s[8]);
}

static void add_script(struct cli_options *o, const char *name)
{
    o->scripts = xrealloc(o->scripts, sizeof(*o->scripts) * (size_t)(o->nscripts + 1));
    o->scripts[o->nscripts++] = name;
}

enum cli_result cli_parse(int argc, char **argv, struct cli_options *out)
{
    enum {
        OPT_JSON = 256,
        OPT_VERSION,
        OPT_REPORT,
        OPT_MAX_REPORT_EVENTS,
        OPT_JUNIT,
        OPT_FAULTS,
        OPT_EBPF,
        OPT_OTEL,
        OPT_RECORD,
        OPT_RECORD_ALL,
        OPT_PERFETTO,
        OPT_STRING_LIMIT,
        OPT_DIFF,
        OPT_BPF,
        OPT_STRACE_OUT
    };
    static const struct option longopts[] = {
        {"pid", required_argument, NULL, 'p'},
        {"script", required_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'},
        {"json", required_argument, NULL, OPT_JSON},
        {"report", required_argument, NULL, OPT_REPORT},
        {"max-report-events", required_argument, NULL, OPT_MAX_REPORT_EVENTS},
        {"perfetto", required_argument, NULL, OPT_PERFETTO},
        {"strace-out", required_argument, NULL, OPT_STRACE_OUT},
        {"junit", required_argument, NULL, OPT_JUNIT},
        {"faults", no_argument, NULL, OPT_FAULTS},
        {"ebpf", no_argument, NULL, OPT_EBPF},
        {"bpf", no_argument, NULL, OPT_BPF},
        {"otel", optional_argument, NULL, OPT_OTEL},
        {"record", required_argument, NULL, OPT_RECORD},
        {"record-all", no_argument, NULL, OPT_RECORD_ALL},
        {"replay", required_argument, NULL, 'r'},
        {"diff", required_argument, NULL, OPT_DIFF},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"string-limit", required_argument, NULL, OPT_STRING_LIMIT},
        {NULL, 0, NULL, 0},
    };
    memset(out, 0, sizeof(*out));
    out->string_limit = -1;
    opterr = 0;
    optind = 1;
    int c;
    /* "+": stop at the first non-option, which starts the command. */
    while ((c = getopt_long(argc, argv, "+:p:s:X:o:r:vqhfe:cCTty", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (!parse_pid(optarg, &out->attach_pid))
                return usage_error("--pid needs a process ID (a positive number), not '%s'",
                                   optarg);
            break;
        case 's':
            if (!*optarg)
                return usage_error("-s needs a script name or file");
            add_script(out, optarg);
            break;
        case 'X':
            if (!add_xopt(out, optarg))
                return usage_error("-X needs KEY=VALUE, not '%s'", optarg);
            break;
        case 'o':
            if (!file_arg("-o", &out->output_path))
                return CLI_USAGE_ERROR;
            break;
        case OPT_JSON:
            if (!file_arg("--json", &out->json_path))
                return CLI_USAGE_ERROR;
            break;
        case OPT_REPORT:
            if (!file_arg("--report", &out->report_path))
                return CLI_USAGE_ERROR;
            break;
        case OPT_PERFETTO:
            if (!file_arg("--perfetto", &out->perfetto_path))
                return CLI_USAGE_ERROR;
            break;
        case OPT_STRACE_OUT:
            if (!file_arg("--strace-out", &out->strace_out_path))
                return CLI_USAGE_ERROR;
            break;
        case OPT_MAX_REPORT_EVENTS: {
            char *end;
            errno = 0;
            long long n = strtoll(optarg, &end, 10);
            if (errno || end == optarg || *end || n <= 0)
                return usage_error("--max-report-events needs a positive number, not '%s'", optarg);
            out->max_report_events = optarg;
            break;
        }
        case OPT_JUNIT:
            if (!file_arg("--junit", &out->junit_path))
                return CLI_USAGE_ERROR;
            break;
        case OPT_FAULTS:
            out->faults = true;
            break;
        case OPT_EBPF:
            out->ebpf = true;
            break;
        case OPT_BPF:
            out->bpf = true;
            break;
        case OPT_OTEL:
            /* The URL is optional, so only a word that is one is taken
             * (--otel=URL always is): `--otel ./app` and `--otel make` trace
             * the command. */
            out->otel = true;
            if (!optarg && optind < argc && is_url(argv[optind]))
                optarg = argv[optind++];
            if (optarg && !is_url(optarg))
                return usage_error("--otel needs an http:// or https:// URL, not '%s'", optarg);
            out->otel_endpoint = optarg;
            break;
        case OPT_RECORD:
            if (!file_arg("--record", &out->record_path))
                return CLI_USAGE_ERROR;
            break;
        case OPT_RECORD_ALL:
            out->record_all = true;
            break;
        case 'r':
            if (!file_arg("--replay", &out->replay_path))
                return CLI_USAGE_ERROR;
            break;
        case OPT_DIFF:
            if (!file_arg("--diff", &out->diff_paths[0]))
                return CLI_USAGE_ERROR;
            if (optind >= argc || !*argv[optind])
                return usage_error("--diff needs two recordings: --diff A B");
            out->diff_paths[1] = argv[optind++];
            break;
        case 'v':
            out->verbose = true;
            break;
        case 'q':
            out->quiet = true;
            break;
        case 'f':
            break;
        case 'e': {
            char why[512];
            if (!out->trace_set)
                out->trace_set = xcalloc(SYSCALL_TABLE_SIZE, 1);
            if (!strace_trace_select(optarg, out->trace_set, why, sizeof(why)))
                return usage_error("%s", why);
            break;
        }
        case 'c':
            out->count = true;
            break;
        case OPT_STRING_LIMIT: {
            char *end;
            errno = 0;
            long n = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || n < 0 || n > PAYLOAD_SHOWN_DATA)
                return usage_error("--string-limit needs a number from 0 to %d (a trace keeps the "
                                   "first %d bytes of a string), not '%s'",
                                   PAYLOAD_SHOWN_DATA, PAYLOAD_SHOWN_DATA, optarg);
            out->string_limit = (int)n;
            break;
        }
        case 'C':
            out->count_and_show = true;
            break;
        case 'T':
            out->durations = true;
            break;
        case 't':
            if (out->timestamps < 3)
                out->timestamps++;
            break;
        case 'y':
            if (out->fd_paths < 2)
                out->fd_paths++;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return CLI_EXIT_OK;
        case OPT_VERSION:
            printf("compendium %s\n", COMPENDIUM_VERSION);
            return CLI_EXIT_OK;
        case ':':
            if (optopt)
                return usage_error("option -%c needs a value", optopt);
            return usage_error("option %s needs a value", argv[optind - 1]);
        default:
            if (optopt)
                return usage_error("unknown option -%c", optopt);
            return usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        out->command = argv + optind;
    if (out->count && out->count_and_show)
        return usage_error("-c and -C: -c shows only the table, -C the table after the view");
    if (out->diff_paths[0]) {
        const char *other = out->command           ? "command"
                            : out->attach_pid      ? "--pid"
                            : out->replay_path     ? "--replay"
                            : out->record_path     ? "--record"
                            : out->nscripts        ? "-s"
                            : out->faults          ? "--faults"
                            : out->ebpf            ? "--ebpf"
                            : out->bpf             ? "--bpf"
                            : out->report_path     ? "--report"
                            : out->otel            ? "--otel"
                            : out->perfetto_path   ? "--perfetto"
                            : out->strace_out_path ? "--strace-out"
                            : out->output_path     ? "-o"
                                                   : NULL;
        if (other)
            return usage_error("--diff compares two recordings with its own script: give it no %s",
                               other);
        return check_outputs_differ(out);
    }
    if (out->replay_path && (out->command || out->attach_pid))
        return usage_error("--replay reads its records from the recording: give it no %s",
                           out->command ? "command" : "--pid");
    if (out->replay_path && out->record_path)
        return usage_error("--replay and --record: a replay is not recorded again");
    if (out->replay_path && (out->faults || out->ebpf))
        return usage_error("%s watches running tasks, and a replay has none (the recording's own "
                           "page faults, scheduler and block I/O records replay anyway)",
                           out->faults ? "--faults" : "--ebpf");
    if (out->replay_path && out->bpf)
        return usage_error("--bpf traces running tasks, and a replay has none");
    if (out->record_all && !out->record_path)
        return usage_error("--record-all needs --record FILE");
    if (out->attach_pid && out->command)
        return usage_error("give either --pid or a command, not both");
    if (out->max_report_events && !out->report_path)
        return usage_error("--max-report-events needs --report FILE");
    if (!out->attach_pid && !out->command && !out->replay_path)
        return usage_error("missing command: compendium [OPTIONS] -- COMMAND [ARGS...]");
    return check_outputs_differ(out);
}

void cli_free(struct cli_options *opts)
{
    for (int i = 0; i < opts->nxopts; i++) {
        free(opts->xopts[i].key);
        free(opts->xopts[i].value);
    }
    free(opts->xopts);
    free(opts->scripts);
    free(opts->trace_set);
    memset(opts, 0, sizeof(*opts));
}
