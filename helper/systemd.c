/* systemd.c — a session's place in the cgroup tree of a host where systemd
 * is PID 1, asked of systemd over the system bus (sd-bus), never written
 * under /sys/fs/cgroup.
 *
 * The monitor calls sd_session_scope() first thing: PID 1 makes a
 * transient scope unit "nsession-<uid>-<session id>.scope" in the user's
 * slice "user-<uid>.slice" and moves the monitor into it. Everything the
 * monitor forks afterwards (the keeper and so the session's PID namespace,
 * nft children) starts there, so:
 *   - the monitor and keeper are never in the scope of the login that
 *     started the session: `loginctl terminate-session` of that login, or
 *     its logout with KillUserProcesses=yes, leaves the other logins' shared
 *     session alone;
 *   - `systemctl status`, `systemd-cgls` and accounting show the session;
 *   - the keeper's cgroup namespace is rooted at the scope;
 *   - stopping the user's slice (`loginctl terminate-user`) stops the scope:
 *     SIGTERM to the monitor, which ends the session.
 * Logins stay in their own logind scopes (session-N.scope, the same slice).
 * The one cgroup that holds all of a user's logins and their session's
 * scope is the user's slice, so the policy's limits are set there
 * (sd_user_slice_limits): runtime properties of user-<uid>.slice (they last
 * until reboot; the next session sets them again).
 *
 * Unit names are built from the numeric uid and the validated session id
 * only. The scope is collected when it empties (CollectMode=
 * inactive-or-failed), so nothing of a session stays after it.
 *
 * libsystemd is dlopen()ed by the monitor only, as nft.c does with
 * libnftables: the setuid image run by the user never maps it, and the
 * loader's secure mode (this process began as a setuid exec) looks the
 * soname up in the system's trusted directories only. */
#include "helper.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "cgroupfmt.h"
#include "cleanup.h"
#include "util.h"

#define SD_SONAME "libsystemd.so.0"
#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_CALL_USEC (10ull * 1000 * 1000)
#define SD_JOB_MS 10000

/* The libsystemd functions used, resolved by sd_load(). */
static struct {
	__typeof__(sd_bus_open_system) *open_system;
	__typeof__(sd_bus_flush_close_unref) *close_unref;
	__typeof__(sd_bus_message_new_method_call) *new_method_call;
	__typeof__(sd_bus_message_append) *append;
	__typeof__(sd_bus_message_open_container) *open_container;
	__typeof__(sd_bus_message_close_container) *close_container;
	__typeof__(sd_bus_message_read) *read;
	__typeof__(sd_bus_message_unref) *message_unref;
	__typeof__(sd_bus_call) *call;
	__typeof__(sd_bus_match_signal) *match_signal;
	__typeof__(sd_bus_slot_unref) *slot_unref;
	__typeof__(sd_bus_process) *process;
	__typeof__(sd_bus_wait) *wait;
	__typeof__(sd_bus_error_free) *error_free;
} sd;

