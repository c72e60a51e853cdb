/* audit.h - the audit log of external forwarding decisions, and the report
 * that reads it (docs/policy.md, "How one forward is decided", last
 * paragraph; `sievegate policy report` in docs/cli.md).
 *
 * Takes: the `audit_log` setting ("syslog", one database, or both,
 * comma-separated: "syslog,/var/lib/sievegate/audit.db",
 * "syslog,postgresql://sievegate@db.example.com/sievegate"; a postgresql://
 * URI runs to the end of the setting, since it may name several hosts
 * "h1,h2"), and one record per decision about an external target (allowed
 * or blocked). Returns: nothing to delivery but success or a reason; to the
 * admin, a report of forwarders, recipient domains, hosts and mechanisms,
 * counts, first forward dates, blocked vs allowed and what is new in the
 * period, for every host that writes into the database.
 *
 * Sinks: syslog (facility mail, one structured key=value line a record) and
 * a database separate from the policy store, since the delivering user must
 * append to it:
 * - SQLite: written by the processes that may write the file (it and its
 *   directory writable; a file that does not exist yet is created only in
 *   a directory this process owns, e.g. by root or by `sievegate policy
 *   init`, versioned schema, rollback journal).
 * - PostgreSQL (one table for many mail hosts; its schema made by `sievegate
 *   policy migrate`, checked at the first record of a process).
 * A record the database cannot take now (PostgreSQL down, restarting or
 * failing over; SQLite broken or locked too long) or that this user may not
 * write (delivery running as each recipient, the file root's) is spooled,
 * one file a record, in audit_spool_dir (mode 1777, sticky: a user's files
 * are their own, 0640), and sent with the next record that reaches the
 * database, by `policy audit-flush`, or by `policy report` before it
 * reports. Every record carries a random id, unique in the table, and is
 * sent with INSERT ... ON CONFLICT DO NOTHING: a record sent whose file
 * could not then be removed is not counted twice. When even the spool
 * cannot be written, the record goes to syslog with the reason.
 * Nothing is lost silently and delivery never fails because of the audit.
 */
#ifndef SG_AUDIT_H
#define SG_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/config.h"

typedef struct sg_audit_record {
    int64_t time;              /* seconds since the epoch (UTC); 0 = now, when recording */
    const char *owner;         /* the user whose script forwards, local@domain */
    const char *target;        /* the normalised target address */
    const char *target_domain; /* the A-label domain that classified the target */
    const char *mechanism;     /* "redirect" | "redirect-copy" | "notify" (sg_fwd_mechanism_name) */
    const char *verdict;       /* "allow" | "block" | ... (sg_fwd_verdict_name), or "policy_unavailable" */
    const char *policy;        /* the outbound policy that decided (or was in force), or NULL */
    const char *remote_domain; /* the remote-domain pattern that decided, or NULL */
    const char *message_id;    /* the message's Message-ID, or NULL */
    /* Set when recording, when NULL (and not part of the syslog line, whose
     * header names the host): */
    const char *host; /* the mail host that decided: hostname, else gethostname() */
    const char *id;   /* 32 hex digits, random: the record's identity across retries */
} sg_audit_record;

typedef struct sg_audit sg_audit;

/* Parses the setting; NULL or "" mean "syslog". Opens nothing yet: the
 * database is opened (an SQLite one created) at the first record. Returns
 * false, with err saying why, for an empty item, more than one database, or
 * a PostgreSQL URI with a password in it. */
bool sg_audit_open(const char *setting, sg_audit **out, char *err, size_t errlen);
/* The same for the configuration: audit_log, postgresql_password_file,
 * audit_spool_dir (default SG_AUDIT_SPOOL_DIR) and hostname. */
bool sg_audit_open_config(const sg_config *cfg, sg_audit **out, char *err, size_t errlen);
void sg_audit_close(sg_audit *audit);

#define SG_AUDIT_SPOOL_DIR "/var/spool/sievegate/audit"

/* What sg_audit_open leaves at its defaults (NULL: keep the current value). */
typedef struct sg_audit_options {
    const char *password_file; /* PostgreSQL's password (store/pg_db.h) */
    const char *spool_dir;     /* where records wait for PostgreSQL */
    const char *host;          /* the records' host */
} sg_audit_options;
void sg_audit_configure(sg_audit *audit, const sg_audit_options *opt);

/* The database the setting names (a path or a postgresql:// URI), or NULL
 * when it names none. */
const char *sg_audit_database(const sg_audit *audit);
/* Whether that database is PostgreSQL. */
bool sg_audit_is_postgresql(const sg_audit *audit);

/* PostgreSQL: creates or upgrades the audit table (`sievegate policy
 * migrate`); *from and *to the versions before and after. SQLite: migrates
 * the file, creating it. False with err. */
bool sg_audit_migrate(sg_audit *audit, int *from, int *to, char *err, size_t errlen);

