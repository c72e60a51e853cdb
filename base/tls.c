/* tls.c - see tls.h. OpenSSL's headers give the types and constants only
 * (compile time); every function comes from the library loaded here. */
#include "base/tls.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/arena.h"
#include "base/dl_load.h"

/* X(symbol, return type, parameters): the OpenSSL functions used. */
#define SG_TLS_FUNCTIONS(X)                                                                                       \
    X(TLS_server_method, const SSL_METHOD *, (void))                                                              \
    X(SSL_CTX_new, SSL_CTX *, (const SSL_METHOD *))                                                               \
    X(SSL_CTX_free, void, (SSL_CTX *))                                                                            \
    X(SSL_CTX_use_certificate_chain_file, int, (SSL_CTX *, const char *))                                         \
    X(SSL_CTX_use_PrivateKey_file, int, (SSL_CTX *, const char *, int))                                           \
    X(SSL_CTX_check_private_key, int, (const SSL_CTX *))                                                          \
    X(SSL_CTX_set_options, uint64_t, (SSL_CTX *, uint64_t))                                                       \
    X(SSL_CTX_ctrl, long, (SSL_CTX *, int, long, void *))                                                         \
    X(SSL_new, SSL *, (SSL_CTX *))                                                                                \
    X(SSL_free, void, (SSL *))                                                                                    \
    X(SSL_set_fd, int, (SSL *, int))                                                                              \
    X(SSL_accept, int, (SSL *))                                                                                   \
    X(SSL_read, int, (SSL *, void *, int))                                                                        \
    X(SSL_write, int, (SSL *, const void *, int))                                                                 \
    X(SSL_shutdown, int, (SSL *))                                                                                 \
    X(SSL_get_error, int, (const SSL *, int))                                                                     \
    X(SSL_pending, int, (const SSL *))                                                                            \
    X(SSL_get_version, const char *, (const SSL *))                                                               \
    X(SSL_get_current_cipher, const SSL_CIPHER *, (const SSL *))                                                  \
    X(SSL_CIPHER_get_name, const char *, (const SSL_CIPHER *))                                                    \
    X(ERR_get_error, unsigned long, (void))                                                                       \
    X(ERR_error_string_n, void, (unsigned long, char *, size_t))                                                  \
    X(ERR_clear_error, void, (void))

typedef struct tls_lib {
#define SG_TLS_FIELD(name, ret, params) ret(*name) params;
    SG_TLS_FUNCTIONS(SG_TLS_FIELD)
#undef SG_TLS_FIELD
} tls_lib;

static const sg_dl_symbol symbols[] = {
#define SG_TLS_SYMBOL(name, ret, params) {#name, offsetof(tls_lib, name)},
    SG_TLS_FUNCTIONS(SG_TLS_SYMBOL)
#undef SG_TLS_SYMBOL
};

struct sg_tls_server {
    void *handle;
    tls_lib lib;
    SSL_CTX *ctx;
};

struct sg_tls {
    const sg_tls_server *server;
    SSL *ssl;
    int fd;
    char describe[128];
};

/* OpenSSL's queued reason (the earliest: later ones wrap it), else `fallback`. */
static void ssl_reason(const tls_lib *lib, const char *fallback, char *out, size_t outlen)
{
    unsigned long e = lib->ERR_get_error();
    if (e)
        lib->ERR_error_string_n(e, out, outlen);
    else
        snprintf(out, outlen, "%s", fallback);
    lib->ERR_clear_error();
}

static const char *file_of(const char *v)
{
    return v[0] == '<' ? v + 1 : v;
}

