/* userdb.h - the user database: who a recipient address is, and where their
 * mail and files live (the LMTP server; later ManageSieve and SASL).
 *
 * Takes: an sg_config with the keys
 *   userdb       passwd (default) | passwd-file:PATH | sqlite:PATH | postgresql://... | ldap
 *   postgresql_password_file  the password of a postgresql:// userdb (store/pg_db.h)
 *   mail_uid, mail_gid  the owner of virtual users' files (a name or a number);
 *                       an entry's empty uid/gid falls back to them
 *   mail_home    template of a virtual user's home (default /var/vmail/%d/%n)
 *   auth_username_format  how an address becomes the lookup key (default
 *                %Lu: the whole address, lowercased); %u %n %d, each with
 *                an optional L (lowercase), and literal text
 *   recipient_delimiter   (default "+") the subaddress separator, RFC 5233
 *   userdb_cache_ttl      (default 0: off) seconds a user found in an sqlite,
 *                postgresql or ldap source is kept by this process (as
 *                Dovecot's auth_cache_ttl); not found is never kept, so a
 *                user just added is never bounced
 * and an address (local@domain, or a bare name).
 * Returns: the user (login name, uid, gid, home, mail location, password
 * hash, the +detail of the address), not found, or a temporary failure with
 * the reason (the caller answers 4xx: mail is never bounced on a guess).
 *
 * Sources:
 *  - passwd: the system's users (getpwnam) by the key's local part (%n of
 *    the key when it has a domain): home, uid and gid from the account.
 *  - passwd-file:PATH, Dovecot's format, one user a line:
 *        user@domain:password:uid:gid:gecos:home:shell:extra fields
 *    '#' lines and empty lines are skipped; fields after the first may be
 *    left out; empty uid, gid or home fall back to mail_uid, mail_gid and
 *    mail_home (expanded for the user); extra fields are space-separated
 *    KEY=VALUE, of which userdb_mail (or mail) sets the mail location and
 *    userdb_home / userdb_uid / userdb_gid override the fields. The file is
 *    read whole when opened and read again at a lookup when its mtime, size
 *    or inode changed (no restart or reload is needed to add a user). A
 *    malformed line (a bad uid, an empty or duplicate name, a relative home)
 *    is an error naming FILE:LINE; opening fails. When a re-read fails, the
 *    previous contents stay in use, the error is logged once through
 *    sg_userdb_last_error, and a name they do not hold is a temporary
 *    failure, not "unknown user".
 *  - sqlite:PATH, one table, opened read-only at the first lookup (SQLite is
 *    loaded then, store/sqlite_lib.h):
 *        CREATE TABLE users (
 *            username TEXT PRIMARY KEY NOT NULL, -- the lookup key: user@domain
 *            password TEXT,                      -- hash for SASL, or NULL
 *            uid INTEGER, gid INTEGER,           -- NULL: mail_uid, mail_gid
 *            home TEXT,                          -- NULL: mail_home
 *            mail TEXT                           -- NULL: mail_location
 *        );
 *    Every lookup reads the current rows. An unreadable database is a
 *    temporary failure.
 *  - postgresql://USER@HOST/DB (libpq's URI, several hosts for a failover
 *    pair; no password in it: postgresql_password_file), the same table
 *    and columns (uid, gid: integer), connected at the first lookup (libpq
 *    loaded then, store/pq_lib.h) and kept; a lost connection is made again
 *    at the next lookup. The server down is a temporary failure.
 *
 *  - ldap: the directory of ldap_uri (store/ldap_dir.h): the one entry
 *    under ldap_base that ldap_user_filter (default "(mail=%u)", %u the
 *    lookup key) finds; uid, gid and home from the attributes named by
 *    ldap_user_uid_attribute (uidNumber), ldap_user_gid_attribute
 *    (gidNumber), ldap_user_home_attribute (homeDirectory), the mail
 *    location and password hash from ldap_user_mail_attribute and
 *    ldap_user_password_attribute (both unset: none); an empty key reads no
 *    attribute, and an absent one falls back as for a passwd-file. Every
 *    lookup asks the directory; one that cannot answer within
 *    ldap_timeout, or finds two entries, is a temporary failure.
 *
 * The subaddress: with recipient_delimiter "+", "alice+lists@example.org"
 * is looked up as "alice@example.org" and the user's detail is "lists".
 * A key of more than 255 bytes, or with a control character, is not found.
 */
