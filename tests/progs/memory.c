/* memory: known changes to the address space.
 *
 * 1. mmap of 10 anonymous pages (40960 bytes), read-write, private;
 * 2. munmap of the 4 middle pages: address = that mapping + 3 pages
 *    (12288 bytes in), size 16384;
 * 3. sbrk(0), then sbrk(65536): the heap grows by exactly 65536 bytes;
 * 4. mmap of one page (4096 bytes) of its own executable, opened through
 *    /proc/self/exe, read-only, private.
 *
 * What a tracer must report: mmap{size 40960, prot "rw-", map_type "anon"},
 * munmap{addr = its addr + 0x3000, size 16384}, brk{growth_bytes 65536},
 * mmap{size 4096, prot "r--", map_type "file", filename = this program}.
 * Prints nothing; exit 0. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static void die(const char *what)
{
    fprintf(stderr, "memory: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(void)
{
    if (sysconf(_SC_PAGESIZE) != PAGE) {
        fprintf(stderr, "memory: the page size is not %d\n", PAGE);
        return 1;
    }

    char *anon = mmap(NULL, 10 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (anon == MAP_FAILED)
        die("mmap anonymous");
    if (munmap(anon + 3 * PAGE, 4 * PAGE) != 0)
        die("munmap");

    void *before = sbrk(0);
    if (before == (void *)-1)
        die("sbrk(0)");
    if (sbrk(65536) != before)
        die("sbrk(65536)");
    if ((char *)sbrk(0) != (char *)before + 65536) {
        fprintf(stderr, "memory: the heap did not grow by 65536 bytes\n");
        return 1;
    }

    int fd = open("/proc/self/exe", O_RDONLY);
    if (fd < 0)
        die("open /proc/self/exe");
    void *file = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    if (file == MAP_FAILED)
        die("mmap file");
    if (memcmp(file, "\177ELF", 4) != 0) {
        fprintf(stderr, "memory: the file mapping does not hold an ELF header\n");
        return 1;
    }
    if (close(fd) != 0)
        die("close");
    return 0;
}
