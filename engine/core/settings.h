/* settings.h - what a run of the engine reads from the configuration
 * (base/config.h), in one place, so that `sievegate test` plans exactly what
 * `deliver`, `filter` and the servers then carry out.
 *
 * Takes: a loaded configuration (not copied: it must outlive the settings).
 * Returns: the parser's limits, the editheader settings, the interpreter's
 * run options, the include storage, the extension registry and the mailbox
 * store a script may ask about. Nothing here reads mail or sends anything.
 */
#ifndef SG_SETTINGS_H
#define SG_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/config.h"
#include "engine/core/interp.h"
#include "engine/core/mailbox_store.h"
#include "grammar/parse.h"

struct sg_includes;
struct sg_registry;

typedef struct sg_settings {
    const sg_config *config;         /* not owned */
    sg_limits limits;                /* max_script_size, max_string_length, max_nesting, max_arguments */
    sg_editheader_config editheader; /* sieve_editheader_* (RFC 5293 §6) */
} sg_settings;

/* Checks every key against the table of keys (config_keys.h), then reads the
 * limits and the editheader settings; false with err (naming FILE:LINE or -o
 * and the key) on an unknown key or a bad value. */
bool sg_settings_load(sg_settings *s, const sg_config *cfg, char *err, size_t errlen);

#define SG_DEFAULT_MAX_CPU_TIME 30 /* seconds, as Pigeonhole's sieve_max_cpu_time */

/* The run's options from the configuration: max_actions (32), max_redirects
 * (4), recipient_delimiter ("+"), max_cpu_time (seconds, default 30, 0 = none),
 * sieve_duplicate_default_period (12h), sieve_duplicate_max_period (2d),
 * spamtest/virustest, sieve_variables_max_variable_size, mime_max_depth
 * (100), mime_max_parts (10000), the environment items and editheader.
 * The duplicate tracker, mailbox and list stores are the caller's. */
void sg_settings_run_options(const sg_settings *s, sg_run_options *opt);

/* RFC 6609 script storage: personal and global locations (a directory, or
 * Pigeonhole's "file:DIR;..." syntax; NULL: none) and the limits
 * sieve_include_max_nesting_depth and sieve_include_max_includes. */
struct sg_includes *sg_settings_includes(const sg_settings *s, const char *personal, const char *global);
/* Pigeonhole's script location "file:PATH;active=ACTIVE;..." (or a plain
 * PATH), already expanded: *path is PATH, *active is ACTIVE (the script that
 * runs, when PATH is the directory of the user's scripts) or NULL; both in
 * arena. */
void sg_settings_location_parse(const char *loc, sg_arena *arena, const char **path, const char **active);
/* sieve_global, else sieve_global_dir (its older name), or NULL. */
const char *sg_settings_global_location(const sg_settings *s);
/* For `test` and `check`: personal scripts from sieve_dir, else the
 * directory of SCRIPT_PATH. */
struct sg_includes *sg_settings_script_includes(const sg_settings *s, const char *script_path);

/* The extension registry with sieve_extensions applied (Pigeonhole's
 * syntax: "+NAME" enables, "-NAME" disables, a list of plain names is the
 * whole set; every extension is on by default). The caller frees it. */
struct sg_registry *sg_settings_registry(const sg_settings *s);

/* The mailbox store of a run (engine/core/mailbox_store.h). */
typedef struct sg_mailboxes {
    sg_mailbox_list list;
    sg_maildir_store maildir;
    sg_mailbox_store store;
    bool have; /* false: no store (only INBOX exists) */
} sg_mailboxes;

/* From `list` (test --mailboxes "A,B"; NULL: none), else the Maildir at
 * maildir_root (NULL: none); special-use attributes from mailbox_special_use.
 * False with err when mailbox_special_use is malformed (out is then empty). */
bool sg_settings_mailbox_store(const sg_settings *s, const char *list, const char *maildir_root, sg_arena *arena,
                               sg_mailboxes *out, char *err, size_t errlen);

#endif