#ifndef SG_USERDB_H
#define SG_USERDB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/arena.h"
#include "base/config.h"

#define SG_USERDB_DEFAULT_MAIL_HOME "/var/vmail/%d/%n"
#define SG_USERDB_LDAP_UID_ATTRIBUTE "uidNumber"
#define SG_USERDB_LDAP_GID_ATTRIBUTE "gidNumber"
#define SG_USERDB_LDAP_HOME_ATTRIBUTE "homeDirectory"

typedef struct sg_userdb sg_userdb;

typedef struct sg_userdb_user {
    const char *user;     /* the login: the lookup key ("alice@example.org"); %u of the templates */
    const char *detail;   /* the address's +detail, without the delimiter; NULL when none */
    uid_t uid;
    gid_t gid;
    const char *home;     /* absolute */
    const char *mail;     /* the mail location of the entry, or NULL (use mail_location) */
    const char *password; /* the stored hash, "" when none (for SASL, issue 18) */
} sg_userdb_user;

typedef enum {
    SG_USERDB_FOUND = 0,
    SG_USERDB_NOTFOUND, /* no such user: 550 5.1.1 */
    SG_USERDB_TEMPFAIL, /* cannot tell now: 451 4.3.0, err says why */
} sg_userdb_status;

/* Reads the keys above and opens the source: a passwd-file is read now (its
 * errors name FILE:LINE), SQLite is not loaded yet. False with err. */
bool sg_userdb_open(const sg_config *cfg, sg_userdb **out, char *err, size_t errlen);
void sg_userdb_close(sg_userdb *db);

/* The source as configured, e.g. "passwd-file:/etc/vmail/users", for logs. */
const char *sg_userdb_name(const sg_userdb *db);

/* Looks the address up; the user's strings are allocated in arena. */
sg_userdb_status sg_userdb_lookup(sg_userdb *db, const char *address, sg_arena *arena, sg_userdb_user *out,
                                  char *err, size_t errlen);

/* The lookup key of an address (auth_username_format applied to it without
 * its +detail), in arena, and the detail (NULL: none). NULL when the address
 * cannot be a user (empty, too long, control characters). */
const char *sg_userdb_key(const sg_userdb *db, const char *address, sg_arena *arena, const char **detail);

/* The numeric uid or gid of mail_uid / mail_gid as configured; false when
 * unset. */
bool sg_userdb_mail_uid(const sg_userdb *db, uid_t *uid);
bool sg_userdb_mail_gid(const sg_userdb *db, gid_t *gid);

/* A uid (group false) or gid as configured: a number up to 2^31-1, or a
 * user or group name of the system's databases; "" is -1 (none given).
 * False when it is neither. */
bool sg_userdb_parse_id(const char *s, bool group, long long *out);

/* ---- the passwd-file parser, for the tests and the fuzzer ---- */

typedef struct sg_userdb_entry {
    char *name;
    char *password;
    long long uid, gid; /* -1: empty (mail_uid, mail_gid) */
    char *home;         /* NULL: empty (mail_home) */
    char *mail;         /* NULL: none */
} sg_userdb_entry;

/* Parses the whole text of a passwd-file named `file` (for messages) into
 * entries allocated in arena, sorted by name. False with err
 * "FILE:LINE: why" at the first malformed line. */
bool sg_userdb_parse_passwd_file(const char *file, const char *text, size_t len, sg_arena *arena,
                                 sg_userdb_entry **entries, size_t *n, char *err, size_t errlen);

#endif
