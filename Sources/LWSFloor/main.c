// The transport's floor for scripts/bench: a bare libwebsockets client on one context that
// connects, receives whole messages and discards them, and after the given seconds prints
// "messages=N bytes=B receiving=S" (S: seconds from the first message to the end) and exits.
// No decoding, no copies, no threads: what lws itself can do.
//
// usage: lws-floor PORT PATH SECONDS [CA_FILE]   (a CA file means wss:// to localhost)
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned long long messages, bytes;
static double first_message_at;
static int finished;

static double now(void) {
    struct timespec spec;
    clock_gettime(CLOCK_MONOTONIC, &spec);
    return (double)spec.tv_sec + (double)spec.tv_nsec / 1e9;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    (void)user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (!bytes) first_message_at = now();
        bytes += len;
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) messages++;
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        fprintf(stderr, "lws-floor: connection error: %s\n", in ? (const char *)in : "unknown");
        finished = 1;
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        finished = 1;
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    { "floor", callback, 0, 65536, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: lws-floor PORT PATH SECONDS [CA_FILE]\n");
        return 64;
    }
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.pt_serv_buf_size = 65536;
    info.client_ssl_ca_filepath = argc > 4 ? argv[4] : NULL;
    info.gid = -1;
    info.uid = -1;
    struct lws_context *context = lws_create_context(&info);
    if (!context) return 70;

    struct lws_client_connect_info connect;
    memset(&connect, 0, sizeof connect);
    connect.context = context;
    connect.address = "127.0.0.1";
    connect.port = atoi(argv[1]);
    connect.path = argv[2];
    connect.host = "localhost";
    connect.origin = "localhost";
    connect.ssl_connection = argc > 4 ? LCCSCF_USE_SSL : 0;
    connect.protocol = NULL;
    connect.local_protocol_name = "floor";
    if (!lws_client_connect_via_info(&connect)) return 70;

    double deadline = now() + atof(argv[3]);
    while (!finished && now() < deadline) lws_service(context, 50);
    double receiving = bytes ? now() - first_message_at : 0;
    lws_context_destroy(context);
    printf("messages=%llu bytes=%llu receiving=%.6f\n", messages, bytes, receiving);
    return 0;
}
