/* ext_date.c - the "date" and "index" extensions (RFC 5260): the "date" and
 * "currentdate" tests with ":zone"/":originalzone", and ":index"/":last" on
 * header, address and date (selection in index.c).
 *
 * Takes: a header field holding an RFC 2822 date-time (the whole value, or
 * what follows the last ';' as in Received), or the current time
 * (sg_run_options.now, else the clock), a zone and a date-part. Returns: the
 * date-part as text (RFC 5260 §4.2), matched against the keys. A field
 * without a valid date does not match anything (§4: its :count is 0). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/core/ids.h"
#include "engine/core/index.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

/* RFC 5260 §4.2 date-parts. */
static const char *const date_parts[] = {"year", "month", "day", "date", "julian", "hour", "minute",
                                         "second", "time", "iso8601", "std11", "zone", "weekday"};

static bool date_part_known(const char *s)
{
    for (size_t i = 0; i < SG_COUNT(date_parts); i++)
        if (strcasecmp(s, date_parts[i]) == 0)
            return true;
    return false;
}

/* RFC 5260 §4.1: time-zone = ( "+" / "-" ) 4DIGIT; *minutes east of UTC. */
static bool zone_parse(const char *s, size_t len, int *minutes)
{
    if (len != 5 || (s[0] != '+' && s[0] != '-'))
        return false;
    for (int i = 1; i < 5; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    int hh = (s[1] - '0') * 10 + (s[2] - '0'), mm = (s[3] - '0') * 10 + (s[4] - '0');
    if (mm > 59)
        return false;
    *minutes = (hh * 60 + mm) * (s[0] == '-' ? -1 : 1);
    return true;
}

/* ---- RFC 2822 §3.3 date-time (with the §4.3 obsolete forms) ---- */

static const char *skip_cfws(const char *p, const char *end)
{
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            p++;
        if (p < end && *p == '(') {
            int depth = 0;
            for (; p < end; p++) {
                if (*p == '\\' && p + 1 < end)
                    p++;
                else if (*p == '(')
                    depth++;
                else if (*p == ')' && --depth == 0) {
                    p++;
                    break;
                }
            }
            continue;
        }
        return p;
    }
}

static const char *number(const char *p, const char *end, int min_digits, int max_digits, int *out, int *ndigits)
{
    int n = 0, v = 0;
    while (p < end && *p >= '0' && *p <= '9' && n < max_digits) {
        v = v * 10 + (*p - '0');
        p++, n++;
    }
    if (n < min_digits || (p < end && *p >= '0' && *p <= '9'))
        return NULL;
    *out = v;
    if (ndigits)
        *ndigits = n;
    return p;
}

static const char *word(const char *p, const char *end, char *buf, size_t cap)
{
    size_t n = 0;
    while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
        if (n + 1 < cap)
            buf[n++] = *p;
        p++;
    }
    buf[n] = '\0';
    return p;
}

