/* Which syscalls must stop the tracee: those the engine's state needs (as
 * the syscall table's SYSCALL_NEED_* bits say) plus those scripts hook.
 * Everything else runs at full speed (seccomp). */
#ifndef COMPENDIUM_INTEREST_H
#define COMPENDIUM_INTEREST_H

#include <stdbool.h>
#include <stdint.h>

void interest_init(void);
/* A script hooks this event type: adds the syscalls that produce it. */
void interest_add_event(int type);
/* A script hooks this syscall; nr -1 means every syscall. */
void interest_add_syscall(int32_t nr);

bool interest_has(int32_t nr);
bool interest_all(void);
/* read/write/send/recv syscalls are traced, so I/O totals are complete. */
bool interest_io(void);

/* Builds and installs the seccomp filter in the calling (child) process.
 * Returns 0 or -errno. set_no_new_privs is needed without CAP_SYS_ADMIN. */
int interest_install_seccomp(bool set_no_new_privs);

#endif