bool sd_host(void)
{
	struct stat st;

	/* sd_booted(3), without loading anything. */
	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *sd_load(void)
{
	static bool loaded;
	void *h;
	void **slot = (void **)&sd;
	static const char *const names[] = {
		"sd_bus_open_system", "sd_bus_flush_close_unref", "sd_bus_message_new_method_call",
		"sd_bus_message_append", "sd_bus_message_open_container",
		"sd_bus_message_close_container", "sd_bus_message_read", "sd_bus_message_unref",
		"sd_bus_call", "sd_bus_match_signal", "sd_bus_slot_unref", "sd_bus_process",
		"sd_bus_wait", "sd_bus_error_free",
	};

	_Static_assert(sizeof(sd) == sizeof(names) / sizeof(names[0]) * sizeof(void *),
		       "one name per function");
	if (loaded)
		return NULL;
	h = dlopen(SD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return "cannot load " SD_SONAME " (is libsystemd0 installed?)";
	for (size_t i = 0; i < NS_ARRAY_SIZE(names); i++) {
		slot[i] = dlsym(h, names[i]);
		if (!slot[i])
			return "libsystemd lacks a function nsession needs";
	}
	loaded = true;
	return NULL;
}

/* A connection to the system bus, or -errno with the reason in err. */
static int bus_open(sd_bus **bus, char *err, size_t errlen)
{
	const char *why = sd_load();
	int r;

	if (why) {
		snprintf(err, errlen, "%s", why);
		return -ELIBACC;
	}
	r = sd.open_system(bus);
	if (r < 0)
		snprintf(err, errlen, "connecting to the system bus: %s", strerror(-r));
	return r;
}

/* Send `m` (consumed) and check the answer; the reply is handed back in
 * *reply when asked for. */
static int bus_call(sd_bus *bus, sd_bus_message *m, sd_bus_message **reply, const char *what,
		    char *err, size_t errlen)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *rep = NULL;
	int r = sd.call(bus, m, SD_CALL_USEC, &e, &rep);

	sd.message_unref(m);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", what, e.message ? e.message : strerror(-r));
		sd.error_free(&e);
		return r;
	}
	if (reply)
		*reply = rep;
	else
		sd.message_unref(rep);
	return 0;
}

struct job_wait {
	const char *path; /* our job's object path */
	bool done;
	char result[32];
};