/* Obsolete zone names (RFC 2822 §4.3); military letters count as -0000. */
static bool zone_name(const char *w, int *minutes)
{
    static const struct {
        const char *name;
        int hours;
    } names[] = {{"UT", 0}, {"GMT", 0}, {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
                 {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
    for (size_t i = 0; i < SG_COUNT(names); i++)
        if (strcasecmp(w, names[i].name) == 0) {
            *minutes = names[i].hours * 60;
            return true;
        }
    if (strlen(w) == 1 && w[0] != 'j' && w[0] != 'J') {
        *minutes = 0;
        return true;
    }
    return false;
}

static long long days_from_civil(long long y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Parses an RFC 2822 date-time; *t gets UTC seconds, *zone the offset in minutes. */
static bool date_parse(const char *s, size_t len, long long *t, int *zone)
{
    const char *p = s, *end = s + len;
    char w[16];
    int day, year, hour, minute, second = 0, ydigits;
    p = skip_cfws(p, end);
    if (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
        p = word(p, end, w, sizeof w);
        bool known = false;
        for (int i = 0; i < 7; i++)
            known = known || strcasecmp(w, day_names[i]) == 0;
        if (!known)
            return false;
        p = skip_cfws(p, end);
        if (p >= end || *p != ',')
            return false;
        p = skip_cfws(p + 1, end);
    }
    if (!(p = number(p, end, 1, 2, &day, NULL)))
        return false;
    p = word(skip_cfws(p, end), end, w, sizeof w);
    int month = -1;
    for (int i = 0; i < 12; i++)
        if (strcasecmp(w, month_names[i]) == 0)
            month = i + 1;
    if (month < 0)
        return false;
    if (!(p = number(skip_cfws(p, end), end, 2, 9, &year, &ydigits)))
        return false;
    if (ydigits == 2)
        year += year < 50 ? 2000 : 1900; /* RFC 2822 §4.3 */
    else if (ydigits == 3)
        year += 1900;
    p = skip_cfws(p, end);
    if (!(p = number(p, end, 1, 2, &hour, NULL)))
        return false;
    p = skip_cfws(p, end);
    if (p >= end || *p != ':')
        return false;
    if (!(p = number(skip_cfws(p + 1, end), end, 2, 2, &minute, NULL)))
        return false;
    p = skip_cfws(p, end);
    if (p < end && *p == ':') {
        if (!(p = number(skip_cfws(p + 1, end), end, 2, 2, &second, NULL)))
            return false;
        p = skip_cfws(p, end);
    }
    int off;
    if (p < end && (*p == '+' || *p == '-')) {
        if (end - p < 5 || !zone_parse(p, 5, &off) || (p + 5 < end && p[5] >= '0' && p[5] <= '9'))
            return false;
        p += 5;
    } else {
        p = word(p, end, w, sizeof w);
        if (!zone_name(w, &off))
            return false;
    }
    p = skip_cfws(p, end);
    if (p != end)
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day < 1 || day > mdays[month - 1] || (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 ||
        second > 60 || year > 9999)
        return false;
    *t = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + (second > 59 ? 59 : second) -
         off * 60LL;
    *zone = off;
    return true;
}

/* RFC 5260 §4: the date-time of a field: the whole value, or what follows its last ';'. */
static bool field_date(const char *value, long long *t, int *zone)
{
    const char *semi = strrchr(value, ';');
    const char *s = semi ? semi + 1 : value;
    return date_parse(s, strlen(s), t, zone);
}

/* ---- RFC 5260 §4.2 date-parts ---- */

static const char *date_part(sg_arena *arena, const char *part, long long t, int zone)
{
    long long local = t + zone * 60LL;
    long long days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    long long secs = local - days * 86400;
    /* civil from days (Howard Hinnant's algorithm) */
    long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
    long long y = yoe + era * 400 + (m <= 2);
    int hh = (int)(secs / 3600), mi = (int)(secs / 60 % 60), ss = (int)(secs % 60);
    int wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    int az = zone < 0 ? -zone : zone;
    char zsign = zone < 0 ? '-' : '+';
    char buf[64];
    if (strcasecmp(part, "year") == 0)
        snprintf(buf, sizeof buf, "%04lld", y);
    else if (strcasecmp(part, "month") == 0)
        snprintf(buf, sizeof buf, "%02d", m);
    else if (strcasecmp(part, "day") == 0)
        snprintf(buf, sizeof buf, "%02d", d);
    else if (strcasecmp(part, "date") == 0)
        snprintf(buf, sizeof buf, "%04lld-%02d-%02d", y, m, d);
    else if (strcasecmp(part, "julian") == 0)
        snprintf(buf, sizeof buf, "%lld", days + 40587); /* Modified Julian Day: 1858-11-17 is 0 */
    else if (strcasecmp(part, "hour") == 0)
        snprintf(buf, sizeof buf, "%02d", hh);
    else if (strcasecmp(part, "minute") == 0)
        snprintf(buf, sizeof buf, "%02d", mi);
    else if (strcasecmp(part, "second") == 0)
        snprintf(buf, sizeof buf, "%02d", ss);
    else if (strcasecmp(part, "time") == 0)
        snprintf(buf, sizeof buf, "%02d:%02d:%02d", hh, mi, ss);
    else if (strcasecmp(part, "iso8601") == 0) {
        /* RFC 3339 §5.6, "Z" for a zero offset (RFC 5260 §4.2). */
        int n = snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d", y, m, d, hh, mi, ss);
        if (zone == 0)
            snprintf(buf + n, sizeof buf - (size_t)n, "Z");
        else
            snprintf(buf + n, sizeof buf - (size_t)n, "%c%02d:%02d", zsign, az / 60, az % 60);
    } else if (strcasecmp(part, "std11") == 0)
        snprintf(buf, sizeof buf, "%s, %02d %s %04lld %02d:%02d:%02d %c%02d%02d", day_names[wday], d,
                 month_names[m - 1], y, hh, mi, ss, zsign, az / 60, az % 60);
    else if (strcasecmp(part, "zone") == 0)
        snprintf(buf, sizeof buf, "%c%02d%02d", zsign, az / 60, az % 60);
    else if (strcasecmp(part, "weekday") == 0)
        snprintf(buf, sizeof buf, "%d", wday);
    else
        return NULL;
    return sg_arena_strdup(arena, buf);
}

/* RFC 5260 §4.1: the server's local zone when neither :zone nor :originalzone. */
static int local_zone(long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return 0;
    return (int)(tm.tm_gmtoff / 60);
}

/* The zone to show t in: :zone, :originalzone (the date's own) or local. A
 * malformed :zone is ignored, as Pigeonhole does (it warns when compiling). */
static int target_zone(sg_interp *in, const sg_bound *b, long long t, int original)
{
    const sg_bound_tag *z = sg_bound_tag_find(b, "zone");
    int zone;
    if (z && z->param) {
        sg_strview s = sg_interp_string(in, z->param);
        if (zone_parse(s.data, s.len, &zone))
            return zone;
    }
    return sg_bound_tag_find(b, "originalzone") ? original : local_zone(t);
}

static bool match_date(sg_interp *in, const sg_bound *b, sg_matcher *m, const sg_arg *part_arg, long long *t,
                       int *orig, size_t n)
{
    sg_strview part = sg_interp_string(in, part_arg);
    if (m->match == SG_MATCH_COUNT)
        return sg_interp_match_count(in, m, n);
    for (size_t i = 0; i < n; i++) {
        int zone = target_zone(in, b, t[i], orig[i]);
        const char *v = date_part(sg_interp_arena(in), part.data, t[i], zone);
        if (v && sg_interp_match(in, m, v, strlen(v)))
            return true;
    }
    return false;
}

/* RFC 5260 §4 "date": the first named field (or the :index one). */
static bool date_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    sg_matcher m;
    sg_interp_matcher(in, b, sg_positional_arg(b, 2), &m);
    const char **values;
    size_t n = sg_index_fields(in, b, sg_positional_arg(b, 0), false, &values);
    long long t = 0;
    int orig = 0;
    bool valid = n > 0 && field_date(values[0], &t, &orig);
    return match_date(in, b, &m, sg_positional_arg(b, 1), &t, &orig, valid ? 1 : 0);
}

/* RFC 5260 §5 "currentdate": one clock reading for the whole run (sg_run_options.now). */
static bool currentdate_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    sg_matcher m;
    sg_interp_matcher(in, b, sg_positional_arg(b, 1), &m);
    long long t = sg_interp_options(in)->now;
    if (!t)
        t = (long long)time(NULL);
    int orig = local_zone(t);
    return match_date(in, b, &m, sg_positional_arg(b, 0), &t, &orig, 1);
}

/* ---- compile time ---- */

static bool literal(const sg_validator *v, const sg_arg *a)
{
    return a && a->kind == SG_ARG_STRING && !(sg_validator_enabled(v, "variables") && strstr(a->u.string.data, "${"));
}

static void check_zone_and_part(sg_validator *v, const sg_bound *b, const sg_arg *part)
{
    const sg_bound_tag *z = sg_bound_tag_find(b, "zone");
    int minutes;
    if (z && z->param && literal(v, z->param) && !zone_parse(z->param->u.string.data, z->param->u.string.len, &minutes))
        sg_warning(v->diags, sg_arg_loc(z->param), "invalid-zone",
                 "invalid time zone \"%s\" for :zone, so it is ignored: expected +hhmm or -hhmm (RFC 5260 §4.1)",
                 z->param->u.string.data);
    if (literal(v, part) && !date_part_known(part->u.string.data))
        sg_warning(v->diags, sg_arg_loc(part), "unknown-date-part",
                 "unknown date-part \"%s\", so it never matches (RFC 5260 §4.2: year, month, day, date, julian, hour, minute, second, "
                 "time, iso8601, std11, zone, weekday)",
                 part->u.string.data);
}

static void date_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    sg_index_check(v, node, b);
    const sg_arg *name = sg_positional_arg(b, 0);
    if (literal(v, name) && !sg_header_name_valid(name->u.string.data, name->u.string.len))
        sg_warning(v->diags, name->u.string.loc, "invalid-header-name",
                   "\"%s\" is not a valid header field name, so it never matches", name->u.string.data);
    check_zone_and_part(v, b, sg_positional_arg(b, 1));
}

static void currentdate_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)node;
    check_zone_and_part(v, b, sg_positional_arg(b, 0));
}

