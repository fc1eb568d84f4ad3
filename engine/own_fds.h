/* The traced command inherits what compendium inherited (a make jobserver's
 * pipe, a redirected fd 3) and nothing compendium opened itself (the -o
 * file, files scripts opened). */
#ifndef COMPENDIUM_OWN_FDS_H
#define COMPENDIUM_OWN_FDS_H

/* Opens /dev/null on whichever of fds 0, 1 and 2 is closed, so that no file
 * compendium opens later becomes its standard error (the trace would land
 * in it). Those stand-ins are close-on-exec: the command still starts with
 * the fd closed, as it would untraced. Call first thing in main. */
void own_fds_reserve_std(void);
/* Remembers the fds open at start-up, before compendium opens anything. */
void own_fds_snapshot(void);
/* Marks every fd opened since the snapshot close-on-exec. */
void own_fds_cloexec(void);

#endif
