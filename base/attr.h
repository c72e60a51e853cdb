/* attr.h - compiler attributes every layer uses. */
#ifndef SG_ATTR_H
#define SG_ATTR_H

/* printf-style format checking of argument a (format) and b (first value). */
#if defined(__GNUC__)
#define SG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SG_PRINTF(a, b)
#endif

#endif
