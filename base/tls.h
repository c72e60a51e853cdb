/* tls.h - the server side of TLS (RFC 8446, 5246) for STARTTLS in the
 * servers (ManageSieve, RFC 5804 §2.2), over OpenSSL (Debian libssl3).
 *
 * Why OpenSSL, and why loaded at run time: a well-kept library, the one
 * every Debian mail server uses (Dovecot, Postfix), with the certificate
 * formats administrators already have. It is large (libssl and libcrypto,
 * 5.3 MiB) and only a server with ssl_cert set needs it, so the `sievegate`
 * program does not link it (tests/e2e/no_linked_stores.sh): every `sievegate
 * test` or `deliver` process would pay its dynamic linking. The server
 * loads it through base/dl_load.h when it reads its configuration (before
 * dropping privileges, so that a key only root can read is read), and the
 * workers it forks share it. libcrypto's functions are found through
 * libssl's handle (a dependency of it).
 *
 * Takes: a certificate chain and a private key (PEM files); then, per
 * connection, a connected socket. Returns: an encrypted connection that
 * reads and writes bytes. TLS 1.2 is the oldest version accepted, and no
 * renegotiation; OpenSSL's default ciphers. No global state: the server
 * context owns the library's handle.
 */
#ifndef SG_TLS_H
#define SG_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SG_TLS_LIB_SONAME "libssl.so.3"

typedef struct sg_tls_server sg_tls_server;
typedef struct sg_tls sg_tls;

/* Loads the library, the certificate chain and the key (a leading '<', as in
 * Dovecot's "ssl_cert = </path", is allowed) and checks that they belong
 * together. False with err naming the file and OpenSSL's reason. */
bool sg_tls_server_open(const char *cert_file, const char *key_file, sg_tls_server **out, char *err,
                        size_t errlen);
void sg_tls_server_close(sg_tls_server *s);

/* The handshake on fd, which it makes non-blocking for good (reads then
 * return EAGAIN, see sg_tls_read); gives up after timeout_ms. NULL with err
 * (OpenSSL's reason, or "timed out"). */
sg_tls *sg_tls_accept(sg_tls_server *s, int fd, int timeout_ms, char *err, size_t errlen);

/* Up to len bytes: > 0 read, 0 the peer closed, -1 with errno: EAGAIN when
 * nothing can be read yet (poll the fd, unless sg_tls_pending), EPROTO or
 * another for a broken connection. */
ssize_t sg_tls_read(sg_tls *t, void *buf, size_t len);
/* Bytes already decrypted and waiting: read them before polling. */
bool sg_tls_pending(const sg_tls *t);
/* All of buf, waiting at most timeout_ms for the peer to take each part;
 * false when the connection is broken or the peer does not read. */
bool sg_tls_write(sg_tls *t, const void *buf, size_t len, int timeout_ms);
/* Sends close_notify (without waiting for the peer's) and frees. */
void sg_tls_free(sg_tls *t);

/* "TLSv1.3 TLS_AES_256_GCM_SHA384", for the log. */
const char *sg_tls_describe(const sg_tls *t);

#endif
