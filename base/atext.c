/* atext.c - see atext.h. */
#include "base/atext.h"

#include <string.h>

bool sg_is_atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

bool sg_is_atext_utf8(unsigned char c)
{
    return c >= 0x80 || sg_is_atext(c);
}
