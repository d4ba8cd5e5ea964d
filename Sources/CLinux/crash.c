#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "CLinux.h"

/* The fatal signals the Swift runtime's crash handler catches. */
static const int fatal_signals[] = { SIGQUIT, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP };
#define FATAL_SIGNAL_COUNT (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

static struct sigaction runtime_handlers[FATAL_SIGNAL_COUNT];

static int slot_of(int signal_number) {
    for (size_t index = 0; index < FATAL_SIGNAL_COUNT; index++) {
        if (fatal_signals[index] == signal_number) return (int)index;
    }
    return -1;
}

/* Lets the runtime's handler write its backtrace, then ends the process with the signal's
 * default action: the runtime's handler returns, which resumes a thread that a real fault would
 * fault again but leaves a process alive after `kill -SEGV` or systemd's watchdog SIGABRT. */
static void finish_fatal_signal(int signal_number, siginfo_t *info, void *context) {
    int slot = slot_of(signal_number);
    if (slot >= 0 && (runtime_handlers[slot].sa_flags & SA_SIGINFO) && runtime_handlers[slot].sa_sigaction) {
        runtime_handlers[slot].sa_sigaction(signal_number, info, context);
    }
    signal(signal_number, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, signal_number);
    sigprocmask(SIG_UNBLOCK, &only, NULL);
    raise(signal_number);
    _exit(128 + signal_number);
}

int sc_exit_after_crash_handlers(void) {
    sigset_t fatal;
    sigemptyset(&fatal);
    for (size_t index = 0; index < FATAL_SIGNAL_COUNT; index++) sigaddset(&fatal, fatal_signals[index]);
    int failed = pthread_sigmask(SIG_UNBLOCK, &fatal, NULL);
    if (failed != 0) return failed;
    for (size_t index = 0; index < FATAL_SIGNAL_COUNT; index++) {
        struct sigaction current;
        if (sigaction(fatal_signals[index], NULL, &current) != 0) return errno;
        if (!(current.sa_flags & SA_SIGINFO) || current.sa_sigaction == NULL) continue;
        runtime_handlers[index] = current;
        struct sigaction wrapper = current;
        wrapper.sa_sigaction = finish_fatal_signal;
        if (sigaction(fatal_signals[index], &wrapper, NULL) != 0) return errno;
    }
    return 0;
}
