/* template.c — name templates for hostnames and interface names.
 * See template.h. No allocation; every write is bounds-checked. */
#include "template.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Append the first `n` bytes of `s` to out[*pos..]; keep room for the NUL. */
static int put(char *out, size_t outlen, size_t *pos, const char *s, size_t n)
{
	if (n >= outlen - *pos)
		return -ENAMETOOLONG;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
	return 0;
}

int template_check(const char *tpl)
{
	if (!tpl)
		return -EINVAL;
	for (const char *p = tpl; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p != 'u' && *p != 'U' && *p != 'h' && *p != '%')
			return -EINVAL; /* unknown escape, or '%' at the end */
	}
	return 0;
}

int template_expand(const char *tpl, const char *user, uint32_t uid,
		    const char *host, char *out, size_t outlen)
{
	char num[16];
	size_t pos = 0;
	int r;

	if (!out || outlen == 0)
		return -EINVAL;
	out[0] = '\0';
	r = template_check(tpl);
	if (r < 0)
		return r;
	for (const char *p = tpl; *p; p++) {
		if (*p != '%') {
			r = put(out, outlen, &pos, p, 1);
		} else {
			p++;
			switch (*p) {
			case 'u':
				r = user ? put(out, outlen, &pos, user, strlen(user))
					 : -EINVAL;
				break;
			case 'U':
				snprintf(num, sizeof(num), "%u", (unsigned)uid);
				r = put(out, outlen, &pos, num, strlen(num));
				break;
			case 'h':
				/* short name: up to the first '.' */
				r = host ? put(out, outlen, &pos, host, strcspn(host, "."))
					 : -EINVAL;
				break;
			default: /* '%', the only one left after template_check */
				r = put(out, outlen, &pos, "%", 1);
				break;
			}
		}
		if (r < 0) {
			out[0] = '\0';
			return r;
		}
	}
	return 0;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

bool valid_hostname(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool valid_ifname(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n > 15 || s[0] == '-')
		return false;
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}
