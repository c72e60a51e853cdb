/* config_keys.c - see config_keys.h. Each default here is the one the code
 * applies when the key is unset (tests/unit_config checks them against the
 * code's constants). */
#include "engine/core/config_keys.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "engine/core/mailbox_store.h"
#include "store/audit.h"
#include "store/ldap_dir.h"
#include "store/userdb.h"
#include "store/pg_db.h"
#include "store/policy_cache.h"
#include "store/policy_store.h"

/* ---- checks the types cannot express ---- */

static bool check_policy_store(const char *v, char *err, size_t errlen)
{
    if (sg_pg_is_uri(v))
        return sg_pg_uri_check(v, err, errlen);
    if (strcmp(v, "none") == 0 || sg_policy_store_path(v))
        return true;
    snprintf(err, errlen, "expected sqlite:/path/to/policy.db, postgresql://host/dbname or none");
    return false;
}

static bool check_audit_log(const char *v, char *err, size_t errlen)
{
    sg_audit *a = NULL;
    bool ok = sg_audit_open(v, &a, err, errlen);
    sg_audit_close(a);
    return ok;
}

static bool check_memcached(const char *v, char *err, size_t errlen)
{
    sg_policy_cache_options opt;
    memset(&opt, 0, sizeof opt);
    opt.servers = v;
    opt.namespace_ = SG_CACHE_DEFAULT_NAMESPACE;
    opt.ttl = SG_CACHE_DEFAULT_TTL;
    opt.connect_timeout_ms = SG_CACHE_DEFAULT_CONNECT_TIMEOUT_MS;
    opt.poll_timeout_ms = SG_CACHE_DEFAULT_POLL_TIMEOUT_MS;
    opt.dead_timeout = SG_CACHE_DEFAULT_DEAD_TIMEOUT;
    sg_policy_cache *c = NULL;
    bool ok = sg_policy_cache_open(&opt, &c, err, errlen); /* parses the list; connects to nothing */
    sg_policy_cache_close(c);
    return ok;
}

static bool check_special_use(const char *v, char *err, size_t errlen)
{
    sg_arena *arena = sg_arena_new();
    sg_special_use *uses;
    size_t n;
    bool ok = sg_special_use_parse(v, arena, &uses, &n, err, errlen);
    sg_arena_free(arena);
    return ok;
}

static bool check_host_port(const char *v, char *err, size_t errlen)
{
    const char *colon = strrchr(v, ':');
    if (*v && (!colon || (colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1))))
        return true;
    snprintf(err, errlen, "expected HOST or HOST:PORT");
    return false;
}

static bool check_address(const char *v, char *err, size_t errlen)
{
    const char *at = strchr(v, '@');
    bool printable = true; /* it goes into a header field: no controls, no spaces */
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        printable &= *p > 0x20 && *p != 0x7f;
    if (at && at != v && at[1] && !strchr(at + 1, '@') && printable && !strpbrk(v, "<>,()\"\\;"))
        return true;
    snprintf(err, errlen, "expected an address local@domain");
    return false;
}

static bool check_userdb(const char *v, char *err, size_t errlen)
{
    if (strcmp(v, "passwd") == 0 || (strncmp(v, "passwd-file:", 12) == 0 && v[12] == '/') ||
        (strncmp(v, "sqlite:", 7) == 0 && v[7] == '/') || strcmp(v, "ldap") == 0)
        return true;
    if (sg_pg_is_uri(v))
        return sg_pg_uri_check(v, err, errlen);
    snprintf(err, errlen, "expected passwd, passwd-file:/PATH, sqlite:/PATH, postgresql://... or ldap");
    return false;
}

static bool check_ldap_uri(const char *v, char *err, size_t errlen)
{
    /* space-separated URIs, each tried in turn by libldap */
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, " ");
        if (n && strncmp(p, "ldap://", 7) != 0 && strncmp(p, "ldaps://", 8) != 0 && strncmp(p, "ldapi://", 8) != 0) {
            snprintf(err, errlen, "expected ldap://HOST[:PORT], ldaps://... or ldapi://..., space-separated");
            return false;
        }
        p += n + strspn(p + n, " ");
    }
    return true;
}

