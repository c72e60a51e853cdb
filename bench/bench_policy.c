/* bench_policy.c - latency of one forwarding decision for one owner: read the
 * policy (from the SQLite store alone, and through a warm memcached when one
 * is given) and decide (policy/decide.h), in process.
 *
 * Targets: median <= 1 ms with SQLite alone, <= 100 us with a warm cache,
 * the SQLite store's or a PostgreSQL store's (shared by many hosts: the
 * generation trusted for policy_check_interval, store/policy_source.h; and,
 * for comparison, asked of PostgreSQL at every lookup). The policy is
 * realistic and generated: 20 accepted domains, 30 custom policies with
 * user, group and domain scopes, 50 remote domains, 10 groups of 50
 * members. It is a benchmark, not a test.
 *
 * usage: bench_policy [MEMCACHED-SERVERS [POSTGRESQL-URI]]
 *   e.g. 127.0.0.1:11211 postgresql://sievegate@127.0.0.1:5432/bench (a
 *   database it may fill; the password from PGPASSWORD or
 *   SG_BENCH_PG_PASSWORD_FILE)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/config.h"
#include "policy/decide.h"
#include "store/policy_source.h"
#include "store/policy_store.h"

#define RUNS 2000

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void must(sg_store_status st, const char *what, const char *err)
{
    if (st != SG_STORE_OK) {
        fprintf(stderr, "bench_policy: %s: %s\n", what, err);
        exit(1);
    }
}

/* Fills the store through its real write path. */
static void populate(sg_policy_store *s)
{
    char err[256], name[64], members[50][48], users[3][48], domains[2][48];
    for (int d = 0; d < 20; d++) {
        snprintf(name, sizeof name, "corp%d.example", d);
        must(sg_policy_store_add_accepted_domain(s, name, d % 3 == 0, err, sizeof err), "accepted domain", err);
    }
    for (int g = 0; g < 10; g++) {
        const char *items[50];
        for (int m = 0; m < 50; m++) {
            snprintf(members[m], sizeof members[m], "user%d@corp%d.example", g * 50 + m, m % 20);
            items[m] = members[m];
        }
        sg_strlist list = {items, 50};
        snprintf(name, sizeof name, "group%d", g);
        must(sg_policy_store_put_group(s, name, &list, err, sizeof err), "group", err);
    }
    for (int r = 0; r < 50; r++) {
        sg_remote_domain rd;
        snprintf(name, sizeof name, r % 2 ? "*.partner%d.example" : "partner%d.example", r);
        sg_remote_domain_default(&rd, name);
        rd.auto_forward = r % 5 != 0;
        must(sg_policy_store_put_remote_domain(s, &rd, err, sizeof err), "remote domain", err);
    }
    for (int p = 0; p < 30; p++) {
        sg_outbound_policy pol;
        memset(&pol, 0, sizeof pol);
        char pname[32], group[32];
        snprintf(pname, sizeof pname, "policy%d", p);
        snprintf(group, sizeof group, "group%d", p % 10);
        for (int u = 0; u < 3; u++)
            snprintf(users[u], sizeof users[u], "user%d@corp%d.example", p * 7 + u, u);
        snprintf(domains[0], sizeof domains[0], "corp%d.example", p % 20);
        snprintf(domains[1], sizeof domains[1], "corp%d.example", (p + 7) % 20);
        const char *u3[] = {users[0], users[1], users[2]}, *g1[] = {group}, *d2[] = {domains[0], domains[1]};
        pol.name = pname;
        pol.enabled = p % 4 != 3;
        pol.priority = p;
        pol.mode = p % 3 == 0 ? SG_MODE_ON : SG_MODE_OFF;
        if (p % 3 == 0)
            pol.users = (sg_strlist){u3, 3};
        else if (p % 3 == 1)
            pol.groups = (sg_strlist){g1, 1};
        else
            pol.domains = (sg_strlist){d2, 2};
        must(sg_policy_store_put_policy(s, &pol, err, sizeof err), "policy", err);
    }
}

static void report(const char *what, double *us, double target_us)
{
    qsort(us, RUNS, sizeof *us, cmp_double);
    double med = us[RUNS / 2], p99 = us[RUNS * 99 / 100];
    printf("%-26s median %8.1f us, p99 %8.1f us   target median <= %.0f us: %s\n", what, med, p99, target_us,
           med <= target_us ? "PASS" : "FAIL");
}

/* Through the policy source with a warm memcached: what a delivery does when
 * a cache is configured (the generation, one mget of the shared parts and
 * the owner's entry, decode, decide). */
