/* refile.h - a plan applied to a message already stored, as Pigeonhole's
 * sieve-filter(1) does (`sievegate filter`): the same plan as a delivery
 * (engine/enforce/plan.h, built for stored mail: nobody is answered), the
 * same executor for what it sends (engine/deliver/execute.h), and, instead of
 * new copies, the stored file moved:
 *   keep          stays in its own folder (or default_mailbox), with the flags
 *                 addflag/setflag gave it added to its name (cur/:2,FLAGS)
 *   fileinto      the file moves into that folder (a link then an unlink,
 *                 flags and keywords kept); a second target gets a copy
 *   discard       the discard mode: keep (default, as sieve-filter: nothing
 *                 is lost), delete (flagged \Deleted, not expunged) or move
 *                 to a mailbox; reject counts as a discard (no MDN)
 * A message whose plan cannot be applied stays where it is (a copy already
 * made into another folder stays too: two copies, never none).
 *
 * Takes: the host, the stored message and how to refile it, and the result of
 * the script's run on it. Returns: the plan (for printing; its policy is the
 * caller's to free), what happened to the file and why not.
 */
#ifndef SG_DELIVER_REFILE_H
#define SG_DELIVER_REFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "engine/core/interp.h"
#include "engine/core/result.h"
#include "engine/deliver/delivery.h"
#include "engine/enforce/plan.h"
#include "store/user_state.h"

typedef enum { SG_DISCARD_KEEP, SG_DISCARD_DELETE, SG_DISCARD_MOVE } sg_discard_mode;

typedef enum {
    SG_REFILE_DONE = 0,   /* planned, and applied when asked */
    SG_REFILE_TEMPFAIL,   /* left where it is; run again (the policy says retry, a send or a write failed) */
    SG_REFILE_NOT_MAILDIR, /* the file is not in the new/ or cur/ of a Maildir folder: left as it is */
    SG_REFILE_CONFIG,     /* the policy's settings are wrong: nothing done */
} sg_refile_status;

/* What a run over the messages of a folder keeps from one message to the
 * next (`sievegate filter`): the folder's real path and Maildir root, and
 * which mailboxes exist, so that a message costs no realpath() and no stat()
 * per target (filter over 1,000 messages: 5.6 stat calls a message before).
 * What exists is forgotten after a message whose plan was applied (it may
 * have made a folder). Owned by the caller; NULL in a request: nothing kept. */
typedef struct sg_refile_cache sg_refile_cache;

sg_refile_cache *sg_refile_cache_new(void);
void sg_refile_cache_free(sg_refile_cache *c);

typedef struct sg_refile_request {
    const char *path; /* the stored message file */
    const char *data; /* its bytes */
    size_t len;
    sg_message *msg;  /* parsed from data */
    const sg_envelope *env;
    const char *owner; /* local@domain: whose policy applies */
    const char *user;  /* the login, for logs and %u */
    const char *home;
    sg_user_state *state; /* the forward tracker, borrowed (NULL: allowed forwards are deferred) */
    const char *default_mailbox; /* NULL: the message's own folder */
    sg_discard_mode discard;
    const char *discard_mailbox; /* SG_DISCARD_MOVE */
    bool execute;  /* apply the plan (else only build it) */
    bool outgoing; /* with execute: send what the plan sends (--allow-redirect) */
    time_t now;
    sg_refile_cache *cache; /* may be NULL */
} sg_refile_request;

typedef struct sg_refile_outcome {
    sg_refile_status status;
    const char *done;  /* the file's path after refiling (the same when it stayed), NULL when not applied */
    const char *error; /* why not, or NULL */
    sg_plan plan;
    sg_policy *policy; /* the caller frees it (sg_policy_free) after using the plan */
} sg_refile_outcome;

sg_refile_status sg_refile_message(const sg_delivery_host *host, const sg_refile_request *req, const sg_result *r,
                                   sg_arena *arena, sg_refile_outcome *out);

/* The envelope of a stored message, as sieve-filter guesses it: Return-Path
 * (as the LDA wrote it) and Delivered-To, else From and To; `user` (a login
 * or an address, may be NULL) names the owner, with the recipient's domain
 * when it has none; else the owner is the recipient without its +detail. */
void sg_refile_envelope(const sg_config *cfg, sg_message *msg, const char *user, sg_arena *arena, sg_envelope *env,
                        const char **owner);

#endif
