/* message.c - the header section of an RFC 5322 message, parsed lazily; see message.h.
 *
 * sg_message_parse() only records the bytes. The first header access splits
 * the header section into fields (one pass, never past the empty line that
 * ends it); the first value lookup sorts the fields by name (a stable merge
 * sort, so the time stays O(n log n) whatever the names), and each name's
 * values are unfolded and decoded once, then cached.
 *
 * Malformed input, as Dovecot reads it (checked with Pigeonhole's sieve-test):
 * a line that is not "name:" with a valid name (no colon, a space in the name,
 * a continuation line with no field before it) is skipped together with its
 * continuation lines, and the header section goes on; bare LF ends lines like
 * CRLF; NUL bytes in values become U+FFFD (as Dovecot's matching sees them),
 * other bytes are kept as they are.
 */
#include "engine/mail/message.h"

#include <stdlib.h>
#include <string.h>

#include "engine/mail/rfc2047.h"

struct sg_message {
    const char *data;
    size_t size;
    sg_arena *arena;

    bool parsed;
    sg_header_field *fields;
    size_t count;
    size_t body_offset;

    /* built on the first value lookup */
    size_t *sorted;              /* field indexes, by lower-cased name, stable */
    const char *const **decoded; /* per sorted position of a name's first field */
    const char *const **raw;

    /* RFC 5293 edits: fields/count above are what lookups see */
    bool edited, viewing_original;
    const sg_header_field *orig_fields, *edit_fields;
    size_t orig_count, edit_count;
    const sg_header_snapshot *snap; /* of the current edited state, made on demand */
    size_t nedits;
};

/* Returned for names that have no field; shared and never written. */
static const char *const no_values[1] = {NULL};

sg_message *sg_message_parse(const char *data, size_t len, sg_arena *arena)
{
    sg_message *m = sg_arena_calloc(arena, sizeof *m);
    m->data = data ? data : "";
    m->size = data ? len : 0;
    m->arena = arena;
    return m;
}

size_t sg_message_size(const sg_message *m)
{
    return m->size;
}

const char *sg_message_data(const sg_message *m)
{
    return m->data;
}

/* ---- the header section (RFC 5322 §2.2, §3.5) ---- */

/* ftext = %d33-57 / %d59-126 (RFC 5322 §3.6.8) */
static bool is_ftext(unsigned char c)
{
    return c >= 33 && c <= 126 && c != ':';
}

