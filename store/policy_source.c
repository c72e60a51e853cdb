/* policy_source.c - see policy_source.h. */
#include "store/policy_source.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "policy/decide.h"
#include "store/ldap_dir.h"
#include "store/ldap_policy.h"
#include "store/policy_cache.h"
#include "store/policy_codec.h"
#include "store/policy_snapshot_file.h"
#include "store/policy_store.h"

struct sg_policy_source {
    char *uri;
    char *password_file; /* postgresql_password_file, or NULL */
    sg_policy_store *store; /* NULL until opened, or after it failed to open */
    sg_policy_cache *cache; /* NULL when no memcached is configured */
    sg_ldap *dir;           /* the directory of "ldap:" scope groups; NULL when no ldap_uri */
    sg_unavailable_mode mode;
    bool snapshot_file; /* policy_snapshot_file: try the snapshot file while the store is not open */
    sg_snapshot_file_memo snapshot_memo; /* the last copy read, while the store is unchanged */
    /* Without memcached, or with a remote store: the last whole snapshot
     * loaded, encoded, so that a long-lived source (the LMTP server's)
     * decodes it again for the next message of the same generation instead
     * of loading the store (or, remote, asking the cache). */
    bool memo_have;
    uint64_t memo_generation;
    char *memo[SG_PART_COUNT];
    size_t memo_len[SG_PART_COUNT];
    /* A PostgreSQL store (a round trip away): the generation is taken from
     * the cache's generation key while it was checked against the store less
     * than check_interval seconds ago (policy_source.h, step 1). */
    bool remote;
    unsigned check_interval;
    bool known;
    uint64_t known_generation;
    int64_t known_at; /* when it was read from the store (seconds since the epoch) */
    uint64_t noted;   /* the store's generation this source last noted in the host's shared state */
    bool asked;       /* a remote store's generation was asked of the cache before (asked_generation) */
    uint64_t asked_generation;
};

static void memo_clear(sg_policy_source *src)
{
    for (int i = 0; i < SG_PART_COUNT; i++) {
        free(src->memo[i]);
        src->memo[i] = NULL;
    }
    src->memo_have = false;
}

static void memo_set(sg_policy_source *src, const sg_policy *p)
{
    memo_clear(src);
    for (int i = 0; i < SG_PART_COUNT; i++)
        src->memo[i] = sg_policy_encode_part(p, (sg_policy_part)i, &src->memo_len[i]);
    src->memo_generation = p->generation;
    src->memo_have = true;
}

/* The memo of `generation` decoded, or NULL. */
static sg_policy *memo_get(const sg_policy_source *src, uint64_t generation)
{
    if (!src->memo_have || src->memo_generation != generation)
        return NULL;
    return sg_policy_decode(generation, (const char *const *)src->memo, src->memo_len);
}

