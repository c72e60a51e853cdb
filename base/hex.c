/* hex.c - see hex.h. */
#include "base/hex.h"

#include <stdint.h>
#include <time.h>
#include <unistd.h>

void sg_hex_byte(unsigned char c, bool upper, char out[2])
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    out[0] = digits[c >> 4];
    out[1] = digits[c & 15];
}

void sg_hex_encode(const void *data, size_t n, bool upper, char *out)
{
    const unsigned char *s = data;
    for (size_t i = 0; i < n; i++)
        sg_hex_byte(s[i], upper, out + 2 * i);
    out[2 * n] = '\0';
}

int sg_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

void sg_random_hex(char *out, size_t nhex)
{
    unsigned char r[32];
    size_t nbytes = (nhex + 1) / 2 > sizeof r ? sizeof r : (nhex + 1) / 2;
    if (getentropy(r, nbytes) != 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32 ^
                     (uint64_t)(uintptr_t)&ts;
        for (size_t i = 0; i < nbytes; i++) {
            x += 0x9E3779B97F4A7C15u; /* splitmix64 */
            uint64_t z = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
            r[i] = (unsigned char)(z ^ (z >> 31));
        }
    }
    char all[2 * sizeof r + 1];
    sg_hex_encode(r, nbytes, false, all);
    size_t n = nhex < 2 * nbytes ? nhex : 2 * nbytes;
    for (size_t i = 0; i < n; i++)
        out[i] = all[i];
    out[n] = '\0';
}
