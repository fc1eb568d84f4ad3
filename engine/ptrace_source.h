/* The ptrace source: starts or attaches the tracees, turns each wait status
 * into state calls, and resumes the tracee as cheaply as the interest allows.
 * Live, stops tasks (enter hooks, injection, delays), attaches. */
#ifndef COMPENDIUM_PTRACE_SOURCE_H
#define COMPENDIUM_PTRACE_SOURCE_H

#include "source.h"

extern const struct source ptrace_source;

#endif
