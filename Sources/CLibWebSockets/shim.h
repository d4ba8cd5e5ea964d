#ifndef STREAM_COLLECTOR_LWS_SHIM_H
#define STREAM_COLLECTOR_LWS_SHIM_H

/* The only C header the project imports for its network stack. It exposes the parts of
 * libwebsockets that do not import into Swift on their own (macros), and the one piece of
 * OpenSSL set-up lws leaves to its user (`sc_tls_trust_system_store`), nothing more. */
#include <libwebsockets.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* LWS_PRE is a macro expression: the headroom lws_write needs before a payload. */
static inline size_t sc_lws_pre(void) { return LWS_PRE; }

/* An lws timer that knows its owner: lws calls a timer back with the list node alone, which is
 * this struct's first member. */
typedef struct sc_lws_timer {
    lws_sorted_usec_list_t sul;
    void *owner;
} sc_lws_timer;

static inline sc_lws_timer *sc_lws_timer_of(lws_sorted_usec_list_t *sul) { return (sc_lws_timer *)sul; }

/* True when `dir` holds a name OpenSSL's hashed lookup reads: eight hex digits, a dot, a digit. */
static inline int sc_tls_has_hashed_names(const char *dir) {
    DIR *folder = opendir(dir);
    if (!folder) return 0;
    int found = 0;
    for (struct dirent *entry; !found && (entry = readdir(folder));) {
        const char *name = entry->d_name;
        if (strlen(name) < 10 || name[8] != '.' || !isdigit((unsigned char)name[9])) continue;
        found = 1;
        for (int i = 0; i < 8; i++) if (!isxdigit((unsigned char)name[i])) found = 0;
    }
    closedir(folder);
    return found;
}

/* True when both paths name one file (after symbolic links). */
static inline int sc_same_file(const char *a, const char *b) {
    struct stat first, second;
    return stat(a, &first) == 0 && stat(b, &second) == 0
        && first.st_dev == second.st_dev && first.st_ino == second.st_ino;
}

/* Trusts the system CA store that OpenSSL's defaults name ($SSL_CERT_DIR and $SSL_CERT_FILE, else
 * OPENSSLDIR's certs/ and cert.pem), reading the directory by hash: one root when a handshake
 * needs it, instead of parsing every root of the bundle at start and keeping them all (about a
 * megabyte of heap for Debian's ~140, which is what lws's own default does). The bundle is
 * skipped only when it is the system's own, which holds the hashed directory's roots in one
 * file (Debian's update-ca-certificates writes both); any other bundle, or a directory without
 * hashed names, is loaded as OpenSSL would. `ssl_ctx` is the SSL_CTX lws hands to
 * LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS. Returns 0 when anything is trusted, -1
 * when neither the directory nor the bundle could be used. */
static inline int sc_tls_trust_system_store(void *ssl_ctx) {
    const char *dir = getenv(X509_get_default_cert_dir_env());
    const char *file = getenv(X509_get_default_cert_file_env());
    if (!dir) dir = X509_get_default_cert_dir();
    if (!file) file = X509_get_default_cert_file();
    int hashed = SSL_CTX_load_verify_dir((SSL_CTX *)ssl_ctx, dir) == 1 && sc_tls_has_hashed_names(dir);
    int trusted = hashed;
    if (!hashed || !sc_same_file(file, X509_get_default_cert_file())) {
        trusted |= SSL_CTX_load_verify_file((SSL_CTX *)ssl_ctx, file) == 1;
    }
    ERR_clear_error();
    return trusted ? 0 : -1;
}

#endif
