/* The names the raw-line formatter prints read back through the strace-log
 * parser's value reader (strace_parse_value) to the values they were
 * printed for: one set of tables, used both ways. A set the parser does not
 * read, a name it spells otherwise, or a value it stores as glibc's rather
 * than the kernel's fails here. */
#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "event.h"
#include "strace_source.h"
#include "xlat.h"

static char buf[512];

static bool reads_as(const char *text, uint64_t want)
{
    uint64_t v = ~want;
    bool ok = strace_parse_value(text, strlen(text), &v) && v == want;
    if (!ok)
        fprintf(stderr, "  \"%s\" does not read back as %#llx\n", text, (unsigned long long)want);
    return ok;
}

/* Every entry of every set, as the formatter names it alone and, for a
 * value the set also prints as flags, joined to another. */
static void test_every_entry(void)
{
    for (size_t s = 0; s < xlat_set_count; s++) {
        const struct xlat *x = xlat_sets[s];
        CHECK(x->count > 0);
        for (size_t i = 0; i < x->count; i++) {
            const struct xlat_entry *e = &x->entries[i];
            CHECK(reads_as(e->name, e->value));
            uint64_t v;
            CHECK(xlat_value_any(e->name, strlen(e->name), &v) && v == e->value);
            xlat_format_flags(x, e->value, buf, sizeof(buf));
            CHECK(reads_as(buf, e->value));
        }
    }
    uint64_t v;
    CHECK(!xlat_value_any("O_NOPE", 6, &v));
    CHECK(!xlat_value_any("O_RDONL", 7, &v));
    CHECK(!xlat_value_any("O_RDONLYX", 9, &v));
    CHECK(!strace_parse_value("O_RDONLY|O_NOPE", 15, &v));
    CHECK(!strace_parse_value("\"O_RDONLY\"", 10, &v));
}

/* The composite texts decode.c builds: access mode or mapping type, then
 * flags, then what is left in hex. */
static void test_composites(void)
{
    for (uint64_t mode = 0; mode < 4; mode++) {
        for (size_t i = 0; i < xlat_open_flags.count; i++) {
            uint64_t f = mode | xlat_open_flags.entries[i].value;
            decode_open_flags(f, buf, sizeof(buf));
            CHECK(reads_as(buf, f));
        }
        decode_open_flags(mode | 0x80000000u, buf, sizeof(buf));
        CHECK(reads_as(buf, mode | 0x80000000u));
    }
    for (size_t t = 0; t < xlat_mmap_types.count; t++)
        for (size_t i = 0; i < xlat_mmap_flags.count; i++) {
            uint64_t f = xlat_mmap_types.entries[t].value | xlat_mmap_flags.entries[i].value;
            decode_mmap_flags(f, buf, sizeof(buf));
            CHECK(reads_as(buf, f));
        }
    for (uint64_t prot = 0; prot < 16; prot++) {
        decode_mmap_prot(prot, buf, sizeof(buf));
        CHECK(reads_as(buf, prot));
    }
    decode_clone_flags(0x3d0f00, buf, sizeof(buf));
    CHECK(reads_as(buf, 0x3d0f00));
    /* the values the kernel has that glibc's x86-64 headers say are 0 */
    CHECK(reads_as("O_RDONLY|O_LARGEFILE", 0100000));
    CHECK(reads_as("AT_FDCWD", (uint64_t)(int64_t)-100));
}

/* The signal names the formatter prints (clone's exit signal, kill's
 * signal), alone and after flags. */
static void test_signals(void)
{
    for (int32_t sig = 1; sig <= 64; sig++) {
        const char *name = cmp_signal_name(sig);
        CHECK(name != NULL);
        if (!name)
            continue;
        CHECK(reads_as(name, (uint64_t)sig));
        snprintf(buf, sizeof(buf), "CLONE_VM|CLONE_FS|%s", name);
        CHECK(reads_as(buf, 0x300 | (uint64_t)sig));
    }
    /* the set names of a sigset are the same names without their SIG */
    char b[16];
    for (int sig = 1; sig < 32; sig++)
        CHECK_STR(xlat_sigset_name(sig, b, sizeof(b)), cmp_signal_name(sig) + 3);
}

/* A set declared in xlat.h but left out of xlat_sets would print names
 * the parser cannot read back. */
static void test_every_set_listed(void)
{
    FILE *f = fopen(COMPENDIUM_TEST_DATA_DIR "/engine/xlat.h", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[512];
    size_t declared = 0;
    while (fgets(line, sizeof(line), f))
        declared += strncmp(line, "extern const struct xlat xlat_", 30) == 0;
    fclose(f);
    CHECK_INT(declared, xlat_set_count);
}

int main(void)
{
    test_every_set_listed();
    test_every_entry();
    test_composites();
    test_signals();
    return check_finish();
}
