/* lmtp_server.h - `sievegate lmtp`: the LMTP server's processes, listeners,
 * signals and privileges (over server/daemon.h, shared with ManageSieve);
 * the protocol is lmtp_session.h, what a transaction does is lmtp_deliver.h.
 *
 * Takes: the command line's configuration file, -o overrides, --listen
 * addresses and --stdio. Returns: an exit code (sysexits.h): 0 after a
 * SIGTERM, 64 usage, 71 a listener cannot be opened (EX_OSERR), 77 the
 * privileges cannot be dropped, 78 configuration.
 *
 * Processes, as Dovecot's lmtp service with client_limit 1: the master opens
 * the listeners (ADDRESS: unix:/path, HOST:PORT, [IPv6]:PORT; lmtp_listen
 * holds them comma-separated), then, started as root, drops to mail_uid /
 * mail_gid for good (supplementary groups cleared; setuid(0) must then
 * fail) before it accepts anything. It accepts each connection and forks a
 * worker for it: a slow client holds only its own worker, and a worker
 * killed at any moment loses only what it had not answered 250 to (the MTA
 * retries that). At most lmtp_max_connections workers (default 100) run at
 * once; the next connections wait in the listen queue. Each worker keeps one
 * policy source (store/policy_source.h) open for all the messages of its
 * session; a store change is seen at the next message (the source reads the
 * store's generation, or the snapshot file checked against the store file).
 *
 * Signals: SIGTERM or SIGINT: the master closes its listeners and passes
 * SIGTERM to the workers, each finishing the transaction in progress
 * (lmtp_session.h), then answers 421 and exits; the master exits 0 when all
 * have. SIGHUP: the master reads the configuration and the user database
 * again (an error is logged and the old ones stay); new connections get the
 * new ones, sessions in progress finish with what they had.
 *
 * Unix sockets: created with lmtp_socket_mode (octal, default 0666),
 * lmtp_socket_user and lmtp_socket_group (names or numbers, default: the
 * creator) so that Postfix's lmtp(8) can connect; a stale socket file is
 * replaced, anything else at the path is refused.
 *
 * Keys: lmtp_listen, lmtp_max_connections, lmtp_idle_timeout (default 5m,
 * RFC 5321 §4.5.3.2.7), lmtp_max_line_length (2048), lmtp_max_message_size
 * (64M), lmtp_max_recipients (1000), lmtp_reject_refuses (yes),
 * lmtp_script_cache_size (8M: compiled scripts a worker keeps across its
 * messages, engine/deliver/script_cache.h), hostname,
 * mail_uid, mail_gid, userdb (store/userdb.h).
 *
 * Logs: one line per recipient delivery (lmtp_deliver.h) and the server's
 * own events, on stderr ("sievegate lmtp[PID]: ...") and to syslog (mail).
 * With --stdio, one session on stdin/stdout in this process (inetd, tests);
 * stderr is used for logs only when it is not a socket.
 */
#ifndef SG_LMTP_SERVER_H
#define SG_LMTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "server/daemon.h"

int sg_lmtp_serve(const sg_server_args *args);

#endif
