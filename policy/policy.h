/* policy.h - the organization's forwarding policy, in memory
 * (docs/policy.md: accepted domains, outbound policies with their
 * scopes, groups, remote domains, org settings, the admins' mailbox
 * forwards, and the store generation).
 *
 * Takes: what a store backend or the cache decodes. Returns: one immutable
 * snapshot that engine/enforce decides on. Everything is owned by the
 * snapshot's arena; sg_policy_free releases it all.
 */
#ifndef SG_POLICY_H
#define SG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

typedef enum {
    SG_MODE_AUTOMATIC = 0, /* system-controlled: means org.automatic_means (off by default) */
    SG_MODE_ON,
    SG_MODE_OFF,
} sg_fwd_mode;

const char *sg_fwd_mode_name(sg_fwd_mode mode); /* "automatic", "on", "off" */
bool sg_fwd_mode_parse(const char *text, sg_fwd_mode *mode);

typedef struct sg_strlist {
    const char **items;
    size_t count;
} sg_strlist;

typedef struct sg_accepted_domain {
    const char *name; /* lower-case IDNA A-label */
    bool match_subdomains;
} sg_accepted_domain;

#define SG_DEFAULT_POLICY_NAME "default"

typedef struct sg_outbound_policy {
    const char *name;
    bool is_default; /* always present, lowest priority, applies to everyone */
    bool enabled;
    int priority; /* 0 is the highest; unique among custom policies; -1 for the default */
    sg_fwd_mode mode;
    /* Scope: values within one condition are OR'ed, populated conditions AND'ed;
     * any exclude match removes the policy. Domains match the owner's domain
     * and its subdomains. Users are addresses (local@domain), lower-case. */
    sg_strlist users, groups, domains;
    sg_strlist exclude_users, exclude_groups, exclude_domains;
} sg_outbound_policy;

typedef struct sg_remote_domain {
    const char *pattern; /* "*", "example.org", or "*.example.org" (covers example.org too) */
    bool auto_forward;   /* default yes */
    bool auto_reply;     /* default yes */
    bool ndr;            /* default yes: bounces may be sent to this domain */
    bool is_internal;    /* default no */
} sg_remote_domain;

typedef struct sg_group {
    const char *name;
    sg_strlist members; /* addresses, lower-case */
} sg_group;

/* Forwarding an administrator set on a mailbox (`sievegate forward set`;
 * Microsoft 365's "mailbox forwarding"): every message delivered to `user`
 * also (keep_copy) or only goes to `address`, decided like a redirect. */
typedef struct sg_admin_forward {
    const char *user;    /* the mailbox: local@domain, lower-case */
    const char *address; /* the target: local@domain, lower-case */
    bool keep_copy;      /* a copy stays in the mailbox even when the forward is sent */
} sg_admin_forward;

typedef struct sg_org_settings {
    sg_fwd_mode automatic_means;     /* SG_MODE_OFF (default) or SG_MODE_ON */
    bool bounce_internal_senders;    /* default true */
    unsigned long bounce_rate_period; /* seconds; default 86400 */
    unsigned max_forward_hops;       /* default 3 */
} sg_org_settings;

typedef struct sg_policy {
    uint64_t generation; /* store-wide, bumped by every admin change */
    sg_org_settings org;
    sg_accepted_domain *accepted;
    size_t naccepted;
    sg_outbound_policy *policies; /* the default first, then the custom ones by priority */
    size_t npolicies;
    sg_remote_domain *remote; /* always holds "*" */
    size_t nremote;
    sg_group *groups;
    size_t ngroups;
    sg_admin_forward *forwards; /* by user; at most one per user */
    size_t nforwards;
    sg_arena *arena; /* owns the snapshot and every string in it */
} sg_policy;

/* The built-in policy of an organization that configured nothing: default
 * mode automatic (= off), a "*" remote domain with every flag at its default,
 * no accepted domains, generation 0. */
sg_policy *sg_policy_new_default(void);
void sg_policy_free(sg_policy *policy);

/* The admin forward set on `user` (local@domain, compared case-blind), or NULL. */
const sg_admin_forward *sg_policy_admin_forward(const sg_policy *policy, const char *user);

/* What to do when neither the cache nor the store can answer (policy.md,
 * "When the policy cannot be read"; config key policy_unavailable). */
typedef enum {
    SG_UNAVAILABLE_TEMPFAIL = 0, /* default: exit 75 before any side effect, the MTA retries */
    SG_UNAVAILABLE_KEEP,         /* deliver locally, send nothing external */
    SG_UNAVAILABLE_BLOCK,        /* as mode off: block with bounce */
} sg_unavailable_mode;

bool sg_unavailable_mode_parse(const char *text, sg_unavailable_mode *mode);

/* Default org settings and remote-domain flags, for backends and the CLI. */
void sg_org_settings_default(sg_org_settings *org);
void sg_remote_domain_default(sg_remote_domain *rd, const char *pattern);

#endif
