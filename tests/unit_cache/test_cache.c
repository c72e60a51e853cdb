/* test_cache.c - store/policy_source + store/policy_cache against a real
 * memcached (started per test on 127.0.0.1 at a free port, stopped by PID)
 * and the real SQLite store in a temporary directory.
 *
 * Asserts: miss then hit; an admin change (new generation) is seen at once;
 * publish warms the cache; the generation key only rises; corrupt entries are
 * misses; keys spread over two servers by consistent hashing; memcached
 * killed, hung (SIGSTOP; one or both of two) and restarted mid-run: every
 * answer stays the store's, each lookup stays within connect + poll timeout
 * (plus scheduling slack), a failed server is then skipped, and re-admitted
 * after the dead timeout; store unreadable: the last known generation from
 * the cache, else policy_unavailable with the configured mode (and a missing
 * store file reads as the built-in default, as policy_store.h says). Prints
 * the lookup times seen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmemcached/memcached.h>

#include "tests/unit_cache/memcached_server.h"
#include "tests/unit_cache/policy_sample.h"
#include "policy/decide.h"
#include "store/policy_cache.h"
#include "store/policy_source.h"
#include "store/policy_store.h"

#define CONNECT_TIMEOUT_MS 200
#define POLL_TIMEOUT_MS 200
#define DEAD_TIMEOUT_S 1
/* One lookup may pay the connect and the poll timeout once; the rest is
 * scheduling slack (sanitizers, a loaded CI machine). */
#define LOOKUP_BOUND_MS (CONNECT_TIMEOUT_MS + POLL_TIMEOUT_MS + 300)
/* A lookup that skips a failed server pays no timeout at all. */
#define SKIPPED_BOUND_MS (POLL_TIMEOUT_MS / 2)

typedef struct fixture {
    char dir[64];
    char path[128];
    char uri[160];
    char key_file[128];
    char failure_dir[128];
    char err[512];
    mc_server mc[2];
    char servers[64];
    sg_config *cfg;
    sg_policy_source *src;
    double max_ms, max_skipped_ms; /* the slowest lookups seen (printed) */
} fixture;

/* ---- fixture ------------------------------------------------------------ */

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/sg_cache_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/policy.db", f->dir);
    snprintf(f->uri, sizeof f->uri, "sqlite:%s", f->path);
    f->cfg = sg_config_new();
    sg_config_set(f->cfg, "policy_store", f->uri);
    sg_config_set(f->cfg, "memcached_connect_timeout_ms", "200");
    sg_config_set(f->cfg, "memcached_poll_timeout_ms", "200");
    sg_config_set(f->cfg, "memcached_dead_timeout", "1");
    /* the entries' key (policy_cache.h: without one the cache is not used) */
    snprintf(f->key_file, sizeof f->key_file, "%s/memcached.key", f->dir);
    FILE *k = fopen(f->key_file, "w");
    if (!k)
        return -1;
    fputs("0123456789abcdef0123456789abcdef\n", k);
    fclose(k);
    chmod(f->key_file, 0640);
    sg_config_set(f->cfg, "memcached_key_file", f->key_file);
    snprintf(f->failure_dir, sizeof f->failure_dir, "%s/failures", f->dir);
    if (mkdir(f->failure_dir, 01777) != 0)
        return -1;
    sg_config_set(f->cfg, "memcached_failure_dir", f->failure_dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 2; i++)
        mc_kill(&f->mc[i]); /* also when the test failed: never leave one running */
    sg_policy_source_close(f->src);
    sg_config_free(f->cfg);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* Starts n memcached servers and points the config at them. */
static void start_servers(fixture *f, int n)
{
    f->servers[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (!mc_start(&f->mc[i]))
            skip(); /* memcached is not installed here */
        char addr[32];
        size_t used = strlen(f->servers);
        snprintf(f->servers + used, sizeof f->servers - used, "%s%s", i ? "," : "",
                 mc_address(&f->mc[i], addr, sizeof addr));
    }
    sg_config_set(f->cfg, "memcached", f->servers);
}

/* A new source, as a new delivery process would have. */
static sg_policy_source *reopen(fixture *f)
{
    sg_policy_source_close(f->src);
    f->src = NULL;
    assert_true(sg_policy_source_open(f->cfg, &f->src, f->err, sizeof f->err));
    return f->src;
}

/* ---- the store ---------------------------------------------------------- */

static sg_policy_store *writer(fixture *f)
{
    sg_policy_store *s = NULL;
    assert_int_equal(sg_policy_store_open(f->uri, true, &s, f->err, sizeof f->err), SG_STORE_OK);
    return s;
}

/* A store with one of everything (several writes: several generations). */
static void fill_store(fixture *f)
{
    sg_policy_store *s = writer(f);
    char *e = f->err;
    size_t n = sizeof f->err;
    assert_int_equal(sg_policy_store_add_accepted_domain(s, "example.com", true, e, n), SG_STORE_OK);
    static const char *const members[] = {"alice@example.com", "bob@example.com"};
    sg_strlist ml = {(const char **)members, 2};
    assert_int_equal(sg_policy_store_put_group(s, "sales", &ml, e, n), SG_STORE_OK);
    sg_remote_domain rd;
    sg_remote_domain_default(&rd, "partner.example");
    rd.auto_forward = false;
    assert_int_equal(sg_policy_store_put_remote_domain(s, &rd, e, n), SG_STORE_OK);
    static const char *const groups[] = {"sales"};
    sg_outbound_policy op;
    memset(&op, 0, sizeof op);
    op.name = "sales";
    op.enabled = true;
    op.priority = 0;
    op.mode = SG_MODE_ON;
    op.groups = (sg_strlist){(const char **)groups, 1};
    assert_int_equal(sg_policy_store_put_policy(s, &op, e, n), SG_STORE_OK);
    sg_admin_forward fwd = {"alice@example.com", "friend@partner.example", true};
    assert_int_equal(sg_policy_store_put_forward(s, &fwd, e, n), SG_STORE_OK);
    sg_policy_store_close(s);
}

