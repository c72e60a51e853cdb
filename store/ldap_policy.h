/* ldap_policy.h - directory groups in scoped policies (docs/policy.md,
 * "Directory groups"): a scope's group named "ldap:CN" is the directory
 * group whose cn is CN (store/ldap_dir.h), a store group never (store group
 * names have no ':').
 *
 * Takes: a snapshot (or one owner's view of it), the directory client and
 * the owner. Returns: the snapshot with one group "ldap:CN" per directory
 * group of the owner that a scope names, holding the owner alone (the same
 * view of the groups that store/policy_cache.h keeps per owner, so the pure
 * decision of policy/decide.h sees them as any group); or unavailable with
 * why: the directory did not answer, or a scope names a directory group and
 * no directory is configured. Never "not a member" on a failure.
 */
#ifndef SG_STORE_LDAP_POLICY_H
#define SG_STORE_LDAP_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"
#include "store/ldap_dir.h"

#define SG_DIRECTORY_GROUP_PREFIX "ldap:"

/* Whether a group name is a directory group's ("ldap:CN", CN not empty). */
bool sg_policy_is_directory_group(const char *name);

/* Whether any enabled custom policy's scope names a directory group. */
bool sg_policy_names_directory_groups(const sg_policy *policy);

/* Adds the owner's directory groups (strings in policy->arena). dir may be
 * NULL (no directory configured): OK when no scope names a directory group. */
sg_ldap_status sg_policy_add_directory_groups(sg_policy *policy, sg_ldap *dir, const char *owner, char *err,
                                              size_t errlen);

/* The directory group that puts `owner` in the scope of `op`, for explain:
 * the first "ldap:CN" of op's include groups that the snapshot (after
 * sg_policy_add_directory_groups) holds; NULL when none. */
const char *sg_policy_directory_group_matched(const sg_policy *policy, const sg_outbound_policy *op);

#endif
