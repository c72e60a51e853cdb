/* lmtp_world.h - what the LMTP server reads from its configuration, and
 * what a SIGHUP reads again (internal to server/lmtp/): the configuration
 * and settings, the extension registry, the user database, the protocol's
 * limits and the server's own keys (lmtp_server.h lists them); and the
 * listeners and the privilege drop, done once at start.
 */
#ifndef SG_LMTP_WORLD_H
#define SG_LMTP_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cli/cli.h"
#include "server/lmtp/lmtp_server.h"
#include "server/lmtp/lmtp_session.h"
#include "store/userdb.h"

struct sg_registry;

typedef struct sg_lmtp_world {
    sg_cli cli; /* the configuration and the settings */
    struct sg_registry *registry;
    sg_userdb *userdb;
    char hostname[256];
    sg_lmtp_limits limits; /* limits.hostname points to hostname above: re-point it after a copy */
    unsigned max_connections;
    unsigned idle_timeout; /* seconds */
    bool reject_refuses;
} sg_lmtp_world;

/* Loads everything; on failure the reason is printed (sievegate lmtp: ...)
 * and the exit code returned (78 configuration, 64 a bad -o). */
int sg_lmtp_world_load(const sg_lmtp_server_args *args, sg_lmtp_world *w);
void sg_lmtp_world_free(sg_lmtp_world *w);

typedef struct sg_lmtp_listener {
    int fd;
    char *name;      /* as given */
    char *unix_path; /* unix: sockets, removed at exit; else NULL */
} sg_lmtp_listener;

/* Opens the addresses of --listen, else of lmtp_listen: non-blocking,
 * close-on-exec. False with err (the caller exits 71 EX_OSERR or 64). */
bool sg_lmtp_listen(const sg_lmtp_server_args *args, const sg_lmtp_world *w, sg_lmtp_listener **out, size_t *n,
                    bool *usage, char *err, size_t errlen);
void sg_lmtp_listeners_close(sg_lmtp_listener *l, size_t n, bool unlink_sockets);

/* Started as root: become mail_uid/mail_gid for good. Not root: mail_uid,
 * when set, must be this process's uid. False with err. */
bool sg_lmtp_drop_privileges(const sg_lmtp_world *w, char *err, size_t errlen);

#endif