bool sg_tls_server_open(const char *cert_file, const char *key_file, sg_tls_server **out, char *err,
                        size_t errlen)
{
    *out = NULL;
    sg_tls_server *s = sg_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->handle = sg_dl_load_table(SG_TLS_LIB_SONAME, RTLD_NOW | RTLD_LOCAL, symbols, sizeof symbols / sizeof *symbols,
                                 &s->lib, sizeof s->lib, err, errlen);
    if (!s->handle) {
        free(s);
        return false;
    }
    const tls_lib *L = &s->lib;
    char why[256];
    s->ctx = L->SSL_CTX_new(L->TLS_server_method());
    if (!s->ctx) {
        ssl_reason(L, "out of memory", why, sizeof why);
        snprintf(err, errlen, "cannot set up TLS: %s", why);
    } else if (L->SSL_CTX_use_certificate_chain_file(s->ctx, file_of(cert_file)) != 1) {
        ssl_reason(L, "unreadable", why, sizeof why);
        snprintf(err, errlen, "ssl_cert %s: %s", file_of(cert_file), why);
    } else if (L->SSL_CTX_use_PrivateKey_file(s->ctx, file_of(key_file), SSL_FILETYPE_PEM) != 1) {
        ssl_reason(L, "unreadable", why, sizeof why);
        snprintf(err, errlen, "ssl_key %s: %s", file_of(key_file), why);
    } else if (L->SSL_CTX_check_private_key(s->ctx) != 1) {
        ssl_reason(L, "does not match", why, sizeof why);
        snprintf(err, errlen, "ssl_key %s does not belong to ssl_cert %s: %s", file_of(key_file),
                 file_of(cert_file), why);
    } else {
        L->SSL_CTX_ctrl(s->ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL);
        L->SSL_CTX_set_options(s->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
        /* one process per connection: a session cache would live in a worker only */
        L->SSL_CTX_ctrl(s->ctx, SSL_CTRL_SET_SESS_CACHE_MODE, SSL_SESS_CACHE_OFF, NULL);
        L->SSL_CTX_ctrl(s->ctx, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, NULL);
        *out = s;
        return true;
    }
    sg_tls_server_close(s);
    return false;
}

void sg_tls_server_close(sg_tls_server *s)
{
    if (!s)
        return;
    if (s->ctx)
        s->lib.SSL_CTX_free(s->ctx);
    if (s->handle)
        dlclose(s->handle);
    free(s);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to be ready for what OpenSSL asked (SSL_ERROR_WANT_*) until
 * the deadline; false on timeout or error. */
static bool wait_for(int fd, int ssl_error, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return false;
        struct pollfd p = {fd, (short)(ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
        int r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
    }
}

sg_tls *sg_tls_accept(sg_tls_server *s, int fd, int timeout_ms, char *err, size_t errlen)
{
    const tls_lib *L = &s->lib;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "fcntl: %s", strerror(errno));
        return NULL;
    }
    L->ERR_clear_error();
    SSL *ssl = L->SSL_new(s->ctx);
    if (!ssl || L->SSL_set_fd(ssl, fd) != 1) {
        ssl_reason(L, "out of memory", err, errlen);
        if (ssl)
            L->SSL_free(ssl);
        return NULL;
    }
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        int r = L->SSL_accept(ssl);
        if (r == 1)
            break;
        int e = L->SSL_get_error(ssl, r);
        if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && wait_for(fd, e, deadline))
            continue;
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            snprintf(err, errlen, "TLS handshake timed out");
        else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN)
            ssl_reason(L, "the client closed the connection during the TLS handshake", err, errlen);
        else
            ssl_reason(L, "TLS handshake failed", err, errlen);
        L->SSL_free(ssl);
        return NULL;
    }
    sg_tls *t = sg_xmalloc(sizeof *t);
    t->server = s;
    t->ssl = ssl;
    t->fd = fd;
    const SSL_CIPHER *c = L->SSL_get_current_cipher(ssl);
    snprintf(t->describe, sizeof t->describe, "%s %s", L->SSL_get_version(ssl), c ? L->SSL_CIPHER_get_name(c) : "?");
    return t;
}

ssize_t sg_tls_read(sg_tls *t, void *buf, size_t len)
{
    const tls_lib *L = &t->server->lib;
    L->ERR_clear_error();
    int r = L->SSL_read(t->ssl, buf, len > 1 << 30 ? 1 << 30 : (int)len);
    if (r > 0)
        return r;
    int e = L->SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_ZERO_RETURN)
        return 0;
    /* WANT_WRITE during a read: TLS 1.3 key updates; the socket takes it soon */
    errno = e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? EAGAIN : e == SSL_ERROR_SYSCALL && errno ? errno : EPROTO;
    if (e == SSL_ERROR_SYSCALL && r == 0)
        return 0; /* the peer closed without close_notify: a close all the same */
    return -1;
}

bool sg_tls_pending(const sg_tls *t)
{
    return t->server->lib.SSL_pending(t->ssl) > 0;
}

bool sg_tls_write(sg_tls *t, const void *buf, size_t len, int timeout_ms)
{
    const tls_lib *L = &t->server->lib;
    const char *p = buf;
    long long deadline = now_ms() + timeout_ms;
    while (len > 0) {
        L->ERR_clear_error();
        int r = L->SSL_write(t->ssl, p, len > 1 << 30 ? 1 << 30 : (int)len);
        if (r > 0) {
            p += r;
            len -= (size_t)r;
            continue;
        }
        int e = L->SSL_get_error(t->ssl, r);
        if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && wait_for(t->fd, e, deadline))
            continue;
        return false;
    }
    return true;
}

void sg_tls_free(sg_tls *t)
{
    if (!t)
        return;
    t->server->lib.SSL_shutdown(t->ssl); /* close_notify; the peer's is not awaited */
    t->server->lib.SSL_free(t->ssl);
    free(t);
}

const char *sg_tls_describe(const sg_tls *t)
{
    return t->describe;
}
