/* enforce.h - the forwarding decision for one forward (docs/policy.md,
 * "Decision for one forward"), step by step and in that order. One function
 * decides; `check -u`, `test`, `deliver` and `policy explain` all call it.
 *
 * Takes: a policy snapshot (policy/policy.h), the owner (the user whose script
 * runs, or whose mailbox an administrator forwards: the same steps), the target address as the script gave it after expansion, and what
 * the loop checks need. Returns: the verdict, the normalised target, which
 * policy or remote domain decided, and the steps taken (for explain).
 */
#ifndef SG_ENFORCE_H
#define SG_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "policy/policy.h"

typedef enum {
    SG_FWD_REDIRECT,      /* redirect */
    SG_FWD_REDIRECT_COPY, /* redirect :copy */
    SG_FWD_NOTIFY,        /* notify :method "mailto:..." */
    SG_FWD_ADMIN,         /* an administrator's mailbox forward (policy.h, sg_admin_forward) */
} sg_fwd_mechanism;

/* "redirect", "redirect-copy", "notify", "admin-forward" */
const char *sg_fwd_mechanism_name(sg_fwd_mechanism m);

typedef enum {
    SG_FWD_ALLOW,        /* internal, or external with forwarding on */
    SG_FWD_BLOCK_BOUNCE, /* step 4: effective policy off: blocked, 5.7.520 bounce */
    SG_FWD_BLOCK_SILENT, /* step 5: remote domain auto_forward = no: blocked, no bounce */
    SG_FWD_SKIP,         /* step 2: loop or duplicate: not sent, message kept, no bounce */
    SG_FWD_INVALID,      /* step 1: not a plain local@domain mailbox */
} sg_fwd_verdict;

const char *sg_fwd_verdict_name(sg_fwd_verdict v); /* "allow", "block", "block", "skip", "invalid" */

typedef struct sg_fwd_request {
    const char *owner;  /* the owner's address, local@domain */
    const char *target; /* as the script gave it (variables expanded) */
    sg_fwd_mechanism mechanism;
    /* Step 2 inputs; all may be empty (as in `check`, which has no message). */
    const char *const *redirected_from; /* values of X-Sieve-Redirected-From in the message */
    size_t nredirected_from;
    bool already_forwarded; /* the duplicate tracker saw this Message-ID go to this target within 12 h */
} sg_fwd_request;

#define SG_FWD_MAX_STEPS 8

typedef struct sg_fwd_decision {
    sg_fwd_verdict verdict;
    bool external;
    const char *target;        /* normalised: local part as given, domain lower-case A-label */
    const char *target_domain; /* the domain that classified it (after %- or !-routing) */
    const char *policy;        /* the effective outbound policy's name (step 4), when reached */
    const char *remote_domain; /* the remote-domain pattern that matched (step 5), when reached */
    const char *status;        /* "5.7.520" for SG_FWD_BLOCK_BOUNCE, else NULL */
    const char *reason;        /* one sentence for people: why (e.g. "external forwarding is off for
                                  you (policy \"default\")") */
    const char *steps[SG_FWD_MAX_STEPS]; /* what each step found, for `policy explain` */
    size_t nsteps;
} sg_fwd_decision;

/* Decides; strings in *out live in `arena`. Never fails: an unusable target is SG_FWD_INVALID. */
void sg_fwd_decide(const sg_policy *policy, const sg_fwd_request *req, sg_arena *arena, sg_fwd_decision *out);

/* Whether an address's domain is inside the organization (accepted domains,
 * their subdomains where match_subdomains, remote domains marked is_internal). */
bool sg_policy_is_internal_domain(const sg_policy *policy, const char *ascii_domain);

/* The effective outbound policy of an owner: the enabled custom policy with
 * the lowest priority number whose scope matches, else the default. */
const sg_outbound_policy *sg_policy_effective(const sg_policy *policy, const char *owner);

/* The groups as one owner sees them: every group with at least one member
 * naming `owner` (by the same comparison scopes use), holding those members
 * only. Deciding for `owner` with these groups gives exactly the verdicts of
 * the full list, so the cache keeps this small view per owner instead of
 * every member of every group (store/policy_cache.h). Allocated in `arena`. */
size_t sg_policy_owner_groups(const sg_policy *policy, const char *owner, sg_arena *arena, sg_group **out);

/* The remote domain that applies to a domain: exact, then the longest
 * "*.suffix", then "*". */
const sg_remote_domain *sg_policy_remote_domain(const sg_policy *policy, const char *ascii_domain);

#endif
