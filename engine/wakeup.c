#include "wakeup.h"

#include <signal.h>
#include <string.h>
#include <time.h>

static timer_t timer;
static bool created;
static uint64_t armed;

bool wakeup_init(void)
{
    struct sigevent sev;
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGALRM;
    created = timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0;
    armed = 0;
    return created;
}

void wakeup_arm(uint64_t deadline_ns)
{
    if (!created || deadline_ns == armed)
        return;
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = (time_t)(deadline_ns / 1000000000u);
    its.it_value.tv_nsec = (long)(deadline_ns % 1000000000u);
    /* The signal may come after the loop looked but before waitpid blocks,
     * and be lost on it: fire again every 10 ms until the loop re-arms. */
    if (deadline_ns)
        its.it_interval.tv_nsec = 10000000;
    /* A zero it_value disarms, which is what deadline 0 means. */
    if (timer_settime(timer, TIMER_ABSTIME, &its, NULL) == 0)
        armed = deadline_ns;
}

void wakeup_close(void)
{
    if (created)
        timer_delete(timer);
    created = false;
    armed = 0;
}
