/* strace's own flags, as compendium takes them: which syscalls `-e trace=`
 * selects, by the syscall table's names and classes. */
#ifndef COMPENDIUM_STRACE_FLAGS_H
#define COMPENDIUM_STRACE_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syscall_table.h"

/* Adds the syscalls one `-e EXPR` selects to set (indexed by syscall
 * number; 1 = selected). EXPR is `trace=LIST`, `t=LIST` or a bare LIST, as
 * strace takes it: `[!]ITEM,...`, each ITEM a syscall name, a class
 * (`%file`, `%net`, ... or the old bare `file`), `/REGEX` (extended, matched
 * against the names), `all` or `none`; `?ITEM` ignores an item that selects
 * nothing. False, with one line in why, for another qualifier or an item
 * that selects nothing. */
bool strace_trace_select(const char *expr, uint8_t set[SYSCALL_TABLE_SIZE], char *why, size_t cap);

#endif
