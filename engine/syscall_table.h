/* x86-64 syscall numbers, names and argument shapes. */
#ifndef COMPENDIUM_SYSCALL_TABLE_H
#define COMPENDIUM_SYSCALL_TABLE_H

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

#endif
