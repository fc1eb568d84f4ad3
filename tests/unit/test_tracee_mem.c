/* Reading a tracee's memory, with this process as the tracee: what a read
 * gives at the end of a mapping, for a string cut by it, for a path too long
 * to be one, and for a page that is not there yet (userfaultfd), which must
 * fail at once rather than wait for someone to fill it. */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "paths.h"
#include "tracee_mem.h"

#define PAGE 4096

/* Two pages, the second unmapped: reads end at the hole. */
static char *page_before_hole(void)
{
    char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    munmap(p + PAGE, PAGE);
    return p;
}

static void test_reads(void)
{
    pid_t self = getpid();
    char *p = page_before_hole();
    memset(p, 'x', PAGE);
    char buf[2 * PAGE];
    /* a read that runs into the hole gives what came before it */
    CHECK_INT(tracee_read(self, (uint64_t)(uintptr_t)(p + PAGE - 10), buf, 100), 10);
    CHECK_INT(tracee_read(self, (uint64_t)(uintptr_t)(p + PAGE), buf, 100), -EFAULT);
    CHECK_INT(tracee_read(self, 0, buf, 1), -EFAULT);

    /* a string whose NUL is past the end of the mapping is not a string */
    char text[64];
    CHECK_INT(
        tracee_read_string(self, (uint64_t)(uintptr_t)(p + PAGE - 3), text, sizeof(text), NULL),
        -EFAULT);
    CHECK_STR(text, "");
    memcpy(p + PAGE - 4, "abc", 4);
    int truncated = -1;
    CHECK_INT(tracee_read_string(self, (uint64_t)(uintptr_t)(p + PAGE - 4), text, sizeof(text),
                                 &truncated),
              3);
    CHECK_STR(text, "abc");
    CHECK_INT(truncated, 0);
    /* longer than the buffer: cut, and said so */
    memset(p, 'y', PAGE - 4);
    CHECK_INT(tracee_read_string(self, (uint64_t)(uintptr_t)p, text, sizeof(text), &truncated), 63);
    CHECK_INT(truncated, 1);
    munmap(p, PAGE);
}

static void test_missing_page(void)
{
    int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
    if (uffd < 0) {
        printf("userfaultfd unavailable (%s): missing-page read not tested\n", strerror(errno));
        return;
    }
    struct uffdio_api api = {UFFD_API, 0, 0};
    CHECK(ioctl(uffd, UFFDIO_API, &api) == 0);
    char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct uffdio_register reg = {{(uintptr_t)p, PAGE}, UFFDIO_REGISTER_MODE_MISSING, 0};
    CHECK(ioctl(uffd, UFFDIO_REGISTER, &reg) == 0);
    /* nobody serves this fault: a read that waited would never return */
    char text[64];
    CHECK_INT(tracee_read_string(getpid(), (uint64_t)(uintptr_t)p, text, sizeof(text), NULL),
              -EFAULT);
    CHECK_INT(tracee_read(getpid(), (uint64_t)(uintptr_t)p, text, 8), -EFAULT);
    close(uffd);
    munmap(p, PAGE);
}

static void test_join(void)
{
    char out[16];
    CHECK_INT(path_join_normalize("/a/b", "../c/./d", out, sizeof(out)), 6);
    CHECK_STR(out, "/a/c/d");
    CHECK_INT(path_join_normalize("/a", "/x//y/", out, sizeof(out)), 4);
    CHECK_STR(out, "/x/y");
    /* what does not fit is not shortened into another path */
    CHECK_INT(path_join_normalize("/aaaaaaaa", "bbbbbbbb", out, sizeof(out)), 0);
    CHECK_STR(out, "");
    CHECK_INT(path_join_normalize("/aaaaa", "bbbbbbbb", out, sizeof(out)), 15);
    CHECK_STR(out, "/aaaaa/bbbbbbbb");
}

/* A replay: the recorded pids are not processes of this machine, and no
 * memory is read for them, even where a process has that pid now. */
static void test_refused(void)
{
    static const char text[] = "must not be read";
    char buf[32], str[32];
    uint64_t at = (uint64_t)(uintptr_t)text;
    CHECK_INT(tracee_read(getpid(), at, buf, sizeof(text)), (long long)sizeof(text));
    tracee_mem_refuse();
    CHECK_INT(tracee_read(getpid(), at, buf, sizeof(text)), -ESRCH);
    CHECK_INT(tracee_read_string(getpid(), at, str, sizeof(str), NULL), -ESRCH);
    CHECK_STR(str, "");
}

int main(void)
{
    test_reads();
    test_missing_page();
    test_join();
    test_refused(); /* last: there is no going back */
    tracee_mem_forget_all();
    return check_finish();
}
