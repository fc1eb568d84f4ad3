/* The recording format (docs/recording-format.md): a versioned header, then
 * the record stream in checksummed blocks. The writer is fed by the stream
 * layer as records are applied; the reader hands them back, one at a time,
 * for the replay source to apply. The reader trusts nothing in the file:
 * every length and count is checked against what is there, so any bytes
 * give records or one clear error, never a crash. */
#ifndef COMPENDIUM_RECORD_FILE_H
#define COMPENDIUM_RECORD_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "native.h"
#include "proctable.h"
#include "record.h"
#include "snapshot.h"

#define RF_VERSION 1

enum rf_kind {
    RF_HEADER = 1,
    RF_ROOT = 2,
    RF_ATTACH = 3,
    RF_SPAWN = 4,
    RF_EXEC = 5,
    RF_EXIT = 6,
    RF_SIGNAL = 7,
    RF_ENTRY = 8,
    RF_RETURN = 9,
    RF_NATIVE = 10,
    RF_FD = 11,
    RF_END = 12,
};

/* ROOT flags */
enum { RF_ROOT_BEFORE_EXEC = 1, RF_ROOT_ADOPTED = 2 };

/* NATIVE: added to a block I/O record's op when its completion was not seen
 * (its latency unknown); recordings made before it never set it. */
enum { RF_NATIVE_UNSEEN = 256 };

/* HEADER flags: how the run was captured */
enum {
    RF_ATTACHED = 1,   /* --pid */
    RF_IO_TRACED = 2,  /* read/write/send/recv all stopped */
    RF_FAULTS = 4,     /* --faults was on */
    RF_EBPF = 8,       /* --ebpf was on */
    RF_ALL = 16,       /* every syscall stopped (a script hooked them all, or --record-all) */
    RF_DECODE_ALL = 32 /* --record-all: every path, address and shown argument captured */
};

#define RF_BITMAP_BYTES 64 /* one bit per syscall number below 512 */

struct rf_header {
    uint32_t version;
    char kernel[65];
    uint64_t page_size;
    uint64_t start_ns, wall_start_ns;
    char *command;
    char source[32];
    uint32_t flags;
    uint8_t traced[RF_BITMAP_BYTES];   /* stopped for (at entry and exit) */
    uint8_t at_entry[RF_BITMAP_BYTES]; /* hooked before they ran */
};

/* The trailer: what only the source knew at the end. */
struct rf_end {
    uint64_t end_ns;
    int32_t root_pid;
    bool root_ended, core_dumped, detached, interrupted;
    int32_t exit_code, exit_signal, exec_errno;
    char *program; /* the file the command tried, for exec_errno */
    uint64_t undecoded;
    char *undecoded_names;
    bool faults_traced, ebpf_traced;
    uint64_t page_size, faults_dropped, ebpf_dropped;
};

struct rf_class {
    char region[16];
    char prot[4];
    bool has_file;
    char file[PATH_MAX];
};

/* ---- writing ------------------------------------------------------------ */

struct rf_writer;
/* Creates (truncates) path; NULL with errno set. */
struct rf_writer *rf_writer_open(const char *path);
void rf_write_header(struct rf_writer *w, const struct rf_header *h);
void rf_write_root(struct rf_writer *w, const struct task *t, const struct program_record *prog,
                   unsigned flags, uint64_t now);
void rf_write_attach(struct rf_writer *w, const struct snapshot *s, uint64_t now);
void rf_write_spawn(struct rf_writer *w, const struct task *parent, pid_t child,
                    uint64_t clone_flags, uint64_t now);
void rf_write_exec(struct rf_writer *w, const struct task *t, pid_t former,
                   const struct program_record *prog, uint64_t now);
void rf_write_exit(struct rf_writer *w, const struct task *t, int code, int sig, bool core,
                   uint64_t now);
