/* submit_int.h - what the files of outgoing mail share, for them alone:
 * submit.c (configuration, checks, the choice of transport), sendmail.c and
 * smtp.c (the two transports), redirect.c (the redirected copy).
 *
 * Takes and returns as submit.h says; the helpers below make one reason
 * sentence, keep time, and refuse what could end a line or a command. */
#ifndef SG_SUBMIT_INT_H
#define SG_SUBMIT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/attr.h"
#include "engine/deliver/submit.h"

#define SG_SUBMIT_REASON_MAX 400 /* bytes of a program's output or a server's reply kept for the reason */

/* Formats err (nothing when err is NULL or errlen 0). */
void sg_submit_set_err(char *err, size_t errlen, const char *fmt, ...) SG_PRINTF(3, 4);
/* Text from outside (a program's output, a server's reply) made one printable line. */
void sg_submit_clean_line(char *s);
/* CLOCK_MONOTONIC in ms, and the ms left until a deadline on it (0: passed). */
double sg_submit_now_ms(void);
int sg_submit_remaining_ms(double deadline);
/* An address may not carry anything that ends a line, a header field or an
 * SMTP command: no control character at all. */
bool sg_submit_address_ok(const char *a);
/* NULL, "" or "<>". */
bool sg_submit_null_sender(const char *s);
/* Appends what fits of buf to out (SG_SUBMIT_REASON_MAX bytes and a NUL). */
void sg_submit_keep_output(char *out, size_t *n, const char *buf, size_t len);

/* The message's parts as chunks: memory as it is, a file range with pread()
 * into a 64 KiB buffer. */
typedef struct sg_parts_reader {
    const sg_submit_part *parts;
    size_t n, i;
    size_t at; /* bytes of parts[i] already given */
    char *buf; /* for file parts, allocated on first use */
} sg_parts_reader;

void sg_parts_reader_init(sg_parts_reader *r, const sg_submit_part *parts, size_t n);
/* The next chunk (*len 0 at the end). 0 or errno (EIO: a file is shorter than said). */
int sg_parts_next(sg_parts_reader *r, const char **p, size_t *len);
void sg_parts_reader_free(sg_parts_reader *r);
size_t sg_parts_total(const sg_submit_part *parts, size_t n);

/* The transports, after sg_submit_parts checked the envelope: a
 * sendmail-compatible program (sendmail.c), an SMTP server (smtp.c). */
sg_submit_status sg_submit_sendmail(const sg_submit_config *cfg, const char *from, const char *const *rcpts, size_t n,
                                    const sg_submit_part *parts, size_t nparts, unsigned timeout_ms, char *err,
                                    size_t errlen);
sg_submit_status sg_submit_smtp(const sg_submit_config *cfg, const char *from, const char *const *rcpts, size_t n,
                                const sg_submit_part *parts, size_t nparts, unsigned timeout_ms, char *err,
                                size_t errlen);

#endif
