/* ms_session.h - one ManageSieve session (RFC 5804) as a state machine, fed
 * with the client's bytes and answering through a write hook: no sockets,
 * no TLS, no files. What a login and each script command do is the
 * backend's (ms_backend.h in the server; tests may give their own), so that
 * every answer can be tested byte for byte.
 *
 * Takes: settings, a backend, the connection's facts (TLS on, a local
 * client), then the client's bytes in pieces of any size
 * (sg_ms_session_input): pipelined commands are answered in order; replies
 * are buffered and written by sg_ms_session_flush.
 * Returns: replies through the write hook; one log line per command through
 * the backend's log hook; sg_ms_session_want_tls after STARTTLS was
 * answered OK (the server does the handshake, then sg_ms_session_tls_done);
 * sg_ms_session_closed when the connection is to be closed.
 *
 * The protocol, exactly:
 *  - greeting: the capabilities, then OK "sievegate ready.". CAPABILITY
 *    (any state): "IMPLEMENTATION", "SIEVE" (the registry's extensions),
 *    "NOTIFY" (when enotify is on), "SASL" ("PLAIN", or "" while plain-text
 *    logins are refused on this connection), "STARTTLS" (before TLS and
 *    before a login, when the server has a certificate), "MAXREDIRECTS",
 *    "OWNER" (logged in), "UNAUTHENTICATE", "VERSION" "1.0"; then OK.
 *  - STARTTLS (§2.2): before a login only; OK, then nothing is read until
 *    the handshake (bytes pipelined after STARTTLS are dropped: they were
 *    sent in clear); after it the capabilities again and OK.
 *  - AUTHENTICATE "PLAIN" [initial-response] (§2.1, RFC 4616): without the
 *    initial response an empty challenge "" is sent and the next line is
 *    the client's response (a string; "*" cancels: NO). The base64 text
 *    decodes to authzid NUL authcid NUL password; an authzid other than the
 *    authcid is refused (no proxy logins). While plain-text logins are
 *    refused (not TLS, not local, disable_plaintext_auth): NO
 *    (ENCRYPT-NEEDED). ANONYMOUS: NO (AUTH-TOO-WEAK); any other mechanism:
 *    NO. A wrong name or password: NO "Authentication failed." (the same
 *    words for both); after max_auth_failures of them: BYE and close. The
 *    backend's temporary failure: NO (TRYLATER). A second AUTHENTICATE
 *    after a login: NO.
 *  - UNAUTHENTICATE (§2.14.1): logged in: OK, and not logged in any more;
 *    else NO.
 *  - Before a login only AUTHENTICATE, STARTTLS, CAPABILITY, NOOP and
 *    LOGOUT are answered; any other command: NO "Authenticate first.".
 *  - PUTSCRIPT name script, CHECKSCRIPT script, HAVESPACE name size,
 *    LISTSCRIPTS, GETSCRIPT name, SETACTIVE name, DELETESCRIPT name,
 *    RENAMESCRIPT old new: the backend's answer. A script literal over
 *    max_script: NO (QUOTA/MAXSIZE) for PUTSCRIPT, NO for CHECKSCRIPT (it
 *    checks no quota, §2.12). LISTSCRIPTS writes each name (" ACTIVE"
 *    after the active one); GETSCRIPT the script as a literal, then OK.
 *  - NOOP [tag] (§2.13): OK, with (TAG "tag") when one was given.
 *  - LOGOUT (§2.3): OK "Logout completed." and close.
 *  - A line that is no command, a wrong number or kind of arguments, an
 *    unknown command: NO; after max_bad_commands of them: BYE and close. A
 *    literal too large to follow: BYE and close.
 *  - Texts with a CR or LF (diagnostics, one per line), NUL or over 1024
 *    octets are sent as literals {N}, others quoted with \" and \\.
 */
#ifndef SG_MS_SESSION_H
#define SG_MS_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "server/managesieve/ms_parse.h"
#include "store/script_store.h"

typedef struct sg_ms_settings {
    const char *implementation; /* "sievegate VERSION" */
    const char *sieve;          /* the SIEVE capability: space-separated extensions */
    const char *notify;         /* the NOTIFY capability ("mailto"), or NULL */
    unsigned max_redirects;
    unsigned max_auth_failures; /* per connection (3) */
    unsigned max_bad_commands;  /* per connection (20) */
    sg_ms_parse_limits limits;  /* max_line; max_script: sieve_max_script_size */
} sg_ms_settings;

