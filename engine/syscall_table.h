/* x86-64 syscall numbers, names and argument shapes, and how the i386 ABI's
 * syscalls map onto them. */
#ifndef COMPENDIUM_SYSCALL_TABLE_H
#define COMPENDIUM_SYSCALL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One past the highest syscall number the table knows. */
#define SYSCALL_TABLE_SIZE 512

/* Argument kinds, one letter per argument in syscall_desc.args:
 *   d fd            D dirfd (AT_FDCWD shown by name)   p path (string)
 *   s other string  b buffer written by the caller (length in the next arg)
 *   B buffer filled by the kernel (length is the return value)
 *   i signed int    u unsigned      x hex / pointer     o open flags
 *   m mode (octal)  P mmap prot     F mmap flags         a sockaddr in (len next)
 *   A sockaddr out (len pointer next)                   S signal number
 *   c clone flags   f fcntl/other command               - unused */
struct syscall_desc {
    const char *name; /* NULL for unassigned numbers */
    const char *args; /* up to 6 kind letters; NULL means six hex args */
};

/* NULL for numbers outside the table or unassigned. */
const struct syscall_desc *syscall_desc(int32_t nr);

/* One past the highest i386 syscall number the i386 table knows. */
#define SYSCALL_I386_TABLE_SIZE 470

/* The i386 name of an i386 syscall number; NULL for unassigned numbers. */
const char *syscall_i386_name(int32_t nr);

/* Copies len bytes of the tracee's memory at addr; false when it cannot. */
typedef bool (*syscall_mem_reader)(void *ctx, uint64_t addr, void *buf, size_t len);

/* An i386 syscall as the x86-64 syscall of the same meaning. */
struct syscall_i386_call {
    int32_t nr;       /* x86-64 number, -1 when not decoded */
    uint64_t args[6]; /* in x86-64 order and width; 32-bit values zero-extended */
    const char *name; /* i386 name ("socketcall:recvmmsg" for a sub-call), NULL if unknown */
};

/* Translates i386 syscall nr with arguments raw (in i386 order) into *out.
 * The multiplexers (socketcall, ipc, the old mmap) read their arguments
 * through read. Returns false when the call has no x86-64 equivalent that
 * the state would read right, or its arguments cannot be read: *out then
 * names it for the count of undecoded syscalls. */
bool syscall_i386_translate(int32_t nr, const uint64_t raw[6], syscall_mem_reader read, void *ctx,
                            struct syscall_i386_call *out);

#endif