/* One admin change: a new generation. */
static void admin_change(fixture *f, sg_fwd_mode mode)
{
    sg_policy_store *s = writer(f);
    assert_int_equal(sg_policy_store_set_default_mode(s, mode, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy_store_close(s);
}

/* What the store holds now, read directly. */
static sg_policy *truth(fixture *f)
{
    sg_policy_store *s = NULL;
    sg_policy *p = NULL;
    assert_int_equal(sg_policy_store_open(f->uri, false, &s, f->err, sizeof f->err), SG_STORE_OK);
    assert_int_equal(sg_policy_store_load(s, &p, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy_store_close(s);
    return p;
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    fclose(fp);
}

static void corrupt_store(fixture *f)
{
    static const char garbage[] = "this is not an SQLite database, just some garbage bytes \x01\x02\x03\xff\xfe"
                                  "................................................................................";
    write_file(f->path, garbage, sizeof garbage - 1);
}

/* ---- lookups ------------------------------------------------------------ */

typedef struct {
    sg_policy_status status;
    sg_policy_origin origin;
    uint64_t generation;
    double ms;
} lookup;

/* One lookup through f->src, timed; its answer must equal the store's
 * (when `expect` is given). */
static lookup get(fixture *f, const sg_policy *expect)
{
    sg_policy_answer a;
    double t0 = mc_now_ms();
    lookup l;
    l.status = sg_policy_source_get(f->src, &a);
    l.ms = mc_now_ms() - t0;
    l.origin = a.origin;
    l.generation = a.policy ? a.policy->generation : 0;
    if (l.ms > f->max_ms)
        f->max_ms = l.ms;
    if (expect) {
        assert_int_equal(l.status, SG_POLICY_OK);
        assert_policy_equal(a.policy, expect);
    }
    sg_policy_free(a.policy);
    return l;
}

/* One memcached, the store filled, and a first lookup by a new process: the
 * cache and the generation key warm. Returns the store's snapshot. */
static sg_policy *warm(fixture *f)
{
    start_servers(f, 1);
    fill_store(f);
    sg_policy *want = truth(f);
    reopen(f);
    get(f, want);
    return want;
}

static void assert_within_bound(fixture *f, const lookup *l)
{
    if (l->ms > LOOKUP_BOUND_MS)
        fail_msg("a lookup took %.1f ms (bound %d ms)", l->ms, LOOKUP_BOUND_MS);
    (void)f;
}

static void assert_skipped(fixture *f, const lookup *l)
{
    if (l->ms > f->max_skipped_ms)
        f->max_skipped_ms = l->ms;
    if (l->ms > SKIPPED_BOUND_MS)
        fail_msg("a lookup that should skip the failed server took %.1f ms (bound %d ms)", l->ms, SKIPPED_BOUND_MS);
}

static void report(const fixture *f, const char *what, const lookup *first)
{
    printf("# %s: first lookup after the fault %.1f ms, slowest %.1f ms, slowest while skipped %.1f ms "
           "(bound %d ms)\n",
           what, first ? first->ms : 0.0, f->max_ms, f->max_skipped_ms, LOOKUP_BOUND_MS);
}

/* ---- a raw client to look inside memcached ------------------------------ */

static memcached_st *raw_client(const mc_server *s)
{
    memcached_st *m = memcached_create(NULL);
    memcached_server_add(m, "127.0.0.1", (in_port_t)s->port);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 1000);
    return m;
}

static bool raw_has(const mc_server *s, const char *key)
{
    memcached_st *m = raw_client(s);
    size_t len;
    uint32_t flags;
    memcached_return_t rc;
    char *v = memcached_get(m, key, strlen(key), &len, &flags, &rc);
    bool found = v != NULL;
    free(v);
    memcached_free(m);
    return found;
}

static void raw_set(const mc_server *s, const char *key, const char *val, size_t len)
{
    memcached_st *m = raw_client(s);
    assert_int_equal(memcached_set(m, key, strlen(key), val, len, 60, 0), MEMCACHED_SUCCESS);
    memcached_free(m);
}

static sg_policy_cache *open_cache(fixture *f)
{
    sg_policy_cache_options opt;
    sg_policy_cache *c = NULL;
    assert_true(sg_policy_cache_options_from_config(f->cfg, &opt, f->err, sizeof f->err));
    assert_true(sg_policy_cache_open(&opt, &c, f->err, sizeof f->err));
    assert_non_null(c);
    return c;
}

/* ---- hits, misses, generations ------------------------------------------ */

static void test_miss_then_hit(void **state)
{
    fixture *f = *state;
    start_servers(f, 1);
    fill_store(f);
    sg_policy *want = truth(f);
    reopen(f);
    lookup l = get(f, want);
    assert_int_equal(l.origin, SG_POLICY_FROM_STORE);
    l = get(f, want);
    assert_int_equal(l.origin, SG_POLICY_FROM_CACHE);
    /* Another process finds it in memcached too. */
    reopen(f);
    l = get(f, want);
    assert_int_equal(l.origin, SG_POLICY_FROM_CACHE);
    /* Every part and the generation key are there, under documented keys. */
    sg_policy_cache *c = open_cache(f);
    for (int part = 0; part <= SG_PART_COUNT; part++) {
        char key[128];
        assert_true(sg_policy_cache_key(c, want->generation, (sg_policy_part)part, key, sizeof key));
        assert_true(raw_has(&f->mc[0], key));
    }
    char key[128];
    sg_policy_cache_key(c, 12, SG_PART_POLICIES, key, sizeof key);
    assert_string_equal(key, "sievegate:v1:12:policies");
    uint64_t last;
    assert_int_equal(sg_policy_cache_last_generation(c, &last), SG_CACHE_OK);
    assert_int_equal(last, want->generation);
    sg_policy_cache_close(c);
    sg_policy_free(want);
}

static void test_admin_change_is_seen_at_once(void **state)
{
    fixture *f = *state;
    sg_policy *before = warm(f);
    assert_int_equal(get(f, before).origin, SG_POLICY_FROM_CACHE);
    admin_change(f, SG_MODE_ON);
    sg_policy *after = truth(f);
    assert_true(after->generation > before->generation);
    assert_int_equal(after->policies[0].mode, SG_MODE_ON);
    /* The very next lookup, in the same long-running source, sees it. */
    lookup l = get(f, after);
    assert_int_equal(l.origin, SG_POLICY_FROM_STORE);
    assert_int_equal(get(f, after).origin, SG_POLICY_FROM_CACHE);
    sg_policy_cache *c = open_cache(f);
    uint64_t last;
    assert_int_equal(sg_policy_cache_last_generation(c, &last), SG_CACHE_OK);
    assert_int_equal(last, after->generation);
    sg_policy_cache_close(c);
    sg_policy_free(before);
    sg_policy_free(after);
}

/* One lookup for one owner through f->src; returns where it came from and
 * checks the owner's effective policy and how many groups the answer holds. */
static sg_policy_origin get_for(fixture *f, const char *owner, const char *effective, size_t ngroups)
{
    sg_policy_answer a;
    assert_int_equal(sg_policy_source_get_for(f->src, owner, &a), SG_POLICY_OK);
    assert_string_equal(sg_policy_effective(a.policy, owner)->name, effective);
    if (a.origin == SG_POLICY_FROM_CACHE)
        assert_int_equal(a.policy->ngroups, ngroups);
    sg_policy_origin origin = a.origin;
    sg_policy_free(a.policy);
    return origin;
}

/* Decisions for one owner read the shared parts and that owner's view of the
 * groups (policy_cache.h): a group member's view holds that member only, and
 * a change of membership is seen by the next lookup. */
static void test_owner_lookups(void **state)
{
    fixture *f = *state;
    start_servers(f, 1);
    fill_store(f);
    reopen(f);
    assert_int_equal(get_for(f, "alice@example.com", "sales", 1), SG_POLICY_FROM_STORE);
    assert_int_equal(get_for(f, "alice@example.com", "sales", 1), SG_POLICY_FROM_CACHE);
    sg_policy_answer a;
    assert_int_equal(sg_policy_source_get_for(f->src, "alice@example.com", &a), SG_POLICY_OK);
    assert_int_equal(a.origin, SG_POLICY_FROM_CACHE);
    const sg_admin_forward *fwd = sg_policy_admin_forward(a.policy, "alice@example.com"); /* the cache carries it */
    assert_non_null(fwd);
    assert_string_equal(fwd->address, "friend@partner.example");
    assert_true(fwd->keep_copy);
    assert_int_equal(a.policy->groups[0].members.count, 1);
    assert_string_equal(a.policy->groups[0].members.items[0], "alice@example.com");
    uint64_t generation = a.policy->generation;
    sg_policy_free(a.policy);
    /* Under its documented key. */
    char key[128];
    snprintf(key, sizeof key, "sievegate:v1:%" PRIu64 ":member:%016" PRIx64, generation,
             sg_policy_owner_hash("alice@example.com"));
    assert_true(raw_has(&f->mc[0], key));
    /* carol is in no group: her own entry is filled once, then read. */
    assert_int_equal(get_for(f, "carol@example.com", "default", 0), SG_POLICY_FROM_STORE);
    assert_int_equal(get_for(f, "carol@example.com", "default", 0), SG_POLICY_FROM_CACHE);
    /* Another process finds both. */
    reopen(f);
    assert_int_equal(get_for(f, "carol@example.com", "default", 0), SG_POLICY_FROM_CACHE);
    assert_int_equal(get_for(f, "alice@example.com", "sales", 1), SG_POLICY_FROM_CACHE);
    /* The whole snapshot is still there for readers that need every group. */
    sg_policy *want = truth(f);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
    sg_policy_free(want);
    /* Membership changes: carol in, alice out. */
    sg_policy_store *s = writer(f);
    static const char *const members[] = {"carol@example.com"};
    sg_strlist ml = {(const char **)members, 1};
    assert_int_equal(sg_policy_store_put_group(s, "sales", &ml, f->err, sizeof f->err), SG_STORE_OK);
    sg_policy_store_close(s);
    assert_int_equal(get_for(f, "alice@example.com", "default", 0), SG_POLICY_FROM_STORE);
    assert_int_equal(get_for(f, "alice@example.com", "default", 0), SG_POLICY_FROM_CACHE);
    assert_int_equal(get_for(f, "carol@example.com", "sales", 1), SG_POLICY_FROM_STORE);
    assert_int_equal(get_for(f, "carol@example.com", "sales", 1), SG_POLICY_FROM_CACHE);
    /* An entry that names another owner (a hash collision, or tampering) is a miss. */
    snprintf(key, sizeof key, "sievegate:v1:%" PRIu64 ":member:%016" PRIx64, generation + 1,
             sg_policy_owner_hash("alice@example.com"));
    sg_policy *p = truth(f);
    size_t len;
    char *forged = sg_policy_encode_owner_groups(p, "carol@example.com", p->groups, p->ngroups, &len);
    raw_set(&f->mc[0], key, forged, len);
    free(forged);
    sg_policy_free(p);
    assert_int_equal(get_for(f, "alice@example.com", "default", 0), SG_POLICY_FROM_STORE);
    assert_int_equal(get_for(f, "alice@example.com", "default", 0), SG_POLICY_FROM_CACHE);
}

static void test_publish_warms_the_cache(void **state)
{
    fixture *f = *state;
    fill_store(f);
    sg_policy *want = truth(f);
    /* No memcached configured: nothing to do. */
    assert_int_equal(sg_policy_source_publish(f->cfg, want, f->err, sizeof f->err), SG_PUBLISH_NO_CACHE);
    /* Configured but not running: fails fast, says why. */
    sg_config_set(f->cfg, "memcached", "127.0.0.1:1");
    double t0 = mc_now_ms();
    assert_int_equal(sg_policy_source_publish(f->cfg, want, f->err, sizeof f->err), SG_PUBLISH_FAILED);
    assert_true(mc_now_ms() - t0 < LOOKUP_BOUND_MS);
    assert_non_null(strstr(f->err, "not put in memcached"));
    start_servers(f, 1);
    assert_int_equal(sg_policy_source_publish(f->cfg, want, f->err, sizeof f->err), SG_PUBLISH_DONE);
    reopen(f);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE); /* never loaded from the store */
    sg_policy_free(want);
}

static void test_generation_key_only_rises(void **state)
{
    fixture *f = *state;
    start_servers(f, 1);
    sg_policy_cache *c = open_cache(f);
    uint64_t g = 0;
    assert_int_equal(sg_policy_cache_last_generation(c, &g), SG_CACHE_MISS);
    assert_int_equal(sg_policy_cache_set_last_generation(c, 5, false), SG_CACHE_OK);
    assert_int_equal(sg_policy_cache_set_last_generation(c, 3, false), SG_CACHE_OK); /* a slower reader */
    assert_int_equal(sg_policy_cache_last_generation(c, &g), SG_CACHE_OK);
    assert_int_equal(g, 5);
    assert_int_equal(sg_policy_cache_set_last_generation(c, 9, false), SG_CACHE_OK);
    assert_int_equal(sg_policy_cache_last_generation(c, &g), SG_CACHE_OK);
    assert_int_equal(g, 9);
    assert_int_equal(sg_policy_cache_set_last_generation(c, 2, true), SG_CACHE_OK); /* the admin: as told */
    assert_int_equal(sg_policy_cache_last_generation(c, &g), SG_CACHE_OK);
    assert_int_equal(g, 2);
    char key[128];
    sg_policy_cache_key(c, 0, SG_PART_COUNT, key, sizeof key);
    raw_set(&f->mc[0], key, "SGG1 007", 8);
    assert_int_equal(sg_policy_cache_last_generation(c, &g), SG_CACHE_MISS);
    raw_set(&f->mc[0], key, "garbage", 7);
    assert_int_equal(sg_policy_cache_last_generation(c, &g), SG_CACHE_MISS);
    assert_int_equal(sg_policy_cache_set_last_generation(c, 4, false), SG_CACHE_OK); /* garbage is replaced */
    assert_int_equal(sg_policy_cache_last_generation(c, &g), SG_CACHE_OK);
    assert_int_equal(g, 4);
    sg_policy_cache_close(c);
}

static void test_corrupt_entry_is_a_miss(void **state)
{
    fixture *f = *state;
    sg_policy *want = warm(f);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
    sg_policy_cache *c = open_cache(f);
    char key[128];
    sg_policy_cache_key(c, want->generation, SG_PART_POLICIES, key, sizeof key);
    /* garbage, then a valid entry cut short, then one of another part */
    size_t good_len, other_len;
    char *good = sg_policy_encode_part(want, SG_PART_POLICIES, &good_len);
    char *other = sg_policy_encode_part(want, SG_PART_REMOTE, &other_len);
    const struct {
        const char *data;
        size_t len;
    } bad[] = {{"\x00\xff garbage", 10}, {good, good_len / 2}, {other, other_len}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        raw_set(&f->mc[0], key, bad[i].data, bad[i].len);
        sg_policy *p = NULL;
        assert_int_equal(sg_policy_cache_get(c, want->generation, &p), SG_CACHE_MISS);
        assert_null(p);
        lookup l = get(f, want); /* the store answers, and the entry is put right */
        assert_int_equal(l.origin, SG_POLICY_FROM_STORE);
        assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
    }
    free(good);
    free(other);
    sg_policy_cache_close(c);
    sg_policy_free(want);
}

/* ---- two servers --------------------------------------------------------- */

static void test_two_servers_consistent_hashing(void **state)
{
    fixture *f = *state;
    start_servers(f, 2);
    fill_store(f);
    reopen(f);
    /* Several generations: 6 keys each, spread by ketama. */
    sg_policy_cache *c = open_cache(f);
    int on[2] = {0, 0};
    for (int round = 0; round < 6; round++) {
        admin_change(f, round % 2 ? SG_MODE_ON : SG_MODE_OFF);
        sg_policy *want = truth(f);
        assert_int_equal(get(f, want).origin, SG_POLICY_FROM_STORE);
        assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
        for (int part = 0; part < SG_PART_COUNT; part++) {
            char key[128];
            sg_policy_cache_key(c, want->generation, (sg_policy_part)part, key, sizeof key);
            bool a = raw_has(&f->mc[0], key), b = raw_has(&f->mc[1], key);
            assert_true(a != b); /* on exactly one server */
            on[b]++;
        }
        sg_policy_free(want);
    }
    printf("# two servers: %d entries on the first, %d on the second\n", on[0], on[1]);
    assert_true(on[0] > 0 && on[1] > 0);
    /* One dies: answers stay right; the survivor takes over its keys. */
    mc_kill(&f->mc[1]);
    sg_policy *want = truth(f);
    for (int i = 0; i < 6; i++) {
        lookup l = get(f, want);
        assert_within_bound(f, &l);
    }
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
    for (int part = 0; part < SG_PART_COUNT; part++) {
        char key[128];
        sg_policy_cache_key(c, want->generation, (sg_policy_part)part, key, sizeof key);
        assert_true(raw_has(&f->mc[0], key));
    }
    report(f, "two servers, one killed", NULL);
    sg_policy_cache_close(c);
    sg_policy_free(want);
}

/* A dead server that this process does not know to be dead (a new process,
 * no failure memory): libmemcached ejects it in the middle of the mget and
 * reports success without its keys. That is a failure, tried again without
 * it, not a miss: the survivor holds every entry (put there while the other
 * was down), and a miss here would leave a host with its store down no
 * policy at all (e2e_orgscale, PostgreSQL stopped). */
static void test_dead_server_ejected_mid_mget_is_not_a_miss(void **state)
{
    fixture *f = *state;
    start_servers(f, 2);
    sg_config_set(f->cfg, "memcached_failure_dir", "");
    fill_store(f);
    sg_policy *want = truth(f);
    mc_kill(&f->mc[0]);
    sg_policy_cache *writer_cache = open_cache(f);
    assert_int_equal(sg_policy_cache_put(writer_cache, want, true), SG_CACHE_OK);
    sg_policy_cache_close(writer_cache);
    for (int part = 0; part < SG_PART_COUNT; part++) {
        char key[128];
        sg_policy_cache *c = open_cache(f);
        sg_policy_cache_key(c, want->generation, (sg_policy_part)part, key, sizeof key);
        sg_policy_cache_close(c);
        assert_true(raw_has(&f->mc[1], key)); /* every entry on the survivor */
    }
    sg_policy_cache *c = open_cache(f); /* a new process: mc[0] in its client */
    sg_policy *p = NULL;
    assert_int_equal(sg_policy_cache_get(c, want->generation, &p), SG_CACHE_OK);
    assert_policy_equal(p, want);
    sg_policy_free(p);
    sg_policy_cache_close(c);
    sg_policy_free(want);
}

/* ---- faults --------------------------------------------------------------- */

static void test_killed_mid_run(void **state)
{
    fixture *f = *state;
    start_servers(f, 1);
    fill_store(f);
    sg_policy *want = truth(f);
    reopen(f);
    lookup first = {0};
    for (int i = 0; i < 30; i++) {
        if (i == 10)
            mc_kill(&f->mc[0]);
        lookup l = get(f, want);
        assert_within_bound(f, &l);
        if (i == 10)
            first = l;
        if (i > 0 && i < 10)
            assert_int_equal(l.origin, SG_POLICY_FROM_CACHE);
        if (i >= 10) {
            assert_int_equal(l.origin, SG_POLICY_FROM_STORE);
            if (i > 10)
                assert_skipped(f, &l);
        }
    }
    /* A new process with memcached still dead: the same. */
    reopen(f);
    lookup l = get(f, want);
    assert_int_equal(l.origin, SG_POLICY_FROM_STORE);
    assert_within_bound(f, &l);
    report(f, "killed (kill -9)", &first);
    sg_policy_free(want);
}

static void test_hung_server(void **state)
{
    fixture *f = *state;
    sg_policy *want = warm(f);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
    mc_hang(&f->mc[0]);
    /* The first lookup pays the poll timeout once... */
    lookup first = get(f, want);
    assert_int_equal(first.origin, SG_POLICY_FROM_STORE);
    assert_within_bound(f, &first);
    assert_true(first.ms >= POLL_TIMEOUT_MS * 0.9);
    /* ...then the hung server is skipped for the dead timeout. */
    double until = mc_now_ms() + DEAD_TIMEOUT_S * 1000 * 0.8;
    int skipped = 0;
    while (mc_now_ms() < until) {
        lookup l = get(f, want);
        assert_int_equal(l.origin, SG_POLICY_FROM_STORE);
        assert_skipped(f, &l);
        skipped++;
        mc_sleep_ms(20);
    }
    assert_true(skipped > 5);
    /* Still hung after the dead timeout: one more timeout, then skipped again. */
    mc_sleep_ms(DEAD_TIMEOUT_S * 1000 * 0.3);
    lookup again = get(f, want);
    assert_within_bound(f, &again);
    assert_true(again.ms >= POLL_TIMEOUT_MS * 0.9);
    lookup l = get(f, want);
    assert_skipped(f, &l);
    /* Resumed: back in use after the dead timeout. */
    mc_resume(&f->mc[0]);
    mc_sleep_ms(DEAD_TIMEOUT_S * 1000 + 200);
    l = get(f, want);
    assert_within_bound(f, &l);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
    report(f, "hung (SIGSTOP)", &first);
    printf("# hung (SIGSTOP): again after the dead timeout %.1f ms\n", again.ms);
    sg_policy_free(want);
}

static void test_one_of_two_hung(void **state)
{
    fixture *f = *state;
    start_servers(f, 2);
    fill_store(f);
    sg_policy *want = truth(f);
    reopen(f);
    get(f, want);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
    mc_hang(&f->mc[0]);
    lookup first = get(f, want);
    assert_within_bound(f, &first);
    /* Only the hung one is left out: the other takes its keys and serves hits. */
    bool hit = false;
    for (int i = 0; i < 4; i++) {
        lookup l = get(f, want);
        assert_skipped(f, &l);
        hit |= l.origin == SG_POLICY_FROM_CACHE;
    }
    assert_true(hit);
    report(f, "two servers, one hung", &first);
    sg_policy_free(want);
}

static void test_two_servers_hung(void **state)
{
    fixture *f = *state;
    start_servers(f, 2);
    fill_store(f);
    sg_policy *want = truth(f);
    reopen(f);
    get(f, want);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
    mc_hang(&f->mc[0]);
    mc_hang(&f->mc[1]);
    sg_policy_answer a;
    double t0 = mc_now_ms();
    assert_int_equal(sg_policy_source_get(f->src, &a), SG_POLICY_OK);
    printf("# two servers, both hung: %.1f ms, %s\n", mc_now_ms() - t0, a.reason);
    sg_policy_free(a.policy);
    lookup first = get(f, want);
    assert_int_equal(first.origin, SG_POLICY_FROM_STORE);
    assert_within_bound(f, &first);
    for (int i = 0; i < 5; i++) {
        lookup l = get(f, want);
        assert_int_equal(l.origin, SG_POLICY_FROM_STORE);
        assert_skipped(f, &l);
    }
    /* A new process pays one timeout, not one per server. */
    reopen(f);
    lookup fresh = get(f, want);
    assert_within_bound(f, &fresh);
    if (fresh.ms > POLL_TIMEOUT_MS * 1.5)
        fail_msg("two hung servers cost %.1f ms: more than one poll timeout", fresh.ms);
    report(f, "two servers, both hung", &first);
    printf("# two servers, both hung: a new process's first lookup %.1f ms\n", fresh.ms);
    sg_policy_free(want);
}

static void test_restarted_on_the_same_port(void **state)
{
    fixture *f = *state;
    sg_policy *want = warm(f);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
    mc_kill(&f->mc[0]);
    lookup first = get(f, want);
    assert_int_equal(first.origin, SG_POLICY_FROM_STORE);
    assert_within_bound(f, &first);
    /* The next connect is refused: the server is marked dead from then on. */
    lookup l = get(f, want);
    assert_int_equal(l.origin, SG_POLICY_FROM_STORE);
    assert_skipped(f, &l);
    double dead_since = mc_now_ms();
    assert_true(mc_restart(&f->mc[0])); /* empty, same port */
    /* Until the dead timeout has passed it stays out: were it back, the
     * second of these would be a hit (the first fills it). */
    for (int i = 0; i < 3; i++) {
        l = get(f, want);
        assert_int_equal(l.origin, SG_POLICY_FROM_STORE);
        assert_skipped(f, &l);
    }
    /* Then it is re-admitted (DEAD_TIMEOUT): filled from the store once, then hits. */
    bool back = false;
    while (!back && mc_now_ms() - dead_since < 3 * DEAD_TIMEOUT_S * 1000 + 500) {
        l = get(f, want);
        assert_within_bound(f, &l);
        back = l.origin == SG_POLICY_FROM_CACHE;
        mc_sleep_ms(50);
    }
    assert_true(back);
    double after = mc_now_ms() - dead_since;
    printf("# restarted: back in use %.0f ms after it was marked dead (dead timeout %d s)\n", after,
           DEAD_TIMEOUT_S);
    assert_true(after >= DEAD_TIMEOUT_S * 1000 * 0.9);
    report(f, "restarted on the same port", &first);
    sg_policy_free(want);
}

/* ---- the store unreadable -------------------------------------------------- */

static void expect_unavailable(fixture *f, const char *mode_text, sg_unavailable_mode mode)
{
    if (mode_text)
        sg_config_set(f->cfg, "policy_unavailable", mode_text);
    reopen(f);
    sg_policy_answer a;
    double t0 = mc_now_ms();
    assert_int_equal(sg_policy_source_get(f->src, &a), SG_POLICY_UNAVAILABLE);
    double ms = mc_now_ms() - t0;
    if (ms > LOOKUP_BOUND_MS)
        fail_msg("an unavailable answer took %.1f ms", ms);
    if (ms > f->max_ms)
        f->max_ms = ms;
    assert_null(a.policy);
    assert_int_equal(a.on_unavailable, mode);
    assert_int_equal(sg_policy_source_unavailable_mode(f->src), mode);
    assert_non_null(strstr(a.reason, "the forwarding policy cannot be read: "));
}

static void expect_unavailable_in_every_mode(fixture *f)
{
    expect_unavailable(f, NULL, SG_UNAVAILABLE_TEMPFAIL);
    expect_unavailable(f, "tempfail", SG_UNAVAILABLE_TEMPFAIL);
    expect_unavailable(f, "keep", SG_UNAVAILABLE_KEEP);
    expect_unavailable(f, "block", SG_UNAVAILABLE_BLOCK);
}

static void test_store_unreadable_and_no_cache(void **state)
{
    fixture *f = *state;
    corrupt_store(f);
    expect_unavailable_in_every_mode(f); /* no memcached configured */
    /* A store path that cannot be a file (under a regular file). */
    char uri[256];
    snprintf(uri, sizeof uri, "sqlite:%s/policy.db", f->path);
    sg_config_set(f->cfg, "policy_store", uri);
    expect_unavailable(f, "keep", SG_UNAVAILABLE_KEEP);
}

static void test_store_unreadable_and_cache_down(void **state)
{
    fixture *f = *state;
    start_servers(f, 1);
    mc_kill(&f->mc[0]); /* configured, but nothing listens */
    corrupt_store(f);
    expect_unavailable_in_every_mode(f);
}

static void test_store_unreadable_and_cache_empty(void **state)
{
    fixture *f = *state;
    start_servers(f, 1);
    corrupt_store(f);
    expect_unavailable_in_every_mode(f);
}

static void test_store_unreadable_and_cache_hung(void **state)
{
    fixture *f = *state;
    sg_policy *want = warm(f);
    mc_hang(&f->mc[0]);
    corrupt_store(f);
    expect_unavailable(f, "block", SG_UNAVAILABLE_BLOCK); /* one timeout, within the bound */
    printf("# store unreadable, memcached hung: unavailable after %.1f ms (bound %d ms)\n", f->max_ms,
           LOOKUP_BOUND_MS);
    sg_policy_free(want);
}

static void test_corrupt_store_with_warm_cache_uses_last_known(void **state)
{
    fixture *f = *state;
    sg_policy *want = warm(f);
    corrupt_store(f);
    reopen(f);
    lookup l = get(f, want);
    assert_int_equal(l.origin, SG_POLICY_FROM_LAST_KNOWN);
    assert_int_equal(l.generation, want->generation);
    /* ...but only while that generation's parts are cached. */
    sg_policy_cache *c = open_cache(f);
    char key[128];
    sg_policy_cache_key(c, want->generation, SG_PART_GROUPS, key, sizeof key);
    raw_set(&f->mc[0], key, "x", 1);
    sg_policy_cache_close(c);
    expect_unavailable(f, "tempfail", SG_UNAVAILABLE_TEMPFAIL);
    sg_policy_free(want);
}

static void test_missing_store_is_unavailable(void **state)
{
    fixture *f = *state;
    start_servers(f, 1);
    /* Issue 5: "a corrupt or missing store gives the policy_unavailable
     * behaviour" for deliveries (only the admin CLI creates the store). */
    reopen(f);
    lookup l = get(f, NULL);
    assert_int_equal(l.status, SG_POLICY_UNAVAILABLE);
}


/* ---- authenticated entries ------------------------------------------------ */

/* Reads a raw value (malloc'd; NULL when missing). */
static char *raw_get(const mc_server *s, const char *key, size_t *len)
{
    memcached_st *m = raw_client(s);
    uint32_t flags;
    memcached_return_t rc;
    char *v = memcached_get(m, key, strlen(key), len, &flags, &rc);
    memcached_free(m);
    return v;
}

/* memcached has no access control: an entry that anyone could write there
 * (a valid encoding of an "everything on" policy, unsealed, sealed with
 * another key, or a sealed entry of another generation copied under this
 * generation's key) is a miss, never obeyed: the store answers. */
static void test_forged_and_replayed_entries_are_ignored(void **state)
{
    fixture *f = *state;
    sg_policy *old = warm(f);
    assert_int_equal(get(f, old).origin, SG_POLICY_FROM_CACHE);
    admin_change(f, SG_MODE_OFF);
    sg_policy *want = truth(f);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_STORE);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
    sg_policy_cache *c = open_cache(f);
    char key[128], old_key[128];
    sg_policy_cache_key(c, want->generation, SG_PART_POLICIES, key, sizeof key);
    sg_policy_cache_key(c, old->generation, SG_PART_POLICIES, old_key, sizeof old_key);
    /* The forger's policy: default on, its part encoded for this generation. */
    sg_policy *evil = truth(f);
    evil->policies[0].mode = SG_MODE_ON;
    size_t elen;
    char *encoded = sg_policy_encode_part(evil, SG_PART_POLICIES, &elen);
    /* 1. unsealed (as a version without keys wrote it) */
    raw_set(&f->mc[0], key, encoded, elen);
    unsigned long forged = sg_policy_cache_forged(c);
    sg_policy *p = NULL;
    assert_int_equal(sg_policy_cache_get(c, want->generation, &p), SG_CACHE_MISS);
    assert_int_equal(sg_policy_cache_forged(c), forged + 1);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_STORE); /* the store's "off", and put right */
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
    /* 2. sealed with another key: another cache writes it through the real path */
    {
        char path[160];
        snprintf(path, sizeof path, "%s/other.key", f->dir);
        write_file(path, "another key, not the hosts' one\n", 32);
        chmod(path, 0640);
        sg_config_set(f->cfg, "memcached_key_file", path);
        sg_policy_cache *other = open_cache(f);
        assert_int_equal(sg_policy_cache_put(other, evil, false), SG_CACHE_OK);
        sg_policy_cache_close(other);
        sg_config_set(f->cfg, "memcached_key_file", f->key_file);
    }
    assert_int_equal(sg_policy_cache_get(c, want->generation, &p), SG_CACHE_MISS);
    reopen(f);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_STORE);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_CACHE);
    /* 3. replayed: the older generation's sealed entry copied under this generation's key */
    size_t olen;
    char *replayed = raw_get(&f->mc[0], old_key, &olen);
    assert_non_null(replayed);
    raw_set(&f->mc[0], key, replayed, olen);
    free(replayed);
    assert_int_equal(sg_policy_cache_get(c, want->generation, &p), SG_CACHE_MISS);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_STORE);
    /* And a sealed entry in its own place still reads. */
    assert_int_equal(sg_policy_cache_get(c, want->generation, &p), SG_CACHE_OK);
    assert_int_equal(p->policies[0].mode, SG_MODE_OFF);
    sg_policy_free(p);
    free(encoded);
    sg_policy_free(evil);
    sg_policy_cache_close(c);
    sg_policy_free(old);
    sg_policy_free(want);
}

