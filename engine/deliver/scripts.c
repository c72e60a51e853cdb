/* scripts.c - see scripts.h. */
#include "engine/deliver/scripts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/read_fd.h"
#include "engine/core/include.h"
#include "engine/core/interp.h"
#include "engine/core/validate.h"
#include "engine/deliver/script_cache.h"
#include "engine/deliver/tracker.h"
#include "grammar/diag_print.h"

/* Errors go where the user can read them: a log file beside the script, as
 * Pigeonhole does (~/.dovecot.sieve.log). Rewritten each time. */
static void write_script_log(sg_dctx *d, const char *script_path, const char *src, size_t len,
                             const sg_diags *diags, const sg_diags *runtime)
{
    size_t n = strlen(script_path);
    char *log_path = sg_arena_alloc_bytes(d->arena, n + 5);
    memcpy(log_path, script_path, n);
    memcpy(log_path + n, ".log", 5);
    /* Never through a symlink: the log is written with the user's rights, but
     * also by root when first_valid_uid = 0. */
    int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        sg_dctx_log(d, SG_LOG_ERR, "cannot write %s: %s", log_path, strerror(errno));
        return;
    }
    char when[64];
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", localtime_r(&d->now, &tm));
    fprintf(f, "%s: the message %s was kept in INBOX because the script has errors:\n", when,
            *d->message_id ? d->message_id : "(no Message-ID)");
    if (diags && diags->count)
        sg_print_diags_text(f, script_path, src, len, diags);
    for (size_t i = 0; runtime && i < runtime->count; i++)
        fprintf(f, "%s:%u:%u: runtime error: %s\n",
                runtime->items[i].file ? runtime->items[i].file : script_path, runtime->items[i].loc.line,
                runtime->items[i].loc.column, runtime->items[i].message);
    fclose(f);
}

/* An admin script's errors go to the mail log: the user cannot fix them. */
static void log_admin_errors(sg_dctx *d, const char *path, const sg_diags *diags, const sg_diags *runtime)
{
    for (size_t i = 0; diags && i < diags->count; i++)
        sg_dctx_log(d, SG_LOG_ERR, "%s:%u:%u: %s (script skipped)", diags->items[i].file ? diags->items[i].file : path,
                  diags->items[i].loc.line, diags->items[i].loc.column,
                  diags->items[i].message);
    for (size_t i = 0; runtime && i < runtime->count; i++)
        sg_dctx_log(d, SG_LOG_ERR, "%s:%u:%u: runtime error: %s (message kept in INBOX)",
                  runtime->items[i].file ? runtime->items[i].file : path, runtime->items[i].loc.line,
                  runtime->items[i].loc.column, runtime->items[i].message);
}

/* Runs a valid script into `result`; false when it failed at run time
 * (the errors are then in result->errors). */
static bool run_valid_script(sg_dctx *d, const sg_registry *reg, sg_script_run *sr, const char *path,
                             const sg_script *script, sg_result *result)
{
    sg_run_options opt;
    sg_settings_run_options(d->host->settings, &opt);
    sg_duplicate_tracker tracker = sg_dctx_duplicate_tracker(d);
    opt.duplicates = &tracker;
    opt.mailboxes = d->mailboxes.have ? &d->mailboxes.store : NULL;
    opt.lists = &sr->list_store;
    result->limits = opt.limits;
    size_t warned = result->warnings.count;
    bool ok = sg_interp_run(reg, script, d->msg, &d->env, &opt, result);
    /* Non-fatal runtime problems (e.g. an invalid :regex built from variables) go to the mail log. */
    for (size_t i = warned; i < result->warnings.count; i++)
        sg_dctx_log(d, SG_LOG_ERR, "%s:%u:%u: runtime warning: %s", path, result->warnings.items[i].loc.line,
                    result->warnings.items[i].loc.column, result->warnings.items[i].message);
    return ok;
}

/* Whether a validated script may be kept in the host's cache: one that
 * includes nothing (an included file's change would not show in its key). */
static bool cacheable(const sg_registry *reg, const sg_script *script)
{
    int inc = sg_registry_extension_index(reg, "include");
    return script->enabled && !(inc >= 0 && script->enabled[inc]);
}

