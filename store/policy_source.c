/* policy_source.c - being written. */