bool sg_policy_source_open(const sg_config *cfg, sg_policy_source **out, char *err, size_t errlen)
{
    *out = NULL;
    sg_unavailable_mode mode = SG_UNAVAILABLE_TEMPFAIL;
    const char *m = sg_config_get(cfg, "policy_unavailable");
    if (m && !sg_unavailable_mode_parse(m, &mode)) {
        snprintf(err, errlen, "invalid value for policy_unavailable: \"%s\" (expected tempfail, keep or block)", m);
        return false;
    }
    const char *sf = sg_config_get(cfg, "policy_snapshot_file");
    if (sf && strcmp(sf, "yes") != 0 && strcmp(sf, "no") != 0) {
        snprintf(err, errlen, "invalid value for policy_snapshot_file: \"%s\" (expected yes or no)", sf);
        return false;
    }
    unsigned interval = SG_POLICY_CHECK_INTERVAL;
    const char *ci = sg_config_get(cfg, "policy_check_interval");
    if (ci) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(ci, &end, 10);
        if (*ci < '0' || *ci > '9' || *end || errno || v > 3600) {
            snprintf(err, errlen, "invalid value for policy_check_interval: \"%s\" (expected 0 to 3600)", ci);
            return false;
        }
        interval = (unsigned)v;
    }
    sg_policy_cache_options opt;
    sg_policy_cache *cache = NULL;
    if (!sg_policy_cache_options_from_config(cfg, &opt, err, errlen) ||
        !sg_policy_cache_open(&opt, &cache, err, errlen))
        return false;
    sg_ldap_options dopt;
    if (!sg_ldap_options_from_config(cfg, &dopt, err, errlen)) {
        sg_policy_cache_close(cache);
        return false;
    }
    const char *uri = sg_config_get(cfg, "policy_store");
    sg_policy_source *src = sg_xmalloc(sizeof *src);
    src->dir = dopt.uri ? sg_ldap_open(&dopt) : NULL;
    src->uri = sg_xstrdup(uri && *uri ? uri : SG_DEFAULT_POLICY_STORE);
    const char *pw = sg_config_get(cfg, "postgresql_password_file");
    src->password_file = pw && *pw ? sg_xstrdup(pw) : NULL;
    src->store = NULL;
    src->cache = cache;
    src->mode = mode;
    src->snapshot_file = !sf || strcmp(sf, "yes") == 0;
    src->memo_have = false;
    memset(src->memo, 0, sizeof src->memo);
    memset(&src->snapshot_memo, 0, sizeof src->snapshot_memo);
    src->remote = sg_policy_store_kind(src->uri) == SG_STORE_KIND_POSTGRESQL;
    src->check_interval = interval;
    src->known = false;
    src->noted = 0;
    src->asked = false;
    *out = src;
    return true;
}

void sg_policy_source_close(sg_policy_source *src)
{
    if (!src)
        return;
    sg_policy_store_close(src->store);
    sg_policy_cache_close(src->cache);
    sg_ldap_close(src->dir);
    memo_clear(src);
    sg_snapshot_file_memo_clear(&src->snapshot_memo);
    free(src->uri);
    free(src->password_file);
    free(src);
}

sg_unavailable_mode sg_policy_source_unavailable_mode(const sg_policy_source *src)
{
    return src->mode;
}

/* A generation read from the store: the host's shared state and, for a
 * remote store, the cache's generation key learn it (checked now). */
static void checked(sg_policy_source *src, uint64_t generation)
{
    if (!src->cache)
        return;
    if (generation != src->noted) {
        sg_policy_cache_note_seen(src->cache, generation);
        src->noted = generation;
    }
    if (!src->remote)
        return;
    int64_t now = (int64_t)time(NULL);
    src->known = true;
    src->known_generation = generation;
    src->known_at = now;
    (void)sg_policy_cache_set_generation(src->cache, generation, now, false); /* raised only */
}

/* Step 1 for a remote store: the generation checked against the store
 * less than check_interval seconds ago, by this process or (the cache's
 * generation key) by any host; never one below the highest this host has
 * seen (an old key replayed). */
static bool trusted_generation(sg_policy_source *src, uint64_t *generation)
{
    int64_t now = (int64_t)time(NULL), window = (int64_t)src->check_interval;
    if (src->known && src->known_at <= now && now - src->known_at < window) {
        *generation = src->known_generation;
        return true;
    }
    uint64_t g;
    int64_t at;
    if (sg_policy_cache_generation(src->cache, &g, &at) != SG_CACHE_OK)
        return false;
    /* another host's clock may be a little ahead: up to one window */
    if (at > now + window || now - at >= window || g < sg_policy_cache_highest_seen(src->cache))
        return false;
    src->known = true;
    src->known_generation = g;
    src->known_at = at;
    *generation = g;
    return true;
}

