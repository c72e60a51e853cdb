/* audit.h - the audit log of external forwarding decisions, and the report
 * that reads it (docs/policy.md, "Decision for one forward", last
 * paragraph; `sievegate policy report` in docs/cli.md).
 *
 * Takes: the `audit_log` setting ("syslog", a database path, or both,
 * comma-separated: "syslog,/var/lib/sievegate/audit.db") and one record per
 * decision about an external target (allowed or blocked). Returns: nothing to
 * delivery but success or a reason; to the admin, a report of forwarders,
 * recipient domains, counts, first forward dates, blocked vs allowed and what
 * is new in the period.
 *
 * Sinks: syslog (facility mail, one structured key=value line a record) and
 * an SQLite database separate from the policy store, since the delivering
 * user must append to it (the file and its directory must be writable by
 * every delivering user, e.g. group mail). The database is created on the
 * first record (rollback journal, versioned schema). When it cannot be
 * written the record still goes to syslog, with the reason, so nothing is
 * lost silently and delivery never fails because of the audit.
 */
#ifndef SG_AUDIT_H
#define SG_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

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
} sg_audit_record;

typedef struct sg_audit sg_audit;

/* Parses the setting; NULL or "" mean "syslog". Opens nothing yet: the
 * database is opened (and created) at the first record. Returns false, with
 * err saying why, for an empty item or more than one database path. */
bool sg_audit_open(const char *setting, sg_audit **out, char *err, size_t errlen);
void sg_audit_close(sg_audit *audit);

/* The database path the setting names, or NULL when it names none. */
const char *sg_audit_database(const sg_audit *audit);

/* Lines meant for syslog(3) (LOG_MAIL | LOG_INFO, or LOG_WARNING for a
 * failure) go to fn instead: for tests and host programs. NULL restores syslog. */
typedef void (*sg_audit_line_fn)(void *ctx, int priority, const char *line);
void sg_audit_set_line_sink(sg_audit *audit, sg_audit_line_fn fn, void *ctx);

/* Records one decision in every configured sink. Returns false, with err
 * saying why, when the database could not be written (the record then went
 * to syslog all the same, with the reason). */
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

typedef struct sg_audit_report {
    int64_t since; /* the period's start; 0 = all time */
    unsigned long total, allowed, blocked;
    unsigned long new_forwarders, new_domains;
    sg_audit_forwarder *forwarders; /* by owner */
    size_t nforwarders;
    sg_audit_domain_stat *domains; /* by domain */
    size_t ndomains;
    sg_audit_record *records; /* every record of the period, oldest first */
    size_t nrecords;
    sg_arena *arena; /* owns the report and every string in it */
} sg_audit_report;

/* Reads the database at `path` read-only. A database that does not exist yet
 * gives an empty report. Returns false, with err saying why, when it cannot
 * be read (corrupt, permission, locked too long). */
bool sg_audit_report_read(const char *path, int64_t since, sg_audit_report **out, char *err, size_t errlen);
void sg_audit_report_free(sg_audit_report *report);

#endif