/* The connection, as the server knows it. */
typedef struct sg_ms_conn_facts {
    bool tls_available;     /* a certificate is loaded: STARTTLS is offered */
    bool tls_active;        /* the connection is encrypted */
    bool plaintext_allowed; /* PLAIN even without TLS (a local client, or disable_plaintext_auth = no) */
} sg_ms_conn_facts;

typedef enum { SG_MS_OK = 0, SG_MS_NO, SG_MS_BYE } sg_ms_status;

/* A backend's answer: the status, a response code (static: "NONEXISTENT",
 * "QUOTA/MAXSIZE", "WARNINGS"...) or NULL, and a text (malloc'd; the
 * session frees it) or NULL. */
typedef struct sg_ms_reply {
    sg_ms_status status;
    const char *code;
    char *text;
} sg_ms_reply;

typedef enum { SG_MS_AUTH_OK = 0, SG_MS_AUTH_FAIL, SG_MS_AUTH_TEMPFAIL } sg_ms_auth;

typedef struct sg_ms_backend {
    void *ctx;
    /* SASL PLAIN's authentication identity and password (RFC 4616). OK
     * with *user the canonical name (valid until logout); FAIL for a wrong
     * name or password (the backend may wait before it returns: failures
     * are slowed down); TEMPFAIL when it cannot tell now. */
    sg_ms_auth (*login)(void *ctx, const char *authcid, const char *password, const char **user);
    void (*logout)(void *ctx);
    /* Logged in: the script commands. Names are RFC 5804 strings as sent
     * (checked by the backend); scripts are followed by two NULs (the
     * backend may scan them in place). */
    void (*list)(void *ctx, sg_arena *arena, sg_script_info **v, size_t *n, sg_ms_reply *r);
    void (*get)(void *ctx, const char *name, char **data, size_t *len, sg_ms_reply *r); /* data malloc'd */
    void (*put)(void *ctx, const char *name, char *script, size_t len, sg_ms_reply *r);
    void (*check)(void *ctx, char *script, size_t len, sg_ms_reply *r);
    void (*havespace)(void *ctx, const char *name, unsigned long long size, sg_ms_reply *r);
    void (*setactive)(void *ctx, const char *name, sg_ms_reply *r); /* "": none */
    void (*del)(void *ctx, const char *name, sg_ms_reply *r);
    void (*rename)(void *ctx, const char *from, const char *to, sg_ms_reply *r);
    /* One line per command: the user (NULL before a login) and what was
     * asked and answered. */
    void (*log)(void *log_ctx, const char *user, const char *line);
    void *log_ctx;
    /* Sends bytes; false when the connection is gone. */
    bool (*write)(void *write_ctx, const char *data, size_t len);
    void *write_ctx;
} sg_ms_backend;

typedef struct sg_ms_session sg_ms_session;

sg_ms_session *sg_ms_session_new(const sg_ms_settings *settings, const sg_ms_backend *backend,
                                 const sg_ms_conn_facts *facts);
void sg_ms_session_free(sg_ms_session *s);

/* Queues the greeting. */
void sg_ms_session_greet(sg_ms_session *s);
/* Takes the client's bytes and answers every complete command; after
 * STARTTLS (until sg_ms_session_tls_done) and after close, bytes are
 * dropped. */
void sg_ms_session_input(sg_ms_session *s, const char *data, size_t len);
/* Writes the queued replies; false when the write hook failed. */
bool sg_ms_session_flush(sg_ms_session *s);
bool sg_ms_session_closed(const sg_ms_session *s);
/* STARTTLS was answered OK: the server now does the handshake. */
bool sg_ms_session_want_tls(const sg_ms_session *s);
/* The handshake's outcome: OK re-issues the capabilities; a failure closes. */
void sg_ms_session_tls_done(sg_ms_session *s, bool ok);
/* The logged-in user, or NULL. */
const char *sg_ms_session_user(const sg_ms_session *s);
/* Queues BYE "Disconnected for inactivity." and closes (the server's timer). */
void sg_ms_session_timeout(sg_ms_session *s);
/* Queues BYE "Server shutting down." and closes (SIGTERM, between commands). */
void sg_ms_session_stop(sg_ms_session *s);

#endif
