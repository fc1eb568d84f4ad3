/* The trace output: stderr, and a copy in the -o file. Buffered, and flushed
 * whenever the tracer is about to wait, so lines appear live without a write
 * per line on busy traces.
 *
 * Also the record of output that was lost: a write to the -o file or to a
 * file a script writes (--json, --report, --junit) that failed makes the
 * run's output incomplete, which the exit status must say. */
#ifndef COMPENDIUM_OUTPUT_H
#define COMPENDIUM_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

/* Opens the -o file (truncating it); on failure prints why and returns false. */
bool output_open(const char *path);
void output_write(const char *text, size_t len);
void output_flush(void);
/* Writes all of data to fd, across short writes, EINTR and a non-blocking
 * fd; 0, or the errno that stopped it. */
int output_write_fd(int fd, const void *data, size_t n);
/* Whether something was written since the last flush. */
bool output_pending(void);
/* Flushes and closes the -o file; a failure there counts like any other. */
void output_close(void);

/* Writing `name` failed: says so once on the output ("compendium: writing
 * NAME: REASON") and marks the output incomplete. The caller writes no
 * more to it. */
void output_failed(const char *name, const char *reason);
/* What the output is made from is incomplete (a recording cut short):
 * says "compendium: NAME: REASON" and marks the output incomplete. */
void output_input_incomplete(const char *name, const char *reason);
/* Whether output_input_incomplete was called. */
bool output_input_cut(void);
/* Whether any output was lost, and which: "FILE (REASON), ...". */
bool output_incomplete(void);
const char *output_lost(void);

#endif