/* Without its key the cache is not used at all (never unauthenticated). */
static void test_no_key_no_cache(void **state)
{
    fixture *f = *state;
    start_servers(f, 1);
    fill_store(f);
    sg_policy *want = truth(f);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none.key", f->dir);
    const char *settings[] = {missing, "", "world"};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(settings[i], "world") == 0) {
            chmod(f->key_file, 0644);
            sg_config_set(f->cfg, "memcached_key_file", f->key_file);
        } else {
            sg_config_set(f->cfg, "memcached_key_file", settings[i]);
        }
        reopen(f);
        sg_policy_answer a;
        assert_int_equal(sg_policy_source_get(f->src, &a), SG_POLICY_OK);
        assert_int_equal(a.origin, SG_POLICY_FROM_STORE);
        assert_policy_equal(a.policy, want);
        const char *says = i == 0 ? "none.key: No such file or directory"
                           : i == 1 ? "no memcached_key_file"
                                    : "is readable by every user";
        if (!strstr(a.reason, says))
            fail_msg("reason \"%s\" does not say \"%s\"", a.reason, says);
        sg_policy_free(a.policy);
        assert_int_equal(get(f, want).origin, SG_POLICY_FROM_STORE); /* never from the cache */
    }
    char key[128];
    sg_config_set(f->cfg, "memcached_key_file", f->key_file);
    chmod(f->key_file, 0640);
    sg_policy_cache *c = open_cache(f);
    sg_policy_cache_key(c, want->generation, SG_PART_ORG, key, sizeof key);
    assert_false(raw_has(&f->mc[0], key)); /* nothing was written either */
    sg_policy_cache_close(c);
    sg_policy_free(want);
}

