/* fuzz_subid.c — libFuzzer target: the /etc/subuid and /etc/subgid parser
 * (lib/subid.c), as the helper calls it for the invoking user.
 *
 * The input is the file's bytes, NOT NUL-terminated: it is copied into a
 * malloc'd buffer of exactly `size` bytes. The range array and the message
 * buffer are malloc'd at exactly the size passed in, so ASan reports a
 * write past `max` ranges or past `errlen`. abort() marks a broken contract:
 * a range the helper would map although subid.h says it is refused. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "subid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ERRLEN 160
#define ID_LAST 4294967294u /* (uint32_t)-1 is "no id" to the kernel */

static void parse_for(const char *buf, size_t size, const char *user, uint32_t id,
		      size_t max)
{
	struct subid_range *out = malloc(max * sizeof(*out));
	char *err = malloc(ERRLEN);
	size_t n = 12345;
	int r;

	if (!out || !err)
		abort();
	err[0] = 'x';
	r = subid_parse(buf, size, "/etc/subuid", user, id, id, out, max, &n, err, ERRLEN);
	if (strnlen(err, ERRLEN) == ERRLEN)
		abort();
	if (r != 0) {
		/* Errors name the file and line, and return no ranges. */
		if (r != -EINVAL || n != 0 || strncmp(err, "/etc/subuid:", 12) != 0 ||
		    strchr(err, '\n'))
			abort();
	} else {
		if (err[0] != '\0' || n > max)
			abort();
		for (size_t i = 0; i < n; i++) {
			uint64_t last = (uint64_t)out[i].start + out[i].count - 1;

			if (out[i].count == 0 || out[i].start == 0 || last > ID_LAST ||
			    (out[i].start <= id && id <= last))
				abort();
			for (size_t j = 0; j < i; j++) {
				uint64_t olast = (uint64_t)out[j].start + out[j].count - 1;
				if (out[i].start <= olast && out[j].start <= last)
					abort(); /* overlap */
			}
		}
	}
	free(out);
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	/* By name or by id, with the helper's limit. */
	parse_for(buf, size, "alice", 1000, SUBID_RANGES_MAX);
	/* By id only (a user without a name), and a small limit. */
	parse_for(buf, size, NULL, 1000, 2);
	free(buf);
	return 0;
}
