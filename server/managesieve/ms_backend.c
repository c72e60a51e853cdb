/* ms_backend.c - see ms_backend.h. */
#include "server/managesieve/ms_backend.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "base/attr.h"
#include "base/mkdir_p.h"
#include "base/password.h"
#include "engine/core/include.h"
#include "engine/core/lint.h"
#include "engine/enforce/policy_get.h"
#include "grammar/diag_print.h"
#include "store/script_store.h"

#define MAX_DIAGS 100

struct sg_ms_account {
    sg_ms_account_config cfg;
    sg_arena *arena; /* the logged-in user's strings */
    sg_userdb_user user;
    sg_script_store *store;
    char *global; /* the global include location, expanded, or NULL */
};

static void logf_(const sg_ms_account *a, int priority, const char *fmt, ...) SG_PRINTF(3, 4);
static void logf_(const sg_ms_account *a, int priority, const char *fmt, ...)
{
    if (!a->cfg.log)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    a->cfg.log(a->cfg.log_ctx, priority, a->store ? a->user.user : NULL, line);
}

static char *textf(const char *fmt, ...) SG_PRINTF(1, 2);
static char *textf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return sg_xstrdup(buf);
}

static void reply(sg_ms_reply *r, sg_ms_status st, const char *code, char *text)
{
    r->status = st;
    r->code = code;
    r->text = text;
}

sg_ms_account *sg_ms_account_new(const sg_ms_account_config *cfg)
{
    sg_ms_account *a = sg_xmalloc(sizeof *a);
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    a->arena = sg_arena_new();
    return a;
}

static void logout(void *ctx)
{
    sg_ms_account *a = ctx;
    sg_script_store_close(a->store);
    a->store = NULL;
    free(a->global);
    a->global = NULL;
    memset(&a->user, 0, sizeof a->user);
    sg_arena_reset(a->arena);
}

void sg_ms_account_free(sg_ms_account *a)
{
    if (!a)
        return;
    logout(a);
    sg_arena_free(a->arena);
    free(a);
}

/* ---- login ---- */

