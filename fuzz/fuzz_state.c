/* fuzz_state.c — libFuzzer target: the session records in
 * NSESSION_STATEDIR (/run/nsession/<uid>.session), lib/session_state.c.
 *
 * 1. state_parse on the bytes, copied into a malloc'd buffer of exactly
 *    `size` bytes (NOT NUL-terminated: a record is read with its length).
 * 2. A record that parses must format again (state_format), and the text
 *    must parse back to the same record: abort() on any mismatch. As the
 *    parser accepts only canonical values (no leading zeros, one spelling
 *    per enum), the formatted text also has the input's length. Into a
 *    buffer one byte too short, state_format gives -ENOSPC and "".
 * 3. The input's first bytes taken as a raw struct session_record (strings
 *    not terminated, any enum value): state_format must refuse it or write
 *    a record that parses back to the same values.
 * 4. state_parse_monitor (what the helper reads of a record state_parse
 *    refuses, one of another version, say): 0 with a pid > 0, or -EINVAL;
 *    for a record that parses, the same monitor as state_parse. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ERRLEN 160

/* Format r and parse the text back (from an exact-size copy): it must
 * give r again. Returns the formatted length, or -1 if r was refused. */
static int round_trip(const struct session_record *r)
{
	char text[STATE_FILE_MAX + 1];
	char err[ERRLEN];
	struct session_record back;
	char *copy;
	int len = state_format(r, text, sizeof(text));

	if (len < 0) {
		if (len != -EINVAL && len != -ENOSPC)
			abort();
		return -1;
	}
	if ((size_t)len != strlen(text))
		abort();
	copy = malloc((size_t)len);
	if (!copy)
		abort();
	memcpy(copy, text, (size_t)len);
	if (state_parse(copy, (size_t)len, &back, err, sizeof(err)) != 0 ||
	    !state_record_equal(r, &back))
		abort();
	/* One byte short (no room for the NUL): refused, the buffer left
	 * empty, nothing written past it (ASan). */
	if (state_format(r, copy, (size_t)len) != -ENOSPC || copy[0] != '\0')
		abort();
	free(copy);
	return len;
}

/* The monitor of the record in buf; `parsed`: what state_parse gave, or
 * NULL if it refused it. */
static void check_monitor(const char *buf, size_t size, const struct session_record *parsed)
{
	pid_t pid = 0;
	uint64_t start = 0;
	int r = state_parse_monitor(buf, size, &pid, &start);

	if ((r != 0 && r != -EINVAL) || (r == 0 && pid <= 0))
		abort();
	if (parsed && (r != 0 || pid != parsed->monitor_pid || start != parsed->monitor_start))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session_record rec, raw;
	char *err = malloc(ERRLEN);
	char *buf = malloc(size ? size : 1);
	int r;

	if (!buf || !err)
		abort();
	memcpy(buf, data, size);
	r = state_parse(buf, size, &rec, err, ERRLEN);
	if (strnlen(err, ERRLEN) == ERRLEN || strchr(err, '\n'))
		abort();
	if (r == 0) {
		if (err[0] != '\0')
			abort();
		/* Lines may come in any order, but every value has one spelling. */
		if (round_trip(&rec) != (int)size)
			abort();
	} else if (r != -EINVAL || err[0] == '\0') {
		abort();
	}

	check_monitor(buf, size, r == 0 ? &rec : NULL);
	if (size >= sizeof(raw)) {
		memcpy(&raw, data, sizeof(raw));
		round_trip(&raw);
	}
	free(buf);
	free(err);
	return 0;
}
