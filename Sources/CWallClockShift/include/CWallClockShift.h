#ifndef STREAM_COLLECTOR_WALL_CLOCK_SHIFT_H
#define STREAM_COLLECTOR_WALL_CLOCK_SHIFT_H

/* Test support, never linked into the daemon: a library preloaded (LD_PRELOAD) into a test's
 * child process that steps its wall clock and nothing else. CLOCK_REALTIME (and _COARSE),
 * gettimeofday and time read the real clock plus an offset in microseconds that the test writes,
 * at any moment, into the 8-byte file named by $WALL_CLOCK_SHIFT_FILE (a native-endian int64,
 * read through a shared mapping). Write it in place (pwrite at offset 0): truncating the mapped
 * file, as a plain rewrite does, makes any clock read in between a SIGBUS. The monotonic and
 * boot clocks, and so every timer, are left alone. Without the variable the library changes
 * nothing. */

#endif