/* The store's generation, opening the store first when needed. */
static bool store_generation(sg_policy_source *src, uint64_t *generation, char *err, size_t errlen)
{
    /* Issue 5: "a corrupt or missing store gives the policy_unavailable behaviour". */
    if (!src->store && !sg_policy_store_exists(src->uri)) {
        snprintf(err, errlen, "policy store %s does not exist (create it with `sievegate policy init`)", src->uri);
        return false;
    }
    if (!src->store &&
        sg_policy_store_open_with(src->uri, src->password_file, false, &src->store, err, errlen) != SG_STORE_OK) {
        src->store = NULL;
        return false;
    }
    if (sg_policy_store_generation(src->store, generation, err, errlen) != SG_STORE_OK)
        return false;
    checked(src, *generation);
    return true;
}

static sg_policy_status found(sg_policy_answer *a, sg_policy *p, sg_policy_origin origin)
{
    a->policy = p;
    a->origin = origin;
    return SG_POLICY_OK;
}

static sg_policy_status unavailable(sg_policy_answer *a, const char *store_err, const char *cache_err)
{
    snprintf(a->reason, sizeof a->reason, "the forwarding policy cannot be read: %s; %s", store_err, cache_err);
    return SG_POLICY_UNAVAILABLE;
}

static const char *cache_error(const sg_policy_cache *cache, sg_cache_status st, const char *miss)
{
    if (!cache)
        return "no memcached configured";
    return st == SG_CACHE_UNAVAILABLE ? sg_policy_cache_error(cache) : miss;
}

/* Fills the cache after a store load, unless memcached just failed: this
 * lookup has paid its one timeout already. The shared parts go in unless they
 * were all there; then the owner's view of the groups. */
static sg_cache_status fill_cache(sg_policy_source *src, const sg_policy *p, const char *owner, bool shared_found)
{
    sg_cache_status cst = shared_found ? SG_CACHE_OK : sg_policy_cache_put(src->cache, p, false);
    if (owner && cst == SG_CACHE_OK) {
        sg_arena *arena = sg_arena_new();
        sg_group *groups;
        size_t n = sg_policy_owner_groups(p, owner, arena, &groups);
        cst = sg_policy_cache_put_owner(src->cache, p, owner, groups, n);
        sg_arena_free(arena);
    }
    return cst;
}

/* Step 2 of the header: the store answered with `generation`. */
static sg_policy_status from_generation(sg_policy_source *src, uint64_t generation, const char *owner,
                                        sg_policy_answer *a)
{
    sg_policy *p = src->cache ? NULL : memo_get(src, generation);
    if (p) /* the store's current generation, as this source loaded it before */
        return found(a, p, SG_POLICY_FROM_STORE);
    bool shared_found = false;
    sg_cache_status cst = !src->cache ? SG_CACHE_UNAVAILABLE
                          : owner     ? sg_policy_cache_get_for_owner(src->cache, generation, owner, &p, &shared_found)
                                      : sg_policy_cache_get(src->cache, generation, &p);
    if (cst == SG_CACHE_OK)
        return found(a, p, SG_POLICY_FROM_CACHE);
    char serr[300] = "";
    if (sg_policy_store_load(src->store, &p, serr, sizeof serr) != SG_STORE_OK) {
        char cerr[200];
        snprintf(cerr, sizeof cerr, "generation %" PRIu64 " is not cached (%s)", generation,
                 cache_error(src->cache, cst, "miss"));
        return unavailable(a, serr, cerr);
    }
    if (!src->cache || src->remote)
        memo_set(src, p);
    if (src->cache && cst != SG_CACHE_UNAVAILABLE)
        cst = fill_cache(src, p, owner, shared_found);
    if (src->cache && cst == SG_CACHE_UNAVAILABLE)
        snprintf(a->reason, sizeof a->reason, "%s", sg_policy_cache_error(src->cache));
    return found(a, p, SG_POLICY_FROM_STORE);
}

