/* ttyguard.h — keep a session from typing into the terminal it came from
 * (ttyguard.c). Used by the helper and, compiled in as well, by
 * pam_nsession.so. Returns 0 or a negative errno. */
#ifndef NS_TTYGUARD_H
#define NS_TTYGUARD_H

int tty_guard_install(void);

#endif
