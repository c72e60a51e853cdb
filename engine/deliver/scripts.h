/* scripts.h - the scripts one delivery runs, in Pigeonhole's sequence:
 * sieve_before (then sieve_before2, ...), the user's script (sieve, default
 * ~/.dovecot.sieve), sieve_after...; each a file, or a directory whose
 * *.sieve files run in byte order of their names; each runs only while the
 * message is still kept. RFC 6609 includes come from sieve_dir and
 * sieve_global.
 *
 * Takes: the delivery context (engine/deliver/context.h) and the registry.
 * Returns: one result (engine/core/result.h) for the whole sequence. A missing
 * script is no script; one that does not parse is skipped; one that fails at
 * run time leaves the implicit keep alone. Either is logged where the
 * script's owner reads it: the user's in a log file beside the script
 * (SCRIPT.log, as Pigeonhole writes ~/.dovecot.sieve.log), an admin's in the
 * mail log. The parsed scripts, which the result's actions point into, live
 * in the sg_script_run until sg_scripts_free: its own, or held from the
 * host's script cache (engine/deliver/script_cache.h) when it has one.
 */
#ifndef SG_DELIVER_SCRIPTS_H
#define SG_DELIVER_SCRIPTS_H

#include <stdbool.h>

#include "engine/core/list_store.h"
#include "engine/core/registry.h"
#include "engine/core/result.h"
#include "engine/deliver/context.h"
#include "grammar/parse.h"

#define SG_MAX_SCRIPTS 64 /* sieve_before*, the user's, sieve_after*: the scripts one delivery runs */

typedef struct sg_script_run {
    sg_script *scripts[SG_MAX_SCRIPTS]; /* compiled for this delivery, its own */
    size_t n;
    struct sg_cached_script *held[SG_MAX_SCRIPTS]; /* from the host's cache, released by sg_scripts_free */
    size_t nheld;
    struct sg_script_cache *cache;
    struct sg_includes *includes; /* RFC 6609: what the scripts include, loaded once */
    sg_list_dir lists;            /* sieve_extlists_dir, for :list and valid_ext_list (RFC 6134) */
    sg_list_store list_store;
} sg_script_run;

/* Runs the sequence into `result` (initialised by the caller). False after a
 * configuration error (a template with an unknown variable): retry later. */
bool sg_scripts_run(sg_dctx *d, const sg_registry *reg, sg_script_run *sr, sg_result *result);

void sg_scripts_free(sg_script_run *sr);

#endif