/* The failure memory is the host's: a new process (a new source) skips a
 * server another one found hung, without paying its timeout; without the
 * shared directory it pays the timeout once more. */
static void test_failure_memory_is_shared(void **state)
{
    fixture *f = *state;
    sg_policy *want = warm(f);
    mc_hang(&f->mc[0]);
    lookup first = get(f, want);
    assert_true(first.ms >= POLL_TIMEOUT_MS * 0.9); /* this process found it */
    assert_within_bound(f, &first);
    for (int i = 0; i < 3; i++) {
        reopen(f); /* other deliveries on this host */
        lookup l = get(f, want);
        assert_int_equal(l.origin, SG_POLICY_FROM_STORE);
        assert_skipped(f, &l);
    }
    sg_config_set(f->cfg, "memcached_failure_dir", "");
    reopen(f);
    lookup alone = get(f, want);
    assert_true(alone.ms >= POLL_TIMEOUT_MS * 0.9);
    printf("# hung, shared failure memory: first %.1f ms, a new process %.1f ms, without the memory %.1f ms\n",
           first.ms, f->max_skipped_ms, alone.ms);
    mc_resume(&f->mc[0]);
    sg_policy_free(want);
}

/* The store unreadable: the last known generation, but never one below what
 * this host read from the store itself: an older generation key, validly
 * sealed but replayed, is refused, not obeyed. */
