/* policy_cache.c - see policy_cache.h. */
#include "store/policy_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/memcached_lib.h"
#include "store/policy_cache_int.h"

#define KEY_VERSION "v1"
#define GENERATION_MAGIC "SGG2 "
#define NAMESPACE_MAX 64
#define HOST_MAX 255
#define MAX_SERVERS 64
#define KEY_MAX 128
#define FETCH_MAX (SG_PART_COUNT + 1) /* the parts, or the shared parts and one owner's entry */
/* Rounds of read-compare-CAS before giving up on raising the generation key
 * (only under a burst of concurrent writers). */
#define CAS_ROUNDS 4

typedef struct {
    char host[HOST_MAX + 1];
    in_port_t port;
    int64_t skip_until_ms; /* monotonic; left out of the client until then */
    bool in_client;        /* part of the current memcached_st */
} server;

struct sg_policy_cache {
    char namespace_[NAMESPACE_MAX + 1];
    unsigned ttl, connect_timeout_ms, poll_timeout_ms, dead_timeout;
    server servers[MAX_SERVERS];
    size_t nservers;
    memcached_st *client; /* NULL until needed, or when every server is left out */
    sg_memcached_lib mc;  /* loaded with the first client; mc.handle NULL until then */
    char load_error[200]; /* why it could not be loaded, or no key: not tried again */
    sg_cache_auth auth;   /* the entries' key, read with the first client */
    char key_file[256];
    char failure_dir[256]; /* failure memory shared with this host's other processes ("": none) */
    unsigned long forged; /* entries read whose MAC was wrong (for tests and the log) */
    bool timed_out;       /* the last failure was a timeout */
    char error[256];
};

/* ---- settings ---------------------------------------------------------- */

bool sg_policy_cache_options_from_config(const sg_config *cfg, sg_policy_cache_options *opt, char *err,
                                         size_t errlen)
{
    opt->servers = sg_config_get(cfg, "memcached");
    opt->namespace_ = sg_config_get(cfg, "memcached_namespace");
    opt->key_file = sg_config_get(cfg, "memcached_key_file");
    if (!opt->key_file)
        opt->key_file = SG_CACHE_DEFAULT_KEY_FILE;
    opt->failure_dir = sg_config_get(cfg, "memcached_failure_dir");
    if (!opt->failure_dir)
        opt->failure_dir = SG_CACHE_DEFAULT_FAILURE_DIR;
    if (!opt->namespace_)
        opt->namespace_ = SG_CACHE_DEFAULT_NAMESPACE;
    opt->ttl = SG_CACHE_DEFAULT_TTL;
    opt->connect_timeout_ms = SG_CACHE_DEFAULT_CONNECT_TIMEOUT_MS;
    opt->poll_timeout_ms = SG_CACHE_DEFAULT_POLL_TIMEOUT_MS;
    opt->dead_timeout = SG_CACHE_DEFAULT_DEAD_TIMEOUT;
    return sg_config_get_uint(cfg, "policy_cache_ttl", 1, SG_CACHE_MAX_TTL, &opt->ttl, err, errlen) &&
           sg_config_get_uint(cfg, "memcached_connect_timeout_ms", 1, 60000, &opt->connect_timeout_ms, err, errlen) &&
           sg_config_get_uint(cfg, "memcached_poll_timeout_ms", 1, 60000, &opt->poll_timeout_ms, err, errlen) &&
           sg_config_get_uint(cfg, "memcached_dead_timeout", 1, 86400, &opt->dead_timeout, err, errlen);
}

static bool valid_namespace(const char *ns)
{
    size_t n = strlen(ns);
    if (n == 0 || n > NAMESPACE_MAX)
        return false;
    for (; *ns; ns++)
        if (!((*ns >= 'a' && *ns <= 'z') || (*ns >= 'A' && *ns <= 'Z') || (*ns >= '0' && *ns <= '9') ||
              *ns == '_' || *ns == '-' || *ns == '.'))
            return false;
    return true;
}

