/* bench_parse.c - parse + validate throughput and peak memory on a large script.
 *
 * Generates, deterministically (fixed seed, own PRNG), a realistic 10,000-rule
 * Sieve script just under the 1 MiB max_script_size limit, checks that
 * sg_parse + sg_validate accept it with zero diagnostics (exit 1 otherwise),
 * then reports time per run, throughput and peak memory against the targets
 * (>= 50 MB/s, peak memory < 8x script size). It is a benchmark, not a test:
 * once the script validated it exits 0 whatever the figures.
 *
 * usage: bench_parse [--write FILE]   (FILE: also save the generated script)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/core/registry.h"
#include "engine/core/validate.h"
#include "base/arena.h"
#include "grammar/diag.h"
#include "grammar/parse.h"

#define NRULES 10000
#define MIB (1024u * 1024u)
/* Aim a little under the limit: comment lines pad the script up to here. */
#define TARGET_SIZE (MIB - 8u * 1024u)
#define SEED UINT64_C(0x5eedc0ffee15b0a7)
#define WARMUP_RUNS 5
#define TIMED_RUNS 30
#define TARGET_MBPS 50.0
#define TARGET_MEM_RATIO 8.0

/* ---- deterministic generator ---- */

static uint64_t rng_state = SEED;

/* splitmix64: tiny, good enough, identical on every platform. */
static uint64_t rng(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static unsigned pick(unsigned n)
{
    return (unsigned)(rng() % n);
}

#define PICK(a) ((a)[pick((unsigned)(sizeof(a) / sizeof((a)[0])))])

typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static void buf_reserve(buf *b, size_t extra)
{
    if (b->len + extra + 2 <= b->cap) /* room for the two NULs sg_parse_buffer needs */
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = sg_xrealloc(b->data, cap);
    b->cap = cap;
}

static void put(buf *b, const char *fmt, ...) SG_PRINTF(2, 3);
static void put(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static const char *const subject_words[] = {
    "invoice",       "meeting",         "newsletter",   "urgent",         "weekly report",
    "build failed",  "[PATCH]",         "Re: budget",   "out of office",  "password reset",
    "your order",    "shipping update", "webinar",      "security alert", "pull request",
    "CI: passed",    "timesheet",       "expenses",     "lunch",          "offsite",
    "release notes", "call for papers", "unsubscribe",  "sale",           "receipt",
    "[SPAM]",        "***SPAM***",      "delivery",     "reminder",       "survey",
};
static const char *const folders[] = {
    "Work",    "Work/Projects", "Lists",   "Finance", "Shopping", "Travel", "Family",
    "Archive", "Junk",          "Vendors", "Support", "Billing",  "HR",     "Social",
};
static const char *const tlds[] = {"com", "org", "net", "example", "de", "io"};
static const char *const localparts[] = {"sales", "support", "info", "billing", "jobs", "admin", "team"};
static const char *const remarks[] = {
    "moved here from the old server",
    "ask Alice before changing this",
    "vendor rules, reviewed quarterly",
    "mailing lists",
    "TODO: merge with the rule above",
    "keep these, legal hold",
    "noisy senders",
    "added after the 2023 migration",
};
static const char *const filler =
    "filter notes: rules below are grouped by sender; keep them sorted; see the wiki page on mail "
    "routing for the owners of each folder and the retention policy that applies to them";

/* One rule = one top-level if (possibly with elsif/else). */
static void gen_rule(buf *b, unsigned i)
{
    unsigned kind = pick(100);
    if (pick(100) < 8)
        put(b, "# %s (%u)\n", PICK(remarks), i);
    else if (pick(1000) < 5)
        put(b, "/* %s\n * rule %u\n */\n", PICK(remarks), i);

    if (kind < 28) {
        /* header :contains subject, sometimes with a string list */
        put(b, "if header :contains \"subject\" ");
        unsigned n = pick(100) < 35 ? 2 + pick(3) : 1;
        if (n > 1)
            put(b, "[");
        for (unsigned k = 0; k < n; k++)
            put(b, "%s\"%s %u\"", k ? ", " : "", PICK(subject_words), pick(1000));
        if (n > 1)
            put(b, "]");
        put(b, " {\n    fileinto \"%s/%u\";\n}\n", PICK(folders), pick(500));
    } else if (kind < 48) {
        put(b, "if address :domain :is \"from\" \"corp%u.%s\" {\n    fileinto \"%s/corp%u\";\n    stop;\n}\n",
            pick(5000), PICK(tlds), PICK(folders), pick(5000));
    } else if (kind < 63) {
        unsigned list = pick(2000);
        put(b, "if header :contains \"subject\" \"[dev-%u]\" {\n    fileinto \"Lists/dev-%u\";\n}", list, list);
        put(b, " elsif anyof (header :is \"x-list\" \"dev-%u.lists.example.org\", exists \"list-id\") {\n"
               "    keep;\n}\n",
            list);
    } else if (kind < 78) {
        put(b, "if envelope :localpart :is \"to\" \"%s%u\" {\n    redirect :copy \"user@example.org\";\n}\n",
            PICK(localparts), pick(100));
    } else if (kind < 86) {
        static const char *const units[] = {"K", "K", "M"};
        put(b, "if size :over %u%s {\n    discard;\n}\n", 50 + pick(950), PICK(units));
    } else if (kind < 94) {
        put(b, "if allof (address :localpart :is \"from\" [\"%s\", \"no-reply\"], not exists \"x-spam-flag\") {\n"
               "    fileinto \"%s\";\n} else {\n    keep;\n}\n",
            PICK(localparts), PICK(folders));
    } else {
        put(b, "if header :matches \"subject\" \"*\\\"%s\\\"*\" { fileinto \"Quoted\"; } # escaped quotes\n",
            PICK(subject_words));
    }
}

static void generate(buf *b)
{
    put(b, "# generated by bench_parse (seed %#llx): %u rules\n", (unsigned long long)SEED, NRULES);
    put(b, "require [\"fileinto\", \"envelope\", \"copy\"];\n\n");
    size_t head = b->len;
    for (unsigned i = 0; i < NRULES; i++) {
        gen_rule(b, i);
        /* When behind an even spread of TARGET_SIZE, pad with a comment line
         * (whole words of `filler`). */
        size_t ideal = head + (size_t)(TARGET_SIZE - head) * (i + 1) / NRULES;
        if (b->len + 40 <= ideal) {
            size_t room = ideal - b->len - 3; /* "# " ... "\n" */
            size_t n = strlen(filler);
            if (n > room) {
                n = room;
                while (n > 0 && filler[n] != ' ')
                    n--;
            }
            put(b, "# %.*s\n", (int)n, filler);
        }
    }
}

/* ---- measurement helpers ---- */

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One parse + validate; returns the number of diagnostics. Frees everything
 * unless `keep` is given, which then receives the script. */
static size_t parse_validate(const sg_registry *reg, const sg_limits *limits, const buf *src, double *secs,
                             sg_script **keep, bool print_diags)
{
    sg_diags diags;
    sg_diags_init(&diags, 20);
    double t0 = now_sec();
    /* In place, as `sievegate check` does: the buffer ends with two NULs. */
    src->data[src->len] = src->data[src->len + 1] = '\0';
    sg_script *script = sg_parse_buffer("bench.sieve", src->data, src->len, limits, &diags);
    sg_validate(reg, script, limits, &diags);
    double t1 = now_sec();
    if (secs)
        *secs = t1 - t0;
    size_t n = diags.count;
    if (print_diags) {
        for (size_t i = 0; i < diags.count; i++)
            fprintf(stderr, "bench.sieve:%u:%u: %s: %s [%s]\n", diags.items[i].loc.line, diags.items[i].loc.column,
                    diags.items[i].severity == SG_SEV_ERROR ? "error" : "warning", diags.items[i].message,
                    diags.items[i].code);
    }
    sg_diags_clear(&diags);
    if (keep)
        *keep = script;
    else
        sg_script_free(script);
    return n;
}

/* A "VmXXX:   1234 kB" field of /proc/self/status, in kB; -1 if unavailable. */
static long proc_status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    size_t flen = strlen(field);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
            kb = strtol(line + flen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

/* Resets VmHWM (peak RSS) to the current RSS (Linux >= 4.0). */
static bool reset_peak_rss(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd < 0)
        return false;
    bool ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok;
}

typedef struct rss_report {
    int ok;
    int method; /* 1: VmHWM reset via clear_refs; 2: ru_maxrss vs. a control child */
    long before_kb, peak_kb;
} rss_report;

/* In a forked child, which has never parsed the big script: pre-fault the
 * code with a one-line script, reset the peak, parse + validate once, and
 * report VmHWM growth. Without clear_refs, report the child's ru_maxrss; the
 * caller subtracts a control child that does everything but the parse. */
static void rss_child(int fd, const sg_registry *reg, const sg_limits *limits, const buf *src, bool do_parse)
{
    rss_report r = {0, 0, 0, 0};
    char tiny[] = "require \"fileinto\";\nif true { fileinto \"x\"; }\n\0"; /* parsed in place: two NULs */
    buf small = {tiny, sizeof tiny - 2, sizeof tiny};
    parse_validate(reg, limits, &small, NULL, NULL, false);

    if (reset_peak_rss() && proc_status_kb("VmHWM") >= 0) {
        r.method = 1;
        r.before_kb = proc_status_kb("VmRSS");
        if (do_parse)
            parse_validate(reg, limits, src, NULL, NULL, false);
        r.peak_kb = proc_status_kb("VmHWM");
        r.ok = r.before_kb >= 0 && r.peak_kb >= 0;
    } else {
        r.method = 2;
        if (do_parse)
            parse_validate(reg, limits, src, NULL, NULL, false);
        struct rusage ru;
        r.ok = getrusage(RUSAGE_SELF, &ru) == 0;
        r.peak_kb = ru.ru_maxrss;
    }
    ssize_t w = write(fd, &r, sizeof r);
    _exit(w == (ssize_t)sizeof r ? 0 : 1);
}

static bool run_rss_child(const sg_registry *reg, const sg_limits *limits, const buf *src, bool do_parse,
                          rss_report *out)
{
    int p[2];
    if (pipe(p) != 0)
        return false;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return false;
    }
    if (pid == 0) {
        close(p[0]);
        rss_child(p[1], reg, limits, src, do_parse);
    }
    close(p[1]);
    ssize_t n = read(p[0], out, sizeof *out);
    close(p[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)sizeof *out && WIFEXITED(status) && WEXITSTATUS(status) == 0 && out->ok;
}

static const char *verdict(bool pass)
{
    return pass ? "PASS" : "FAIL";
}

int main(int argc, char **argv)
{
    const char *write_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--write") == 0 && i + 1 < argc) {
            write_path = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: %s [--write FILE]\n", argv[0]);
            return 0;
        } else {
            fprintf(stderr, "usage: %s [--write FILE]\n", argv[0]);
            return 64;
        }
    }

    buf src = {NULL, 0, 0};
    generate(&src);
    size_t lines = 0;
    for (size_t i = 0; i < src.len; i++)
        lines += src.data[i] == '\n';

    if (write_path) {
        FILE *f = fopen(write_path, "wb");
        if (!f || fwrite(src.data, 1, src.len, f) != src.len || fclose(f) != 0) {
            fprintf(stderr, "bench_parse: cannot write %s: %s\n", write_path, strerror(errno));
            return 1;
        }
        printf("wrote %s (%zu bytes)\n", write_path, src.len);
    }

    sg_limits limits;
    sg_limits_default(&limits);
    sg_registry *reg = sg_registry_new();

    printf("sievegate bench_parse: parse + validate of a generated script\n");
    printf("script:      %zu bytes (%.1f%% of the 1 MiB limit), %u rules, %zu lines\n", src.len,
           100.0 * (double)src.len / MIB, NRULES, lines);
    if (src.len > limits.max_script_size) {
        fprintf(stderr, "bench_parse: generated script exceeds max_script_size (%zu)\n", limits.max_script_size);
        return 1;
    }

    /* Peak RSS first, in children forked before this process ever parsed the
     * big script, so that no freed-but-resident heap hides the growth. */
    rss_report rss, control;
    bool have_rss = run_rss_child(reg, &limits, &src, true, &rss);
    if (have_rss && rss.method == 2)
        have_rss = run_rss_child(reg, &limits, &src, false, &control);

    /* Validity and the arena footprint. */
    sg_script *script = NULL;
    size_t ndiags = parse_validate(reg, &limits, &src, NULL, &script, true);
    if (ndiags) {
        fprintf(stderr, "bench_parse: the generated script is not valid (%zu diagnostics)\n", ndiags);
        sg_script_free(script);
        sg_registry_free(reg);
        free(src.data);
        return 1;
    }
    size_t arena = sg_arena_footprint(script->arena);
    size_t used = sg_arena_used(script->arena);
    sg_script_free(script);
    printf("validity:    0 diagnostics\n");

    for (int i = 0; i < WARMUP_RUNS; i++)
        parse_validate(reg, &limits, &src, NULL, NULL, false);
    double times[TIMED_RUNS];
    for (int i = 0; i < TIMED_RUNS; i++)
        parse_validate(reg, &limits, &src, &times[i], NULL, false);
    qsort(times, TIMED_RUNS, sizeof times[0], cmp_double);
    double median = TIMED_RUNS % 2 ? times[TIMED_RUNS / 2]
                                   : (times[TIMED_RUNS / 2 - 1] + times[TIMED_RUNS / 2]) / 2;
    double mbps = (double)src.len / median / 1e6;

    printf("runs:        %d warm-up, %d timed (clock_gettime CLOCK_MONOTONIC)\n", WARMUP_RUNS, TIMED_RUNS);
    printf("time/run:    median %.3f ms, min %.3f ms, max %.3f ms\n", median * 1e3, times[0] * 1e3,
           times[TIMED_RUNS - 1] * 1e3);
    printf("throughput:  %.1f MB/s (script bytes / median; min-time: %.1f MB/s)   target >= %.0f MB/s: %s\n", mbps,
           (double)src.len / times[0] / 1e6, TARGET_MBPS, verdict(mbps >= TARGET_MBPS));

    /* The script is parsed in place (no scanner copy): the AST is the memory. */
    double ratio_a = (double)used / (double)src.len;
    printf("memory (a):  AST arena %zu bytes used (%.2fx script), %zu bytes obtained from malloc (%.2fx)\n", used,
           ratio_a, arena, (double)arena / (double)src.len);
    printf("             target < %.0fx: %s\n", TARGET_MEM_RATIO, verdict(ratio_a < TARGET_MEM_RATIO));
    if (have_rss) {
        long growth_kb = rss.method == 1 ? rss.peak_kb - rss.before_kb : rss.peak_kb - control.peak_kb;
        double ratio_b = (double)growth_kb * 1024.0 / (double)src.len;
        printf("memory (b):  peak RSS growth over one parse + validate: %ld KiB = %.2fx script   target < %.0fx: %s\n",
               growth_kb, ratio_b, TARGET_MEM_RATIO, verdict(ratio_b < TARGET_MEM_RATIO));
        if (rss.method == 1)
            printf("             (fresh forked child, VmHWM reset via /proc/self/clear_refs: %ld -> %ld KiB)\n",
                   rss.before_kb, rss.peak_kb);
        else
            printf("             (ru_maxrss of a forked child that parses, %ld KiB, minus one that does not, %ld KiB)\n",
                   rss.peak_kb, control.peak_kb);
    } else {
        printf("memory (b):  peak RSS growth unavailable (fork or /proc failed)\n");
    }

    sg_registry_free(reg);
    free(src.data);
    return 0;
}
