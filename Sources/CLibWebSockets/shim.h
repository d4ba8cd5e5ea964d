#ifndef STREAM_COLLECTOR_LWS_SHIM_H
#define STREAM_COLLECTOR_LWS_SHIM_H

/* The only C header the project imports. It exposes the parts of libwebsockets
 * that do not import into Swift on their own (macros), nothing more. */
#include <libwebsockets.h>

/* LWS_PRE is a macro expression: the headroom lws_write needs before a payload. */
static inline size_t sc_lws_pre(void) { return LWS_PRE; }

/* An lws timer that knows its owner: lws calls a timer back with the list node alone, which is
 * this struct's first member. */
typedef struct sc_lws_timer {
    lws_sorted_usec_list_t sul;
    void *owner;
} sc_lws_timer;

static inline sc_lws_timer *sc_lws_timer_of(lws_sorted_usec_list_t *sul) { return (sc_lws_timer *)sul; }

#endif
