/* submit.h - outgoing mail: a sendmail-compatible program or SMTP
 * (cli.md: sendmail_path, submission_host, hostname; the redirected copy of a
 * message and its envelope sender are redirect.h's, with
 * redirect_envelope_from, srs_secret and srs_domain read here).
 *
 * Takes: an envelope (sender, recipients) and the message bytes. Returns: OK,
 * or TEMPFAIL / PERMFAIL with one sentence saying why. Nothing here is ever
 * silently ignored: a non-zero exit of the program, a 4xx or 5xx reply where
 * success is required, a connection failure or a timeout is a failure.
 * Delivery is all-or-nothing: the message goes to every recipient or to none.
 * No shell ever sees an argument; no value can add a header field or an SMTP
 * command (addresses holding control characters are refused).
 */
#ifndef SG_SUBMIT_H
#define SG_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "base/config.h"

#define SG_DEFAULT_SENDMAIL_PATH "/usr/sbin/sendmail"
#define SG_SUBMIT_DEFAULT_TIMEOUT_MS 120000u

typedef enum {
    SG_SUBMIT_OK = 0,
    SG_SUBMIT_TEMPFAIL, /* retry later: non-zero exit, 4xx, no connection, timeout, a broken reply */
    SG_SUBMIT_PERMFAIL, /* refused for good: a 5xx to MAIL, RCPT, DATA or the data; a bad address */
} sg_submit_status;

/* "ok", "tempfail", "permfail". */
const char *sg_submit_status_name(sg_submit_status s);

typedef enum {
    SG_ENVFROM_SENDER = 0, /* the original envelope sender (default) */
    SG_ENVFROM_OWNER,      /* the script's owner */
    SG_ENVFROM_SRS,        /* the original sender rewritten by SRS (srs_secret, srs_domain) */
} sg_envfrom_mode;

/* "sender", "owner", "srs". */
bool sg_envfrom_mode_parse(const char *text, sg_envfrom_mode *mode);

typedef struct sg_submit_config {
    /* The program and its own arguments, split on spaces and tabs (no quoting,
     * no shell); sievegate appends "-i -f SENDER -- RCPT...". NULL or "" =
     * SG_DEFAULT_SENDMAIL_PATH. Used when submission_host is NULL or "". */
    const char *sendmail_path;
    const char *submission_host; /* "host:port", "[v6addr]:port" or "host" (port 25): SMTP */
    const char *hostname;        /* EHLO and Received; NULL or "" = gethostname() */
    unsigned timeout_ms;         /* SMTP: connect and every reply or write; sendmail: the whole run
                                    (then SIGKILL). 0 = SG_SUBMIT_DEFAULT_TIMEOUT_MS */
    sg_envfrom_mode envelope_from; /* redirect_envelope_from */
    const char *srs_secret;
    const char *srs_domain;
} sg_submit_config;

/* Reads sendmail_path, submission_host, hostname, redirect_envelope_from,
 * srs_secret and srs_domain (pointers into conf). False, with err, for an
 * unknown redirect_envelope_from or "srs" without srs_secret and srs_domain. */
bool sg_submit_config_load(const sg_config *conf, sg_submit_config *cfg, char *err, size_t errlen);

/* Submits one message. envelope_from "" or "<>" is the null sender (passed to
 * sendmail as "-f <>", to SMTP as "MAIL FROM:<>"). data is sent as given to
 * the program (its stdin); over SMTP every line ending (LF, CRLF or a lone
 * CR) becomes CRLF, a line starting with '.' gets one more (RFC 5321
 * §4.5.2), and BODY=8BITMIME is asked for 8-bit data when the server offers
 * it. A recipient starting with '-' or any address with a control character is
 * refused (PERMFAIL) before anything runs. err (always set; "" when OK) says
 * why, with the exit status or the server's reply. */
sg_submit_status sg_submit_message(const sg_submit_config *cfg, const char *envelope_from, const char *const *rcpts,
                                   size_t n, const char *data, size_t len, char *err, size_t errlen);

/* One piece of a message to submit: len bytes from memory (fd < 0), or from
 * the regular file fd at off, read with pread() in 64 KiB chunks: a large
 * body is sent without being held in memory. */
typedef struct sg_submit_part {
    const char *data;
    size_t len;
    int fd;
    off_t off;
} sg_submit_part;

/* sg_submit_message with the message as the concatenation of parts. */
sg_submit_status sg_submit_parts(const sg_submit_config *cfg, const char *envelope_from, const char *const *rcpts,
                                 size_t n, const sg_submit_part *parts, size_t nparts, char *err, size_t errlen);

#endif
