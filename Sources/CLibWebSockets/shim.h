#ifndef STREAM_COLLECTOR_LWS_SHIM_H
#define STREAM_COLLECTOR_LWS_SHIM_H

/* The only C header the project imports. It exposes the parts of libwebsockets
 * that do not import into Swift on their own (macros), nothing more. */
#include <libwebsockets.h>

/* LWS_PRE is a macro expression: the headroom lws_write needs before a payload. */
static inline size_t sc_lws_pre(void) { return LWS_PRE; }

#endif
