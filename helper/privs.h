/* privs.h — giving up capabilities (privs.c). Used by the helper and,
 * compiled in as well, by pam_nsession.so for sshd's session child.
 * Both return 0 or a negative errno. */
#ifndef NS_PRIVS_H
#define NS_PRIVS_H

int caps_drop_all(void);       /* empty effective/permitted/inheritable/ambient */
int caps_clear_ambient(void);

#endif
