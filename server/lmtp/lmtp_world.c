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

/* A key's value, else its default from the table (engine/core/config_keys.c).
 * The configuration was checked against the table when it was loaded, so
 * the value parses as its type and lies in its range. */
static const char *value_of(const sg_config *cfg, const char *key)
{
    const char *v = sg_config_get(cfg, key);
    return v ? v : sg_config_key_default(key);
}

static size_t size_of(const sg_config *cfg, const char *key)
{
    size_t n = 0;
    sg_parse_size(value_of(cfg, key), &n);
    return n;
}

static void server_keys(sg_lmtp_world *w)
{
    const sg_config *cfg = w->cli.config;
    const char *host = sg_config_get(cfg, "hostname");
    if (host)
        snprintf(w->hostname, sizeof w->hostname, "%s", host);
    else if (gethostname(w->hostname, sizeof w->hostname - 1) != 0)
        snprintf(w->hostname, sizeof w->hostname, "localhost");
    sg_lmtp_limits_default(&w->limits, w->hostname);
    w->max_connections = (unsigned)strtoul(value_of(cfg, "lmtp_max_connections"), NULL, 10);
    unsigned long long idle = 300;
    sg_parse_duration(value_of(cfg, "lmtp_idle_timeout"), &idle);
    w->idle_timeout = idle == 0 ? 1 : idle > 86400 ? 86400 : (unsigned)idle;
    w->limits.max_line = size_of(cfg, "lmtp_max_line_length");
    w->limits.max_message = size_of(cfg, "lmtp_max_message_size");
    w->limits.max_recipients = (size_t)strtoul(value_of(cfg, "lmtp_max_recipients"), NULL, 10);
    w->reject_refuses = strcmp(value_of(cfg, "lmtp_reject_refuses"), "yes") == 0;
}

