#ifndef STREAM_COLLECTOR_CLINUX_H
#define STREAM_COLLECTOR_CLINUX_H

#include <stddef.h>
#include <sys/types.h>

/* The few Linux calls the collector makes that need C structures: each returns 0 or an errno
 * value and never keeps a pointer it was given. */

/* Reserves disk blocks for `length` bytes at `offset` of an open file without changing its
 * size (Linux fallocate with FALLOC_FL_KEEP_SIZE), so a later write of those bytes cannot fail
 * for lack of space. Returns 0, or an errno value: ENOSPC/EDQUOT when the disk is full,
 * EOPNOTSUPP/ENOSYS when the filesystem cannot reserve. */
int sc_reserve_space(int descriptor, off_t offset, off_t length);

/* Gives back the blocks `sc_reserve_space` set aside past the end of a file and that were never
 * written, by truncating the file to its own current size (no byte changes). Returns 0, or an
 * errno value. */
int sc_release_reserved_space(int descriptor);

/* Sends one datagram to the AF_UNIX/SOCK_DGRAM socket named `address`, the systemd notify
 * protocol's transport. An address beginning with '@' is an abstract socket (the address length
 * then counts only the name's bytes). Returns 0, or an errno value (EINVAL: address too long). */
int sc_send_datagram(const char *address, const void *message, size_t length);

/* Compresses everything readable from `input` into gzip format written to `output` (both open
 * descriptors, left open) at zlib `level` 1...9. Returns 0, or an errno value (EIO for a zlib
 * failure, ENOSPC when the disk is full). */
int sc_gzip(int input, int output, int level);

/* Opens a gzip file (or a plain one, read as it is) for reading; NULL with errno set on failure. */
void *sc_gunzip_open(const char *path);

/* Reads up to `length` uncompressed bytes: the count, 0 at the end, -1 on a corrupt or truncated
 * stream or a read error. */
long sc_gunzip_read(void *reader, void *buffer, unsigned length);

void sc_gunzip_close(void *reader);

/* glibc's malloc options (mallopt): at most `count` arenas; blocks of `bytes` and more mapped on
   their own; free space above `bytes` at the top of the heap returned. Each returns 0, or EINVAL. */
int sc_malloc_arena_max(int count);
int sc_malloc_mmap_threshold(int bytes);
int sc_malloc_trim_threshold(int bytes);

/* Makes every fatal signal the Swift runtime catches (SIGQUIT, SIGABRT, SIGBUS, SIGFPE, SIGILL,
 * SIGSEGV, SIGTRAP) end the process once the runtime's handler has written its backtrace, even
 * when the signal was sent with kill(2). Signals without a handler are left alone. They are also
 * unblocked in the calling thread, which threads started later inherit: one blocked by whoever
 * started the process (a spawning thread's mask is inherited) would stay pending for good.
 * Call before starting threads. Returns 0, or an errno value. */
int sc_exit_after_crash_handlers(void);

/* Reads, without changing anything (adjtimex with no modes), whether the kernel considers the
 * system clock synchronised (NTP, chrony, timesyncd) and its estimated and maximum error in
 * microseconds. Returns 0, or an errno value (EPERM where a sandbox refuses the call). */
int sc_clock_synchronisation(int *synchronised, long *estimated_error_us, long *maximum_error_us);

/* Creates the file `path` in `folder` (which must exist) already holding `length` bytes, so it is
 * never seen under its name without them — not even after a crash or kill -9 mid-way: the bytes go
 * to an unnamed file in the folder (O_TMPFILE), which is then linked to its name. Where the
 * filesystem or a missing /proc refuses that, the file is created by name (O_EXCL) and written at
 * once, and removed if the write fails. Returns a descriptor open for appending (close-on-exec),
 * or -1 with errno set: EEXIST when the name is taken, ENOSPC when the disk is full. */
int sc_create_file_with(const char *folder, const char *path, const void *bytes, size_t length, mode_t mode);

/* Names the calling thread (as top -H, /proc/<pid>/task/<tid>/comm and crash reports show it);
 * the kernel keeps the first 15 bytes. Returns 0, or an errno value. */
int sc_name_thread(const char *name);

#endif
