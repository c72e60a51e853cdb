/* lmtp_world.c - see lmtp_world.h: the configuration, the listeners and
 * the privilege drop of the LMTP server. */
#include "server/lmtp/lmtp_world.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/core/config_keys.h"
#include "engine/core/registry.h"

static void server_keys(sg_lmtp_world *w)
{
    const sg_config *cfg = w->cli.config;
    const char *host = sg_config_get(cfg, "hostname");
    if (host)
        snprintf(w->hostname, sizeof w->hostname, "%s", host);
    else if (gethostname(w->hostname, sizeof w->hostname - 1) != 0)
        snprintf(w->hostname, sizeof w->hostname, "localhost");
    sg_lmtp_limits_default(&w->limits, w->hostname);
    w->max_connections = (unsigned)strtoul(sg_config_value(cfg, "lmtp_max_connections"), NULL, 10);
    unsigned long long idle = 300;
    sg_parse_duration(sg_config_value(cfg, "lmtp_idle_timeout"), &idle);
    w->idle_timeout = idle == 0 ? 1 : idle > 86400 ? 86400 : (unsigned)idle;
    w->limits.max_line = sg_config_value_size(cfg, "lmtp_max_line_length");
    w->limits.max_message = sg_config_value_size(cfg, "lmtp_max_message_size");
    w->limits.max_recipients = (size_t)strtoul(sg_config_value(cfg, "lmtp_max_recipients"), NULL, 10);
    w->reject_refuses = strcmp(sg_config_value(cfg, "lmtp_reject_refuses"), "yes") == 0;
    w->script_cache_size = sg_config_value_size(cfg, "lmtp_script_cache_size");
}

int sg_lmtp_world_load(const sg_server_args *args, sg_lmtp_world *w)
{
    memset(w, 0, sizeof *w);
    int rc = sg_cli_load_server_config(&w->cli, "lmtp", args);
    if (rc != SG_EXIT_OK)
        return rc;
    server_keys(w);
    char err[512];
    if (!sg_userdb_open(w->cli.config, &w->userdb, err, sizeof err)) {
        sg_cli_error(&w->cli, "configuration error: %s", err);
        return SG_EXIT_CONFIG;
    }
    w->limits.hostname = w->hostname;
    w->registry = sg_settings_registry(&w->cli.settings);
    return SG_EXIT_OK;
}

void sg_lmtp_world_free(sg_lmtp_world *w)
{
    sg_registry_free(w->registry);
    sg_userdb_close(w->userdb);
    sg_cli_free(&w->cli);
    memset(w, 0, sizeof *w);
}

/* ---- the unix sockets' owner and mode ---- */

bool sg_lmtp_socket_options(const sg_lmtp_world *w, sg_unix_socket_options *o, char *err, size_t errlen)
{
    const sg_config *cfg = w->cli.config;
    const char *u = sg_config_get(cfg, "lmtp_socket_user"), *g = sg_config_get(cfg, "lmtp_socket_group");
    long long id;
    o->mode = (unsigned)strtoul(sg_config_value(cfg, "lmtp_socket_mode"), NULL, 8); /* the table checked it */
    o->uid = (uid_t)-1;
    o->gid = (gid_t)-1;
    if (u && *u) {
        if (!sg_userdb_parse_id(u, false, &id)) {
            snprintf(err, errlen, "invalid value for lmtp_socket_user: \"%s\" (no such user)", u);
            return false;
        }
        o->uid = (uid_t)id;
    }
    if (g && *g) {
        if (!sg_userdb_parse_id(g, true, &id)) {
            snprintf(err, errlen, "invalid value for lmtp_socket_group: \"%s\" (no such group)", g);
            return false;
        }
        o->gid = (gid_t)id;
    }
    return true;
}