/* Runs one script into `result`. A script that is missing is no script; one
 * that does not parse is skipped, and one that fails at run time leaves the
 * implicit keep alone; either is logged where the script's owner reads it:
 * the user's beside the script, an admin's (personal = false) in the mail log.
 * With a script cache (a long-lived host), an unchanged file is not read
 * again: its compiled script is reused (script_cache.h). */
static void run_one_script(sg_dctx *d, const sg_registry *reg, sg_script_run *sr, const char *path, bool personal,
                           sg_result *result)
{
    struct stat st;
    if (sr->n + sr->nheld == SG_MAX_SCRIPTS) {
        sg_dctx_log(d, SG_LOG_ERR, "more than %d scripts to run: %s skipped", SG_MAX_SCRIPTS, path);
        return;
    }
    if (stat(path, &st) != 0) { /* follows a symlink, as managesieve makes */
        if (!personal)
            sg_dctx_log(d, SG_LOG_ERR, "cannot open the script %s: %s (skipped)", path, strerror(errno));
        return;
    }
    sg_script_cache *cache = d->host->script_cache;
    sg_cached_script *hit = cache ? sg_script_cache_get(cache, path, &st) : NULL;
    if (hit) {
        sr->cache = cache;
        sr->held[sr->nheld++] = hit;
        if (!run_valid_script(d, reg, sr, path, sg_cached_script_script(hit), result)) {
            if (personal)
                write_script_log(d, path, NULL, 0, NULL, &result->errors);
            else
                log_admin_errors(d, path, NULL, &result->errors);
        }
        return;
    }
    char *src = NULL;
    size_t len = 0, size = 0;
    bool too_large = false;
    int err = sg_read_file(path, d->host->settings->limits.max_script_size, &src, &len, &too_large, &size);
    if (err) {
        sg_dctx_log(d, SG_LOG_ERR, "cannot read the script %s: %s (message kept in INBOX)", path, strerror(err));
        return;
    }
    sg_diags diags;
    sg_diags_init(&diags, 100);
    const sg_diags *failed = NULL, *runtime = NULL;
    if (too_large) {
        sg_error(&diags, (sg_loc){1, 1}, "limit-script-size",
                 "script is too large (%zu bytes > limit max_script_size %zu)", size, d->host->settings->limits.max_script_size);
        failed = &diags;
    } else {
        sg_script *script = sg_parse_buffer(path, src, len, &d->host->settings->limits, &diags);
        if (sg_validate_with(reg, script, &d->host->settings->limits, &diags, sr->includes)) {
            sg_cached_script *kept = cache && cacheable(reg, script)
                                         ? sg_script_cache_put(cache, path, &st, script, src, len, time(NULL))
                                         : NULL;
            if (kept) { /* the cache owns the script and its text now */
                sr->cache = cache;
                sr->held[sr->nheld++] = kept;
                src = NULL;
            } else {
                sr->scripts[sr->n++] = script;
            }
            if (!run_valid_script(d, reg, sr, path, script, result))
                runtime = &result->errors;
        } else {
            sr->scripts[sr->n++] = script;
            sg_diags_sort(&diags);
            failed = &diags;
        }
    }
    if ((failed || runtime) && personal)
        write_script_log(d, path, too_large || !src ? NULL : src, too_large || !src ? 0 : len, failed, runtime);
    else if (failed || runtime)
        log_admin_errors(d, path, failed, runtime);
    sg_diags_clear(&diags);
    free(src);
}

/* Whether the message is still kept after a script (Pigeonhole's "keep
 * equivalent"): the implicit keep stands, or a keep or fileinto "INBOX" was
 * done. Only then does the next script of the sequence run. */
static bool still_kept(const sg_result *r)
{
    if (r->failed)
        return false;
    if (r->implicit_keep)
        return true;
    for (size_t i = 0; i < r->count; i++)
        if (r->actions[i].kind == SG_ACT_KEEP ||
            (r->actions[i].kind == SG_ACT_FILEINTO && sg_mailbox_equal(r->actions[i].mailbox, "INBOX")))
            return true;
    return false;
}

