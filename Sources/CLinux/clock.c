#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <unistd.h>

#include "CLinux.h"

int sc_clock_synchronisation(int *synchronised, long *estimated_error_us, long *maximum_error_us) {
    struct timex state;
    memset(&state, 0, sizeof(state));
    /* The adjtimex system call itself: glibc's adjtimex() calls clock_adjtime, and a sandbox
     * allowing only the read-only use (the unit's SystemCallFilter=adjtimex) names this one. */
    long result = syscall(SYS_adjtimex, &state);
    if (result == -1) return errno;
    *synchronised = result != TIME_ERROR && !(state.status & STA_UNSYNC);
    *estimated_error_us = state.esterror;
    *maximum_error_us = state.maxerror;
    return 0;
}
