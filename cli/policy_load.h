/* policy_load.h - how the CLI gets the forwarding policy for a decision:
 * from the configured store (policy_store) through the cache (memcached)
 * when there is one. One place, so check, test and deliver read it alike. */
#ifndef SG_POLICY_LOAD_H
#define SG_POLICY_LOAD_H

#include "engine/enforce/plan.h"
#include "policy/policy.h"
#include "cli/cli.h"

/* Returns the snapshot for decisions about `owner` (free with sg_policy_free;
 * its groups may be the owner's view only, store/policy_source.h), or NULL
 * when it cannot be read: then *mode is the configured policy_unavailable and
 * *why says why. Returns SG_EXIT_CONFIG for a bad policy_unavailable value,
 * else 0. */
int sg_cli_policy(const sg_cli *cli, const char *owner, sg_policy **out, sg_unavailable_mode *mode, char *why,
                  size_t whylen);

#endif
