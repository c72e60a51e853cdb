/* ms_backend.h - what ManageSieve's commands do (the backend of
 * ms_session.h): logins against the user database, and the scripts of the
 * logged-in user in Dovecot's layout, checked as `sievegate check -u` checks
 * them.
 *
 * Takes: the server's configuration, settings, registry, user database and
 * an open policy source (kept for the session), and the per-connection
 * facts the session does not know (the client, for logs).
 * Returns: the session's backend hooks (sg_ms_backend_hooks), each answer
 * with RFC 5804's response codes.
 *
 * Logins (SASL PLAIN, RFC 4616): the authentication identity is looked up
 * in the userdb (store/userdb.h: auth_username_format, lowercasing) and the
 * password checked against its hash (base/password.h). A wrong password,
 * an unknown user, a user without a password and a hash that cannot be
 * checked answer the same (FAIL, after auth_failure_delay; an unknown user
 * costs a hash computation too, so that the time tells nothing); each is
 * logged with its real reason. The userdb's temporary failure, a user whose
 * uid is not the server's (files would be written as the wrong user) and a
 * home or script directory that cannot be made are TEMPFAIL (logged).
 * Logged in, the user's home is made when missing (as for delivery), and
 * the script store opened where delivery looks (expanded for the user):
 * `sieve = file:DIR;active=LINK` (Pigeonhole's location; LINK defaults to
 * ~/.dovecot.sieve), or `sieve` the link and `sieve_dir` the directory.
 *
 * CHECKSCRIPT and PUTSCRIPT: engine/core/lint.h with the user as the owner
 * of the forwards, the policy read for the user through the session's
 * source (as delivery reads it), includes from sieve_dir and the global
 * location: errors answer NO with one line each ("line 3, column 1: error:
 * ..."), every warning with OK (WARNINGS); PUTSCRIPT stores a script with
 * warnings (the user was told) and never one with errors (RFC 5804 §2.6).
 * A policy that cannot be read adds a warning saying that forwards were not
 * checked. The store's statuses: NONEXISTENT, ACTIVE, ALREADYEXISTS,
 * QUOTA/MAXSIZE, QUOTA/MAXSCRIPTS, QUOTA; a file system failure is NO
 * (TRYLATER), its reason logged.
 */
#ifndef SG_MS_BACKEND_H
#define SG_MS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/config.h"
#include "engine/core/settings.h"
#include "server/managesieve/ms_session.h"
#include "store/policy_source.h"
#include "store/userdb.h"

struct sg_registry;

typedef struct sg_ms_account_config {
    const sg_config *config;
    const sg_settings *settings;
    const struct sg_registry *registry;
    sg_userdb *userdb;
    sg_policy_source *policy;   /* may be NULL: read from the configuration at each check */
    unsigned auth_failure_delay_ms;
    uid_t uid;                  /* the server's: a user must have it */
    size_t max_script_size;     /* sieve_max_script_size */
    size_t max_scripts;         /* sieve_quota_max_scripts (0: no limit) */
    unsigned long long max_storage; /* sieve_quota_max_storage (0: no limit) */
    /* The server's log: priority is syslog's (LOG_ERR, LOG_INFO). */
    void (*log)(void *log_ctx, int priority, const char *user, const char *line);
    void *log_ctx;
} sg_ms_account_config;

typedef struct sg_ms_account sg_ms_account;

sg_ms_account *sg_ms_account_new(const sg_ms_account_config *cfg);
void sg_ms_account_free(sg_ms_account *a);

/* The session's backend over this account; write hook and log hook are
 * the caller's to set. */
void sg_ms_account_backend(sg_ms_account *a, sg_ms_backend *b);

#endif
