/* ms_server.h - `sievegate managesieve`: the ManageSieve server's processes
 * (server/daemon.h: listeners, one worker per connection, signals,
 * privileges), its configuration, and a worker's connection with STARTTLS;
 * the protocol is ms_session.h, what the commands do ms_backend.h.
 *
 * Takes: the command line's configuration file, -o overrides, --listen
 * addresses and --stdio. Returns: an exit code (sysexits.h): 0 after a
 * SIGTERM, 64 usage, 71 a listener cannot be opened (EX_OSERR), 77 the
 * privileges cannot be dropped, 78 configuration.
 *
 * Keys: managesieve_listen (default "*:4190": every address, RFC 5804
 * §1.8's port; an address without a port gets 4190),
 * managesieve_max_connections (100), managesieve_login_timeout (1m: a
 * client not logged in by then is disconnected), managesieve_idle_timeout
 * (30m, RFC 5804 §1.2's least after a login), managesieve_max_line_length
 * (64K), managesieve_max_auth_failures (3 per connection), and Dovecot's
 * names: auth_failure_delay (2s after each failed login),
 * disable_plaintext_auth (yes: PLAIN only over TLS, except from loopback
 * and unix sockets), ssl_cert and ssl_key (PEM; "<path" as in Dovecot;
 * unset: no STARTTLS), sieve_max_script_size (1M), sieve_quota_max_scripts
 * and sieve_quota_max_storage (0: no limit); and the user database's
 * (store/userdb.h), sieve, sieve_dir and the engine's.
 *
 * The certificate and key are read at start, before the privileges are
 * dropped (a key only root can read is fine); a SIGHUP reads the
 * configuration and the user database again, and the certificate when it
 * can (else the old one stays, and the log says why).
 *
 * Logs: the connection ("connect from IP", "disconnect: why"), the TLS
 * handshake (version and cipher), and one line per command with the user
 * (ms_session.h), on stderr ("sievegate managesieve[PID]: ...") and to
 * syslog (mail). With --stdio, one session on stdin/stdout in this process
 * (inetd, tests; no STARTTLS, plain-text logins as from loopback).
 */
#ifndef SG_MS_SERVER_H
#define SG_MS_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "server/daemon.h"

int sg_ms_serve(const sg_server_args *args);

#endif
