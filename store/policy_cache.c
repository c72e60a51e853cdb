/* policy_cache.c - being written. */
