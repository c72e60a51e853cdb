/* refile.c - see refile.h. */
#include "engine/deliver/refile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/deliver/context.h"
#include "engine/deliver/execute.h"
#include "engine/deliver/maildir.h"
#include "engine/deliver/tracker.h"
#include "engine/enforce/policy_get.h"
#include "engine/mail/addrlist.h"

static void refile_log(const sg_delivery_host *host, const char *user, const char *fmt, ...) SG_PRINTF(3, 4);
static void refile_log(const sg_delivery_host *host, const char *user, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (host->log)
        host->log(host->log_ctx, SG_LOG_ERR, user ? user : "?", line);
}

static const char *path_arg(const char *arg, sg_arena *arena)
{
    size_t len = strlen(arg);
    if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>')
        return sg_arena_strndup(arena, arg + 1, len - 2);
    return arg;
}

/* The envelope of a stored message: Return-Path (as the LDA wrote it) and
 * Delivered-To, else From and To, as `test` guesses them. */
void sg_refile_envelope(const sg_config *cfg, sg_message *msg, const char *user, sg_arena *arena, sg_envelope *env,
                        const char **owner)
{
    memset(env, 0, sizeof *env);
    const char *const *rp;
    if (sg_message_header_raw_values(msg, "return-path", &rp) > 0) {
        sg_mailbox mb;
        if (sg_envelope_address_parse(rp[0], arena, &mb) && mb.valid)
            env->from = mb.raw ? mb.raw : "";
    }
    if (!env->from)
        env->from = sg_message_first_address(msg, "from", arena);
    env->to = sg_message_first_address(msg, "delivered-to", arena);
    if (!env->to && user && strchr(user, '@'))
        env->to = user;
    if (!env->to)
        env->to = sg_message_first_address(msg, "to", arena);
    env->from = env->from ? path_arg(env->from, arena) : "";
    env->to = env->to ? env->to : "";
    /* -u (with the domain of the recipient when it has none), else the
     * recipient without its +detail, as delivery takes it */
    *owner = sg_delivery_owner_of(cfg, env->to, arena);
    if (user && strchr(user, '@')) {
        *owner = user;
    } else if (user) {
        const char *at = strrchr(env->to, '@');
        char *s = sg_arena_alloc_bytes(arena, strlen(user) + (at ? strlen(at) : 0) + 1);
        sprintf(s, "%s%s", user, at ? at : "");
        *owner = s;
    }
}

/* The Maildir folder a message file is in (FOLDER/new/x or FOLDER/cur/x), or
 * NULL when it is not in one. */
static char *folder_of(const char *path, sg_arena *arena)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash - path < 3)
        return NULL;
    const char *sub = slash - 3;
    if ((memcmp(sub, "new", 3) != 0 && memcmp(sub, "cur", 3) != 0) || (sub > path && sub[-1] != '/'))
        return NULL;
    if (sub == path)
        return sg_arena_strdup(arena, ".");
    return sg_arena_strndup(arena, path, (size_t)(sub - 1 - path) ? (size_t)(sub - 1 - path) : 1);
}

/* Maildir++: a subfolder holds a "maildirfolder" file and lives in the root.
 * Sets *real (the folder's real path) and *root, in arena; false when the
 * folder cannot be resolved. */
static bool resolve_folder(const char *folder, sg_arena *arena, char **real_out, char **root_out)
{
    char *real = realpath(folder, NULL);
    if (!real)
        return false;
    *real_out = sg_arena_strdup(arena, real);
    char *root = sg_arena_strdup(arena, real);
    free(real);
    char *marker = sg_arena_alloc_bytes(arena, strlen(root) + 16);
    sprintf(marker, "%s/maildirfolder", root);
    if (access(marker, F_OK) == 0) {
        char *slash = strrchr(root, '/');
        if (slash && slash != root)
            *slash = '\0';
    }
    *root_out = root;
    return true;
}

/* ---- what a run keeps (refile.h) ---- */

typedef struct known_mailbox {
    char *name;
    bool exists;
    signed char refused; /* -1: not asked yet, 0: no, 1: yes, because of why */
    char *why;
} known_mailbox;

struct sg_refile_cache {
    sg_arena *arena;      /* the folder's paths and the store's settings */
    char *folder;         /* as folder_of gave it; NULL: none yet */
    char *real, *root;    /* NULL: the folder cannot be resolved */
    bool have_store;      /* mailboxes below is built */
    sg_mailboxes mailboxes;
    known_mailbox *known; /* what exists() answered (names malloc'ed) */
    size_t nknown, cap;
};

sg_refile_cache *sg_refile_cache_new(void)
{
    sg_refile_cache *c = sg_xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->arena = sg_arena_new();
    return c;
}