/* Step 3: the store is unreadable; the cache's last known generation. */
static sg_policy_status from_last_known(sg_policy_source *src, const char *serr, const char *owner,
                                        sg_policy_answer *a)
{
    if (!src->cache)
        return unavailable(a, serr, "no memcached configured");
    uint64_t generation;
    sg_cache_status cst = sg_policy_cache_last_generation(src->cache, &generation);
    if (cst != SG_CACHE_OK)
        return unavailable(a, serr, cache_error(src->cache, cst, "memcached knows no generation"));
    uint64_t highest = sg_policy_cache_highest_seen(src->cache);
    if (generation < highest) {
        char cerr[200];
        snprintf(cerr, sizeof cerr, "memcached's generation %" PRIu64 " is older than %" PRIu64
                 ", which this host has seen (a replayed entry?)", generation, highest);
        return unavailable(a, serr, cerr);
    }
    sg_policy *p = NULL;
    bool shared_found;
    cst = owner ? sg_policy_cache_get_for_owner(src->cache, generation, owner, &p, &shared_found)
                : sg_policy_cache_get(src->cache, generation, &p);
    if (cst != SG_CACHE_OK) {
        char cerr[200];
        snprintf(cerr, sizeof cerr, "last known generation %" PRIu64 " is not cached (%s)", generation,
                 cache_error(src->cache, cst, "miss"));
        return unavailable(a, serr, cerr);
    }
    snprintf(a->reason, sizeof a->reason, "%s; using the cached generation %" PRIu64, serr, generation);
    return found(a, p, SG_POLICY_FROM_LAST_KNOWN);
}

sg_policy_status sg_policy_source_get(sg_policy_source *src, sg_policy_answer *answer)
{
    return sg_policy_source_get_for(src, NULL, answer);
}

static sg_policy_status get_snapshot(sg_policy_source *src, const char *owner, sg_policy_answer *answer)
{
    memset(answer, 0, sizeof *answer);
    answer->on_unavailable = src->mode;
    if (strcmp(src->uri, "none") == 0) /* no store: the documented default, never a fault */
        return found(answer, sg_policy_new_default(), SG_POLICY_FROM_BUILTIN);
    /* Step 0. Once this source has opened the store it keeps to it: reading
     * the snapshot file opens and closes the store file (see its header). */
    const char *path = sg_policy_store_path(src->uri);
    if (src->snapshot_file && !src->store && path) {
        sg_policy *p = NULL;
        char why[300];
        if (sg_snapshot_file_read_memo(path, &src->snapshot_memo, &p, why, sizeof why) == SG_SNAPSHOT_FILE_OK)
            return found(answer, p, SG_POLICY_FROM_SNAPSHOT_FILE);
    }
    uint64_t generation;
    if (src->remote && src->cache && src->check_interval > 0 && trusted_generation(src, &generation)) {
        /* A long-lived source (a server's) asked for this generation before:
         * the whole snapshot once, kept (encoded) for the next messages,
         * which then need no round trip at all. A delivery process asks
         * once: the owner's view, fewer bytes. */
        sg_policy *p = memo_get(src, generation);
        if (p)
            return found(answer, p, SG_POLICY_FROM_CACHE);
        bool whole = !owner || (src->asked && src->asked_generation == generation);
        src->asked = true;
        src->asked_generation = generation;
        bool shared_found = false;
        sg_cache_status cst = whole ? sg_policy_cache_get(src->cache, generation, &p)
                                    : sg_policy_cache_get_for_owner(src->cache, generation, owner, &p, &shared_found);
        if (cst == SG_CACHE_OK) {
            if (whole)
                memo_set(src, p);
            return found(answer, p, SG_POLICY_FROM_CACHE);
        }
        src->known = false; /* a miss: ask the store at once */
    }
    char serr[300] = "";
    if (store_generation(src, &generation, serr, sizeof serr))
        return from_generation(src, generation, owner, answer);
    return from_last_known(src, serr, owner, answer);
}

