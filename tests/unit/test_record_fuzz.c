/* The recording reader on damaged input: a real recording (made here, by
 * tracing test programs with --record-all) cut short at random lengths and
 * mutated at random, thousands of times, from a fixed seed. Half of the
 * mutations get their checksums recomputed, so that the record parser (not
 * only the checksum) meets the damage. Whatever the bytes, the reader gives
 * records or a status: under ASan and UBSan, no read out of bounds, no
 * leak, no undefined behaviour. A file only cut short is never called
 * corrupted, and gives a prefix of the whole file's records. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "fuzz_random.h"
#include "record_file.h"

/* Reads every record as the replay source would; the record count, -1 when
 * the reader refused the file. */
static long read_all(const uint8_t *data, size_t len, enum rf_status *status, bool *cut)
{
    uint64_t at;
    struct rf_reader *r = rf_reader_new(data, len, status, &at);
    if (!r)
        return -1;
    static struct syscall_call call; /* big: not on the stack */
    long count = 0;
    struct rf_next n;
    int k;
    bool ok = true;
    while (ok && (k = rf_next(r, &n)) > 0) {
        count++;
        if (rf_peek_kind(r) == RF_FD) { /* the replay's read-ahead of c.fd answers */
            struct rf_mark m;
            rf_mark(r, &m);
            struct rf_next ahead;
            int fd, err;
            struct snapshot_fd s;
            if (rf_next(r, &ahead) > 0 && rf_read_fd(r, &fd, &err, &s))
                snapshot_fd_free(&s);
            rf_reset(r, &m);
        }
        switch (n.kind) {
        case RF_ROOT:
        case RF_EXEC: {
            struct program_record prog;
            memset(&prog, 0, sizeof(prog));
            unsigned flags;
            pid_t former;
            ok = n.kind == RF_ROOT ? rf_read_root(r, &prog, &flags)
                                   : rf_read_exec(r, &former, &prog);
            free(prog.argv);
            break;
        }
        case RF_ATTACH: {
            struct snapshot s;
            ok = rf_read_attach(r, &s);
            if (ok)
                snapshot_free(&s);
            break;
        }
        case RF_SPAWN: {
            pid_t child;
            uint64_t flags;
            ok = rf_read_spawn(r, &child, &flags);
            break;
        }
        case RF_EXIT: {
            int code, sig;
            bool core;
            ok = rf_read_exit(r, &code, &sig, &core);
            break;
        }
        case RF_SIGNAL: {
            int sig;
            ok = rf_read_signal(r, &sig);
            break;
        }
        case RF_ENTRY:
            ok = rf_read_entry(r, &call);
            break;
        case RF_RETURN: {
            int64_t ret;
            ok = rf_read_return(r, &call, &ret);
            break;
        }
        case RF_NATIVE: {
            struct native_record rec;
            struct rf_class c;
            ok = rf_read_native(r, &rec, &c);
            break;
        }
        case RF_FD: {
            int fd, err;
            struct snapshot_fd s;
            ok = rf_read_fd(r, &fd, &err, &s);
            if (ok)
                snapshot_fd_free(&s);
            break;
        }
        case RF_END: {
            struct rf_end e;
            ok = rf_read_end(r, &e);
            if (ok)
                rf_end_free(&e);
            break;
        }
        default:
            break;
        }
    }
    payloads_reset(&call.cap);
    *cut = rf_reader_cut(r);
    rf_reader_free(r);
    return count;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Recomputes the checksums of every block that fits, as the format says. */
static void fix_checksums(uint8_t *d, size_t len)
{
    size_t off = 12;
    while (off + 12 <= len) {
        uint32_t n = le32(d + off);
        if (n <= len - off - 12)
            put32(d + off + 4, rf_crc32(d + off + 12, n));
        put32(d + off + 8, rf_crc32(d + off, 8));
        if (n > len - off - 12)
            break;
        off += 12 + (size_t)n;
    }
}

/* Makes the recording this test reads, by tracing test programs. */
static bool make_recording(const char *path, const char *dir)
{
    char command[4096];
    snprintf(command, sizeof(command),
             "%s/spawn && %s/thread_exec && %s/fileio %s && %s/tcp_loopback && %s/memory",
             COMPENDIUM_PROGS_DIR, COMPENDIUM_PROGS_DIR, COMPENDIUM_PROGS_DIR, dir,
             COMPENDIUM_PROGS_DIR, COMPENDIUM_PROGS_DIR);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execl(COMPENDIUM_BIN, COMPENDIUM_BIN, "-q", "--record", path, "--record-all", "--", "sh",
              "-c", command, (char *)NULL);
        _exit(127);
    }
    int status;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

int main(void)
{
    fuzz_rng = 0x9e3779b97f4a7c15ull;
    char dir[] = "/tmp/compendium-fuzz.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[256];
    snprintf(path, sizeof(path), "%s/run.cmpd", dir);
    if (!make_recording(path, dir)) {
        printf("SKIP: compendium could not record a traced program here\n");
        return 77;
    }
    int fd = open(path, O_RDONLY);
    struct stat st;
    CHECK(fd >= 0 && fstat(fd, &st) == 0);
    size_t len = (size_t)st.st_size;
    uint8_t *orig = malloc(len);
    uint8_t *buf = malloc(len + 4096);
    CHECK(read(fd, orig, len) == (ssize_t)len);
    close(fd);

    enum rf_status status;
    bool cut;
    long whole = read_all(orig, len, &status, &cut);
    CHECK_INT(status, RF_OK);
    CHECK(!cut);
    CHECK(whole > 100);

    /* Cut short anywhere: a prefix, never "corrupted". */
    for (int i = 0; i < 1500; i++) {
        size_t n = i < 64 ? (size_t)i : below(len);
        memcpy(buf, orig, n);
        long got = read_all(buf, n, &status, &cut);
        CHECK(n < 8 ? status == RF_NOT_RECORDING : (status == RF_CUT || status == RF_OK));
        CHECK(got <= whole);
        CHECK(got < 0 || cut);
    }

    /* Mutated: any status, any records, no crash. */
    long refused = 0, read_some = 0;
    for (int i = 0; i < 4000; i++) {
        size_t n = len;
        memcpy(buf, orig, len);
        switch (below(5)) {
        case 0: /* flip a few bytes */
            for (size_t k = 1 + below(8); k > 0; k--)
                buf[12 + below(n - 12)] ^= (uint8_t)(1u << below(8));
            break;
        case 1: /* overwrite a run with random bytes */ {
            size_t at = 12 + below(n - 12), run = 1 + below(64);
            for (size_t k = 0; k < run && at + k < n; k++)
                buf[at + k] = (uint8_t)next_random();
            break;
        }
        case 2: /* delete a range */ {
            size_t at = 12 + below(n - 12), run = 1 + below(256);
            if (at + run > n)
                run = n - at;
            memmove(buf + at, buf + at + run, n - at - run);
            n -= run;
            break;
        }
        case 3: /* repeat a range */ {
            size_t at = 12 + below(n - 12), run = 1 + below(256);
            if (at + run > n)
                run = n - at;
            memmove(buf + at + run, buf + at, n - at);
            n += run;
            break;
        }
        default: /* a byte set to an extreme */
            buf[12 + below(n - 12)] = below(2) ? 0xff : 0x00;
            break;
        }
        if (below(2))
            fix_checksums(buf, n);
        if (below(4) == 0)
            n = below(n);
        long got = read_all(buf, n, &status, &cut);
        if (got < 0)
            refused++;
        else
            read_some++;
    }
    /* Both paths were taken: checksums refused some, the parser met others. */
    CHECK(refused > 0);
    CHECK(read_some > 0);
    printf("mutations: %ld refused, %ld read\n", refused, read_some);

    free(orig);
    free(buf);
    char rm[300];
    snprintf(rm, sizeof(rm), "rm -rf %s", dir);
    CHECK(system(rm) == 0);
    return check_finish();
}
