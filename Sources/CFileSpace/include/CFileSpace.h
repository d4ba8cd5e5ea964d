#ifndef STREAM_COLLECTOR_CFILESPACE_H
#define STREAM_COLLECTOR_CFILESPACE_H

#include <sys/types.h>

/* Reserves disk blocks for `length` bytes at `offset` of an open file without changing its
 * size (Linux fallocate with FALLOC_FL_KEEP_SIZE), so a later write of those bytes cannot fail
 * for lack of space. Returns 0, or an errno value: ENOSPC/EDQUOT when the disk is full,
 * EOPNOTSUPP/ENOSYS when the filesystem cannot reserve. */
int sc_reserve_space(int descriptor, off_t offset, off_t length);

#endif
