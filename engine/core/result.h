/* result.h - the action list a script run produces (RFC 5228 §4, §2.10).
 *
 * Takes: actions added one by one by the interpreter. Returns: the final plan,
 * with RFC 5228 semantics applied as they are added: the implicit keep
 * (cancelled by discard, fileinto, redirect, reject; not by :copy), duplicate
 * actions collapsed (two fileinto of one mailbox, two redirects to one
 * address, fileinto "INBOX" with keep), conflicts (reject/ereject with
 * keep/fileinto/redirect) and the limits max_actions and max_redirects.
 * A notify (RFC 5435) keeps the implicit keep; a recipient an earlier mailto
 * notify already has is dropped from a later one, and a notify left without
 * recipients is done once (RFC 5436 §2.7, as Pigeonhole does).
 * Conflicts and limits are runtime errors: the plan then falls back to the
 * implicit keep alone, as Pigeonhole does. Nothing here performs I/O.
 */
#ifndef SG_RESULT_H
#define SG_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "grammar/diag.h"

typedef enum {
    SG_ACT_KEEP,
    SG_ACT_FILEINTO,
    SG_ACT_REDIRECT,
    SG_ACT_DISCARD,
    SG_ACT_REJECT,
    SG_ACT_VACATION,
    SG_ACT_NOTIFY,
} sg_action_kind;

struct sg_mailto;
struct sg_header_snapshot;

typedef struct sg_flags {
    const char **items;
    size_t count;
} sg_flags;

typedef struct sg_action {
    sg_action_kind kind;
    sg_loc loc;          /* the command that added it */
    const char *mailbox; /* keep ("INBOX"), fileinto */
    const char *address; /* redirect */
    const char *reason;  /* reject, vacation */
    bool copy;           /* :copy (RFC 3894) */
    bool create;         /* :create (RFC 5490) */
    const char *specialuse; /* fileinto :specialuse (RFC 8579): the attribute asked for, or NULL */
    bool extended;       /* ereject */
    sg_flags flags;      /* imap4flags on keep/fileinto */
    /* vacation (RFC 5230) */
    const char *subject, *from, *handle; /* from: also notify's :from */
    unsigned long long period_seconds;
    bool mime;
    const char **addresses; /* :addresses, expanded (§4.5) */
    size_t naddresses;
    /* §4.2: response tracking uses the arguments before variable expansion */
    const char *track_subject, *track_from, *track_reason;
    /* notify (RFC 5435 §3): the method URI (expanded), :importance ("1".."3",
     * default "2"), :options, :message (NULL: none) and, for mailto (RFC
     * 5436), the parsed URI whose recipients the policy decides on. */
    const char *method;
    const char *importance;
    const char *const *options;
    size_t noptions;
    const char *message;
    const struct sg_mailto *mailto;
    /* editheader (RFC 5293 §7): the header fields when the action was taken,
     * NULL when they were not edited (the message as received). */
    const struct sg_header_snapshot *header;
    /* fcc (RFC 8580) on vacation and notify: file the sent message into
     * fcc (NULL: no copy), with these flags, creating the mailbox if asked */
    const char *fcc;
    sg_flags fcc_flags;
    bool fcc_create;
    const char *fcc_specialuse;
} sg_action;

typedef struct sg_result_limits {
    size_t max_actions;   /* default 32 */
    size_t max_redirects; /* default 4 */
} sg_result_limits;

/* RFC 7352 §3: an id a "duplicate" test saw, to be recorded in the tracking
 * list only once the delivery has succeeded (the caller does that). */
typedef struct sg_duplicate_mark {
    const char *handle; /* :handle, or NULL */
    const char *id;     /* the unique id (may hold NUL bytes: id_len counts) */
    size_t id_len;
    unsigned long long period_seconds; /* :seconds, capped; never 0 */
    bool last;                         /* :last: the expiry restarts (renew) */
    sg_loc loc;
} sg_duplicate_mark;

typedef struct sg_result {
    sg_arena *arena;
    sg_action *actions;
    size_t count, cap;
    bool implicit_keep;   /* still in force */
    sg_flags keep_flags;  /* flags for the implicit keep (imap4flags internal variable) */
    /* RFC 5293 §7: the implicit keep stores the header as edited at the end
     * of the run (NULL: unedited, and always after a runtime error) */
    const struct sg_header_snapshot *keep_header;
    size_t redirects;
    bool failed;          /* a runtime error happened: only the implicit keep remains */
    sg_diags errors;      /* runtime errors, located */
    sg_diags warnings;    /* non-fatal runtime problems (e.g. an invalid :regex built from variables) */
    sg_result_limits limits;
    sg_duplicate_mark *duplicates; /* RFC 7352: to record after a successful delivery */
    size_t nduplicates, capduplicates;
} sg_result;

void sg_result_init(sg_result *r, sg_arena *arena, const sg_result_limits *limits);
void sg_result_free(sg_result *r);

/* Adds an action (its strings must live in the arena); returns false after a
 * runtime error, which is recorded in r->errors and stops the script. */
bool sg_result_add(sg_result *r, const sg_action *action);

/* Adds an id to record after success (RFC 7352 §3); a second mark with the
 * same handle, id and :last is the first one (as Pigeonhole). Strings must
 * live in the arena. A failed run records nothing. */
void sg_result_track_duplicate(sg_result *r, const sg_duplicate_mark *mark);

/* Cancels the implicit keep (discard). */
void sg_result_discard(sg_result *r, sg_loc loc);

/* A runtime error: records it and reduces the plan to the implicit keep. */
void sg_result_fail(sg_result *r, sg_loc loc, const char *code, const char *fmt, ...) SG_PRINTF(4, 5);

/* The first action of that kind, or NULL. */
const sg_action *sg_result_find(const sg_result *r, sg_action_kind kind);

/* Mailbox names compare as Pigeonhole does: "INBOX" case-insensitively. */
bool sg_mailbox_equal(const char *a, const char *b);

#endif