#define MATCHING (SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR)

static const sg_tag_def date_tags[] = {
    {.name = "zone", .param = SG_T_STRING, .param_name = "time-zone", .group = 1},
    {.name = "originalzone", .group = 1},
};

static const sg_command_def date_commands[] = {
    {.name = "date", .is_test = true, .nrequired = 3, .npositional = 3,
     .positional = {{SG_T_STRING, "header-name"}, {SG_T_STRING, "date-part"}, {SG_T_STRING_LIST, "key-list"}},
     .accepts = MATCHING, .tags = date_tags, .ntags = SG_COUNT(date_tags), .validate = date_hook,
     .id = SG_TEST_DATE, .test = date_test},
    {.name = "currentdate", .is_test = true, .nrequired = 2, .npositional = 2,
     .positional = {{SG_T_STRING, "date-part"}, {SG_T_STRING_LIST, "key-list"}}, .accepts = MATCHING,
     .tags = date_tags, .ntags = 1, .validate = currentdate_hook, .id = SG_TEST_CURRENTDATE,
     .test = currentdate_test},
};

const sg_extension sg_ext_date = {
    .name = "date",
    .commands = date_commands,
    .ncommands = SG_COUNT(date_commands),
};

/* RFC 5260 §6: ":index" <fieldno> and ":last" on header, address and date. */
static const sg_tag_extension index_tags[] = {
    {"header", {.name = "index", .param = SG_T_NUMBER, .param_name = "fieldno"}},
    {"header", {.name = "last"}},
    {"address", {.name = "index", .param = SG_T_NUMBER, .param_name = "fieldno"}},
    {"address", {.name = "last"}},
    {"date", {.name = "index", .param = SG_T_NUMBER, .param_name = "fieldno"}},
    {"date", {.name = "last"}},
};

const sg_extension sg_ext_index = {
    .name = "index",
    .tags = index_tags,
    .ntags = SG_COUNT(index_tags),
};
