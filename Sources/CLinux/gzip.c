#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include "CLinux.h"

static int write_all(int descriptor, const unsigned char *bytes, size_t length) {
    while (length > 0) {
        ssize_t written = write(descriptor, bytes, length);
        if (written < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        bytes += written;
        length -= (size_t)written;
    }
    return 0;
}

int sc_gzip(int input, int output, int level) {
    enum { CHUNK = 1 << 17 };
    unsigned char *in = malloc(CHUNK), *out = malloc(CHUNK);
    z_stream stream = {0};
    /* 15 + 16: a gzip header and trailer instead of raw zlib. */
    if (in == NULL || out == NULL || deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(in);
        free(out);
        return in == NULL || out == NULL ? ENOMEM : EIO;
    }
    int result = 0, flush = Z_NO_FLUSH;
    while (result == 0 && flush != Z_FINISH) {
        ssize_t got = read(input, in, CHUNK);
        if (got < 0) {
            if (errno == EINTR) continue;
            result = errno;
            break;
        }
        flush = got == 0 ? Z_FINISH : Z_NO_FLUSH;
        stream.next_in = in;
        stream.avail_in = (uInt)got;
        do {
            stream.next_out = out;
            stream.avail_out = CHUNK;
            if (deflate(&stream, flush) == Z_STREAM_ERROR) { result = EIO; break; }
            result = write_all(output, out, CHUNK - stream.avail_out);
        } while (result == 0 && stream.avail_out == 0);
    }
    deflateEnd(&stream);
    free(in);
    free(out);
    return result;
}

void *sc_gunzip_open(const char *path) {
    gzFile file = gzopen(path, "rb");
    if (file != NULL) gzbuffer(file, 1 << 17);
    return file;
}

long sc_gunzip_read(void *reader, void *buffer, unsigned length) {
    int got = gzread((gzFile)reader, buffer, length);
    if (got < 0) return -1;
    if (got == 0) {
        int code = 0;
        gzerror((gzFile)reader, &code);
        /* A stream that ends before its trailer is reported as Z_BUF_ERROR at the end. */
        if (code != Z_OK && code != Z_STREAM_END) return -1;
    }
    return got;
}

void sc_gunzip_close(void *reader) {
    gzclose((gzFile)reader);
}