/* Sends every spooled record this process may take (root: all; another
 * user: its own) to the database: *sent of them went (or were there
 * already), *left remain (another user's, or unreadable). False with err
 * when the database cannot be reached (nothing is lost: the files stay). */
bool sg_audit_flush_spool(sg_audit *audit, size_t *sent, size_t *left, char *err, size_t errlen);

/* Lines meant for syslog(3) (LOG_MAIL | LOG_INFO, or LOG_WARNING for a
 * failure) go to fn instead: for tests and host programs. NULL restores syslog. */
typedef void (*sg_audit_line_fn)(void *ctx, int priority, const char *line);
void sg_audit_set_line_sink(sg_audit *audit, sg_audit_line_fn fn, void *ctx);

/* Records one decision in every configured sink. Returns false, with err
 * saying why, on a fault: the database failed (the record then went into
 * the spool, or else to syslog all the same, with the reason). A record
 * spooled because this user may not write the database is no fault. */
bool sg_audit_record_decision(sg_audit *audit, const sg_audit_record *rec, char *err, size_t errlen);

/* The syslog line of a record: "forward-audit time=... owner=... target=...
 * target_domain=... mechanism=... verdict=... [policy=...] [remote_domain=...]
 * [message_id=...]". Values holding a space, '"', '\\' or '=' are quoted;
 * control bytes are escaped (\xHH). Returns the length it needed (as snprintf). */
size_t sg_audit_format_line(const sg_audit_record *rec, char *buf, size_t len);

/* Times: "YYYY-MM-DD" (midnight) or "YYYY-MM-DDTHH:MM:SS[Z]", always UTC. */
#define SG_AUDIT_TIME_LEN 21
bool sg_audit_parse_time(const char *text, int64_t *out);
void sg_audit_format_time(int64_t t, char buf[SG_AUDIT_TIME_LEN]); /* "YYYY-MM-DDTHH:MM:SSZ" */

/* ---- the report ("auto-forwarded messages report") ---- */

/* Which records a report covers: all of them by default. */
typedef struct sg_audit_query {
    int64_t since, until; /* the period [since, until); 0: open-ended */
    const char *host;      /* NULL: every host */
    const char *owner;     /* NULL: every user */
    const char *domain;    /* NULL: every target domain */
    const char *verdict;   /* NULL: every verdict ("allow", "block", "policy_unavailable") */
    const char *mechanism; /* NULL: every mechanism ("redirect", "redirect-copy", "notify", "admin-forward") */
} sg_audit_query;

typedef struct sg_audit_forwarder {
    const char *owner;
    unsigned long forwards, allowed, blocked; /* in the period; blocked = every verdict but allow */
    unsigned long recipients, domains;        /* distinct targets and target domains in the period */
    int64_t first_forward;                    /* the owner's first recorded forward, ever */
    bool is_new;                              /* that first forward lies in the period */
} sg_audit_forwarder;

typedef struct sg_audit_domain_stat {
    const char *domain;
    unsigned long forwards, allowed, blocked;
    unsigned long forwarders; /* distinct owners in the period */
    int64_t first_forward;    /* the first recorded forward to the domain, ever */
    bool is_new;
} sg_audit_domain_stat;

/* Per host, or per mechanism: the records in the period. */
typedef struct sg_audit_count {
    const char *name; /* the host ("" for records older than hosts), or the mechanism */
    unsigned long forwards, allowed, blocked;
    unsigned long forwarders; /* distinct owners */
} sg_audit_count;

typedef struct sg_audit_report {
    int64_t since; /* the period's start; 0 = all time */
    int64_t until; /* its end (excluded); 0 = now */
    unsigned long total, allowed, blocked;
    unsigned long new_forwarders, new_domains;
    sg_audit_forwarder *forwarders; /* by owner */
    size_t nforwarders;
    sg_audit_domain_stat *domains; /* by domain */
    size_t ndomains;
    sg_audit_count *hosts; /* by host */
    size_t nhosts;
    sg_audit_count *mechanisms; /* by mechanism: inbox rules (redirect...) apart from admin-forward */
    size_t nmechanisms;
    sg_audit_record *records; /* every record of the period, oldest first */
    size_t nrecords;
    sg_arena *arena; /* owns the report and every string in it */
} sg_audit_report;

/* Reads the audit's database (read-only) for the records `q` selects. An
 * SQLite database that does not exist yet gives an empty report. Returns
 * false, with err saying why, when it cannot be read (corrupt, permission,
 * locked too long, the server down) or names no database. */
bool sg_audit_report_query(sg_audit *audit, const sg_audit_query *q, sg_audit_report **out, char *err,
                           size_t errlen);
/* The same for an SQLite file `path` and a period starting at `since`. */
bool sg_audit_report_read(const char *path, int64_t since, sg_audit_report **out, char *err, size_t errlen);
void sg_audit_report_free(sg_audit_report *report);

#endif