static void forget_mailboxes(sg_refile_cache *c)
{
    for (size_t i = 0; i < c->nknown; i++) {
        free(c->known[i].name);
        free(c->known[i].why);
    }
    c->nknown = 0;
}

void sg_refile_cache_free(sg_refile_cache *c)
{
    if (!c)
        return;
    forget_mailboxes(c);
    free(c->known);
    sg_arena_free(c->arena);
    free(c);
}

/* The entry of `name`, asked of the store when new. */
static known_mailbox *known(sg_refile_cache *c, const char *name)
{
    for (size_t i = 0; i < c->nknown; i++)
        if (strcmp(c->known[i].name, name) == 0)
            return &c->known[i];
    bool exists = c->mailboxes.store.exists(c->mailboxes.store.ctx, name);
    if (c->nknown == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->known = sg_xrealloc(c->known, c->cap * sizeof *c->known);
    }
    c->known[c->nknown] = (known_mailbox){sg_xstrdup(name), exists, -1, NULL};
    return &c->known[c->nknown++];
}

static bool cached_exists(void *ctx, const char *name)
{
    return known(ctx, name)->exists;
}

static bool cached_create(void *ctx, const char *name, char *err, size_t errlen)
{
    sg_refile_cache *c = ctx;
    forget_mailboxes(c);
    return c->mailboxes.store.create(c->mailboxes.store.ctx, name, err, errlen);
}

static bool cached_special_use(void *ctx, const char *name, const char *use, const char **found)
{
    sg_refile_cache *c = ctx;
    return c->mailboxes.store.has_special_use(c->mailboxes.store.ctx, name, use, found);
}

static bool cached_refused(void *ctx, const char *name, char *why, size_t whylen)
{
    sg_refile_cache *c = ctx;
    if (!c->mailboxes.store.refused)
        return false;
    known_mailbox *k = known(c, name);
    if (k->refused < 0) {
        char text[512] = "";
        k->refused = c->mailboxes.store.refused(c->mailboxes.store.ctx, name, text, sizeof text);
        k->why = k->refused ? sg_xstrdup(text) : NULL;
    }
    if (k->refused && whylen)
        snprintf(why, whylen, "%s", k->why);
    return k->refused;
}

/* The folder's real path and root: from the cache when it is the folder of
 * the last message, else resolved (and kept when there is a cache). */
static bool folder_paths(sg_refile_cache *c, const char *folder, sg_arena *arena, const char **real, const char **root)
{
    if (c && c->folder && strcmp(c->folder, folder) == 0) {
        *real = c->real;
        *root = c->root;
        return c->real != NULL;
    }
    char *r = NULL, *rt = NULL;
    if (!c) {
        bool ok = resolve_folder(folder, arena, &r, &rt);
        *real = r;
        *root = rt;
        return ok;
    }
    forget_mailboxes(c);
    sg_arena_reset(c->arena);
    c->have_store = false;
    c->folder = sg_arena_strdup(c->arena, folder);
    c->real = c->root = NULL;
    if (resolve_folder(folder, c->arena, &r, &rt)) {
        c->real = r;
        c->root = rt;
    }
    *real = c->real;
    *root = c->root;
    return c->real != NULL;
}

/* The mailboxes of the Maildir at root (the plan's checks), as d->mailboxes. */
static bool mailboxes_of(const sg_delivery_host *host, sg_refile_cache *c, const char *root, sg_arena *arena,
                         sg_mailboxes *out)
{
    char err[512];
    if (!c)
        return sg_settings_mailbox_store(host->settings, NULL, root, arena, out, err, sizeof err);
    if (!c->have_store) {
        if (!sg_settings_mailbox_store(host->settings, NULL, root, c->arena, &c->mailboxes, err, sizeof err))
            return false;
        c->have_store = true;
    }
    *out = c->mailboxes;
    out->store = (sg_mailbox_store){cached_exists, cached_create, cached_special_use, cached_refused, c};
    return true;
}

/* A local target of the plan. */
typedef struct target {
    const char *mailbox; /* NULL: the source folder itself */
    const char **flags;
    size_t nflags;
    bool create;
} target;

