/* bench_managesieve_client.c - the ManageSieve client of bench_managesieve.sh
 * (no sievegate code): plain TCP, SASL PLAIN with the initial response.
 *
 * usage: bench_managesieve_client HOST PORT USER PASSWORD SCRIPT ROUNDS MODE
 *   round  ROUNDS times: connect, greeting, AUTHENTICATE, CHECKSCRIPT of
 *          SCRIPT, LOGOUT, close
 *   check  one connection and login, then ROUNDS times CHECKSCRIPT of SCRIPT
 *   put    one connection and login, then ROUNDS times PUTSCRIPT "bench"
 *          SCRIPT and SETACTIVE "bench"
 * Prints one line of "KEY VALUE" pairs: rounds, ms_mean, ms_median, ms_p95
 * (of one round or one command), and for `round` the mean of each step
 * (connect_ms: to the end of the greeting, auth_ms, check_ms, logout_ms).
 * Exits 1 when an answer is not OK (an OK (WARNINGS) is OK).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct conn {
    int fd;
    char buf[1 << 16];
    size_t len;
} conn;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_managesieve_client: %s\n", what);
    exit(1);
}

static void send_all(conn *c, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(c->fd, p, n);
        if (w <= 0)
            die("write failed");
        p += w;
        n -= (size_t)w;
    }
}

/* Reads answers up to a line starting with OK, NO or BYE (literals read
 * whole: a line ending in "{N}" goes on after N octets); 1 for OK. */
static int read_answer(conn *c)
{
    int status = -2; /* -2: at the start of a line; -1: a line that is no status */
    for (;;) {
        char *lf = c->len ? memchr(c->buf, '\n', c->len) : NULL;
        if (lf) {
            size_t n = (size_t)(lf - c->buf) + 1;
            size_t lit = 0;
            if (n >= 4 && c->buf[n - 3] == '}') {
                char *open = c->buf + n - 3;
                while (open > c->buf && *open != '{')
                    open--;
                lit = strtoul(open + 1, NULL, 10);
            }
            if (c->len - n >= lit) {
                if (status == -2)
                    status = n >= 2 && memcmp(c->buf, "OK", 2) == 0   ? 1
                             : n >= 2 && memcmp(c->buf, "NO", 2) == 0 ? 0
                             : n >= 3 && memcmp(c->buf, "BYE", 3) == 0 ? 0
                                                                       : -1;
                memmove(c->buf, c->buf + n + lit, c->len - n - lit);
                c->len -= n + lit;
                if (lit)
                    continue; /* the same line goes on */
                if (status >= 0)
                    return status;
                status = -2;
                continue;
            }
        }
        if (c->len == sizeof c->buf)
            die("an answer too long for the buffer");
        ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
        if (r <= 0)
            die("the server closed the connection");
        c->len += (size_t)r;
    }
}

static void expect_ok(conn *c, const char *what)
{
    if (read_answer(c) != 1)
        die(what);
}

static void dial(conn *c, const char *host, int port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        die("HOST must be an IPv4 address");
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        die("cannot connect");
    c->len = 0;
    expect_ok(c, "no greeting");
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = '\0';
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 8)
        die("usage: bench_managesieve_client HOST PORT USER PASSWORD SCRIPT ROUNDS round|check|put");
    const char *host = argv[1], *mode = argv[7];
    int port = atoi(argv[2]), rounds = atoi(argv[6]);
    FILE *f = fopen(argv[5], "rb");
    if (!f || rounds <= 0)
        die("cannot read SCRIPT, or ROUNDS is not positive");
    static char script[1 << 22];
    size_t slen = fread(script, 1, sizeof script, f);
    fclose(f);
    unsigned char plain[600];
    size_t ul = strlen(argv[3]), pl = strlen(argv[4]);
    if (ul + pl + 2 > sizeof plain)
        die("USER and PASSWORD too long");
    plain[0] = 0;
    memcpy(plain + 1, argv[3], ul);
    plain[1 + ul] = 0;
    memcpy(plain + 2 + ul, argv[4], pl);
    char auth[1024], enc[900];
    base64(plain, ul + pl + 2, enc);
    int alen = snprintf(auth, sizeof auth, "AUTHENTICATE \"PLAIN\" \"%s\"\r\n", enc);
    char head[64];
    int hlen = snprintf(head, sizeof head, "CHECKSCRIPT {%zu+}\r\n", slen);
    char puthead[64];
    int plen = snprintf(puthead, sizeof puthead, "PUTSCRIPT \"bench\" {%zu+}\r\n", slen);
    double *t = malloc((size_t)rounds * sizeof *t);
    double sum[4] = {0, 0, 0, 0};
    conn *c = malloc(sizeof *c);
    if (strcmp(mode, "round") != 0) {
        dial(c, host, port);
        send_all(c, auth, (size_t)alen);
        expect_ok(c, "login refused");
    }
    for (int i = 0; i < rounds; i++) {
        double t0 = now_ms(), t1, t2, t3;
        if (strcmp(mode, "round") == 0) {
            dial(c, host, port);
            t1 = now_ms();
            send_all(c, auth, (size_t)alen);
            expect_ok(c, "login refused");
            t2 = now_ms();
            send_all(c, head, (size_t)hlen);
            send_all(c, script, slen);
            send_all(c, "\r\n", 2);
            expect_ok(c, "CHECKSCRIPT refused");
            t3 = now_ms();
            send_all(c, "LOGOUT\r\n", 8);
            expect_ok(c, "LOGOUT refused");
            close(c->fd);
            double t4 = now_ms();
            sum[0] += t1 - t0;
            sum[1] += t2 - t1;
            sum[2] += t3 - t2;
            sum[3] += t4 - t3;
        } else if (strcmp(mode, "check") == 0) {
            send_all(c, head, (size_t)hlen);
            send_all(c, script, slen);
            send_all(c, "\r\n", 2);
            expect_ok(c, "CHECKSCRIPT refused");
        } else {
            send_all(c, puthead, (size_t)plen);
            send_all(c, script, slen);
            send_all(c, "\r\n", 2);
            expect_ok(c, "PUTSCRIPT refused");
            send_all(c, "SETACTIVE \"bench\"\r\n", 19);
            expect_ok(c, "SETACTIVE refused");
        }
        t[i] = now_ms() - t0;
    }
    if (strcmp(mode, "round") != 0) {
        send_all(c, "LOGOUT\r\n", 8);
        read_answer(c);
        close(c->fd);
    }
    double total = 0;
    for (int i = 0; i < rounds; i++)
        total += t[i];
    qsort(t, (size_t)rounds, sizeof *t, cmp);
    printf("rounds %d ms_mean %.3f ms_median %.3f ms_p95 %.3f", rounds, total / rounds, t[rounds / 2],
           t[(rounds * 95) / 100 < rounds ? (rounds * 95) / 100 : rounds - 1]);
    if (strcmp(mode, "round") == 0)
        printf(" connect_ms %.3f auth_ms %.3f check_ms %.3f logout_ms %.3f", sum[0] / rounds, sum[1] / rounds,
               sum[2] / rounds, sum[3] / rounds);
    printf("\n");
    free(t);
    free(c);
    return 0;
}
