/* template.h — name templates for hostnames and interface names.
 *   %u  user name      %U  uid (decimal)
 *   %h  host's short hostname (up to the first '.')
 *   %%  a literal '%'
 * Any other '%' sequence, or a trailing '%', is -EINVAL. A result that does
 * not fit in `outlen` (including the NUL) is -ENAMETOOLONG. */
#ifndef NS_TEMPLATE_H
#define NS_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int template_expand(const char *tpl, const char *user, uint32_t uid,
		    const char *host, char *out, size_t outlen);

/* Only checks the '%' sequences of a template (no expansion). */
int template_check(const char *tpl);

/* A hostname we are willing to set: 1..63 chars of [A-Za-z0-9-], not
 * starting or ending with '-' (a single DNS label; dots are refused). */
bool valid_hostname(const char *s);

/* An interface name: 1..15 chars of [A-Za-z0-9_.-], not "." or "..",
 * not starting with '-'. */
bool valid_ifname(const char *s);

#endif
