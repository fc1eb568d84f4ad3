/* hello32: a program of the i386 ABI itself, with no C library.
 *
 * In its working directory it creates hello32.out (O_WRONLY|O_CREAT|O_TRUNC,
 * 0644) and writes "hello from i386\n" (16 bytes) to it, closes it, maps two
 * anonymous pages with mmap2 and unmaps them, then exits 0 with exit_group.
 * Every syscall goes through int $0x80. */

#define I386_WRITE 4
#define I386_OPEN 5
#define I386_CLOSE 6
#define I386_MUNMAP 91
#define I386_MMAP2 192
#define I386_EXIT_GROUP 252

#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define PAGE 4096

static long sys3(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return ret;
}

/* mmap2's sixth argument (the offset in pages, 0 here) goes in ebp. */
static long mmap2_anon(long len)
{
    long ret;
    __asm__ volatile("push %%ebp\n\t"
                     "xorl %%ebp, %%ebp\n\t"
                     "int $0x80\n\t"
                     "pop %%ebp"
                     : "=a"(ret)
                     : "a"((long)I386_MMAP2), "b"(0), "c"(len), "d"(PROT_READ | PROT_WRITE),
                       "S"(MAP_PRIVATE | MAP_ANONYMOUS), "D"(-1)
                     : "memory");
    return ret;
}

static const char message[] = "hello from i386\n";

static int run(void)
{
    long fd = sys3(I386_OPEN, (long)"hello32.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return 1;
    if (sys3(I386_WRITE, fd, (long)message, sizeof(message) - 1) != (long)sizeof(message) - 1)
        return 2;
    if (sys3(I386_CLOSE, fd, 0, 0) != 0)
        return 3;
    long addr = mmap2_anon(2 * PAGE);
    if (addr < 0 && addr > -PAGE)
        return 4;
    if (sys3(I386_MUNMAP, addr, 2 * PAGE, 0) != 0)
        return 5;
    return 0;
}

void _start(void)
{
    sys3(I386_EXIT_GROUP, run(), 0, 0);
    for (;;)
        ;
}