int sg_lmtp_world_load(const sg_lmtp_server_args *args, sg_lmtp_world *w)
{
    memset(w, 0, sizeof *w);
    sg_cli_init(&w->cli, "lmtp", (int)args->noverrides + 1);
    w->cli.config_path = args->config_path ? args->config_path : SG_DEFAULT_CONFIG_PATH;
    w->cli.config_explicit = args->config_explicit;
    for (size_t i = 0; i < args->noverrides; i++)
        w->cli.overrides[w->cli.noverrides++] = args->overrides[i];
    int rc = sg_cli_load_config(&w->cli);
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

/* ---- listeners ---- */

static bool owner_ids(const sg_config *cfg, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
    const char *u = sg_config_get(cfg, "lmtp_socket_user"), *g = sg_config_get(cfg, "lmtp_socket_group");
    long long id;
    *uid = (uid_t)-1;
    *gid = (gid_t)-1;
    if (u && *u) {
        if (!sg_userdb_parse_id(u, false, &id)) {
            snprintf(err, errlen, "invalid value for lmtp_socket_user: \"%s\" (no such user)", u);
            return false;
        }
        *uid = (uid_t)id;
    }
    if (g && *g) {
        if (!sg_userdb_parse_id(g, true, &id)) {
            snprintf(err, errlen, "invalid value for lmtp_socket_group: \"%s\" (no such group)", g);
            return false;
        }
        *gid = (gid_t)id;
    }
    return true;
}

static int listen_unix(const char *path, const sg_config *cfg, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path || path[0] != '/') {
        snprintf(err, errlen, "unix:%s: not an absolute path of at most %zu bytes", path, sizeof sa.sun_path - 1);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    const char *m = sg_config_get(cfg, "lmtp_socket_mode");
    char *end = NULL;
    unsigned long mode = m ? strtoul(m, &end, 8) : 0666;
    if (m && (!*m || *end || mode > 0777)) {
        snprintf(err, errlen, "invalid value for lmtp_socket_mode: \"%s\" (expected an octal mode)", m);
        return -1;
    }
    uid_t uid;
    gid_t gid;
    if (!owner_ids(cfg, &uid, &gid, err, errlen))
        return -1;
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "unix:%s: exists and is not a socket", path);
            return -1;
        }
        unlink(path); /* a stale socket of an earlier run */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(path, (mode_t)mode) != 0 ||
        ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) != 0) || listen(fd, 128) != 0) {
        snprintf(err, errlen, "unix:%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int listen_inet(const char *addr, char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || !colon[1] || (size_t)(colon - addr) >= sizeof host) {
        snprintf(err, errlen, "%s: expected unix:/path, HOST:PORT or [IPv6]:PORT", addr);
        return -2;
    }
    size_t hl = (size_t)(colon - addr);
    memcpy(host, addr, hl);
    host[hl] = '\0';
    if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, colon + 1, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "%s: %s", addr, gai_strerror(gai));
        return -2;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, res->ai_protocol);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        snprintf(err, errlen, "%s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

bool sg_lmtp_listen(const sg_lmtp_server_args *args, const sg_lmtp_world *w, sg_lmtp_listener **out, size_t *n,
                    bool *usage, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    *usage = false;
    char *names = NULL;
    size_t count = args->nlisten;
    const char *conf = sg_config_get(w->cli.config, "lmtp_listen");
    if (!count) {
        if (!conf || !*conf) {
            snprintf(err, errlen, "nothing to listen on: give --listen ADDRESS or set lmtp_listen");
            *usage = true;
            return false;
        }
        names = sg_xstrdup(conf);
        for (const char *p = names; *p; p++)
            count += *p == ',';
        count++;
    }
    sg_lmtp_listener *l = sg_xmalloc(count * sizeof *l);
    size_t made = 0;
    char *save = NULL, *next = names ? strtok_r(names, ", ", &save) : NULL;
    bool ok = true;
    for (size_t i = 0; ok && (names ? next != NULL : i < count); i++) {
        const char *a = names ? next : args->listen[i];
        int fd = strncmp(a, "unix:", 5) == 0 ? listen_unix(a + 5, w->cli.config, err, errlen)
                                              : listen_inet(a, err, errlen);
        if (fd == -2)
            *usage = true;
        if (fd < 0) {
            ok = false;
            break;
        }
        l[made].fd = fd;
        l[made].name = sg_xstrdup(a);
        l[made].unix_path = strncmp(a, "unix:", 5) == 0 ? sg_xstrdup(a + 5) : NULL;
        made++;
        if (names)
            next = strtok_r(NULL, ", ", &save);
    }
    free(names);
    if (!ok) {
        sg_lmtp_listeners_close(l, made, true);
        return false;
    }
    *out = l;
    *n = made;
    return true;
}

void sg_lmtp_listeners_close(sg_lmtp_listener *l, size_t n, bool unlink_sockets)
{
    for (size_t i = 0; i < n; i++) {
        if (l[i].fd >= 0)
            close(l[i].fd);
        if (unlink_sockets && l[i].unix_path)
            unlink(l[i].unix_path);
        free(l[i].name);
        free(l[i].unix_path);
    }
    free(l);
}

/* ---- privileges ---- */

bool sg_lmtp_drop_privileges(const sg_lmtp_world *w, char *err, size_t errlen)
{
    uid_t uid;
    gid_t gid;
    bool have_uid = sg_userdb_mail_uid(w->userdb, &uid), have_gid = sg_userdb_mail_gid(w->userdb, &gid);
    if (geteuid() != 0) {
        if (have_uid && uid != geteuid()) {
            snprintf(err, errlen, "mail_uid is %u but the server runs as uid %u and is not root", (unsigned)uid,
                     (unsigned)geteuid());
            return false;
        }
        return true;
    }
    if (!have_uid || uid == 0) {
        snprintf(err, errlen, "refusing to serve as root: set mail_uid (and mail_gid) to the mail user, e.g. vmail");
        return false;
    }
    if (!have_gid) {
        snprintf(err, errlen, "mail_gid is not set");
        return false;
    }
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        snprintf(err, errlen, "cannot become uid %u gid %u: %s", (unsigned)uid, (unsigned)gid, strerror(errno));
        return false;
    }
    /* for good: root cannot be regained */
    if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid || setuid(0) == 0 ||
        seteuid(0) == 0) {
        snprintf(err, errlen, "root privileges are still held after switching to uid %u", (unsigned)uid);
        return false;
    }
    return true;
}