static bool is_wsp(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* One physical line: [start, end) without its line break, next = after it. */
typedef struct {
    size_t start, end, next;
} line;

static line line_at(const sg_message *m, size_t at)
{
    line l = {at, m->size, m->size};
    const char *nl = memchr(m->data + at, '\n', m->size - at);
    if (nl) {
        l.end = (size_t)(nl - m->data);
        l.next = l.end + 1;
        if (l.end > at && m->data[l.end - 1] == '\r')
            l.end--;
    }
    return l;
}

/* Field name of a line, RFC 5322 §3.6.8, with whitespace before the colon
 * allowed (obs-optional, §4.5; RFC 5228 §2.4.2.2). Returns false when the
 * line is not a field. */
static bool field_name(const sg_message *m, const line *l, size_t *name_len, size_t *colon)
{
    const unsigned char *s = (const unsigned char *)m->data;
    const unsigned char *c = memchr(s + l->start, ':', l->end - l->start);
    if (!c)
        return false;
    size_t end = (size_t)(c - s);
    *colon = end;
    while (end > l->start && is_wsp(s[end - 1]))
        end--;
    if (end == l->start)
        return false;
    for (size_t i = l->start; i < end; i++)
        if (!is_ftext(s[i]))
            return false;
    *name_len = end - l->start;
    return true;
}

static void add_field(sg_message *m, size_t *cap, const sg_header_field *f)
{
    m->fields = sg_arena_grow(m->arena, m->fields, m->count, cap, sizeof *m->fields, 32);
    m->fields[m->count++] = *f;
}

static void parse_header(sg_message *m)
{
    if (m->parsed)
        return;
    m->parsed = true;
    size_t cap = 0, at = 0;
    sg_header_field *cur = NULL; /* field whose continuation lines may follow */
    bool skipping = false;       /* inside a line that is not a field */
    m->body_offset = m->size;
    while (at < m->size) {
        line l = line_at(m, at);
        if (l.start == l.end && l.next > l.end) {
            m->body_offset = l.next; /* the empty line (§2.1) */
            return;
        }
        if (is_wsp((unsigned char)m->data[l.start])) {
            /* continuation line (§2.2.3): extends the field before it */
            if (cur && !skipping)
                cur->raw_len = l.end - (size_t)(cur->raw - m->data);
        } else {
            size_t name_len, colon;
            skipping = !field_name(m, &l, &name_len, &colon);
            if (!skipping) {
                sg_header_field f = {m->data + l.start, name_len, m->data + colon + 1, l.end - colon - 1, NULL, NULL};
                add_field(m, &cap, &f);
                cur = &m->fields[m->count - 1];
            }
        }
        at = l.next;
    }
}

size_t sg_message_header_count(sg_message *m)
{
    parse_header(m);
    return m->count;
}

const sg_header_field *sg_message_header_at(sg_message *m, size_t index)
{
    parse_header(m);
    return index < m->count ? &m->fields[index] : NULL;
}

size_t sg_message_body_offset(sg_message *m)
{
    parse_header(m);
    return m->body_offset;
}

/* ---- the name index ---- */

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* ASCII case-insensitive order of two names. */
static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = lower((unsigned char)a[i]), y = lower((unsigned char)b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return alen < blen ? -1 : alen > blen;
}

static int field_cmp(const sg_message *m, size_t i, size_t j)
{
    const sg_header_field *a = &m->fields[i], *b = &m->fields[j];
    return name_cmp(a->name, a->name_len, b->name, b->name_len);
}

/* Bottom-up merge sort of field indexes; stable, so fields of one name stay
 * in message order. */
static void sort_fields(sg_message *m)
{
    size_t n = m->count;
    size_t *a = sg_arena_alloc(m->arena, (n ? n : 1) * sizeof *a);
    size_t *tmp = sg_xmalloc((n ? n : 1) * sizeof *tmp);
    for (size_t i = 0; i < n; i++)
        a[i] = i;
    size_t *src = a, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = field_cmp(m, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        size_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
    free(tmp);
    m->sorted = a;
    m->decoded = sg_arena_calloc(m->arena, (n ? n : 1) * sizeof *m->decoded);
    m->raw = sg_arena_calloc(m->arena, (n ? n : 1) * sizeof *m->raw);
}

/* Position in `sorted` of the first field named `name`, and how many there are. */
static size_t find_name(sg_message *m, const char *name, size_t *first)
{
    size_t nlen = strlen(name), lo = 0, hi = m->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const sg_header_field *f = &m->fields[m->sorted[mid]];
        if (name_cmp(f->name, f->name_len, name, nlen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    size_t n = 0;
    while (lo + n < m->count) {
        const sg_header_field *f = &m->fields[m->sorted[lo + n]];
        if (name_cmp(f->name, f->name_len, name, nlen) != 0)
            break;
        n++;
    }
    return n;
}

/* ---- values ---- */

/* Unfolds (RFC 5322 §2.2.3: a line break before WSP is removed, the WSP
 * kept), trims leading and trailing whitespace, and turns NUL into U+FFFD. */
static char *unfold(sg_arena *arena, const char *raw, size_t len, size_t *out_len)
{
    size_t a = 0, b = len;
    while (a < b && (is_wsp((unsigned char)raw[a]) || raw[a] == '\r' || raw[a] == '\n'))
        a++;
    while (b > a && (is_wsp((unsigned char)raw[b - 1]) || raw[b - 1] == '\r' || raw[b - 1] == '\n'))
        b--;
    size_t nuls = 0;
    for (size_t i = a; i < b; i++)
        nuls += raw[i] == '\0';
    char *out = sg_arena_alloc(arena, b - a + nuls * 2 + 1);
    size_t o = 0;
    for (size_t i = a; i < b; i++) {
        char c = raw[i];
        if (c == '\r' && i + 1 < b && raw[i + 1] == '\n')
            continue;
        if (c == '\n')
            continue;
        if (c == '\0') {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            continue;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* A decoded word may hold NUL (e.g. "=00"): values are C strings, so it
 * becomes U+FFFD as in the raw text. */
static const char *no_nuls(sg_arena *arena, const char *s, size_t len)
{
    size_t nuls = 0;
    for (size_t i = 0; i < len; i++)
        nuls += s[i] == '\0';
    if (!nuls)
        return s;
    char *out = sg_arena_alloc(arena, len + nuls * 2 + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\0') {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static size_t values(sg_message *m, const char *name, bool decode, const char *const **out)
{
    parse_header(m);
    if (!m->sorted)
        sort_fields(m);
    size_t first;
    size_t n = name ? find_name(m, name, &first) : 0;
    if (n == 0) {
        *out = no_values;
        return 0;
    }
    const char *const **cache = decode ? &m->decoded[first] : &m->raw[first];
    if (*cache) {
        *out = *cache;
        return n;
    }
    const char **v = sg_arena_alloc(m->arena, (n + 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        sg_header_field *f = &m->fields[m->sorted[first + i]];
        if (!f->unfolded_cache) {
            size_t len;
            f->unfolded_cache = unfold(m->arena, f->raw, f->raw_len, &len);
        }
        if (decode && !f->decoded_cache) {
            /* RFC 5228 §2.7.2: encoded words are decoded before comparing */
            size_t dlen, rlen = strlen(f->unfolded_cache);
            const char *d = sg_rfc2047_decode(f->unfolded_cache, rlen, m->arena, &dlen);
            f->decoded_cache = d == f->unfolded_cache ? d : no_nuls(m->arena, d, dlen);
        }
        v[i] = decode ? f->decoded_cache : f->unfolded_cache;
    }
    v[n] = NULL;
    *cache = v;
    *out = v;
    return n;
}

size_t sg_message_header_values(sg_message *m, const char *name, const char *const **values_out)
{
    return values(m, name, true, values_out);
}

size_t sg_message_header_raw_values(sg_message *m, const char *name, const char *const **values_out)
{
    return values(m, name, false, values_out);
}

/* ---- header edits (RFC 5293) ---- */

const char *sg_message_eol(sg_message *m)
{
    const char *nl = memchr(m->data, '\n', m->size);
    return nl && nl > m->data && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* Makes `fields` (n of them, in the arena) the current edited state. */
static void set_fields(sg_message *m, sg_header_field *fields, size_t n)
{
    if (!m->edited) {
        m->orig_fields = m->fields;
        m->orig_count = m->count;
        m->edited = true;
    }
    m->fields = fields;
    m->count = n;
    m->edit_fields = fields;
    m->edit_count = n;
    m->sorted = NULL; /* the name index is rebuilt on the next lookup (the values stay cached per field) */
    m->snap = NULL;
    m->nedits++;
}

size_t sg_message_edit_count(const sg_message *m)
{
    return m->nedits;
}

void sg_message_add_field(sg_message *m, const char *text, size_t len, bool last)
{
    parse_header(m);
    char *copy = sg_arena_alloc_bytes(m->arena, len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    const char *colon = memchr(copy, ':', len);
    size_t name_len = colon ? (size_t)(colon - copy) : len;
    while (name_len > 0 && is_wsp((unsigned char)copy[name_len - 1]))
        name_len--;
    sg_header_field f = {copy, name_len, colon ? colon + 1 : copy + len,
                         colon ? len - (size_t)(colon + 1 - copy) : 0, NULL, NULL};
    sg_header_field *n = sg_arena_alloc(m->arena, (m->count + 1) * sizeof *n);
    size_t at = last ? m->count : 0;
    memcpy(n + (last ? 0 : 1), m->fields, m->count * sizeof *n);
    n[at] = f;
    set_fields(m, n, m->count + 1);
}

void sg_message_delete_fields(sg_message *m, const bool *del)
{
    parse_header(m);
    sg_header_field *n = sg_arena_alloc(m->arena, (m->count ? m->count : 1) * sizeof *n);
    size_t k = 0;
    for (size_t i = 0; i < m->count; i++)
        if (!del[i])
            n[k++] = m->fields[i];
    if (k != m->count)
        set_fields(m, n, k);
}

bool sg_message_edited(const sg_message *m)
{
    return m->edited;
}

const sg_header_snapshot *sg_message_snapshot(sg_message *m)
{
    if (!m->edited)
        return NULL;
    if (!m->snap) {
        sg_header_snapshot *s = sg_arena_alloc(m->arena, sizeof *s);
        s->fields = m->edit_fields;
        s->count = m->edit_count;
        m->snap = s;
    }
    return m->snap;
}

void sg_message_use_original(sg_message *m, bool original)
{
    parse_header(m);
    if (!m->edited || original == m->viewing_original)
        return;
    m->viewing_original = original;
    m->fields = (sg_header_field *)(original ? m->orig_fields : m->edit_fields);
    m->count = original ? m->orig_count : m->edit_count;
    m->sorted = NULL;
}

void sg_message_render(sg_message *m, const sg_header_snapshot *snap, sg_arena *arena, const char **header,
                       size_t *header_len, const char **body, size_t *body_len)
{
    parse_header(m);
    if (!snap) {
        *header = "";
        *header_len = 0;
        *body = m->data;
        *body_len = m->size;
        return;
    }
    const char *eol = sg_message_eol(m);
    size_t el = strlen(eol), total = el;
    for (size_t i = 0; i < snap->count; i++)
        total += (size_t)(snap->fields[i].raw + snap->fields[i].raw_len - snap->fields[i].name) + el;
    char *out = sg_arena_alloc_bytes(arena, total + 1);
    size_t o = 0;
    for (size_t i = 0; i < snap->count; i++) {
        const sg_header_field *f = &snap->fields[i];
        size_t n = (size_t)(f->raw + f->raw_len - f->name);
        memcpy(out + o, f->name, n);
        o += n;
        memcpy(out + o, eol, el);
        o += el;
    }
    memcpy(out + o, eol, el); /* the empty line (RFC 5322 §2.1) */
    o += el;
    out[o] = '\0';
    *header = out;
    *header_len = o;
    *body = m->data + m->body_offset;
    *body_len = m->size - m->body_offset;
}
