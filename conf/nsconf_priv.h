/* nsconf_priv.h — what the three parts of the nsession.conf parser share;
 * nothing outside conf/nsconf*.c includes it.
 *
 *   nsconf.c       lines, sections, files, resolution, messages
 *   nsconf_keys.c  THE table of keys (nsc_keys) and the value parsers of
 *                  its generic types; the built-in defaults
 *   nsconf_net.c   addresses and the values that hold them: address_pool,
 *                  address_pool6, egress, dns
 *
 * Every key is one entry of nsc_keys: its name, its type, the bytes of
 * struct nsc_policy it sets, its bounds and its message text. A setting is
 * parsed by nsc_parse_value(entry) into a section's policy; resolution
 * copies those bytes of every key a section set. */
#ifndef NSCONF_PRIV_H
#define NSCONF_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "nsconf.h"

/* One file being parsed: messages name fname:lineno. */
struct parser {
	const char *fname;
	unsigned lineno;
	struct nsc_config *cfg;
	size_t cur; /* index of the section settings go to */
	char *err;
	size_t errlen;
};

/* Text from the file is shown at most this long in messages; an address,
 * network or egress rule at most SHOW_ADDR_MAX (the longest IPv6 network
 * with a protocol and port is shown whole). */
#define SHOW_MAX 40
#define SHOW_ADDR_MAX 56

/* s cut with "..." to SHOW_MAX / SHOW_ADDR_MAX characters, in buf. */
const char *nsc_clip(char buf[SHOW_MAX + 4], const char *s);
const char *nsc_clip_addr(char buf[SHOW_ADDR_MAX + 4], const char *s);
/* "FILE:LINE: problem" into ps->err; always returns -EINVAL. */
int nsc_fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Blanks (space, tab) cut at both ends, in place. */
char *nsc_trim(char *s);

/* How a key's value is parsed (nsconf_keys.c says each type's rules). */
enum nsc_ktype {
	KT_ENUM,     /* one of words[0..nwords-1], stored as its index (bool: no, yes) */
	KT_U32,      /* decimal min..max directly followed by unit, or word (0) */
	KT_SIZE,     /* bytes >= min, suffix one of unit (binary, upper case), or word (0) */
	KT_SCALED,   /* 1..max after a suffix of unit (either case, binary) */
	KT_TEMPLATE, /* a template (conf/template.h) giving a name valid() takes */
	KT_NAME,     /* a name valid() takes, shorter than the field */
	KT_SPECIAL,  /* parse() */
};

struct nsc_key;
typedef int nsc_parse_fn(struct parser *ps, const struct nsc_key *k, char *val,
			 struct nsc_policy *p);

struct nsc_key {
	const char *name;
	enum nsc_ktype type;
	/* The bytes of struct nsc_policy this key sets, and nothing else:
	 * one field, or adjacent fields that go together (egress_any,
	 * n_egress and egress). Resolution copies exactly these. KT_ENUM,
	 * KT_U32, KT_SIZE and KT_SCALED store into a bool, uint32_t or
	 * uint64_t field by its size (SCALAR() in nsconf_keys.c checks the
	 * field's type at compile time). */
	size_t off, size;
	uint64_t min, max;             /* KT_U32, KT_SIZE, KT_SCALED bounds */
	const char *word;              /* KT_U32, KT_SIZE: the word for 0, or NULL */
	const char *unit;              /* KT_U32: NULL or "%"; KT_SIZE, KT_SCALED: suffixes */
	const char *const *words;      /* KT_ENUM */
	unsigned nwords;
	bool (*valid)(const char *);   /* KT_TEMPLATE, KT_NAME */
	const char *what;              /* KT_TEMPLATE: what valid() checks, for messages */
	const char *expected;          /* "bad value '...' for 'KEY' (expected EXPECTED)" */
	nsc_parse_fn *parse;           /* KT_SPECIAL */
};

#define NSC_KEYS_MAX 32 /* a section keeps a bit per key */
extern const struct nsc_key nsc_keys[];
extern const size_t nsc_nkeys; /* at most NSC_KEYS_MAX */

/* The index of the key called name in nsc_keys, or -1. */
int nsc_key_index(const char *name);
/* Parse val (trimmed, not empty; may be modified) for key k into p. */
int nsc_parse_value(struct parser *ps, const struct nsc_key *k, char *val,
		    struct nsc_policy *p);
/* "bad value 'VAL' for 'KEY' (expected k->expected)"; -EINVAL. */
int nsc_bad_value(struct parser *ps, const struct nsc_key *k, const char *val);

/* The KT_SPECIAL parsers of nsconf_net.c. */
nsc_parse_fn nsc_parse_pool, nsc_parse_pool6, nsc_parse_egress, nsc_parse_dns;

#endif