static void add_target(target *t, size_t *n, const char *mailbox, const sg_flags *f, bool create, sg_arena *arena)
{
    for (size_t i = 0; i < *n; i++) {
        bool same = (!t[i].mailbox && !mailbox) || (t[i].mailbox && mailbox && sg_mailbox_equal(t[i].mailbox, mailbox));
        if (!same)
            continue;
        /* one copy per folder: the flags add up, as in deliver */
        size_t add = f ? f->count : 0;
        const char **all = sg_arena_alloc(arena, (t[i].nflags + add + 1) * sizeof *all);
        memcpy(all, t[i].flags, t[i].nflags * sizeof *all);
        for (size_t k = 0; k < add; k++)
            all[t[i].nflags + k] = f->items[k];
        t[i].flags = all;
        t[i].nflags += add;
        t[i].create |= create;
        return;
    }
    t[*n].mailbox = mailbox;
    t[*n].flags = f ? f->items : NULL;
    t[*n].nflags = f ? f->count : 0;
    t[*n].create = create;
    (*n)++;
}

/* Is `mailbox` of the Maildir at root the folder `folder`? */
static bool is_folder(const char *root, const char *mailbox, const struct stat *folder)
{
    char dir[512];
    sg_maildir_error err;
    if (sg_maildir_folder_dir(mailbox, dir, sizeof dir, &err) != SG_MAILDIR_OK)
        return false;
    char *p = sg_xmalloc(strlen(root) + strlen(dir) + 2);
    sprintf(p, "%s/%s", root, dir);
    struct stat st;
    bool same = stat(p, &st) == 0 && st.st_dev == folder->st_dev && st.st_ino == folder->st_ino;
    free(p);
    return same;
}

/* Applies the plan to the file `path`: copies into every target but one,
 * then the move into that one (the source folder itself when it is a target).
 * Returns the status with *error; *done says what happened. */
static sg_refile_status apply(const sg_delivery_host *host, const char *user, const sg_maildir_options *mopt,
                              sg_refile_cache *cache, const char *path, const char *data, size_t len, target *t,
                              size_t nt, sg_arena *arena, const char **done, const char **error)
{
    const char *folder = folder_of(path, arena);
    struct stat fst;
    const char *root = NULL;
    if (folder && !folder_paths(cache, folder, arena, &folder, &root))
        folder = NULL;
    if (!folder || !root || stat(folder, &fst) != 0) {
        *error = "not in the new/ or cur/ of a Maildir folder: left as it is";
        return SG_REFILE_NOT_MAILDIR;
    }
    /* the primary target: the source folder when it is one, else the first */
    size_t primary = 0;
    bool in_source = false;
    for (size_t i = 0; i < nt; i++) {
        if (t[i].mailbox && is_folder(root, t[i].mailbox, &fst))
            t[i].mailbox = NULL;
        if (t[i].mailbox)
            continue;
        if (!in_source) {
            primary = i;
            in_source = true;
            continue;
        }
        /* keep and fileinto "INBOX" in INBOX: one message, the flags add up */
        const char **all = sg_arena_alloc(arena, (t[primary].nflags + t[i].nflags + 1) * sizeof *all);
        memcpy(all, t[primary].flags, t[primary].nflags * sizeof *all);
        memcpy(all + t[primary].nflags, t[i].flags, t[i].nflags * sizeof *all);
        t[primary].flags = all;
        t[primary].nflags += t[i].nflags;
        t[i].nflags = 0;
    }
    sg_maildir_error merr;
    memset(&merr, 0, sizeof merr);
    sg_maildir_status st = SG_MAILDIR_OK;
    if (nt > 1) {
        const char **own;
        size_t nown = sg_maildir_name_flags(path, arena, &own);
        sg_maildir_txn *txn = NULL;
        st = sg_maildir_begin(root, mopt, NULL, 0, data, len, &txn, &merr);
        for (size_t i = 0; i < nt && st == SG_MAILDIR_OK; i++) {
            if (i == primary || !t[i].mailbox) /* the source folder: the message itself */
                continue;
            const char **fl = sg_arena_alloc(arena, (nown + t[i].nflags + 1) * sizeof *fl);
            memcpy(fl, own, nown * sizeof *fl);
            memcpy(fl + nown, t[i].flags, t[i].nflags * sizeof *fl);
            st = sg_maildir_add(txn, t[i].mailbox, fl, nown + t[i].nflags, t[i].create, &merr);
            if (st == SG_MAILDIR_REFUSED || st == SG_MAILDIR_NOTFOUND) {
                refile_log(host, user, "%s: %s: not copied", path, merr.message);
                st = SG_MAILDIR_OK; /* the message itself stays: nothing lost */
            }
        }
        if (st == SG_MAILDIR_OK)
            st = sg_maildir_commit(txn, &merr);
        sg_maildir_free(txn);
    }
    char *moved = NULL;
    if (st == SG_MAILDIR_OK) {
        const target *p = &t[primary];
        st = sg_maildir_move(p->mailbox ? root : folder, mopt, path, p->mailbox ? p->mailbox : "INBOX",
                             p->flags, p->nflags, p->create, &moved, &merr);
    }
    if (st != SG_MAILDIR_OK) {
        *error = sg_arena_strdup(arena, merr.message);
        free(moved);
        return st == SG_MAILDIR_TEMPFAIL ? SG_REFILE_TEMPFAIL : SG_REFILE_DONE;
    }
    *done = sg_arena_strdup(arena, moved ? moved : path);
    free(moved);
    return SG_REFILE_DONE;
}

