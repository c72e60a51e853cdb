/* fake_crypt.c - a stand-in libcrypt.so.1 that defines no crypt_r. Tests put
 * its directory first in LD_LIBRARY_PATH, so that base/password.h finds it
 * instead of the real library and fails as with a missing one: what a
 * login answers then can be asserted. */
int sg_fake_crypt_marker(void);

int sg_fake_crypt_marker(void)
{
    return 0;
}
