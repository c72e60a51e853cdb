/* lmtp_world.h - what the LMTP server reads from its configuration, and
 * what a SIGHUP reads again (internal to server/lmtp/): the configuration
 * and settings, the extension registry, the user database, the protocol's
 * limits and the server's own keys (lmtp_server.h lists them), and the
 * owner of its unix sockets. The listeners, the privilege drop and the
 * processes are server/daemon.h's.
 */
#ifndef SG_LMTP_WORLD_H
#define SG_LMTP_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cli/cli.h"
#include "server/daemon.h"
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
    size_t script_cache_size; /* lmtp_script_cache_size: bytes of compiled scripts a worker keeps */
} sg_lmtp_world;

/* Loads everything; on failure the reason is printed (sievegate lmtp: ...)
 * and the exit code returned (78 configuration, 64 a bad -o). */
int sg_lmtp_world_load(const sg_server_args *args, sg_lmtp_world *w);
void sg_lmtp_world_free(sg_lmtp_world *w);

/* The owner and mode of unix: listeners (lmtp_socket_user, lmtp_socket_group,
 * lmtp_socket_mode). False with err for an unknown user or group. */
bool sg_lmtp_socket_options(const sg_lmtp_world *w, sg_unix_socket_options *o, char *err, size_t errlen);

#endif
