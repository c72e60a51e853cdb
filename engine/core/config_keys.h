/* config_keys.h - the one table of sievegate.conf's keys: name, type,
 * default, allowed values and a one-line help each. The configuration parser
 * checks every file and -o against it (base/config.h sg_config_validate),
 * `sievegate config` prints it, and sievegate.conf(5) and
 * docs/configuration.md are generated from it (docs/gen_config_keys.c).
 *
 * Takes: nothing. Returns: the table, in the order the documentation lists it.
 */
#ifndef SG_CONFIG_KEYS_H
#define SG_CONFIG_KEYS_H

#include <stddef.h>

#include "base/config.h"

/* The table and its length. */
const sg_config_key *sg_config_keys(size_t *count);

/* Checks a whole configuration against the table (sg_config_validate). */
bool sg_config_check_keys(const sg_config *cfg, char *err, size_t errlen);

/* The default of `name` (NULL: none, or not a key). */
const char *sg_config_key_default(const char *name);

/* A key's value, else its default from the table. The configuration was
 * checked against the table when it was loaded, so the value parses as its
 * type and lies in its range (the servers read their keys so). */
const char *sg_config_value(const sg_config *cfg, const char *key);
/* The same, read as a size or a whole number (sg_parse_size), or as a
 * duration in seconds (sg_parse_duration). */
size_t sg_config_value_size(const sg_config *cfg, const char *key);
unsigned long long sg_config_value_seconds(const sg_config *cfg, const char *key);

#endif
