#ifndef C_JSON_SCAN_H
#define C_JSON_SCAN_H

// Byte classes of JSON strings, sixteen bytes at a time: SSE2 where the target has it (every
// x86-64), the same answer byte by byte elsewhere. Static inline, so Swift inlines it at its
// call site: no call per string.

#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Bit n is set where byte n of the sixteen at `bytes` ends a plain run inside a JSON string:
/// '"', '\\', a control byte (below 0x20) or a byte of a multi-byte sequence (0x80 and above).
static inline uint32_t sc_json_string_stops16(const uint8_t *bytes) {
#if defined(__SSE2__)
    __m128i chunk = _mm_loadu_si128((const __m128i *)bytes);
    __m128i quotes = _mm_cmpeq_epi8(chunk, _mm_set1_epi8('"'));
    __m128i backslashes = _mm_cmpeq_epi8(chunk, _mm_set1_epi8('\\'));
    // Signed: below 0x20 covers the control bytes and, as negative numbers, 0x80 to 0xFF.
    __m128i others = _mm_cmplt_epi8(chunk, _mm_set1_epi8(0x20));
    return (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quotes, backslashes), others));
#else
    uint32_t stops = 0;
    for (int index = 0; index < 16; index++) {
        uint8_t byte = bytes[index];
        if (byte == '"' || byte == '\\' || byte < 0x20 || byte >= 0x80) stops |= 1u << index;
    }
    return stops;
#endif
}

#endif