static void failure_delay(const sg_ms_account *a)
{
    unsigned ms = a->cfg.auth_failure_delay_ms;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A template expanded for the user, in the arena; NULL for an unknown %-variable. */
static const char *expand_text(sg_ms_account *a, const char *tmpl)
{
    char bad = 0;
    char *s = sg_config_expand(tmpl, a->user.home, a->user.user, &bad);
    if (!s)
        return NULL;
    const char *copy = sg_arena_strdup(a->arena, s);
    free(s);
    return copy;
}

/* A key of the configuration expanded for the user (its default when unset). */
static const char *expand_for(sg_ms_account *a, const char *key, const char *fallback)
{
    const char *tmpl = sg_config_get(a->cfg.config, key);
    return expand_text(a, tmpl ? tmpl : fallback);
}

/* The home and the script store of the user just authenticated. */
static sg_ms_auth open_user(sg_ms_account *a)
{
    char failed[4096];
    int e = sg_mkdir_p(a->user.home, 0700, failed, sizeof failed); /* a new virtual user, as delivery does */
    if (e) {
        logf_(a, LOG_ERR, "login of %s: cannot create the home directory: mkdir(%s): %s", a->user.user, failed,
              strerror(e));
        return SG_MS_AUTH_TEMPFAIL;
    }
    /* sieve = file:DIR;active=LINK (Pigeonhole's location), or the link
     * alone with the scripts in sieve_dir (its older pair of keys) */
    const char *location = expand_for(a, "sieve", "~/.dovecot.sieve");
    const char *dir = NULL, *active = NULL;
    if (location && strncmp(location, "file:", 5) == 0) {
        sg_settings_location_parse(location, a->arena, &dir, &active);
        if (!active)
            active = expand_text(a, "~/.dovecot.sieve"); /* Pigeonhole's default */
    } else if (location) {
        active = location;
        dir = expand_for(a, "sieve_dir", "~/sieve");
    }
    const char *global = sg_settings_global_location(a->cfg.settings);
    char bad = 0;
    a->global = global ? sg_config_expand(global, a->user.home, a->user.user, &bad) : NULL;
    if (!dir || !active || (global && !a->global)) {
        logf_(a, LOG_ERR, "login of %s: configuration error: sieve, sieve_dir or sieve_global has an unknown %%-variable",
              a->user.user);
        return SG_MS_AUTH_TEMPFAIL;
    }
    const char *fsync_mode = sg_config_get(a->cfg.config, "mail_fsync");
    sg_script_store_config sc = {dir, active, a->cfg.max_script_size, a->cfg.max_scripts, a->cfg.max_storage,
                                 fsync_mode && strcmp(fsync_mode, "never") == 0};
    char err[512];
    if (sg_script_store_open(&sc, &a->store, err, sizeof err) != SG_SCRIPTS_OK) {
        logf_(a, LOG_ERR, "login of %s: %s", a->user.user, err);
        return SG_MS_AUTH_TEMPFAIL;
    }
    return SG_MS_AUTH_OK;
}

static sg_ms_auth login(void *ctx, const char *authcid, const char *password, const char **user)
{
    sg_ms_account *a = ctx;
    logout(a);
    char err[512] = "";
    sg_userdb_status st = sg_userdb_lookup(a->cfg.userdb, authcid, a->arena, &a->user, err, sizeof err);
    if (st == SG_USERDB_TEMPFAIL) {
        logf_(a, LOG_ERR, "login of %s: user database: %s", authcid, err);
        return SG_MS_AUTH_TEMPFAIL;
    }
    const char *why = NULL;
    if (st == SG_USERDB_NOTFOUND) {
        sg_password_burn(); /* as long as a wrong password takes */
        why = "unknown user";
    } else if (!a->user.password || !*a->user.password) {
        sg_password_burn();
        why = "the user has no password in the user database";
    } else {
        sg_password_result r = sg_password_verify(a->user.password, password, err, sizeof err);
        if (r == SG_PASSWORD_MISMATCH)
            why = "wrong password";
        else if (r == SG_PASSWORD_ERROR)
            why = err;
    }
    if (why) {
        logf_(a, LOG_INFO, "login of %s failed: %s", authcid, why);
        memset(&a->user, 0, sizeof a->user);
        sg_arena_reset(a->arena);
        failure_delay(a);
        return SG_MS_AUTH_FAIL;
    }
    if (a->user.uid != a->cfg.uid) {
        logf_(a, LOG_ERR,
              "login of %s: the user's uid %u is not the server's uid %u (set mail_uid, or the entry's uid)",
              a->user.user, (unsigned)a->user.uid, (unsigned)a->cfg.uid);
        memset(&a->user, 0, sizeof a->user);
        return SG_MS_AUTH_TEMPFAIL;
    }
    sg_ms_auth r = open_user(a);
    if (r != SG_MS_AUTH_OK) {
        logout(a);
        return r;
    }
    *user = a->user.user;
    return SG_MS_AUTH_OK;
}

/* ---- the store's answers ---- */

static void store_reply(sg_ms_account *a, sg_scripts_status st, const char *err, sg_ms_reply *r)
{
    switch (st) {
    case SG_SCRIPTS_OK: reply(r, SG_MS_OK, NULL, NULL); break;
    case SG_SCRIPTS_NONEXISTENT:
        reply(r, SG_MS_NO, "NONEXISTENT", textf("There is no script by that name."));
        break;
    case SG_SCRIPTS_ACTIVE: reply(r, SG_MS_NO, "ACTIVE", textf("You may not delete an active script.")); break;
    case SG_SCRIPTS_EXISTS:
        reply(r, SG_MS_NO, "ALREADYEXISTS", textf("A script by that name already exists."));
        break;
    case SG_SCRIPTS_TOO_LARGE:
        reply(r, SG_MS_NO, "QUOTA/MAXSIZE", textf("Script is too large (at most %zu octets).", a->cfg.max_script_size));
        break;
    case SG_SCRIPTS_TOO_MANY:
        reply(r, SG_MS_NO, "QUOTA/MAXSCRIPTS", textf("Too many scripts (at most %zu).", a->cfg.max_scripts));
        break;
    case SG_SCRIPTS_OVER_QUOTA:
        reply(r, SG_MS_NO, "QUOTA", textf("Not enough space (at most %llu octets of scripts).", a->cfg.max_storage));
        break;
    case SG_SCRIPTS_BAD_NAME: reply(r, SG_MS_NO, NULL, textf("Invalid script name: %s.", err)); break;
    case SG_SCRIPTS_FAILED:
        logf_(a, LOG_ERR, "%s", err);
        reply(r, SG_MS_NO, "TRYLATER", textf("Temporary failure: try again later."));
        break;
    }
}

static void list(void *ctx, sg_arena *arena, sg_script_info **v, size_t *n, sg_ms_reply *r)
{
    sg_ms_account *a = ctx;
    char err[512];
    sg_scripts_status st = sg_script_store_list(a->store, arena, v, n, err, sizeof err);
    store_reply(a, st, err, r);
    if (st == SG_SCRIPTS_OK)
        r->text = textf("Listscripts completed.");
}

static void get(void *ctx, const char *name, char **data, size_t *len, sg_ms_reply *r)
{
    sg_ms_account *a = ctx;
    char err[512];
    sg_scripts_status st = sg_script_store_get(a->store, name, data, len, err, sizeof err);
    store_reply(a, st, err, r);
    if (st == SG_SCRIPTS_OK)
        r->text = textf("Getscript completed.");
}

static void havespace(void *ctx, const char *name, unsigned long long size, sg_ms_reply *r)
{
    sg_ms_account *a = ctx;
    char err[512];
    sg_scripts_status st = sg_script_store_havespace(a->store, name, size, err, sizeof err);
    store_reply(a, st, err, r);
    if (st == SG_SCRIPTS_OK)
        r->text = textf("Putscript would succeed.");
}

static void setactive(void *ctx, const char *name, sg_ms_reply *r)
{
    sg_ms_account *a = ctx;
    char err[512];
    sg_scripts_status st = sg_script_store_activate(a->store, name, err, sizeof err);
    store_reply(a, st, err, r);
    if (st == SG_SCRIPTS_OK)
        r->text = textf(*name ? "Setactive completed." : "Active script disabled.");
}

static void del(void *ctx, const char *name, sg_ms_reply *r)
{
    sg_ms_account *a = ctx;
    char err[512];
    sg_scripts_status st = sg_script_store_delete(a->store, name, err, sizeof err);
    store_reply(a, st, err, r);
    if (st == SG_SCRIPTS_OK)
        r->text = textf("Deletescript completed.");
}

static void rename_(void *ctx, const char *from, const char *to, sg_ms_reply *r)
{
    sg_ms_account *a = ctx;
    char err[512];
    sg_scripts_status st = sg_script_store_rename(a->store, from, to, err, sizeof err);
    store_reply(a, st, err, r);
    if (st == SG_SCRIPTS_OK)
        r->text = textf("Renamescript completed.");
}

/* ---- checking ---- */

/* "a\nb\n" as "a\r\nb": RFC 5804 §2.6, messages separated by CRLFs.
 * Takes and returns malloc'd text (NULL stays NULL). */
static char *crlf_lines(char *text, size_t len)
{
    if (!text)
        return NULL;
    while (len && text[len - 1] == '\n')
        len--;
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    char *out = sg_xmalloc(len + lines + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n')
            out[o++] = '\r';
        out[o++] = text[i];
    }
    out[o] = '\0';
    free(text);
    return out;
}

/* Lints the script for the user (main: its name when stored, for include
 * loops); false when it has errors. r gets NO with the errors, or OK
 * (WARNINGS) with the warnings, or OK with `done`. */
static bool lint(sg_ms_account *a, const char *main, char *script, size_t len, const char *done, sg_ms_reply *r)
{
    sg_policy *policy = NULL;
    sg_unavailable_mode mode;
    char why[512] = "";
    bool have_policy = sg_policy_for_owner(a->cfg.policy, a->cfg.config, a->user.user, &policy, &mode, why,
                                           sizeof why) &&
                       policy;
    if (!have_policy)
        logf_(a, LOG_ERR, "the forwarding policy cannot be read: %s", why);
    sg_includes *inc = sg_settings_includes(a->cfg.settings, sg_script_store_dir(a->store), a->global);
    if (main)
        sg_includes_mark_main(inc, main);
    sg_lint l = {a->cfg.registry, &a->cfg.settings->limits, inc, policy, a->user.user};
    sg_diags diags;
    sg_diags_init(&diags, MAX_DIAGS);
    bool ok = sg_lint_script(&l, main ? main : "script", script, len, &diags);
    if (!have_policy)
        sg_warning(&diags, (sg_loc){0, 0}, "policy-unavailable",
                   "the forwarding policy cannot be read now: redirects and notifications were not checked");
    char *text = NULL;
    size_t tlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    if (f) {
        sg_print_diags_lines(f, &diags);
        fclose(f);
    }
    text = crlf_lines(text, tlen);
    if (!ok)
        reply(r, SG_MS_NO, NULL, text);
    else if (diags.warnings)
        reply(r, SG_MS_OK, "WARNINGS", text);
    else {
        free(text);
        reply(r, SG_MS_OK, NULL, textf("%s", done));
    }
    sg_diags_clear(&diags);
    sg_includes_free(inc);
    sg_policy_free(policy);
    return ok;
}

static void check(void *ctx, char *script, size_t len, sg_ms_reply *r)
{
    lint(ctx, NULL, script, len, "Script is valid.", r);
}

static void put(void *ctx, const char *name, char *script, size_t len, sg_ms_reply *r)
{
    sg_ms_account *a = ctx;
    const char *bad = sg_script_name_invalid(name, strlen(name));
    if (bad) {
        reply(r, SG_MS_NO, NULL, textf("Invalid script name: %s.", bad));
        return;
    }
    if (!lint(a, name, script, len, "Putscript completed.", r))
        return; /* RFC 5804 §2.6: a script that fails validation is not stored */
    char err[512];
    sg_scripts_status st = sg_script_store_put(a->store, name, script, len, err, sizeof err);
    if (st != SG_SCRIPTS_OK) {
        free(r->text);
        store_reply(a, st, err, r);
    }
}

void sg_ms_account_backend(sg_ms_account *a, sg_ms_backend *b)
{
    memset(b, 0, sizeof *b);
    b->ctx = a;
    b->login = login;
    b->logout = logout;
    b->list = list;
    b->get = get;
    b->put = put;
    b->check = check;
    b->havespace = havespace;
    b->setactive = setactive;
    b->del = del;
    b->rename = rename_;
}