static int on_job_removed(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct job_wait *w = data;
	const char *path = NULL, *unit = NULL, *result = NULL;
	uint32_t id;

	(void)e;
	if (sd.read(m, "uoss", &id, &path, &unit, &result) < 0 || !w->path || !path ||
	    strcmp(path, w->path) != 0)
		return 0;
	w->done = true;
	snprintf(w->result, sizeof(w->result), "%s", result ? result : "");
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Wait (bounded) for the JobRemoved signal of w->path. */
static int job_wait(sd_bus *bus, struct job_wait *w)
{
	uint64_t deadline = mono_ms() + SD_JOB_MS;

	while (!w->done) {
		int r = sd.process(bus, NULL);
		uint64_t now;

		if (r < 0)
			return r;
		if (r > 0)
			continue;
		now = mono_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		r = sd.wait(bus, (deadline - now) * 1000);
		if (r < 0 && r != -EINTR)
			return r;
	}
	return strcmp(w->result, "done") == 0 ? 0 : -EIO;
}

/* A transient scope `unit` in user-<uid>.slice holding `pid`, started and
 * waited for; -errno with the reason in why. */
static int start_scope(const char *unit, uint32_t uid, const char *desc, pid_t pid, char *why,
		       size_t whylen)
{
	char slice[32];
	struct job_wait w = { 0 };
	sd_bus *bus = NULL;
	sd_bus_slot *slot = NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	int r;

	snprintf(slice, sizeof(slice), "user-%u.slice", (unsigned)uid);
	r = bus_open(&bus, why, whylen);
	/* The match first, so the job's signal cannot pass unseen. */
	if (r >= 0)
		r = sd.match_signal(bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
				    on_job_removed, &w);
	if (r >= 0)
		r = sd.new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
	if (r >= 0)
		r = sd.append(m, "ss", unit, "fail");
	if (r >= 0)
		r = sd.open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd.append(m, "(sv)(sv)(sv)(sv)", "PIDs", "au", 1, (uint32_t)pid,
			      "Slice", "s", slice, "Description", "s", desc,
			      "CollectMode", "s", "inactive-or-failed");
	if (r >= 0)
		r = sd.close_container(m);
	if (r >= 0)
		r = sd.append(m, "a(sa(sv))", 0);
	if (r >= 0) {
		r = bus_call(bus, m, &reply, "starting it", why, whylen);
		m = NULL;
	}
	if (r >= 0 && (r = sd.read(reply, "o", &w.path)) < 0)
		snprintf(why, whylen, "reading systemd's answer: %s", strerror(-r));
	if (r >= 0 && (r = job_wait(bus, &w)) < 0)
		snprintf(why, whylen, "%s", r == -EIO ? w.result
					  : r == -ETIMEDOUT ? "systemd did not start it in time"
							    : strerror(-r));
	if (r < 0 && !why[0])
		snprintf(why, whylen, "%s", strerror(-r));
	if (m)
		sd.message_unref(m);
	if (reply)
		sd.message_unref(reply);
	if (slot)
		sd.slot_unref(slot);
	if (bus)
		sd.close_unref(bus);
	return r < 0 ? r : 0;
}

int sd_session_scope(uint32_t uid, const char *id, char *err, size_t errlen)
{
	char unit[64], desc[128], why[200] = "";
	int r;

	snprintf(unit, sizeof(unit), "nsession-%u-%s.scope", (unsigned)uid, id);
	snprintf(desc, sizeof(desc), "nsession session %s of uid %u", id, (unsigned)uid);
	r = start_scope(unit, uid, desc, getpid(), why, sizeof(why));
	if (r < 0)
		snprintf(err, errlen, "%s: %s", unit, why);
	return r;
}

/* /proc/PID/cgroup says where the process is (kernel text). */
static int pid_in_user_slice(pid_t pid, uint32_t uid)
{
	char path[32], buf[4096];
	cleanup_fd int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	return cgfmt_in_user_slice(buf, (size_t)n, uid);
}

int sd_job_scope(uint32_t uid, const char *id, pid_t pid, char *err, size_t errlen)
{
	char unit[80], desc[128], why[200] = "";
	int r = pid_in_user_slice(pid, uid);

	if (r != 0) {
		if (r < 0)
			snprintf(err, errlen, "process %d: %s", (int)pid, strerror(-r));
		return r < 0 ? r : 0;
	}
	snprintf(unit, sizeof(unit), "nsession-%u-%s-%d.scope", (unsigned)uid, id, (int)pid);
	snprintf(desc, sizeof(desc), "nsession: a job of uid %u in session %s", (unsigned)uid, id);
	r = start_scope(unit, uid, desc, pid, why, sizeof(why));
	if (r < 0)
		snprintf(err, errlen, "%s: %s", unit, why);
	return r;
}

int sd_user_slice_limits(uint32_t uid, const struct nsc_policy *p, char *err, size_t errlen)
{
	char slice[32], why[200] = "";
	sd_bus *bus = NULL;
	sd_bus_message *m = NULL;
	int r;

	snprintf(slice, sizeof(slice), "user-%u.slice", (unsigned)uid);
	r = bus_open(&bus, why, sizeof(why));
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", slice, why);
		return r;
	}
	r = sd.new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
	if (r >= 0)
		r = sd.append(m, "sb", slice, 1);
	if (r >= 0)
		r = sd.open_container(m, 'a', "(sv)");
	if (r >= 0 && p->pids_max)
		r = sd.append(m, "(sv)", "TasksMax", "t", (uint64_t)p->pids_max);
	/* Memory and swap together, as on cgroupfs (cgroup.c). */
	if (r >= 0 && p->memory_max)
		r = sd.append(m, "(sv)(sv)", "MemoryMax", "t", p->memory_max, "MemorySwapMax", "t",
			      (uint64_t)0);
	if (r >= 0 && p->cpu_weight)
		r = sd.append(m, "(sv)", "CPUWeight", "t", (uint64_t)p->cpu_weight);
	/* CPUQuota= as the bus has it: microseconds of CPU time per second. */
	if (r >= 0 && p->cpu_max)
		r = sd.append(m, "(sv)", "CPUQuotaPerSecUSec", "t", (uint64_t)p->cpu_max * 10000);
	if (r >= 0 && p->io_weight)
		r = sd.append(m, "(sv)", "IOWeight", "t", (uint64_t)p->io_weight);
	if (r >= 0)
		r = sd.close_container(m);
	if (r >= 0) {
		r = bus_call(bus, m, NULL, "setting the limits", why, sizeof(why));
		m = NULL;
	}
	if (r < 0)
		snprintf(err, errlen, "%s: %s", slice, why[0] ? why : strerror(-r));
	if (m)
		sd.message_unref(m);
	sd.close_unref(bus);
	return r < 0 ? r : 0;
}
