/* interp.h - runs a validated script against a message and an envelope.
 *
 * Takes: an sg_script that passed engine/validate, the message, the envelope
 * and run options. Returns: the action list in an sg_result (engine/core/result.h).
 * It never performs I/O: enforcement and delivery work on the result later.
 * Control flow (RFC 5228 §3) is here; each command's and test's semantics are
 * the `exec`/`test` functions in its extension's table, which use the helpers
 * below.
 */
#ifndef SG_INTERP_H
#define SG_INTERP_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/core/compare.h"
#include "engine/mail/message.h"
#include "engine/mail/mime.h"
#include "engine/core/registry.h"
#include "engine/core/result.h"
#include "engine/core/validate.h"

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

/* RFC 5235: where a spam or virus test's result is, as Pigeonhole's
 * sieve_spamtest_* / sieve_virustest_* settings say. Header specifications
 * are "Name" or "Name: POSIX-regex" (the first group is the value). */
typedef struct sg_spamvirus_config {
    const char *status_header; /* NULL: not configured, every test sees "0" */
    const char *status_type;   /* "score" (default), "strlen" or "text" */
    const char *max_header;    /* score/strlen: exactly one of max_header and max_value */
    const char *max_value;
    const char *text_values[11]; /* text: the value meaning 0..10 (virustest 0..5) */
} sg_spamvirus_config;
/* RFC 5183 §4.1 environment items as the host knows them; NULL: unknown, and
 * then the environment test is false for that item (as Pigeonhole). "name"
 * and "version" are sievegate's own. */
typedef struct sg_environment {
    const char *domain, *host, *location, *phase, *remote_host, *remote_ip;
} sg_environment;
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

/* What the interpreter reports while it runs, for `sievegate test --trace`
 * (like Pigeonhole's sieve-test -t): each command it runs, each test's
 * result, each comparison a test makes (the value, the key, the match type
 * and whether they match), each variable set. The strings are valid for the
 * call only. */
typedef enum {
    SG_TRACE_COMMAND, /* name: the command about to run */
    SG_TRACE_TEST,    /* name: the test; result */
    SG_TRACE_COMPARE, /* value compared with key under match (":is", ...) and comparator; result */
    SG_TRACE_SET,     /* name: the variable; value */
} sg_trace_kind;

typedef struct sg_trace_event {
    sg_trace_kind kind;
    sg_loc loc;
    const char *name;
    const char *value;
    size_t value_len;
    const char *key;
    size_t key_len;
    const char *match;      /* ":is", ":contains", ":matches", ":regex", ":value", ":count", ":list" */
    const char *comparator; /* "i;ascii-casemap", ... */
    bool result;
    bool nothing_compared; /* SG_TRACE_TEST: a matching test found no value to compare */
} sg_trace_event;

typedef struct sg_run_options {
    sg_result_limits limits;
    /* sievegate test --trace: called for every event (NULL: no trace) */
    void (*trace)(void *ctx, const sg_trace_event *ev);
    void *trace_ctx;
    double max_cpu_seconds;          /* 0: unlimited */
    const char *subaddress_separator; /* RFC 5233; default "+" */
    /* NULL: no tracking, every "duplicate" test is false (as sieve-test). */
    const sg_duplicate_tracker *duplicates;
    unsigned long long duplicate_default_period; /* 0: SG_DUPLICATE_DEFAULT_PERIOD */
    unsigned long long duplicate_max_period;     /* 0: SG_DUPLICATE_MAX_PERIOD */
    sg_spamvirus_config spamtest, virustest;     /* RFC 5235 */
    sg_mime_limits mime; /* RFC 5173 / RFC 5703 MIME parsing bounds (0: defaults) */
    size_t max_variable_size; /* bytes a variable holds (RFC 5229 §6); 0: SG_DEFAULT_MAX_VARIABLE_SIZE */
    long long now;                /* RFC 5260 currentdate, seconds since the epoch; 0: the real clock */
    sg_environment environment;   /* RFC 5183 */
    const sg_editheader_config *editheader;      /* NULL: the defaults */
    /* RFC 5490 mailboxexists, RFC 8579 special-use: NULL answers as an
     * empty store, where only INBOX exists. */
    const struct sg_mailbox_store *mailboxes;
    /* RFC 6134 externally stored lists (engine/core/list_store.h): NULL, no list exists. */
    const struct sg_list_store *lists;
} sg_run_options;

/* Pigeonhole's sieve_variables_max_variable_size: longer values are cut (at a
 * UTF-8 character boundary), so no script can grow memory without bound. */
#define SG_DEFAULT_MAX_VARIABLE_SIZE 4096

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

/* RFC 5173, RFC 5703: the message's MIME parts, split on first use. */
sg_mime *sg_interp_mime(sg_interp *in);
/* RFC 5703 §3: the part the innermost foreverypart is at; 0 (the message) outside any loop. */
size_t sg_interp_current_part(sg_interp *in);
/* How many foreverypart loops enclose the command being run. */
unsigned sg_interp_loop_depth(sg_interp *in);
/* A loop command's body, run once with the current part set to `part`.
 * Returns false when the loop must end: a break (consumed here when it names
 * this loop, `name`, or no loop) or a stop. */
bool sg_interp_loop_body(sg_interp *in, const sg_node *block, size_t part, const char *name);
/* RFC 5703 §3.2 "break [:name]": ends the named (NULL: the innermost) loop. */
void sg_interp_break(sg_interp *in, const char *name);
/* Sets a variable (RFC 5229), for commands that set one (extracttext, imap4flags). */
void sg_interp_var_set(sg_interp *in, const char *name, sg_strview value);
/* A variable's value ("" when it was never set), for commands that read one (imap4flags). */
sg_strview sg_interp_var_get(sg_interp *in, const char *name);

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

/* A non-fatal runtime problem at the node: recorded in result->warnings, the run goes on. */
void sg_interp_warning(sg_interp *in, const sg_node *node, const char *code, const char *fmt, ...) SG_PRINTF(4, 5);

/* The flags a keep/fileinto stores with (RFC 5232 §5): its :flags argument
 * when given, else the internal variable. */
sg_flags sg_action_flags(sg_interp *in, const sg_bound *b);
/* Splits flag strings on spaces into unique flags (RFC 5232 §3). */
sg_flags sg_flags_from(sg_interp *in, const sg_strview *items, size_t n);

/* include (RFC 6609): runs an included script (NULL: a missing :optional
 * one) in the same result, with its own variables; with once, only if it
 * was not included before in this run (§3.2). */
void sg_interp_include(sg_interp *in, const sg_script *script, bool once);
/* RFC 6609 §3.4.1: the current script's `name` refers to the global variable. */
void sg_interp_declare_global(sg_interp *in, const char *name, size_t len);

/* imap4flags (RFC 5232 §3): the internal variable's current flags. */
sg_flags sg_interp_flags(sg_interp *in);
void sg_interp_set_flags(sg_interp *in, sg_flags flags);

#endif
