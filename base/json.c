/* json.c - see json.h. */
#include "base/json.h"

#include <string.h>

#include "base/utf8.h"

void sg_json_string_n(FILE *out, const char *s, size_t len)
{
    fputc('"', out);
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            /* Copy one valid sequence, or replace one invalid byte. */
            size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            if (n > 1 && i + n <= len && sg_utf8_invalid_at(s + i, n) == n) {
                fwrite(s + i, 1, n, out);
                i += n;
            } else {
                fputs("\xEF\xBF\xBD", out);
                i++;
            }
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (c < 0x20 || c == 0x7F)
                fprintf(out, "\\u%04x", c);
            else
                fputc(c, out);
        }
        i++;
    }
    fputc('"', out);
}

void sg_json_string(FILE *out, const char *s)
{
    sg_json_string_n(out, s, strlen(s));
}