/* One "host[:port]" of the list, trimmed; "[v6]:port" for IPv6 literals. */
static bool parse_server(const char *s, size_t len, server *out)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    const char *colon = NULL;
    for (size_t i = len; i-- > 0;)
        if (s[i] == ':' || s[i] == ']') {
            colon = s[i] == ':' ? s + i : NULL;
            break;
        }
    size_t hlen = colon ? (size_t)(colon - s) : len;
    unsigned long port = MEMCACHED_DEFAULT_PORT;
    if (colon) {
        char *end;
        errno = 0;
        port = strtoul(colon + 1, &end, 10);
        if (end != s + len || colon + 1 == end || errno || port == 0 || port > 65535)
            return false;
    }
    if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']')
        s++, hlen -= 2;
    if (hlen == 0 || hlen > HOST_MAX || memchr(s, ' ', hlen))
        return false;
    memset(out, 0, sizeof *out);
    memcpy(out->host, s, hlen);
    out->port = (in_port_t)port;
    return true;
}

static bool parse_servers(sg_policy_cache *c, const char *list, char *err, size_t errlen)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        bool blank = strspn(p, " \t") >= n;
        if (!blank && (c->nservers == MAX_SERVERS || !parse_server(p, n, &c->servers[c->nservers]))) {
            snprintf(err, errlen, "invalid memcached server list \"%s\" (expected host:port,host:port; at most %d)",
                     list, MAX_SERVERS);
            return false;
        }
        c->nservers += !blank;
        p += n + (p[n] == ',');
    }
    return true;
}

bool sg_policy_cache_open(const sg_policy_cache_options *opt, sg_policy_cache **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!opt->servers || strspn(opt->servers, " \t,") == strlen(opt->servers))
        return true;
    const char *ns = opt->namespace_ ? opt->namespace_ : SG_CACHE_DEFAULT_NAMESPACE;
    if (!valid_namespace(ns)) {
        snprintf(err, errlen, "invalid memcached_namespace \"%s\" (letters, digits, '_', '-', '.'; 1 to %d)", ns,
                 NAMESPACE_MAX);
        return false;
    }
    sg_policy_cache *c = sg_xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    strcpy(c->namespace_, ns);
    c->ttl = opt->ttl ? opt->ttl : SG_CACHE_DEFAULT_TTL;
    c->connect_timeout_ms = opt->connect_timeout_ms ? opt->connect_timeout_ms : SG_CACHE_DEFAULT_CONNECT_TIMEOUT_MS;
    c->poll_timeout_ms = opt->poll_timeout_ms ? opt->poll_timeout_ms : SG_CACHE_DEFAULT_POLL_TIMEOUT_MS;
    c->dead_timeout = opt->dead_timeout ? opt->dead_timeout : SG_CACHE_DEFAULT_DEAD_TIMEOUT;
    snprintf(c->key_file, sizeof c->key_file, "%s", opt->key_file ? opt->key_file : "");
    snprintf(c->failure_dir, sizeof c->failure_dir, "%s", opt->failure_dir ? opt->failure_dir : "");
    if (!parse_servers(c, opt->servers, err, errlen)) {
        free(c);
        return false;
    }
    *out = c;
    return true;
}

void sg_policy_cache_close(sg_policy_cache *cache)
{
    if (!cache)
        return;
    if (cache->client)
        cache->mc.free(cache->client);
    sg_memcached_lib_close(&cache->mc);
    sg_cache_auth_free(&cache->auth);
    free(cache);
}

const char *sg_policy_cache_error(const sg_policy_cache *cache)
{
    return cache->error;
}

unsigned long sg_policy_cache_forged(const sg_policy_cache *cache)
{
    return cache->forged;
}

uint64_t sg_policy_cache_highest_seen(const sg_policy_cache *cache)
{
    int64_t v = sg_cache_shared_read(cache->failure_dir, "generation");
    return v > 0 ? (uint64_t)v : 0;
}

void sg_policy_cache_note_seen(sg_policy_cache *cache, uint64_t generation)
{
    if (generation != sg_policy_cache_highest_seen(cache) && generation <= (uint64_t)INT64_MAX)
        sg_cache_shared_write(cache->failure_dir, "generation", (int64_t)generation);
}

bool sg_policy_cache_key(const sg_policy_cache *cache, uint64_t generation, sg_policy_part part, char *buf,
                         size_t len)
{
    int n = part == SG_PART_COUNT
                ? snprintf(buf, len, "%s:" KEY_VERSION ":generation", cache->namespace_)
                : snprintf(buf, len, "%s:" KEY_VERSION ":%" PRIu64 ":%s", cache->namespace_, generation,
                           sg_policy_part_name(part));
    return n > 0 && (size_t)n < len && part <= SG_PART_COUNT;
}

