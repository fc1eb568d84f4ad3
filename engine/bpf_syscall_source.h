/* The BPF syscall source (--bpf): the same records as the ptrace source,
 * made by BPF programs on the syscall and task tracepoints
 * (bpf/syscalls.bpf.c) without ever stopping a task. Live, attaches, cannot
 * stop: enter hooks, c.inject and c.delay are refused. */
#ifndef COMPENDIUM_BPF_SYSCALL_SOURCE_H
#define COMPENDIUM_BPF_SYSCALL_SOURCE_H

#include "source.h"

extern const struct source bpf_syscall_source;

#endif