static int alphasort_bytes(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* The admin scripts of `key`, then key2, key3... (as Pigeonhole numbers
 * sieve_before2...): each a file, or a directory whose *.sieve files run in
 * byte order of their names. Returns false after a configuration error. */
static bool run_admin_scripts(sg_dctx *d, const sg_registry *reg, sg_script_run *sr, const char *key,
                              sg_result *result)
{
    for (int n = 1; n < 100 && still_kept(result); n++) {
        char name[32];
        snprintf(name, sizeof name, n == 1 ? "%s" : "%s%d", key, n);
        if (!sg_config_get(d->config, name))
            break;
        const char *path = sg_dctx_expand(d, name, "");
        if (!path)
            return false;
        if (strncmp(path, "file:", 5) == 0) /* Pigeonhole's location syntax */
            path += 5;
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            run_one_script(d, reg, sr, path, false, result);
            continue;
        }
        struct dirent **names = NULL;
        int count = scandir(path, &names, NULL, alphasort_bytes);
        if (count < 0) {
            sg_dctx_log(d, SG_LOG_ERR, "%s: cannot read the directory %s: %s (skipped)", name, path, strerror(errno));
            continue;
        }
        for (int i = 0; i < count; i++) {
            size_t len = strlen(names[i]->d_name);
            if (len > 6 && strcmp(names[i]->d_name + len - 6, ".sieve") == 0 && still_kept(result)) {
                char *file = sg_arena_alloc_bytes(d->arena, strlen(path) + len + 2);
                sprintf(file, "%s/%s", path, names[i]->d_name);
                run_one_script(d, reg, sr, file, false, result);
            }
            free(names[i]);
        }
        free(names);
    }
    return true;
}

/* sieve_before, the user's script, sieve_after (cli.md), one result: each
 * runs only while the message is still kept, as in Pigeonhole. */
bool sg_scripts_run(sg_dctx *d, const sg_registry *reg, sg_script_run *sr, sg_result *result)
{
    /* RFC 6609 storage, with Pigeonhole's names: sieve_dir (default ~/sieve)
     * for :personal, sieve_global (or its older name sieve_global_dir). */
    const char *personal = sg_dctx_expand(d, "sieve_dir", "~/sieve");
    const char *global_key = sg_config_get(d->config, "sieve_global") ? "sieve_global" : "sieve_global_dir";
    const char *global = sg_config_get(d->config, global_key) ? sg_dctx_expand(d, global_key, "") : NULL;
    if (!personal || (sg_config_get(d->config, global_key) && !global))
        return false;
    sr->includes = sg_settings_includes(d->host->settings, personal, global);
    /* RFC 6134 lists: one file per list in sieve_extlists_dir (~ and %u expanded); unset: no list exists */
    const char *lists_dir = sg_config_get(d->config, "sieve_extlists_dir");
    sg_list_dir_init(&sr->lists, lists_dir ? sg_dctx_expand(d, "sieve_extlists_dir", lists_dir) : NULL, d->arena);
    sr->list_store = sg_list_dir_store(&sr->lists);
    if (!run_admin_scripts(d, reg, sr, "sieve_before", result))
        return false;
    const char *location = sg_dctx_expand(d, "sieve", "~/.dovecot.sieve");
    if (!location)
        return false;
    /* Pigeonhole's "file:~/sieve;active=~/.dovecot.sieve": the active script runs */
    const char *dir, *active;
    sg_settings_location_parse(location, d->arena, &dir, &active);
    const char *path = active ? active : dir;
    if (still_kept(result))
        run_one_script(d, reg, sr, path, true, result);
    if (!run_admin_scripts(d, reg, sr, "sieve_after", result))
        return false;
    return true;
}

void sg_scripts_free(sg_script_run *sr)
{
    for (size_t i = 0; i < sr->n; i++)
        sg_script_free(sr->scripts[i]);
    sr->n = 0;
    for (size_t i = 0; i < sr->nheld; i++)
        sg_script_cache_release(sr->cache, sr->held[i]);
    sr->nheld = 0;
    sg_includes_free(sr->includes);
    sr->includes = NULL;
}
