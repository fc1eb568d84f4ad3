/* One CLOCK_MONOTONIC timer that interrupts the loop's blocking waitpid when
 * something is due that no tracee stop would bring: a delayed syscall to
 * resume, ring buffers to drain. */
#ifndef COMPENDIUM_WAKEUP_H
#define COMPENDIUM_WAKEUP_H

#include <stdbool.h>
#include <stdint.h>

/* The timer signals SIGALRM, whose handler the session installs. */
bool wakeup_init(void);
/* Fires at deadline (CLOCK_MONOTONIC ns), then every 10 ms in case a signal
 * came just before waitpid blocked, until armed again; 0 disarms. Costs a
 * syscall only when the deadline changes. */
void wakeup_arm(uint64_t deadline_ns);
void wakeup_close(void);

#endif
