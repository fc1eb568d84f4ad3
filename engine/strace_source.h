/* The strace log source: the lines of `strace -f [-t|-tt|-ttt] [-T] [-y|-yy]
 * -o FILE` (--replay of a file that is not a recording), turned into the
 * records a live trace makes. What a log cannot tell is marked missing. */
#ifndef COMPENDIUM_STRACE_SOURCE_H
#define COMPENDIUM_STRACE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

extern const struct source strace_source;

/* Whether path names strace -ff files: a directory of NAME.PID files, or
 * the DIR/NAME given to -o (not a file itself). */
bool strace_per_pid(const char *path);

/* Whether the first lines of a file (bytes, len) are strace's. */
bool strace_log_looks(const char *bytes, size_t len);

/* One line, parsed: what the parser makes of it, exposed for the tests. */
enum strace_line_kind {
    STRACE_BAD,     /* not understood */
    STRACE_CALL,    /* NAME(ARGS) = RET: a whole call */
    STRACE_UNFIN,   /* NAME(ARGS <unfinished ...> */
    STRACE_RESUMED, /* <... NAME resumed>ARGS) = RET */
    STRACE_SIGNAL,  /* --- SIGX {...} --- */
    STRACE_EXITED,  /* +++ exited with N +++ */
    STRACE_KILLED,  /* +++ killed by SIGX +++ */
    /* +++ superseded by execve in pid N +++: thread N exec'd and takes
     * this (the leader's) pid; code is N */
    STRACE_SUPERSEDED,
    STRACE_IGNORED, /* a line strace writes that is no record (detached, ...) */
    /* "ARGS) = RET": the rest of the call the line before left
     * unfinished, without pid or "<... NAME resumed>" (strace -e
     * status=... writes it so) */
    STRACE_CONTINUED,
};

struct strace_line {
    enum strace_line_kind kind;
    int pid;        /* 0 without a pid prefix */
    bool has_time;  /* -t/-tt/-ttt/-r */
    bool clock;     /* the time was HH:MM:SS (-t, -tt), not seconds (-ttt, -r) */
    uint64_t ts_ns; /* the line's time */
    bool has_dur;   /* -T */
    uint64_t dur_ns;
    const char *name; /* the syscall's name (not NUL-terminated) */
    size_t name_len;
    const char *args; /* the text between the parentheses (not NUL-terminated) */
    size_t args_len;
    const char *ret; /* the text after "= ", to the errno or the duration */
    size_t ret_len;
    bool ret_unknown; /* "= ?" */
    int err;          /* the errno name's number, 0 without */
    int code;         /* exited: the status; killed, signal: the signal */
    bool core;
};

/* Parses line (len bytes, no newline); *out's pointers point into line. */
void strace_parse_line(const char *line, size_t len, struct strace_line *out);

/* strace's decoded socket address ("{sa_family=AF_INET, sin_port=htons(80),
 * sin_addr=inet_addr(\"127.0.0.1\")}", AF_INET6, AF_UNIX) as the struct
 * sockaddr bytes into out (128 bytes); their length, 0 for anything else. */
uint32_t strace_parse_sockaddr(const char *text, size_t len, uint8_t *out);

/* An argument as a number: decimal, hex, octal, or names and numbers
 * joined by '|' (O_RDONLY|O_CLOEXEC, CLONE_VM|SIGCHLD); false for other
 * text. */
bool strace_parse_value(const char *text, size_t len, uint64_t *out);

#endif
