/* context.c - see context.h. */
#include "engine/deliver/context.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/deliver/maildir.h"

void sg_dctx_log(sg_dctx *d, int priority, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (priority <= SG_LOG_ERR)
        d->last_error = sg_arena_strdup(d->arena, line);
    if (d->host->log)
        d->host->log(d->host->log_ctx, priority, d->user ? d->user : "?", line);
}

char *sg_dctx_expand(sg_dctx *d, const char *key, const char *fallback)
{
    const char *tmpl = sg_config_get(d->config, key);
    char bad = 0;
    char *s = sg_config_expand(tmpl ? tmpl : fallback, d->home, d->user, &bad);
    if (!s) {
        sg_dctx_log(d, SG_LOG_ERR, "configuration error: %s: unknown variable %%%c", key, bad);
        return NULL;
    }
    char *copy = sg_arena_strdup(d->arena, s);
    free(s);
    return copy;
}

sg_user_state *sg_dctx_state(sg_dctx *d)
{
    if (d->state_tried)
        return d->state;
    d->state_tried = true;
    char *path = sg_dctx_expand(d, "state_file", "~/" SG_USER_STATE_DEFAULT_FILE);
    char err[512];
    if (!path || sg_user_state_open(path, (int64_t)d->now, NULL, &d->state, err, sizeof err) != SG_STATE_OK) {
        sg_dctx_log(d, SG_LOG_ERR, "per-user state unavailable: %s", path ? err : "bad state_file");
        d->state = NULL;
    }
    d->owns_state = d->state != NULL;
    return d->state;
}

void sg_dctx_did(sg_dctx *d, const char *fmt, ...)
{
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t add = (size_t)n < sizeof what ? (size_t)n : sizeof what - 1;
    size_t need = d->actions_len + add + 3;
    if (need > d->actions_cap) {
        size_t cap = d->actions_cap ? d->actions_cap * 2 : 256;
        while (cap < need)
            cap *= 2;
        char *grown = sg_arena_alloc_bytes(d->arena, cap);
        if (d->actions_len)
            memcpy(grown, d->actions, d->actions_len);
        d->actions = grown;
        d->actions_cap = cap;
    }
    if (d->actions_len) {
        memcpy(d->actions + d->actions_len, "; ", 2);
        d->actions_len += 2;
    }
    memcpy(d->actions + d->actions_len, what, add);
    d->actions_len += add;
    d->actions[d->actions_len] = '\0';
}

bool sg_dctx_open_mail_store(sg_dctx *d)
{
    if (d->maildir_root)
        return true;
    char *location;
    if (d->mail_location) {
        char bad = 0;
        char *s = sg_config_expand(d->mail_location, d->home, d->user, &bad);
        location = s ? sg_arena_strdup(d->arena, s) : NULL;
        free(s);
        if (!location)
            sg_dctx_log(d, SG_LOG_ERR, "configuration error: the user's mail location: unknown variable %%%c", bad);
    } else {
        location = sg_dctx_expand(d, "mail_location", "maildir:~/Maildir");
    }
    char err[512];
    const char *root = NULL;
    if (!location || !sg_maildir_location_root(location, d->arena, &root, err, sizeof err)) {
        if (location)
            sg_dctx_log(d, SG_LOG_ERR, "configuration error: mail_location: %s", err);
        return false;
    }
    d->maildir_root = root;
    if (!sg_settings_mailbox_store(d->host->settings, NULL, root, d->arena, &d->mailboxes, err, sizeof err))
        /* no store: only INBOX exists, :specialuse takes its fallback; nothing is lost */
        sg_dctx_log(d, SG_LOG_ERR, "configuration error: %s (ignored)", err);
    return true;
}

void sg_dctx_close(sg_dctx *d)
{
    if (d->owns_state)
        sg_user_state_close(d->state);
    d->state = NULL;
    d->owns_state = false;
}
