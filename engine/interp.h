/* interp.h - runs a validated script against a message and an envelope.
 *
 * Takes: an sg_script that passed engine/validate, the message, the envelope
 * and run options. Returns: the action list in an sg_result (engine/result.h).
 * It never performs I/O: enforcement and delivery work on the result later.
 * Control flow (RFC 5228 §3) is here; each command's and test's semantics are
 * the `exec`/`test` functions in its extension's table, which use the helpers
 * below.
 */
#ifndef SG_INTERP_H
#define SG_INTERP_H

#include <stdbool.h>
#include <stddef.h>

#include "compare.h"
#include "message.h"
#include "registry.h"
#include "result.h"
#include "validate.h"

typedef struct sg_envelope {
    const char *from;    /* envelope sender (MAIL FROM); "" is the null sender */
    const char *to;      /* final recipient (RCPT TO) */
    const char *orig_to; /* original recipient, or NULL */
    const char *auth;    /* authenticated sender, or NULL */
} sg_envelope;

/* RFC 7352 duplicate tracking, as the host keeps it: the interpreter only
 * asks (it does no I/O); the ids to record after a successful delivery come
 * back in sg_result.duplicates. */
typedef struct sg_duplicate_tracker {
    /* Whether (handle, id) was recorded by an earlier successful run and has
     * not expired. handle NULL: none given. A tracker that cannot tell
     * answers false: a duplicate delivered twice is better than a message
     * taken for a duplicate (RFC 7352 §3). */
    bool (*seen)(void *ctx, const char *handle, const char *id, size_t id_len);
    void *ctx;
} sg_duplicate_tracker;

#define SG_DUPLICATE_DEFAULT_PERIOD (12ull * 3600) /* Pigeonhole 2.3 sieve_duplicate_default_period */
#define SG_DUPLICATE_MAX_PERIOD (2ull * 86400)     /* Pigeonhole 2.3 sieve_duplicate_max_period */

/* editheader (RFC 5293 §6) as Pigeonhole's sieve_editheader_* settings: names
 * are space-separated, compared ASCII case-insensitively. Received,
 * Auto-Submitted and X-Sieve-Redirected-From are always protected. */
typedef struct sg_editheader_config {
    const char *protected_names; /* sieve_editheader_protected: neither added nor deleted */
    const char *forbid_add;      /* sieve_editheader_forbid_add */
    const char *forbid_delete;   /* sieve_editheader_forbid_delete */
    size_t max_header_size;      /* sieve_editheader_max_header_size; 0: 2048 */
} sg_editheader_config;

#define SG_EDITHEADER_DEFAULT_MAX_SIZE 2048 /* Pigeonhole's default */
/* Header changes per run: each rebuilds the header index (memory and time
 * linear in the fields), so a script cannot make them without bound. */
#define SG_EDITHEADER_MAX_EDITS 100

typedef struct sg_run_options {
    sg_result_limits limits;
    double max_cpu_seconds;          /* 0: unlimited */
    const char *subaddress_separator; /* RFC 5233; default "+" */
    /* NULL: no tracking, every "duplicate" test is false (as sieve-test). */
    const sg_duplicate_tracker *duplicates;
    unsigned long long duplicate_default_period; /* 0: SG_DUPLICATE_DEFAULT_PERIOD */
    unsigned long long duplicate_max_period;     /* 0: SG_DUPLICATE_MAX_PERIOD */
    const sg_editheader_config *editheader;      /* NULL: the defaults */
    /* RFC 5490 mailboxexists, RFC 8579 special-use: NULL answers as an
     * empty store, where only INBOX exists. */
    const struct sg_mailbox_store *mailboxes;
} sg_run_options;

typedef struct sg_interp sg_interp;

/* Returns false when a runtime error ended the run (see result->errors; the
 * plan is then the implicit keep). */
bool sg_interp_run(const sg_registry *reg, const sg_script *script, sg_message *msg, const sg_envelope *env,
                   const sg_run_options *opt, sg_result *result);

/* ---- for extensions ---- */

typedef struct sg_strview {
    const char *data;
    size_t len;
} sg_strview;

sg_message *sg_interp_message(sg_interp *in);
const sg_envelope *sg_interp_envelope(sg_interp *in);
sg_result *sg_interp_result(sg_interp *in);
sg_arena *sg_interp_arena(sg_interp *in);
const sg_run_options *sg_interp_options(sg_interp *in);
bool sg_interp_enabled(sg_interp *in, const char *extension);

/* A string argument with variables expanded (RFC 5229 §3) when "variables" is required. */
sg_strview sg_interp_string(sg_interp *in, const sg_arg *arg);
/* A string or string-list argument, each item expanded; returns the count. */
size_t sg_interp_strings(sg_interp *in, const sg_arg *arg, sg_strview **items);

/* A prepared match: match type, relational operator, comparator and keys. */
typedef struct sg_matcher {
    int match;       /* SG_MATCH_* */
    sg_relop relop;  /* for :value and :count */
    int comparator;  /* SG_CMP_* */
    sg_strview *keys;
    size_t nkeys;
} sg_matcher;

/* Prepares the matcher of a test from its bound tags and key-list argument. */
void sg_interp_matcher(sg_interp *in, const sg_bound *b, const sg_arg *keys, sg_matcher *m);
/* Does `value` match any key? Sets the match variables on a :matches success. */
bool sg_interp_match(sg_interp *in, const sg_matcher *m, const char *value, size_t len);
/* RFC 5231 :count: compares the number of values with the keys. */
bool sg_interp_match_count(sg_interp *in, const sg_matcher *m, size_t count);

/* A runtime error at the node: recorded, the plan falls back to the implicit keep, the run stops. */
void sg_interp_error(sg_interp *in, const sg_node *node, const char *code, const char *fmt, ...) SG_PRINTF(4, 5);

/* The flags a keep/fileinto stores with (RFC 5232 §5): its :flags argument
 * when given, else the internal variable. */
sg_flags sg_action_flags(sg_interp *in, const sg_bound *b);
/* Splits flag strings on spaces into unique flags (RFC 5232 §3). */
sg_flags sg_flags_from(sg_interp *in, const sg_strview *items, size_t n);

/* imap4flags (RFC 5232 §3): the internal variable's current flags. */
sg_flags sg_interp_flags(sg_interp *in);
void sg_interp_set_flags(sg_interp *in, sg_flags flags);

#endif