/* The owner is hashed: an address may hold bytes memcached keys cannot, and
 * the entry itself names the owner, so two owners that hash alike only miss. */
static void owner_key(const sg_policy_cache *cache, uint64_t generation, const char *owner, char *buf, size_t len)
{
    snprintf(buf, len, "%s:" KEY_VERSION ":%" PRIu64 ":member:%016" PRIx64, cache->namespace_, generation,
             sg_policy_owner_hash(owner));
}

/* ---- the libmemcached client ------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool set_behaviours(sg_policy_cache *c, memcached_st *m)
{
    struct {
        memcached_behavior_t flag;
        uint64_t value;
    } b[] = {
        {MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, c->connect_timeout_ms},
        {MEMCACHED_BEHAVIOR_POLL_TIMEOUT, c->poll_timeout_ms},
        {MEMCACHED_BEHAVIOR_SND_TIMEOUT, (uint64_t)c->poll_timeout_ms * 1000}, /* microseconds */
        {MEMCACHED_BEHAVIOR_RCV_TIMEOUT, (uint64_t)c->poll_timeout_ms * 1000},
        {MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 1},
        {MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 1},
        {MEMCACHED_BEHAVIOR_DEAD_TIMEOUT, c->dead_timeout},
        {MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, c->dead_timeout},
        {MEMCACHED_BEHAVIOR_TCP_NODELAY, 1},
        {MEMCACHED_BEHAVIOR_SUPPORT_CAS, 1},
        {MEMCACHED_BEHAVIOR_DISTRIBUTION, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA},
    };
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        if (c->mc.behavior_set(m, b[i].flag, b[i].value) != MEMCACHED_SUCCESS)
            return false;
    return true;
}

static void drop_client(sg_policy_cache *c)
{
    if (c->client)
        c->mc.free(c->client);
    c->client = NULL;
    for (size_t i = 0; i < c->nservers; i++)
        c->servers[i].in_client = false;
}

/* Loads libmemcached and the entries' key the first time a client is
 * needed; a failure is kept (neither will appear later) and reported by
 * no_server: without the key the cache is not used at all. */