void rf_write_signal(struct rf_writer *w, const struct task *t, int sig, uint64_t now);
void rf_write_entry(struct rf_writer *w, const struct task *t, uint64_t now);
void rf_write_return(struct rf_writer *w, const struct task *t, int64_t ret, uint64_t now);
void rf_write_native(struct rf_writer *w, const struct native_record *r, const struct rf_class *c);
/* What a script learnt of an fd the state had not met (c.fd); err when not open. */
void rf_write_fd(struct rf_writer *w, pid_t tid, int fd, int err, const struct snapshot_fd *s);
void rf_write_end(struct rf_writer *w, const struct rf_end *e);
/* Whether records wait in the buffer. */
bool rf_writer_pending(const struct rf_writer *w);
/* Writes what is buffered as one block; 0, or the errno that stopped it (the
 * writer then takes no more). */
int rf_writer_flush(struct rf_writer *w);
/* Flushes and closes; 0 or the errno. Frees w. */
int rf_writer_close(struct rf_writer *w);
/* Bytes written so far (with what is buffered). */
uint64_t rf_writer_bytes(const struct rf_writer *w);

/* ---- reading ------------------------------------------------------------ */

enum rf_status {
    RF_OK,
    RF_NOT_RECORDING, /* no magic */
    RF_NEWER,         /* a format version this reader does not know */
    RF_CORRUPT,       /* a checksum or a record that does not parse: at offset */
    RF_CUT,           /* the file ends inside a block, or without its trailer */
};

struct rf_reader;
/* Over bytes the caller keeps mapped. Checks the magic, the version and
 * every block's checksum, and reads the header; on anything but RF_OK and
 * RF_CUT, *offset says where. */
struct rf_reader *rf_reader_new(const uint8_t *data, size_t len, enum rf_status *status,
                                uint64_t *offset);
const struct rf_header *rf_reader_header(const struct rf_reader *r);
void rf_reader_free(struct rf_reader *r);

/* The next record's kind, tid and time, its body left for one of the
 * rf_read_* below (or skipped by the next call). 0 at the end of what the
 * file holds; -1 on a record that does not parse (rf_reader_error says
 * where). */
struct rf_next {
    int kind;
    pid_t tid;
    uint64_t ts;
};
int rf_next(struct rf_reader *r, struct rf_next *out);
/* The kind of the record after the current one, 0 at the end: to read
 * ahead (between rf_mark and rf_reset) what a live source answered while
 * hooks ran for the current one. */
int rf_peek_kind(const struct rf_reader *r);
struct rf_mark {
    size_t pos, block_end;
    const uint8_t *body, *body_end;
    int kind;
    uint64_t error_at;
    pid_t last_tid;
    uint64_t last_ts;
};
void rf_mark(const struct rf_reader *r, struct rf_mark *m);
void rf_reset(struct rf_reader *r, const struct rf_mark *m);
/* Each returns false when the body does not parse. */
bool rf_read_root(struct rf_reader *r, struct program_record *prog, unsigned *flags);
bool rf_read_attach(struct rf_reader *r, struct snapshot *s);
bool rf_read_spawn(struct rf_reader *r, pid_t *child, uint64_t *clone_flags);
bool rf_read_exec(struct rf_reader *r, pid_t *former, struct program_record *prog);
bool rf_read_exit(struct rf_reader *r, int *code, int *sig, bool *core);
bool rf_read_signal(struct rf_reader *r, int *sig);
/* Into the task's call: the entry resets it and fills what the source
 * captured at entry; the return adds what it captured at the exit. */
bool rf_read_entry(struct rf_reader *r, struct syscall_call *c);
bool rf_read_return(struct rf_reader *r, struct syscall_call *c, int64_t *ret);
bool rf_read_native(struct rf_reader *r, struct native_record *rec, struct rf_class *c);
bool rf_read_fd(struct rf_reader *r, int *fd, int *err, struct snapshot_fd *s);
bool rf_read_end(struct rf_reader *r, struct rf_end *e);
/* The offset of the record that did not parse, or of the cut. */
uint64_t rf_reader_offset(const struct rf_reader *r);
/* Whether the file ended without its trailer (or inside a block). */
bool rf_reader_cut(const struct rf_reader *r);

void rf_end_free(struct rf_end *e);

/* CRC-32 as zlib computes it: the blocks' checksums. */
uint32_t rf_crc32(const void *p, size_t n);

#endif