sg_policy_status sg_policy_source_get_for(sg_policy_source *src, const char *owner, sg_policy_answer *answer)
{
    sg_policy_status st = get_snapshot(src, owner, answer);
    if (st != SG_POLICY_OK || !owner)
        return st;
    /* The owner's directory groups (store/ldap_policy.h): a directory that
     * cannot answer makes the policy unavailable, never "not a member". */
    char err[400];
    if (sg_policy_add_directory_groups(answer->policy, src->dir, owner, err, sizeof err) == SG_LDAP_OK)
        return st;
    sg_policy_free(answer->policy);
    answer->policy = NULL;
    snprintf(answer->reason, sizeof answer->reason, "the forwarding policy cannot be decided: %s", err);
    return SG_POLICY_UNAVAILABLE;
}

sg_publish_status sg_policy_source_publish(const sg_config *cfg, const sg_policy *snapshot, char *err,
                                           size_t errlen)
{
    sg_policy_cache_options opt;
    sg_policy_cache *cache = NULL;
    if (!sg_policy_cache_options_from_config(cfg, &opt, err, errlen) ||
        !sg_policy_cache_open(&opt, &cache, err, errlen))
        return SG_PUBLISH_FAILED;
    if (!cache)
        return SG_PUBLISH_NO_CACHE;
    sg_cache_status st = sg_policy_cache_put(cache, snapshot, true);
    if (st != SG_CACHE_OK)
        snprintf(err, errlen, "generation %" PRIu64 " not put in memcached: %s", snapshot->generation,
                 st == SG_CACHE_UNAVAILABLE ? sg_policy_cache_error(cache) : "an entry was refused");
    sg_policy_cache_close(cache);
    return st == SG_CACHE_OK ? SG_PUBLISH_DONE : SG_PUBLISH_FAILED;
}

const char *sg_policy_case_name(sg_policy_case c)
{
    switch (c) {
    case SG_POLICY_CASE_NONE: return "none";
    case SG_POLICY_CASE_STORE: return "store";
    case SG_POLICY_CASE_MISSING: return "missing";
    case SG_POLICY_CASE_UNREADABLE: return "unreadable";
    }
    return "unknown";
}

bool sg_policy_store_configured(const sg_config *cfg)
{
    const char *uri = sg_config_get(cfg, "policy_store");
    return !uri || !*uri || strcmp(uri, "none") != 0; /* unset: SG_DEFAULT_POLICY_STORE */
}

sg_policy_case sg_policy_case_of(const sg_config *cfg, char *text, size_t len)
{
    const char *uri = sg_config_get(cfg, "policy_store");
    uri = uri && *uri ? uri : SG_DEFAULT_POLICY_STORE;
    const char *mode = sg_config_get(cfg, "policy_unavailable");
    mode = mode ? mode : "tempfail";
    if (!sg_policy_store_configured(cfg)) {
        snprintf(text, len, "policy_store = none: the built-in default policy (mode automatic: external "
                            "forwarding off, blocked forwards bounce with 5.7.520)");
        return SG_POLICY_CASE_NONE;
    }
    if (sg_policy_store_kind(uri) == SG_STORE_KIND_POSTGRESQL) {
        /* a server: whether it answers is found when it is asked */
        snprintf(text, len, "policy store %s (PostgreSQL)", uri);
        return SG_POLICY_CASE_STORE;
    }
    const char *path = sg_policy_store_path(uri);
    if (path && access(path, F_OK) != 0 && errno == ENOENT) {
        snprintf(text, len, "policy store %s does not exist: forwards follow policy_unavailable = %s (create it "
                            "with `sievegate policy init`, or set policy_store = none)", uri, mode);
        return SG_POLICY_CASE_MISSING;
    }
    if (!path || access(path, R_OK) != 0) {
        snprintf(text, len, "policy store %s cannot be read (%s): forwards follow policy_unavailable = %s", uri,
                 path ? strerror(errno) : "not an sqlite: or postgresql:// store", mode);
        return SG_POLICY_CASE_UNREADABLE;
    }
    snprintf(text, len, "policy store %s", uri);
    return SG_POLICY_CASE_STORE;
}