static void test_replayed_generation_key_is_refused(void **state)
{
    fixture *f = *state;
    sg_policy *old = warm(f);
    sg_policy_cache *c = open_cache(f);
    char gkey[128];
    sg_policy_cache_key(c, 0, SG_PART_COUNT, gkey, sizeof gkey);
    size_t glen;
    char *old_value = raw_get(&f->mc[0], gkey, &glen); /* captured by an attacker */
    assert_non_null(old_value);
    admin_change(f, SG_MODE_OFF);
    sg_policy *want = truth(f);
    assert_int_equal(get(f, want).origin, SG_POLICY_FROM_STORE);
    corrupt_store(f);
    raw_set(&f->mc[0], gkey, old_value, glen); /* the old generation, its parts still cached */
    free(old_value);
    reopen(f);
    lookup l = get(f, NULL);
    assert_int_equal(l.status, SG_POLICY_UNAVAILABLE);
    sg_policy_answer a;
    assert_int_equal(sg_policy_source_get(f->src, &a), SG_POLICY_UNAVAILABLE);
    assert_non_null(strstr(a.reason, "which this host has seen (a replayed entry?)"));
    /* The current generation key is obeyed again. */
    assert_int_equal(sg_policy_cache_set_last_generation(c, want->generation, true), SG_CACHE_OK);
    l = get(f, want);
    assert_int_equal(l.origin, SG_POLICY_FROM_LAST_KNOWN);
    sg_policy_cache_close(c);
    sg_policy_free(old);
    sg_policy_free(want);
}

