/* user_state.c - being written. */
