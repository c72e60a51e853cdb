/* fake_nettle.c - a stand-in libnettle.so.8 that defines no nettle_*
 * function. Tests put its directory first in LD_LIBRARY_PATH, so that the
 * run-time loader (base/hash.h) finds it instead of the real library and
 * fails as it would with a broken or missing one: what hashing, SRS, the
 * state keys and deliver answer then can be asserted. */
int sg_fake_nettle_marker(void);

int sg_fake_nettle_marker(void)
{
    return 0;
}