static bool check_octal_mode(const char *v, char *err, size_t errlen)
{
    if (*v && strlen(v) <= 4 && strspn(v, "01234567") == strlen(v))
        return true;
    snprintf(err, errlen, "expected an octal mode such as 0660");
    return false;
}

/* ---- the table ---- */

#define S_MAIL "Mail and scripts"
#define S_LIMITS "Limits"
#define S_POLICY "The forwarding policy"
#define S_DIR "The directory (LDAP)"
#define S_OUT "Outgoing mail"
#define S_SIEVE "Sieve extensions"
#define S_ENV "The environment extension (RFC 5183)"
#define S_SPAM "spamtest and virustest (RFC 5235)"
#define S_SERVERS "Servers and virtual users"
#define S_MS "The ManageSieve server"

#define KEY(sec, name, type, def, allowed, help) {sec, name, type, def, allowed, help, 0, 0, NULL}
#define KEYC(sec, name, type, def, allowed, help, check) {sec, name, type, def, allowed, help, 0, 0, check}

static const sg_config_key keys[] = {
    KEY(S_MAIL, "mail_location", SG_KEY_PATH, "maildir:~/Maildir", NULL,
        "where a user's mail is stored (Dovecot's syntax; only maildir:)"),
    KEY(S_MAIL, "sieve", SG_KEY_PATH, "~/.dovecot.sieve", NULL, "the user's active script"),
    KEY(S_MAIL, "sieve_dir", SG_KEY_PATH, "~/sieve", NULL,
        "where :personal scripts for include live (test and check: the script's own directory)"),
    KEY(S_MAIL, "sieve_global", SG_KEY_PATH, NULL, NULL, "where :global scripts for include live (unset: none)"),
    KEY(S_MAIL, "sieve_global_dir", SG_KEY_PATH, NULL, NULL, "the older name of sieve_global"),
    {S_MAIL, "sieve_before", SG_KEY_PATH, NULL, NULL,
     "admin script (or directory of *.sieve) run before the user's",
     SG_KEY_NUMBERED, 99, NULL},
    {S_MAIL, "sieve_after", SG_KEY_PATH, NULL, NULL,
     "admin script (or directory of *.sieve) run after the user's", SG_KEY_NUMBERED, 99,
     NULL},
    KEY(S_MAIL, "state_file", SG_KEY_PATH, "~/.sievegate.state.db", NULL,
        "per-user state: forwards sent, bounces, vacation replies, duplicate ids"),
    KEY(S_MAIL, "first_valid_uid", SG_KEY_UINT, "1", NULL,
        "deliver refuses users with a lower uid (0 allows root)"),
    KEY(S_MAIL, "lda_mailbox_autocreate", SG_KEY_YESNO, "no", NULL,
        "fileinto creates a missing mailbox (else the message goes to INBOX)"),
    KEY(S_MAIL, "mail_fsync", SG_KEY_ENUM, "optimized", "optimized|always|never",
        "fsync stored mail before reporting success (never: for tests only)"),
    KEY(S_MAIL, "recipient_delimiter", SG_KEY_STRING, "+", NULL,
        "separates an address's detail (user+detail@domain); empty: none"),
    KEY(S_MAIL, "hostname", SG_KEY_STRING, NULL, NULL,
        "this host's name in bounces, Message-IDs and Maildir file names (unset: the system's)"),
    KEYC(S_MAIL, "mailbox_special_use", SG_KEY_STRING, NULL, NULL,
         "special-use attributes of mailboxes: NAME:\\Use \\Use; NAME:..., e.g. Spam:\\Junk",
         check_special_use),

    KEY(S_LIMITS, "max_script_size", SG_KEY_SIZE, "1M", "1..", "the largest script accepted"),
    KEY(S_LIMITS, "max_string_length", SG_KEY_SIZE, "1M", "1..", "the longest string in a script"),
    KEY(S_LIMITS, "max_nesting", SG_KEY_UINT, "32", "1..4294967295", "how deep blocks and tests may nest"),
    KEY(S_LIMITS, "max_arguments", SG_KEY_UINT, "32", "1..4294967295", "the most arguments of one command"),
    KEY(S_LIMITS, "max_actions", SG_KEY_UINT, "32", NULL, "the most actions one run may take"),
    KEY(S_LIMITS, "max_redirects", SG_KEY_UINT, "4", NULL, "the most redirects one run may take"),
    KEY(S_LIMITS, "max_cpu_time", SG_KEY_NUMBER, "30", NULL, "CPU seconds one script may use (0: no limit)"),
    KEY(S_LIMITS, "max_forward_hops", SG_KEY_UINT, NULL, "1..1000",
        "overrides the policy's max_forward_hops (unset: the policy store's, default 3)"),
    KEY(S_LIMITS, "mime_max_depth", SG_KEY_UINT, "100", NULL, "how deep MIME parts are split"),
    KEY(S_LIMITS, "mime_max_parts", SG_KEY_UINT, "10000", NULL, "the most MIME parts split"),
    KEY(S_LIMITS, "mime_max_scan_size", SG_KEY_SIZE, "10M", NULL,
        "the bytes of one body part (and of the raw body) that body, mime and extracttext tests look at"),

    KEYC(S_POLICY, "policy_store", SG_KEY_STRING, "sqlite:/var/lib/sievegate/policy.db", NULL,
         "the forwarding policy: sqlite:PATH, postgresql://[USER@]HOST[,HOST2][:PORT]/DB[?PARAM=VALUE...] "
         "(one policy for many hosts), or none for the built-in default (mode automatic)",
         check_policy_store),
    KEY(S_POLICY, "policy_unavailable", SG_KEY_ENUM, "tempfail", "tempfail|keep|block",
        "when the store cannot be read: defer (tempfail), deliver without forwarding (keep), or block"),
    KEY(S_POLICY, "policy_snapshot_file", SG_KEY_YESNO, "yes", NULL,
        "write and read a snapshot file beside the store (deliveries then need no SQLite)"),
    KEYC(S_POLICY, "memcached", SG_KEY_STRING, "", NULL,
         "memcached servers in front of the store, HOST[:PORT],... (empty: no cache)", check_memcached),
    KEY(S_POLICY, "memcached_namespace", SG_KEY_STRING, "sievegate", NULL, "prefix of the cache's keys"),
    KEY(S_POLICY, "memcached_key_file", SG_KEY_STRING, SG_CACHE_DEFAULT_KEY_FILE, NULL,
        "the key that authenticates every cache entry (HMAC-SHA256), the same on every host, readable by the "
        "mail services only; without it the cache is not used"),
    KEY(S_POLICY, "memcached_failure_dir", SG_KEY_STRING, SG_CACHE_DEFAULT_FAILURE_DIR, NULL,
        "where this host's processes share which memcached servers failed (writable by every delivering user; "
        "empty: each process on its own)"),
    KEY(S_POLICY, "policy_check_interval", SG_KEY_UINT, "5", "0..3600",
        "PostgreSQL store: seconds a host trusts the cache's generation before asking the store again (0: ask "
        "every time); a change is enforced everywhere within this time"),
    KEY(S_POLICY, "policy_cache_ttl", SG_KEY_UINT, "300", "1..2592000", "seconds a cached policy is kept"),
    KEY(S_POLICY, "memcached_connect_timeout_ms", SG_KEY_UINT, "200", "1..60000", "connect timeout"),
    KEY(S_POLICY, "memcached_poll_timeout_ms", SG_KEY_UINT, "200", "1..60000", "reply timeout"),
    KEY(S_POLICY, "memcached_dead_timeout", SG_KEY_UINT, "10", "1..86400",
        "seconds a failed server is left out"),
    KEYC(S_POLICY, "audit_log", SG_KEY_STRING, "syslog", NULL,
         "where decisions on external targets are recorded: syslog and/or one database (a path, or a "
         "postgresql:// URI, last), comma-separated",
         check_audit_log),
    KEY(S_POLICY, "audit_spool_dir", SG_KEY_STRING, SG_AUDIT_SPOOL_DIR, NULL,
        "where audit records wait while the PostgreSQL audit database cannot take them (writable by the "
        "delivering users)"),
    KEY(S_POLICY, "postgresql_password_file", SG_KEY_STRING, NULL, NULL,
        "a file whose first line is the PostgreSQL password of policy_store, audit_log and userdb (readable by the mail "
        "services only; unset: PGPASSWORD, PGPASSFILE or ~/.pgpass)"),

    KEYC(S_DIR, "ldap_uri", SG_KEY_STRING, NULL, NULL,
         "the directory of \"ldap:NAME\" policy groups and the ldap userdb: ldap://HOST[:PORT] (space-separated "
         "for more; unset: no directory)",
         check_ldap_uri),
    KEY(S_DIR, "ldap_bind_dn", SG_KEY_STRING, NULL, NULL, "the DN to bind as (unset: anonymous)"),
    KEY(S_DIR, "ldap_bind_password_file", SG_KEY_STRING, NULL, NULL,
        "a file whose first line is the bind password (readable by the mail services only)"),
    KEY(S_DIR, "ldap_base", SG_KEY_STRING, NULL, NULL, "where users are searched (subtree)"),
    KEY(S_DIR, "ldap_group_base", SG_KEY_STRING, NULL, NULL, "where groups are searched (unset: ldap_base)"),
    KEY(S_DIR, "ldap_user_filter", SG_KEY_STRING, SG_LDAP_DEFAULT_USER_FILTER, NULL,
        "the entry of an address: %u the address, %n its local part, %d its domain (escaped, RFC 4515)"),
    KEY(S_DIR, "ldap_group_filter", SG_KEY_STRING, SG_LDAP_DEFAULT_GROUP_FILTER, NULL,
        "what a group is (members: member, uniqueMember DNs or memberUid); %u %n %d as above"),
    KEY(S_DIR, "ldap_timeout", SG_KEY_UINT, "5", "1..300",
        "seconds one lookup (connect, bind and searches together) may take; slower is a failure "
        "(policy_unavailable, 4xx)"),
    KEY(S_DIR, "ldap_group_nesting_max", SG_KEY_UINT, "5", "0..20",
        "levels of groups within groups followed (0: direct members only)"),
    KEY(S_DIR, "ldap_cache_ttl", SG_KEY_UINT, "60", "0..86400",
        "seconds a process keeps an address's directory groups (0: ask every time)"),

    KEY(S_DIR, "ldap_user_uid_attribute", SG_KEY_STRING, SG_USERDB_LDAP_UID_ATTRIBUTE, NULL,
        "userdb = ldap: the attribute of a user's uid (absent: mail_uid)"),
    KEY(S_DIR, "ldap_user_gid_attribute", SG_KEY_STRING, SG_USERDB_LDAP_GID_ATTRIBUTE, NULL,
        "userdb = ldap: the attribute of a user's gid (absent: mail_gid)"),
    KEY(S_DIR, "ldap_user_home_attribute", SG_KEY_STRING, SG_USERDB_LDAP_HOME_ATTRIBUTE, NULL,
        "userdb = ldap: the attribute of a user's home (absent: mail_home); empty: none read"),
    KEY(S_DIR, "ldap_user_mail_attribute", SG_KEY_STRING, "", NULL,
        "userdb = ldap: the attribute of a user's mail location (empty: none, mail_location)"),
    KEY(S_DIR, "ldap_user_password_attribute", SG_KEY_STRING, "", NULL,
        "userdb = ldap: the attribute of a user's password hash for ManageSieve logins (empty: none)"),

    KEY(S_OUT, "sendmail_path", SG_KEY_STRING, "/usr/sbin/sendmail", NULL,
        "the program that sends redirects, bounces and replies"),
    KEYC(S_OUT, "submission_host", SG_KEY_STRING, NULL, NULL,
         "send by SMTP to HOST[:PORT] instead of sendmail_path", check_host_port),
    KEYC(S_OUT, "postmaster_address", SG_KEY_STRING, NULL, NULL,
         "the From of bounces and reject MDNs (unset: MAILER-DAEMON@hostname)", check_address),
    KEY(S_OUT, "redirect_envelope_from", SG_KEY_ENUM, "sender", "sender|owner|srs",
        "the envelope sender of a redirected message"),
    KEY(S_OUT, "srs_secret", SG_KEY_STRING, NULL, NULL, "the secret of SRS addresses (redirect_envelope_from = srs)"),
    KEY(S_OUT, "srs_domain", SG_KEY_STRING, NULL, NULL, "the domain of SRS addresses"),

    KEY(S_SIEVE, "sieve_extensions", SG_KEY_STRING, NULL, NULL,
        "extensions on: +NAME/-NAME change the default (all), plain names are the whole set"),
    KEY(S_SIEVE, "sieve_variables_max_variable_size", SG_KEY_SIZE, "4096", "1..", "the longest variable value"),
    KEY(S_SIEVE, "sieve_duplicate_default_period", SG_KEY_DURATION, "12h", NULL,
        "how long duplicate remembers an id by default"),
    KEY(S_SIEVE, "sieve_duplicate_max_period", SG_KEY_DURATION, "2d", NULL, "the longest :seconds duplicate takes"),
    KEY(S_SIEVE, "sieve_include_max_nesting_depth", SG_KEY_UINT, "10", "1..1000", "how deep includes may nest"),
    KEY(S_SIEVE, "sieve_include_max_includes", SG_KEY_UINT, "255", "1..100000", "the most scripts one run includes"),
    KEY(S_SIEVE, "sieve_editheader_max_header_size", SG_KEY_SIZE, "2048", "1024..",
        "the longest header value addheader accepts"),
    KEY(S_SIEVE, "sieve_editheader_protected", SG_KEY_STRING, NULL, NULL,
        "header fields editheader may neither add nor delete (space-separated)"),
    KEY(S_SIEVE, "sieve_editheader_forbid_add", SG_KEY_STRING, NULL, NULL, "header fields addheader may not add"),
    KEY(S_SIEVE, "sieve_editheader_forbid_delete", SG_KEY_STRING, NULL, NULL,
        "header fields deleteheader may not delete"),
    KEY(S_SIEVE, "sieve_extlists_dir", SG_KEY_PATH, NULL, NULL,
        "directory of external lists, one file a list (unset: no list exists)"),

    KEY(S_ENV, "environment_domain", SG_KEY_STRING, NULL, NULL, "the domain item (unset: hostname without its first label)"),
    KEY(S_ENV, "environment_location", SG_KEY_ENUM, "MS", "MTA|MDA|MS|MUA", "the location item"),
    KEY(S_ENV, "environment_phase", SG_KEY_ENUM, "during", "pre|during|post", "the phase item"),
    KEY(S_ENV, "environment_remote_host", SG_KEY_STRING, NULL, NULL, "the remote-host item (unset: unknown)"),
    KEY(S_ENV, "environment_remote_ip", SG_KEY_STRING, NULL, NULL, "the remote-ip item (unset: unknown)"),

    KEY(S_SPAM, "sieve_spamtest_status_header", SG_KEY_STRING, NULL, NULL,
        "NAME[: REGEX], the header holding the spam score (the regex's first group)"),
    KEY(S_SPAM, "sieve_spamtest_status_type", SG_KEY_ENUM, "score", "score|strlen|text", "how the value is read"),
    KEY(S_SPAM, "sieve_spamtest_max_value", SG_KEY_STRING, NULL, NULL, "the score that means certainly spam"),
    KEY(S_SPAM, "sieve_spamtest_max_header", SG_KEY_STRING, NULL, NULL,
        "NAME[: REGEX], a header holding that maximum instead"),
    {S_SPAM, "sieve_spamtest_text_value", SG_KEY_STRING, NULL, NULL,
     "sieve_spamtest_text_value0..10: the text meaning each level (status_type text)", SG_KEY_INDEXED, 10, NULL},
    KEY(S_SPAM, "sieve_virustest_status_header", SG_KEY_STRING, NULL, NULL, "as for spamtest, for virustest"),
    KEY(S_SPAM, "sieve_virustest_status_type", SG_KEY_ENUM, "score", "score|strlen|text", "how the value is read"),
    KEY(S_SPAM, "sieve_virustest_max_value", SG_KEY_STRING, NULL, NULL, "the value meaning certainly infected"),
    KEY(S_SPAM, "sieve_virustest_max_header", SG_KEY_STRING, NULL, NULL, "a header holding that maximum instead"),
    {S_SPAM, "sieve_virustest_text_value", SG_KEY_STRING, NULL, NULL,
     "sieve_virustest_text_value0..10: the text meaning each level", SG_KEY_INDEXED, 10, NULL},
    KEYC(S_SERVERS, "userdb", SG_KEY_STRING, "passwd", NULL,
         "who a recipient is: passwd (system users), passwd-file:PATH (Dovecot's format), sqlite:PATH or "
         "postgresql://... (the table users), or ldap (the directory of ldap_uri)",
         check_userdb),
    KEY(S_SERVERS, "userdb_cache_ttl", SG_KEY_UINT, "0", "0..86400",
        "seconds a server process keeps a user found in an sqlite, postgresql or ldap userdb (0: ask every time; "
        "not found is never kept)"),
    KEY(S_SERVERS, "mail_uid", SG_KEY_STRING, NULL, NULL,
        "the mail user (name or number) the servers run as; virtual users without a uid of their own"),
    KEY(S_SERVERS, "mail_gid", SG_KEY_STRING, NULL, NULL, "its group (unset: the mail user's primary group)"),
    KEY(S_SERVERS, "mail_home", SG_KEY_PATH, "/var/vmail/%d/%n", NULL,
        "a virtual user's home when the userdb gives none"),
    KEY(S_SERVERS, "auth_username_format", SG_KEY_STRING, "%Lu", NULL,
        "the userdb key of an address: %u %n %d, L lowercases (%Lu: the whole address, lowercased)"),
    KEY(S_SERVERS, "lmtp_listen", SG_KEY_STRING, NULL, NULL,
        "where `sievegate lmtp` listens: unix:/PATH, HOST:PORT or [IPv6]:PORT, comma-separated"),
    KEY(S_SERVERS, "lmtp_max_connections", SG_KEY_UINT, "100", "1..100000",
        "LMTP sessions served at once (one worker process each)"),
    KEY(S_SERVERS, "lmtp_idle_timeout", SG_KEY_DURATION, "5m", NULL,
        "an LMTP client silent this long is disconnected (421 4.4.2)"),
    KEY(S_SERVERS, "lmtp_max_line_length", SG_KEY_SIZE, "2048", "512..1048576",
        "the longest LMTP command line, with its CRLF"),
    KEY(S_SERVERS, "lmtp_max_message_size", SG_KEY_SIZE, "64M", "1024..1073741824",
        "the largest message LMTP accepts (SIZE)"),
    KEY(S_SERVERS, "lmtp_max_recipients", SG_KEY_UINT, "1000", "100..100000", "recipients per LMTP transaction"),
    KEY(S_SERVERS, "lmtp_script_cache_size", SG_KEY_SIZE, "8M", "0..1073741824",
        "compiled Sieve scripts an LMTP worker keeps across its messages, in bytes (0: none; an edited "
        "script is read again at the next message)"),
    KEY(S_SERVERS, "lmtp_reject_refuses", SG_KEY_YESNO, "yes", NULL,
        "a Sieve reject is answered 550 5.7.1 to the MTA (no: an MDN is sent)"),
    KEYC(S_SERVERS, "lmtp_socket_mode", SG_KEY_STRING, "0666", NULL, "the mode of LMTP unix sockets",
         check_octal_mode),
    KEY(S_SERVERS, "lmtp_socket_user", SG_KEY_STRING, NULL, NULL, "the owner of LMTP unix sockets (unset: root)"),
    KEY(S_SERVERS, "lmtp_socket_group", SG_KEY_STRING, NULL, NULL, "their group"),

    KEY(S_MS, "managesieve_listen", SG_KEY_STRING, "*:4190", NULL,
        "addresses to listen on, comma-separated: HOST:PORT, [IPv6]:PORT, *:PORT, HOST (port 4190), unix:/PATH"),
    KEY(S_MS, "managesieve_max_connections", SG_KEY_UINT, "100", "1..100000",
        "sessions served at once (one worker process each)"),
    KEY(S_MS, "managesieve_process_min_avail", SG_KEY_UINT, "2", "0..1000",
        "workers forked ahead, waiting for a connection (Dovecot's process_min_avail; 0: fork on connect)"),
    KEY(S_MS, "managesieve_login_timeout", SG_KEY_DURATION, "1m", NULL,
        "a client not logged in after this is disconnected"),
    KEY(S_MS, "managesieve_idle_timeout", SG_KEY_DURATION, "30m", NULL,
        "a silent logged-in client is disconnected after this (RFC 5804: at least 30m)"),
    KEY(S_MS, "managesieve_max_line_length", SG_KEY_SIZE, "64K", "1100..16M",
        "the longest command line, literals apart"),
    KEY(S_MS, "managesieve_max_auth_failures", SG_KEY_UINT, "3", "1..100",
        "failed logins before the connection is closed"),
    KEY(S_MS, "auth_failure_delay", SG_KEY_NUMBER, "2", NULL, "seconds a failed login waits before its answer"),
    KEY(S_MS, "disable_plaintext_auth", SG_KEY_YESNO, "yes", NULL,
        "refuse PLAIN logins without TLS, except from loopback and unix sockets"),
    KEY(S_MS, "ssl_cert", SG_KEY_STRING, NULL, NULL,
        "the certificate chain for STARTTLS (PEM; \"<path\" as in Dovecot; unset: no STARTTLS)"),
    KEY(S_MS, "ssl_key", SG_KEY_STRING, NULL, NULL, "the private key of ssl_cert (PEM)"),
    KEY(S_MS, "sieve_max_script_size", SG_KEY_SIZE, "1M", "1..", "the largest script a user may upload"),
    KEY(S_MS, "sieve_quota_max_scripts", SG_KEY_UINT, "0", NULL, "scripts a user may keep (0: no limit)"),
    KEY(S_MS, "sieve_quota_max_storage", SG_KEY_SIZE, "0", NULL, "octets of scripts a user may keep (0: no limit)"),
};

const sg_config_key *sg_config_keys(size_t *count)
{
    *count = sizeof keys / sizeof keys[0];
    return keys;
}

bool sg_config_check_keys(const sg_config *cfg, char *err, size_t errlen)
{
    return sg_config_validate(cfg, keys, sizeof keys / sizeof keys[0], err, errlen);
}

const char *sg_config_key_default(const char *name)
{
    const sg_config_key *k = sg_config_key_find(keys, sizeof keys / sizeof keys[0], name);
    return k ? k->def : NULL;
}

const char *sg_config_value(const sg_config *cfg, const char *key)
{
    const char *v = sg_config_get(cfg, key);
    return v ? v : sg_config_key_default(key);
}

size_t sg_config_value_size(const sg_config *cfg, const char *key)
{
    size_t n = 0;
    sg_parse_size(sg_config_value(cfg, key), &n);
    return n;
}

unsigned long long sg_config_value_seconds(const sg_config *cfg, const char *key)
{
    unsigned long long n = 0;
    sg_parse_duration(sg_config_value(cfg, key), &n);
    return n;
}