static void bench_cache(const char *what, const char *uri, const char *servers, const char *key_file,
                        const char *interval)
{
    static double us[RUNS];
    char err[256];
    sg_config *cfg = sg_config_new();
    sg_config_set(cfg, "policy_store", uri);
    sg_config_set(cfg, "memcached", servers);
    sg_config_set(cfg, "memcached_key_file", key_file);
    sg_config_set(cfg, "memcached_failure_dir", "");
    sg_config_set(cfg, "memcached_namespace", "sievegate-bench");
    if (interval)
        sg_config_set(cfg, "policy_check_interval", interval);
    if (getenv("SG_BENCH_PG_PASSWORD_FILE"))
        sg_config_set(cfg, "postgresql_password_file", getenv("SG_BENCH_PG_PASSWORD_FILE"));
    sg_policy_source *src;
    if (!sg_policy_source_open(cfg, &src, err, sizeof err)) {
        fprintf(stderr, "bench_policy: %s\n", err);
        exit(1);
    }
    sg_policy_answer a;
    for (int i = 0; i < 500; i++) { /* warms the cache: the shared parts and each owner's entry */
        char owner[64];
        snprintf(owner, sizeof owner, "user%d@corp%d.example", i % 500, i % 20);
        if (sg_policy_source_get_for(src, owner, &a) == SG_POLICY_OK)
            sg_policy_free(a.policy);
    }
    size_t from_cache = 0;
    for (int i = 0; i < RUNS; i++) {
        char owner[64];
        snprintf(owner, sizeof owner, "user%d@corp%d.example", i % 500, i % 20);
        double t0 = now_us();
        if (sg_policy_source_get_for(src, owner, &a) != SG_POLICY_OK) {
            fprintf(stderr, "bench_policy: %s\n", a.reason);
            exit(1);
        }
        from_cache += a.origin == SG_POLICY_FROM_CACHE;
        sg_arena *arena = sg_arena_new();
        sg_fwd_request req = {owner, "friend@partner7.example", SG_FWD_REDIRECT, NULL, 0, false};
        sg_fwd_decision d;
        sg_fwd_decide(a.policy, &req, arena, &d);
        sg_arena_free(arena);
        sg_policy_free(a.policy);
        us[i] = now_us() - t0;
    }
    printf("(%zu of %d answered from memcached %s)\n", from_cache, RUNS, servers);
    report(what, us, 100);
    sg_policy_source_close(src);
    sg_config_free(cfg);
}

/* What one delivery does without a cache: open read-only, read the
 * snapshot, decide. */
static void bench_store(const char *what, const char *uri, double target_us)
{
    static double us[RUNS];
    char err[256];
    const char *pw = getenv("SG_BENCH_PG_PASSWORD_FILE");
    size_t blocked = 0;
    for (int i = 0; i < RUNS; i++) {
        char owner[64];
        snprintf(owner, sizeof owner, "user%d@corp%d.example", i % 500, i % 20);
        double t0 = now_us();
        sg_policy_store *r;
        sg_policy *p;
        must(sg_policy_store_open_with(uri, pw, false, &r, err, sizeof err), "open", err);
        must(sg_policy_store_load(r, &p, err, sizeof err), "load", err);
        sg_policy_store_close(r);
        sg_arena *arena = sg_arena_new();
        sg_fwd_request req = {owner, "friend@partner7.example", SG_FWD_REDIRECT, NULL, 0, false};
        sg_fwd_decision d;
        sg_fwd_decide(p, &req, arena, &d);
        blocked += d.verdict != SG_FWD_ALLOW;
        sg_arena_free(arena);
        sg_policy_free(p);
        us[i] = now_us() - t0;
    }
    printf("%s: %zu of %d blocked\n", uri, blocked, RUNS);
    report(what, us, target_us);
}

/* A fresh PostgreSQL store: the schema, then the same policy. */
static void fill_postgresql(const char *uri)
{
    char err[256];
    sg_policy_store *w;
    int from, to;
    must(sg_policy_store_open_with(uri, getenv("SG_BENCH_PG_PASSWORD_FILE"), true, &w, err, sizeof err),
         "open PostgreSQL for writing", err);
    must(sg_policy_store_migrate(w, &from, &to, err, sizeof err), "migrate", err);
    if (from == 0)
        populate(w);
    sg_policy_store_close(w);
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/sg-bench-policy-XXXXXX", uri[128], err[256], key_file[160];
    if (!mkdtemp(dir))
        return 1;
    snprintf(uri, sizeof uri, "sqlite:%s/policy.db", dir);
    snprintf(key_file, sizeof key_file, "%s/memcached.key", dir);
    FILE *k = fopen(key_file, "w");
    if (!k)
        return 1;
    fputs("bench-policy-key-0123456789abcdef\n", k);
    fclose(k);
    chmod(key_file, 0600);
    sg_policy_store *w;
    must(sg_policy_store_open(uri, true, &w, err, sizeof err), "open for writing", err);
    populate(w);
    sg_policy_store_close(w);

    printf("sievegate bench_policy: one decision for one owner, %d runs\n", RUNS);
    bench_store("SQLite store alone:", uri, 1000);
    if (argc > 1)
        bench_cache("warm memcached (SQLite):", uri, argv[1], key_file, NULL);
    else
        printf("warm memcached:            skipped (give a server list, e.g. 127.0.0.1:11211)\n");
    if (argc > 2) {
        fill_postgresql(argv[2]);
        bench_store("PostgreSQL store alone:", argv[2], 1000);
        bench_cache("warm memcached (PostgreSQL):", argv[2], argv[1], key_file, NULL);
        bench_cache("same, interval 0:", argv[2], argv[1], key_file, "0");
    }

    char path[160];
    snprintf(path, sizeof path, "%s/policy.db", dir);
    unlink(path);
    unlink(key_file);
    rmdir(dir);
    return 0;
}