/* ---- configuration --------------------------------------------------------- */

static void expect_config_error(fixture *f, const char *key, const char *value, const char *says)
{
    sg_config *cfg = sg_config_new();
    sg_config_set(cfg, "memcached", "127.0.0.1:11211");
    sg_config_set(cfg, key, value);
    sg_policy_source *src = NULL;
    assert_false(sg_policy_source_open(cfg, &src, f->err, sizeof f->err));
    assert_null(src);
    if (!strstr(f->err, says))
        fail_msg("%s = \"%s\": \"%s\" does not say \"%s\"", key, value, f->err, says);
    sg_config_free(cfg);
}

static void test_config_errors(void **state)
{
    fixture *f = *state;
    expect_config_error(f, "policy_unavailable", "retry", "policy_unavailable");
    expect_config_error(f, "policy_cache_ttl", "0", "policy_cache_ttl");
    expect_config_error(f, "policy_cache_ttl", "5m", "policy_cache_ttl");
    expect_config_error(f, "policy_cache_ttl", "2592001", "policy_cache_ttl");
    expect_config_error(f, "memcached_poll_timeout_ms", "-1", "memcached_poll_timeout_ms");
    expect_config_error(f, "memcached_dead_timeout", "0", "memcached_dead_timeout");
    expect_config_error(f, "memcached", "127.0.0.1:99999", "memcached server list");
    expect_config_error(f, "memcached", "127.0.0.1:", "memcached server list");
    expect_config_error(f, "memcached", "a b:1", "memcached server list");
    expect_config_error(f, "memcached_namespace", "has space", "memcached_namespace");
    /* Accepted: no cache at all, spaces, a default port, IPv6 literals. */
    const char *fine[] = {"", " , ", "127.0.0.1", " 127.0.0.1:11211 , localhost:11212", "[::1]:11211"};
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
        sg_config_set(f->cfg, "memcached", fine[i]);
        reopen(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_miss_then_hit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_change_is_seen_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_warms_the_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generation_key_only_rises, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_entry_is_a_miss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_servers_consistent_hashing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_mid_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hung_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_of_two_hung, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_servers_hung, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restarted_on_the_same_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_unreadable_and_no_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_unreadable_and_cache_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_unreadable_and_cache_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_unreadable_and_cache_hung, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_store_with_warm_cache_uses_last_known, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_store_is_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_and_replayed_entries_are_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_key_no_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_memory_is_shared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replayed_generation_key_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_server_ejected_mid_mget_is_not_a_miss, setup, teardown),
    };
    return cmocka_run_group_tests_name("unit_cache_memcached", tests, NULL, NULL);
}