static bool load_library(sg_policy_cache *c)
{
    if (c->mc.handle && c->auth.ready)
        return true;
    if (c->load_error[0])
        return false;
    if (!sg_cache_auth_load(&c->auth, c->key_file, c->load_error, sizeof c->load_error))
        return false;
    if (!sg_memcached_lib_open(&c->mc, c->load_error, sizeof c->load_error) && !c->load_error[0])
        strcpy(c->load_error, "cannot load " SG_MEMCACHED_LIB_SONAME);
    return c->mc.handle != NULL;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What this host's other processes found (policy_cache_shared.c): a server
 * they left out is left out here too, until the same time. */
static void adopt_shared_failures(sg_policy_cache *c)
{
    int64_t mono = now_ms(), wall = wall_ms();
    for (size_t i = 0; i < c->nservers; i++) {
        int64_t until = sg_cache_shared_dead_until(c->failure_dir, c->servers[i].host, c->servers[i].port);
        int64_t left = until - wall;
        if (left > 0 && left <= (int64_t)c->dead_timeout * 1000 && mono + left > c->servers[i].skip_until_ms)
            c->servers[i].skip_until_ms = mono + left;
    }
}

/* Makes the client match the servers not left out now: rebuilt only when
 * that set changed (a server left out, or back after its dead timeout).
 * Returns NULL when every server is left out. */
static memcached_st *client(sg_policy_cache *c)
{
    if (!c->client)
        adopt_shared_failures(c);
    int64_t now = now_ms();
    bool changed = c->client == NULL;
    size_t usable = 0;
    for (size_t i = 0; i < c->nservers; i++) {
        bool use = c->servers[i].skip_until_ms <= now;
        changed |= use != c->servers[i].in_client;
        usable += use;
    }
    if (!changed)
        return c->client;
    drop_client(c);
    if (usable == 0 || !load_library(c))
        return NULL;
    memcached_st *m = c->mc.create(NULL);
    if (!m)
        return NULL;
    bool ok = set_behaviours(c, m);
    for (size_t i = 0; ok && i < c->nservers; i++) {
        if (c->servers[i].skip_until_ms > now)
            continue;
        ok = c->mc.server_add(m, c->servers[i].host, c->servers[i].port) == MEMCACHED_SUCCESS;
        c->servers[i].in_client = ok;
    }
    if (!ok) {
        c->mc.free(m);
        drop_client(c);
        return NULL;
    }
    c->client = m;
    return m;
}

/* Answers that say something about the data, not about the servers. */
static bool answered(memcached_return_t rc)
{
    switch (rc) {
    case MEMCACHED_SUCCESS:
    case MEMCACHED_END:
    case MEMCACHED_NOTFOUND:
    case MEMCACHED_STORED:
    case MEMCACHED_NOTSTORED:
    case MEMCACHED_DATA_EXISTS:
    case MEMCACHED_E2BIG:
    case MEMCACHED_BUFFERED:
        return true;
    default:
        return false;
    }
}

/* The index in c->servers of the server that holds `key` in the current
 * client, or -1 (compare by name and port: libmemcached has its own list). */
static int owner(sg_policy_cache *c, const char *key)
{
    memcached_return_t rc;
    const memcached_instance_st *inst = c->mc.server_by_key(c->client, key, strlen(key), &rc);
    for (size_t i = 0; inst && i < c->nservers; i++)
        if (c->servers[i].in_client && c->servers[i].port == c->mc.server_port(inst) &&
            strcmp(c->servers[i].host, c->mc.server_name(inst)) == 0)
            return (int)i;
    return -1;
}

/* Servers that still owe replies after a fetch ended (into out, as indexes
 * in c->servers). With several servers pending, libmemcached polls them all
 * and, when that poll times out, ends the fetch as if every key were missing,
 * with no error: a hung server looks like a miss unless it is caught here. */
static size_t pending_servers(sg_policy_cache *c, int out[], size_t max)
{
    size_t n = 0;
    uint32_t count = c->mc.server_count(c->client);
    for (uint32_t i = 0; i < count && n < max; i++) {
        const memcached_instance_st *inst = c->mc.server_instance_by_position(c->client, i);
        if (!inst || c->mc.server_response_count(inst) == 0)
            continue;
        for (size_t k = 0; k < c->nservers; k++)
            if (c->servers[k].in_client && c->servers[k].port == c->mc.server_port(inst) &&
                strcmp(c->servers[k].host, c->mc.server_name(inst)) == 0)
                out[n++] = (int)k;
    }
    return n;
}

/* Whether the server at `index` in c->servers had an error other than an
 * answer about the data in the current client (e.g. it refused the
 * connection). */
static bool server_failed(sg_policy_cache *c, int index)
{
    uint32_t count = c->mc.server_count(c->client);
    for (uint32_t i = 0; i < count; i++) {
        const memcached_instance_st *inst = c->mc.server_instance_by_position(c->client, i);
        if (inst && c->servers[index].port == c->mc.server_port(inst) &&
            strcmp(c->servers[index].host, c->mc.server_name(inst)) == 0) {
            memcached_return_t rc = c->mc.server_error_return(inst);
            return rc != MEMCACHED_SUCCESS && !answered(rc);
        }
    }
    return false;
}

/* Records a failure kind, and leaves out the servers in `suspects` (those
 * holding keys that got no answer) for the dead timeout, here and, through
 * memcached_failure_dir, in the host's other processes. A timeout means a
 * server that holds connections without answering, which libmemcached never
 * ejects: with no suspect known every server in use is left out, and the
 * client is dropped so that no late reply is ever read. */
static sg_cache_status unavailable(sg_policy_cache *c, memcached_return_t rc, const char *what,
                                   const int *suspects, size_t nsuspects)
{
    snprintf(c->error, sizeof c->error, "memcached %s: %s", what,
             c->client      ? c->mc.last_error_message(c->client)
             : c->mc.handle ? c->mc.strerror(NULL, rc)
                            : "error");
    /* The other processes of this host leave the failed servers out too. */
    int64_t shared_until = wall_ms() + (int64_t)c->dead_timeout * 1000;
    for (size_t i = 0; i < nsuspects; i++)
        if (suspects[i] >= 0)
            sg_cache_shared_mark_dead(c->failure_dir, c->servers[suspects[i]].host, c->servers[suspects[i]].port,
                                      shared_until);
    c->timed_out = rc == MEMCACHED_TIMEOUT;
    if (!c->client)
        return SG_CACHE_UNAVAILABLE;
    int64_t until = now_ms() + (int64_t)c->dead_timeout * 1000;
    size_t marked = 0;
    for (size_t i = 0; i < nsuspects; i++)
        if (suspects[i] >= 0) {
            c->servers[suspects[i]].skip_until_ms = until;
            marked++;
        }
    /* A timeout with no server known: every one in use. A refused
     * connection: the servers known (the same as libmemcached's ejection,
     * but decided here, so that the next try, fetch's, goes without them). */
    for (size_t i = 0; marked == 0 && rc == MEMCACHED_TIMEOUT && i < c->nservers; i++)
        if (c->servers[i].in_client)
            c->servers[i].skip_until_ms = until;
    if (marked || rc == MEMCACHED_TIMEOUT)
        drop_client(c);
    return SG_CACHE_UNAVAILABLE;
}

static sg_cache_status no_server(sg_policy_cache *c)
{
    if (c->load_error[0]) {
        snprintf(c->error, sizeof c->error, "memcached: %s", c->load_error);
        return SG_CACHE_UNAVAILABLE;
    }
    snprintf(c->error, sizeof c->error, "memcached: every server failed; retried after %us", c->dead_timeout);
    return SG_CACHE_UNAVAILABLE;
}

/* ---- reads ------------------------------------------------------------- */

typedef struct {
    char *value;
    size_t len;
    uint64_t cas;
} fetched;

/* Copies a fetched value into the slot of its key (the first one only). */
static void keep_value(const sg_policy_cache *c, const memcached_result_st *result, const char *const keys[], const size_t lens[], size_t n,
                       fetched out[])
{
    const char *key = c->mc.result_key_value(result);
    size_t klen = c->mc.result_key_length(result);
    for (size_t i = 0; i < n; i++) {
        if (out[i].value || klen != lens[i] || memcmp(key, keys[i], klen) != 0)
            continue;
        out[i].len = c->mc.result_length(result);
        out[i].value = memcpy(sg_xmalloc(out[i].len + 1), c->mc.result_value(result), out[i].len);
        out[i].value[out[i].len] = '\0';
        out[i].cas = c->mc.result_cas(result);
    }
}

/* Replaces a fetched entry by the value it seals, or drops it (a miss) when
 * it was not sealed with our key for this key: forged or replayed. */
static void unseal(sg_policy_cache *c, const char *key, fetched *f)
{
    if (!f->value)
        return;
    size_t len;
    const char *value = sg_cache_auth_open(&c->auth, key, f->value, f->len, &len);
    if (!value) {
        c->forged++;
        free(f->value);
        f->value = NULL;
        f->len = 0;
        return;
    }
    memmove(f->value, value, len);
    f->value[len] = '\0';
    f->len = len;
}

static void discard(fetched out[], size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(out[i].value);
    memset(out, 0, n * sizeof *out);
}

/* After the fetch: servers that never replied (a timeout libmemcached kept
 * quiet about), or an error; else SG_CACHE_OK. */
static sg_cache_status fetch_outcome(sg_policy_cache *c, memcached_return_t rc, memcached_return_t frc,
                                     const char *const keys[], int owners[], size_t n, fetched out[])
{
    int pending[MAX_SERVERS];
    size_t npending = pending_servers(c, pending, MAX_SERVERS);
    if (npending) {
        discard(out, n);
        unavailable(c, MEMCACHED_TIMEOUT, "mget", pending, npending);
        snprintf(c->error, sizeof c->error, "memcached mget: no reply from %zu server(s) within %u ms", npending,
                 c->poll_timeout_ms);
        return SG_CACHE_UNAVAILABLE;
    }
    if (rc != MEMCACHED_SOME_ERRORS && answered(frc)) {
        /* A server that refused the connection in the middle of the mget is
         * ejected by libmemcached, which reports no error and drops its
         * keys: seen as a key without a value whose server failed, or is
         * another one now. */
        size_t nmoved = 0;
        for (size_t i = 0; i < n; i++)
            if (!out[i].value && owners[i] >= 0 && (server_failed(c, owners[i]) || owner(c, keys[i]) != owners[i]))
                owners[nmoved++] = owners[i];
        if (nmoved == 0)
            return SG_CACHE_OK;
        discard(out, n);
        return unavailable(c, MEMCACHED_CONNECTION_FAILURE, "mget", owners, nmoved);
    }
    size_t nsuspects = 0; /* the servers of the keys that got no value */
    for (size_t i = 0; i < n; i++)
        if (!out[i].value)
            owners[nsuspects++] = owners[i];
    discard(out, n);
    return unavailable(c, answered(frc) ? rc : frc, "mget", owners, nsuspects);
}

/* One memcached_mget of `n` keys; values (malloc'd) land in out[i] by key. */
static sg_cache_status fetch_once(sg_policy_cache *c, const char *const keys[], size_t n, fetched out[])
{
    memset(out, 0, n * sizeof *out);
    memcached_st *m = client(c);
    if (!m)
        return no_server(c);
    size_t lens[FETCH_MAX];
    int owners[FETCH_MAX];
    for (size_t i = 0; i < n; i++) {
        lens[i] = strlen(keys[i]);
        owners[i] = owner(c, keys[i]);
    }
    memcached_return_t rc = c->mc.mget(m, keys, lens, n);
    if (!answered(rc) && rc != MEMCACHED_SOME_ERRORS)
        return unavailable(c, rc, "mget", owners, n);
    memcached_result_st result;
    c->mc.result_create(m, &result);
    memcached_return_t frc = MEMCACHED_SUCCESS;
    while (c->mc.fetch_result(m, &result, &frc))
        keep_value(c, &result, keys, lens, n, out);
    c->mc.result_free(&result);
    sg_cache_status st = fetch_outcome(c, rc, frc, keys, owners, n, out);
    for (size_t i = 0; st == SG_CACHE_OK && i < n; i++)
        unseal(c, keys[i], &out[i]);
    return st;
}

/* A server that refused the connection is ejected by then (its keys go to
 * the others, where a process that found it dead before put them): one more
 * mget, at no timeout's cost. A timeout is not paid twice. */
static sg_cache_status fetch(sg_policy_cache *c, const char *const keys[], size_t n, fetched out[])
{
    c->timed_out = false;
    sg_cache_status st = fetch_once(c, keys, n, out);
    if (st == SG_CACHE_UNAVAILABLE && !c->timed_out && c->nservers > 1)
        st = fetch_once(c, keys, n, out);
    return st;
}

sg_cache_status sg_policy_cache_get(sg_policy_cache *cache, uint64_t generation, sg_policy **out)
{
    *out = NULL;
    char keybuf[SG_PART_COUNT][KEY_MAX];
    const char *keys[SG_PART_COUNT];
    for (int i = 0; i < SG_PART_COUNT; i++) {
        sg_policy_cache_key(cache, generation, (sg_policy_part)i, keybuf[i], KEY_MAX);
        keys[i] = keybuf[i];
    }
    fetched got[SG_PART_COUNT];
    sg_cache_status st = fetch(cache, keys, SG_PART_COUNT, got);
    if (st != SG_CACHE_OK)
        return st;
    const char *data[SG_PART_COUNT];
    size_t len[SG_PART_COUNT];
    for (int i = 0; i < SG_PART_COUNT; i++)
        data[i] = got[i].value, len[i] = got[i].len;
    *out = sg_policy_decode(generation, data, len);
    for (int i = 0; i < SG_PART_COUNT; i++)
        free(got[i].value);
    return *out ? SG_CACHE_OK : SG_CACHE_MISS;
}

sg_cache_status sg_policy_cache_get_for_owner(sg_policy_cache *cache, uint64_t generation, const char *owner,
                                             sg_policy **out, bool *shared_found)
{
    *out = NULL;
    *shared_found = false;
    char keybuf[FETCH_MAX][KEY_MAX];
    const char *keys[FETCH_MAX];
    size_t n = 0;
    for (int i = 0; i < SG_PART_COUNT; i++) {
        if (i == SG_PART_GROUPS)
            continue;
        sg_policy_cache_key(cache, generation, (sg_policy_part)i, keybuf[n], KEY_MAX);
        keys[n] = keybuf[n];
        n++;
    }
    owner_key(cache, generation, owner, keybuf[n], KEY_MAX);
    keys[n] = keybuf[n];
    n++;
    fetched got[FETCH_MAX];
    sg_cache_status st = fetch(cache, keys, n, got);
    if (st != SG_CACHE_OK)
        return st;
    const char *data[SG_PART_COUNT] = {NULL};
    size_t len[SG_PART_COUNT] = {0};
    bool shared = true;
    for (size_t i = 0, part = 0; i + 1 < n; i++, part++) {
        part += part == SG_PART_GROUPS;
        data[part] = got[i].value, len[part] = got[i].len;
        shared &= got[i].value != NULL;
    }
    *shared_found = shared;
    if (shared && got[n - 1].value)
        *out = sg_policy_decode_for_owner(generation, data, len, owner, got[n - 1].value, got[n - 1].len);
    for (size_t i = 0; i < n; i++)
        free(got[i].value);
    return *out ? SG_CACHE_OK : SG_CACHE_MISS;
}

/* "SGG2 " GENERATION " " CHECKED_AT, strictly (unsigned decimals without
 * leading zeros). */
static bool parse_generation(const fetched *f, uint64_t *generation, int64_t *checked_at)
{
    size_t m = sizeof GENERATION_MAGIC - 1;
    if (!f->value || f->len <= m || f->len > m + 41 || memcmp(f->value, GENERATION_MAGIC, m) != 0)
        return false;
    const char *d = f->value + m, *end = f->value + f->len;
    const char *sp = memchr(d, ' ', (size_t)(end - d));
    if (!sp || sp == d || sp + 1 == end || strspn(d, "0123456789") != (size_t)(sp - d) ||
        strspn(sp + 1, "0123456789") != (size_t)(end - sp - 1) || (d[0] == '0' && sp - d > 1) ||
        (sp[1] == '0' && end - sp > 2) || sp - d > 20 || end - sp - 1 > 19)
        return false;
    errno = 0;
    uint64_t v = strtoull(d, NULL, 10);
    long long t = strtoll(sp + 1, NULL, 10);
    if (errno)
        return false;
    *generation = v;
    *checked_at = (int64_t)t;
    return true;
}

sg_cache_status sg_policy_cache_generation(sg_policy_cache *cache, uint64_t *generation, int64_t *checked_at)
{
    char key[KEY_MAX];
    sg_policy_cache_key(cache, 0, SG_PART_COUNT, key, sizeof key);
    const char *keys[1] = {key};
    fetched got;
    sg_cache_status st = fetch(cache, keys, 1, &got);
    if (st != SG_CACHE_OK)
        return st;
    bool ok = parse_generation(&got, generation, checked_at);
    free(got.value);
    return ok ? SG_CACHE_OK : SG_CACHE_MISS;
}

sg_cache_status sg_policy_cache_last_generation(sg_policy_cache *cache, uint64_t *generation)
{
    int64_t checked_at;
    return sg_policy_cache_generation(cache, generation, &checked_at);
}

/* ---- writes ------------------------------------------------------------ */

/* The outcome of a write of `key` (whose server is `owner`). */
static sg_cache_status stored(sg_policy_cache *c, memcached_return_t rc, const char *what, int owner_index)
{
    if (rc == MEMCACHED_SUCCESS || rc == MEMCACHED_STORED || rc == MEMCACHED_BUFFERED)
        return SG_CACHE_OK;
    return answered(rc) ? SG_CACHE_MISS : unavailable(c, rc, what, &owner_index, 1);
}

typedef enum { WRITE_SET, WRITE_ADD, WRITE_CAS } write_kind;

/* One write of one key, sealed, with the cache's TTL. */
static sg_cache_status write_key(sg_policy_cache *c, write_kind kind, const char *key, const char *val, size_t len,
                                 uint64_t cas)
{
    size_t klen = strlen(key), slen;
    char *sealed = NULL;
    sg_cache_status st = SG_CACHE_UNAVAILABLE;
    c->timed_out = false;
    /* As fetch: a server that refused the connection is ejected by then, so
     * one more try writes where readers now look (not a CAS: its value was
     * read from the server that failed). */
    for (int attempt = 0; attempt < 2; attempt++) {
        memcached_st *m = client(c);
        if (!m) {
            st = no_server(c);
            break;
        }
        int o = owner(c, key);
        if (!sealed)
            sealed = sg_cache_auth_seal(&c->auth, key, val, len, &slen);
        time_t ttl = c->ttl;
        memcached_return_t rc = kind == WRITE_SET   ? c->mc.set(m, key, klen, sealed, slen, ttl, 0)
                                : kind == WRITE_ADD ? c->mc.add(m, key, klen, sealed, slen, ttl, 0)
                                                    : c->mc.cas(m, key, klen, sealed, slen, ttl, 0, cas);
        st = stored(c, rc, kind == WRITE_SET ? "set" : kind == WRITE_ADD ? "add" : "cas", o);
        if (st != SG_CACHE_UNAVAILABLE || c->timed_out || c->nservers < 2 || kind == WRITE_CAS)
            break;
    }
    free(sealed);
    return st;
}

/* One round of read, compare, then add or CAS. MISS means "lost a race, go
 * again"; OK means the key now holds `generation` (checked at `checked_at`
 * or later) or a newer one. */
static sg_cache_status raise_generation(sg_policy_cache *c, const char *key, const char *val, size_t vlen,
                                        uint64_t generation, int64_t checked_at)
{
    const char *keys[1] = {key};
    fetched got;
    sg_cache_status st = fetch(c, keys, 1, &got);
    if (st != SG_CACHE_OK)
        return st;
    uint64_t current = 0;
    int64_t current_at = 0;
    /* a value that is not ours (forged, garbled) reads as none, but has a CAS: it is replaced */
    bool exists = got.value != NULL || got.cas != 0, known = parse_generation(&got, &current, &current_at);
    free(got.value);
    if (known && (current > generation || (current == generation && current_at >= checked_at)))
        return SG_CACHE_OK;
    return write_key(c, exists ? WRITE_CAS : WRITE_ADD, key, val, vlen, got.cas);
}

sg_cache_status sg_policy_cache_set_generation(sg_policy_cache *cache, uint64_t generation, int64_t checked_at,
                                               bool authoritative)
{
    char key[KEY_MAX], val[64];
    sg_policy_cache_key(cache, 0, SG_PART_COUNT, key, sizeof key);
    int vlen = snprintf(val, sizeof val, GENERATION_MAGIC "%" PRIu64 " %lld", generation, (long long)checked_at);
    if (authoritative)
        return write_key(cache, WRITE_SET, key, val, (size_t)vlen, 0);
    sg_cache_status st = SG_CACHE_MISS;
    for (int round = 0; round < CAS_ROUNDS && st == SG_CACHE_MISS; round++)
        st = raise_generation(cache, key, val, (size_t)vlen, generation, checked_at);
    return st;
}

sg_cache_status sg_policy_cache_set_last_generation(sg_policy_cache *cache, uint64_t generation,
                                                    bool authoritative)
{
    return sg_policy_cache_set_generation(cache, generation, (int64_t)time(NULL), authoritative);
}

sg_cache_status sg_policy_cache_put_owner(sg_policy_cache *cache, const sg_policy *policy, const char *owner,
                                          const sg_group *groups, size_t ngroups)
{
    char key[KEY_MAX];
    owner_key(cache, policy->generation, owner, key, sizeof key);
    size_t len;
    char *val = sg_policy_encode_owner_groups(policy, owner, groups, ngroups, &len);
    sg_cache_status st = len <= SG_POLICY_ENTRY_MAX ? write_key(cache, WRITE_SET, key, val, len, 0) : SG_CACHE_MISS;
    free(val);
    return st;
}

/* Every part, then the generation key, whatever became of the parts: a
 * reader that trusts the key and misses a part asks the store at once,
 * while one left with an older key would obey the older generation until
 * policy_check_interval ran out. The first failure is returned. */
sg_cache_status sg_policy_cache_put(sg_policy_cache *cache, const sg_policy *policy, bool authoritative)
{
    sg_cache_status first = SG_CACHE_OK;
    char first_error[sizeof cache->error] = "";
    for (int i = 0; i < SG_PART_COUNT; i++) {
        char key[KEY_MAX];
        sg_policy_cache_key(cache, policy->generation, (sg_policy_part)i, key, sizeof key);
        size_t len;
        char *val = sg_policy_encode_part(policy, (sg_policy_part)i, &len);
        sg_cache_status st = SG_CACHE_MISS; /* too big for one item: not cached */
        if (len <= SG_POLICY_ENTRY_MAX)
            st = write_key(cache, WRITE_SET, key, val, len, 0);
        free(val);
        if (st != SG_CACHE_OK && first == SG_CACHE_OK) {
            first = st;
            memcpy(first_error, cache->error, sizeof first_error);
        }
    }
    sg_cache_status st = sg_policy_cache_set_last_generation(cache, policy->generation, authoritative);
    if (first != SG_CACHE_OK)
        memcpy(cache->error, first_error, sizeof first_error);
    return first != SG_CACHE_OK ? first : st;
}