sg_refile_status sg_refile_message(const sg_delivery_host *host, const sg_refile_request *req, const sg_result *r,
                                   sg_arena *arena, sg_refile_outcome *out)
{
    memset(out, 0, sizeof *out);
    sg_dctx d;
    memset(&d, 0, sizeof d);
    d.host = host;
    d.config = host->settings->config;
    d.arena = arena;
    d.user = req->user;
    d.home = req->home;
    d.owner = req->owner;
    d.env = *req->env;
    d.default_mailbox = req->default_mailbox;
    d.data = req->data;
    d.len = req->len;
    d.msg = req->msg;
    d.now = req->now;
    d.state = req->state; /* the caller's: opened (or not) once for the run */
    d.state_tried = true;
    const char *const *values;
    d.message_id = sg_message_header_values(d.msg, "message-id", &values) > 0 ? values[0] : "";
    /* The mailboxes of the Maildir the message is in: the plan's checks. */
    char *folder = folder_of(req->path, arena);
    const char *real = NULL, *root = NULL;
    if (folder && folder_paths(req->cache, folder, arena, &real, &root) &&
        mailboxes_of(host, req->cache, root, arena, &d.mailboxes))
        d.maildir_root = root;

    sg_refile_status status = SG_REFILE_DONE;
    sg_unavailable_mode mode = SG_UNAVAILABLE_TEMPFAIL;
    char why[512] = "";
    /* Stored mail answers nobody: only forwards need the policy. */
    bool forwards = sg_result_find(r, SG_ACT_REDIRECT) || sg_result_find(r, SG_ACT_NOTIFY);
    if (forwards &&
        !sg_policy_for_owner(host->policy_source, d.config, d.owner, &out->policy, &mode, why, sizeof why)) {
        refile_log(host, req->user, "configuration error: %s", why);
        status = SG_REFILE_CONFIG;
    }
    sg_plan_input in;
    /* the plan outlives this call: its reason lives in the arena, not on this stack */
    sg_dctx_plan_input(&d, r, out->policy, mode, sg_arena_strdup(arena, why), &in);
    in.stored_mail = true;
    in.recently_bounced = false;
    sg_plan_build(r, &in, arena, &out->plan);
    const sg_plan *plan = &out->plan;
    if (status != SG_REFILE_DONE || !req->execute)
        return out->status = status;

    if (req->outgoing) {
        sg_execute_options opt = {false, true, false};
        if (sg_execute(&d, r, plan, out->policy, &opt) != SG_DELIVERY_DONE) {
            out->error = "forwarding deferred (see the log): the message is left as it is";
            return out->status = SG_REFILE_TEMPFAIL;
        }
    }
    sg_maildir_options mopt;
    sg_maildir_options_from_config(d.config, &mopt);
    target *t = sg_arena_alloc(arena, (plan->nstores + 2) * sizeof *t);
    size_t nt = 0;
    for (size_t i = 0; i < plan->nstores; i++) {
        const sg_plan_store *ps = &plan->stores[i];
        if (ps->fallback) /* the plan's own: said where the user runs it */
            refile_log(host, req->user, "%s: %s: left in its folder", req->path,
                       ps->action == SG_PLAN_IMPLICIT ? plan->keep_skipped : plan->skipped[ps->action]);
        add_target(t, &nt, ps->mailbox ? ps->mailbox : req->default_mailbox, ps->flags, ps->create, arena);
    }
    if (!nt && req->discard == SG_DISCARD_DELETE) {
        static const char *deleted_flag[] = {"\\Deleted"};
        const sg_flags deleted = {deleted_flag, 1};
        add_target(t, &nt, NULL, &deleted, false, arena);
    } else if (!nt && req->discard == SG_DISCARD_MOVE) {
        add_target(t, &nt, req->discard_mailbox, NULL, false, arena);
    }
    if (!nt) {
        out->done = req->path; /* discarded or forwarded: left as it is (--discard keep) */
        return out->status = SG_REFILE_DONE;
    }
    if (req->cache)
        forget_mailboxes(req->cache); /* applying the plan may have made a folder */
    return out->status = apply(host, req->user, &mopt, req->cache, req->path, req->data, req->len, t, nt, arena,
                               &out->done, &out->error);
}
