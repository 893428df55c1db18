/* nsessionctl.h — between nsessionctl.c (reading records, the commands
 * that act) and nsessionctl_show.c (list and show, text and JSON). */
#ifndef NS_NSESSIONCTL_H
#define NS_NSESSIONCTL_H

#include <pwd.h>
#include <stdbool.h>

#include "helper.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_NOSESSION 3

/* nsessionctl.c */
bool record_active(const struct session_record *r);
int load_records(struct session_record **out, size_t *n, bool *bad);
int load_one(const struct passwd *pw, struct session_record *r);

/* nsessionctl_show.c */
int cmd_list(bool json);
int cmd_show(const struct passwd *pw, bool json);

#endif
