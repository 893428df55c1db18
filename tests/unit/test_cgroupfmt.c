/* test_cgroupfmt.c — unit tests for lib/cgroupfmt.c (which controllers a
 * policy needs and the key that needs each, weight -> shares, cpu_max ->
 * quota, io weight -> blkio weight, leaf names, values, and the parsers of
 * mountinfo, cgroup.controllers and cgroup.procs), with bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroupfmt.h"

static void test_wanted(void **state)
{
	struct nsc_policy p;

	nsc_policy_defaults(&p);
	assert_int_equal(cgfmt_wanted(&p), 0);
	assert_false(nsc_wants_cgroup(&p));
	p.pids_max = 64;
	assert_int_equal(cgfmt_wanted(&p), CG_PIDS);
	p.memory_max = 64 << 20;
	assert_int_equal(cgfmt_wanted(&p), CG_PIDS | CG_MEMORY);
	p.cpu_weight = 50;
	assert_int_equal(cgfmt_wanted(&p), CG_PIDS | CG_MEMORY | CG_CPU);
	p.io_weight = 100;
	assert_int_equal(cgfmt_wanted(&p), CG_ALL);
	p.pids_max = 0;
	p.memory_max = 0;
	p.io_weight = 0;
	assert_int_equal(cgfmt_wanted(&p), CG_CPU);
	assert_true(nsc_wants_cgroup(&p));
	/* cpu_max needs the cpu controller too, io_weight the io controller */
	p.cpu_weight = 0;
	p.cpu_max = 150;
	assert_int_equal(cgfmt_wanted(&p), CG_CPU);
	assert_true(nsc_wants_cgroup(&p));
	p.cpu_max = 0;
	p.io_weight = 10000;
	assert_int_equal(cgfmt_wanted(&p), CG_IO);
	assert_true(nsc_wants_cgroup(&p));
	assert_string_equal(cg_ctrl_names[0], "pids");
	assert_string_equal(cg_ctrl_names[1], "memory");
	assert_string_equal(cg_ctrl_names[2], "cpu");
	assert_string_equal(cg_ctrl_names[3], "io");
	/* cgroup v1 calls the io controller blkio */
	assert_string_equal(cg_ctrl_v1_names[0], "pids");
	assert_string_equal(cg_ctrl_v1_names[1], "memory");
	assert_string_equal(cg_ctrl_v1_names[2], "cpu");
	assert_string_equal(cg_ctrl_v1_names[3], "blkio");
}

/* The key named in "KEY is set but the CTRL controller is not available". */
static void test_limit_key(void **state)
{
	struct nsc_policy p;

	nsc_policy_defaults(&p);
	for (unsigned k = 0; k < CG_NCTRL; k++)
		assert_null(cgfmt_limit_key(&p, 1u << k));
	p.pids_max = 64;
	p.memory_max = 64 << 20;
	p.io_weight = 50;
	assert_string_equal(cgfmt_limit_key(&p, CG_PIDS), "pids_max");
	assert_string_equal(cgfmt_limit_key(&p, CG_MEMORY), "memory_max");
	assert_null(cgfmt_limit_key(&p, CG_CPU));
	assert_string_equal(cgfmt_limit_key(&p, CG_IO), "io_weight");
	p.cpu_max = 20;
	assert_string_equal(cgfmt_limit_key(&p, CG_CPU), "cpu_max");
	p.cpu_weight = 50;
	assert_string_equal(cgfmt_limit_key(&p, CG_CPU), "cpu_weight");
	p.cpu_max = 0;
	assert_string_equal(cgfmt_limit_key(&p, CG_CPU), "cpu_weight");
	assert_null(cgfmt_limit_key(&p, 0));
	assert_null(cgfmt_limit_key(&p, CG_ALL));
}

static void test_weight_to_shares(void **state)
{
	/* systemd's cgroup_cpu_weight_to_shares() */
	assert_int_equal(cgfmt_weight_to_shares(100), 1024);
	assert_int_equal(cgfmt_weight_to_shares(1), 10);
	assert_int_equal(cgfmt_weight_to_shares(50), 512);
	assert_int_equal(cgfmt_weight_to_shares(200), 2048);
	assert_int_equal(cgfmt_weight_to_shares(10000), 102400);
	assert_int_equal(cgfmt_weight_to_shares(0), 1024);        /* unset: the default */
	assert_int_equal(cgfmt_weight_to_shares(UINT32_MAX), 262144); /* clamped */
	/* monotonic over the whole range */
	for (uint32_t w = 2; w <= NSC_CPU_WEIGHT_MAX; w++)
		assert_true(cgfmt_weight_to_shares(w) >= cgfmt_weight_to_shares(w - 1));
}

static void test_cpu_quota(void **state)
{
	/* percent of one CPU per period of 100 ms: systemd's CPUQuota= */
	assert_int_equal(CGFMT_CPU_PERIOD_US, 100000);
	assert_int_equal(cgfmt_cpu_quota_us(100), 100000);
	assert_int_equal(cgfmt_cpu_quota_us(150), 150000);
	assert_int_equal(cgfmt_cpu_quota_us(20), 20000);
	assert_int_equal(cgfmt_cpu_quota_us(1), 1000); /* the kernel's least quota, 1 ms */
	assert_int_equal(cgfmt_cpu_quota_us(NSC_CPU_MAX_PERCENT), 100000000);
	assert_true(cgfmt_cpu_quota_us(UINT32_MAX) == (uint64_t)UINT32_MAX * 1000); /* no overflow */
}

static void test_io_weight_to_blkio(void **state)
{
	/* systemd's cgroup_weight_io_to_blkio(): weight * 500 / 100 in 10..1000 */
	assert_int_equal(cgfmt_io_weight_to_blkio(100), 500);
	assert_int_equal(cgfmt_io_weight_to_blkio(1), 10);
	assert_int_equal(cgfmt_io_weight_to_blkio(2), 10);
	assert_int_equal(cgfmt_io_weight_to_blkio(3), 15);
	assert_int_equal(cgfmt_io_weight_to_blkio(50), 250);
	assert_int_equal(cgfmt_io_weight_to_blkio(199), 995);
	assert_int_equal(cgfmt_io_weight_to_blkio(200), 1000);
	assert_int_equal(cgfmt_io_weight_to_blkio(201), 1000);
	assert_int_equal(cgfmt_io_weight_to_blkio(10000), 1000);
	assert_int_equal(cgfmt_io_weight_to_blkio(0), 500);          /* unset: the default */
	assert_int_equal(cgfmt_io_weight_to_blkio(UINT32_MAX), 1000); /* clamped */
	for (uint32_t w = 2; w <= NSC_IO_WEIGHT_MAX; w++)
		assert_true(cgfmt_io_weight_to_blkio(w) >= cgfmt_io_weight_to_blkio(w - 1));
}

static void test_leaf(void **state)
{
	char out[STATE_CGROUP_MAX + 1];

	assert_int_equal(cgfmt_leaf(1001, "0123456789abcdef", out), 0);
	assert_string_equal(out, "1001-0123456789abcdef");
	assert_true(state_valid_cgroup(out));
	assert_true(cgfmt_leaf_of_uid(out, 1001));
	assert_false(cgfmt_leaf_of_uid(out, 100));
	assert_false(cgfmt_leaf_of_uid(out, 10011));
	assert_int_equal(cgfmt_leaf(UINT32_MAX, "ffffffffffffffff", out), 0);
	assert_string_equal(out, "4294967295-ffffffffffffffff");
	assert_true(cgfmt_leaf_of_uid(out, UINT32_MAX));
	assert_int_equal(cgfmt_leaf(0, "0000000000000000", out), 0);
	assert_string_equal(out, "0-0000000000000000");

	/* bad ids: never a name with '/', '.', upper case, or the wrong length */
	static const char *const bad[] = {
		"", "0123456789abcde", "0123456789abcdef0", "0123456789ABCDEF",
		"../../../etc/xx", "0123456789abcde/", "0123456789abcd..", "0123456789abcde\n",
		"g123456789abcdef", " 123456789abcdef",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(out, "junk");
		assert_int_equal(cgfmt_leaf(1001, bad[i], out), -EINVAL);
		assert_string_equal(out, "");
	}
	assert_int_equal(cgfmt_leaf(1001, NULL, out), -EINVAL);

	static const char *const notleaf[] = {
		"1001-", "1001-0123456789abcde", "1001-0123456789abcdef0", "1001_0123456789abcdef",
		"01001-0123456789abcdef", "1001-0123456789abcdeF", "1001-0123456789abcde/",
		"-1001-0123456789abcdef", "1001--123456789abcdef", "", "1001",
	};
	for (size_t i = 0; i < sizeof(notleaf) / sizeof(notleaf[0]); i++)
		assert_false(cgfmt_leaf_of_uid(notleaf[i], 1001));
	assert_false(cgfmt_leaf_of_uid(NULL, 1001));
}

static void test_value(void **state)
{
	char b[24];
	char small[3];

	assert_int_equal(cgfmt_value(64, b, sizeof(b)), 0);
	assert_string_equal(b, "64");
	assert_int_equal(cgfmt_value(67108864, b, sizeof(b)), 0);
	assert_string_equal(b, "67108864");
	assert_int_equal(cgfmt_value(UINT64_MAX, b, sizeof(b)), 0);
	assert_string_equal(b, "18446744073709551615");
	assert_int_equal(cgfmt_value(0, b, sizeof(b)), 0);
	assert_string_equal(b, "0");
	assert_int_equal(cgfmt_value(123, small, sizeof(small)), -ENOSPC);
	assert_int_equal(cgfmt_value(12, small, sizeof(small)), 0);
}

static void test_mountinfo(void **state)
{
	struct cgfmt_mount m;

	/* a hybrid host (this project's CI) */
	assert_int_equal(cgfmt_mountinfo_line("39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids", &m), 1);
	assert_false(m.v2);
	assert_int_equal(m.ctrls, CG_PIDS);
	assert_string_equal(m.path, "/sys/fs/cgroup/pids");
	assert_int_equal(cgfmt_mountinfo_line("35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:7 master:2 - cgroup cgroup rw,memory", &m), 1);
	assert_int_equal(m.ctrls, CG_MEMORY);
	/* Debian's co-mounted cpu,cpuacct: cpu, not cpuacct or cpuset */
	assert_int_equal(cgfmt_mountinfo_line("30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:10 - cgroup cgroup rw,cpu,cpuacct", &m), 1);
	assert_int_equal(m.ctrls, CG_CPU);
	assert_string_equal(m.path, "/sys/fs/cgroup/cpu,cpuacct");
	/* the io controller is blkio on v1 */
	assert_int_equal(cgfmt_mountinfo_line("38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio", &m), 1);
	assert_int_equal(m.ctrls, CG_IO);
	assert_int_equal(cgfmt_mountinfo_line("38 31 0:35 / /sys/fs/cgroup/io rw - cgroup cgroup rw,io,name=blkio", &m), 1);
	assert_int_equal(m.ctrls, 0);
	assert_int_equal(cgfmt_mountinfo_line("38 31 0:35 / /x rw - cgroup cgroup rw,cpu,blkio,pids", &m), 1);
	assert_int_equal(m.ctrls, CG_CPU | CG_IO | CG_PIDS);
	assert_int_equal(cgfmt_mountinfo_line("34 31 0:31 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset", &m), 1);
	assert_int_equal(m.ctrls, 0);
	assert_int_equal(cgfmt_mountinfo_line("33 31 0:30 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct", &m), 1);
	assert_int_equal(m.ctrls, 0);
	assert_int_equal(cgfmt_mountinfo_line("40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd", &m), 1);
	assert_int_equal(m.ctrls, 0);
	assert_int_equal(cgfmt_mountinfo_line("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw", &m), 1);
	assert_true(m.v2);
	assert_string_equal(m.path, "/sys/fs/cgroup/unified");
	/* a pure v2 host */
	assert_int_equal(cgfmt_mountinfo_line("26 21 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot", &m), 1);
	assert_true(m.v2);
	assert_int_equal(m.ctrls, 0);
	assert_string_equal(m.path, "/sys/fs/cgroup");
	/* escaped mount point */
	assert_int_equal(cgfmt_mountinfo_line("50 1 0:40 / /mnt/a\\040b\\134c rw - cgroup2 none rw", &m), 1);
	assert_string_equal(m.path, "/mnt/a b\\c");
	/* not a hierarchy root, or not a cgroup fs: 0 */
	assert_int_equal(cgfmt_mountinfo_line("51 1 0:40 /nsession/1001-x /mnt/x rw - cgroup2 none rw", &m), 0);
	assert_int_equal(cgfmt_mountinfo_line("52 1 0:36 /.. /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids", &m), 0);
	assert_int_equal(cgfmt_mountinfo_line("23 1 0:21 / /sys rw - sysfs sysfs rw", &m), 0);
	assert_int_equal(cgfmt_mountinfo_line("31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755", &m), 0);
	assert_int_equal(cgfmt_mountinfo_line("31 23 0:28 / /x rw - cgroupfs tmpfs rw,pids", &m), 0);
	/* controller names only as whole options */
	assert_int_equal(cgfmt_mountinfo_line("60 1 0:50 / /x rw - cgroup c rw,pidsx,xmemory,cpuset,name=cpu", &m), 1);
	assert_int_equal(m.ctrls, 0);
}

static void test_mountinfo_bad(void **state)
{
	struct cgfmt_mount m;
	char long_line[8192];
	static const char *const bad[] = {
		"",
		"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime cgroup cgroup rw,pids", /* no " - " */
		"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup",       /* no super options */
		"39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids extra",
		"39 31 0:36 /",
		"39 31 0:36 / relative/path rw - cgroup cgroup rw,pids",
		"39 31 0:36 / /a\\04 rw - cgroup cgroup rw,pids",      /* short escape */
		"39 31 0:36 / /a\\0 rw - cgroup cgroup rw,pids",
		"39 31 0:36 / /a\\ rw - cgroup cgroup rw,pids",
		"39 31 0:36 / /a\\000b rw - cgroup cgroup rw,pids",    /* NUL */
		"39 31 0:36 / /a\\999 rw - cgroup cgroup rw,pids",
		"39 31 0:36 / /a\\477 rw - cgroup cgroup rw,pids",     /* > 255 */
		"39 31 0:36 / - - cgroup",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = cgfmt_mountinfo_line(bad[i], &m);
		if (r != -EINVAL)
			fail_msg("line %zu [%s]: %d", i, bad[i], r);
	}
	/* a mount point longer than PATH_MAX */
	strcpy(long_line, "1 1 0:1 / /");
	memset(long_line + strlen(long_line), 'a', 5000);
	strcpy(long_line + 11 + 5000, " rw - cgroup2 cgroup2 rw");
	assert_int_equal(cgfmt_mountinfo_line(long_line, &m), -EINVAL);
}

static void test_controllers(void **state)
{
	const char *all = "cpuset cpu io memory hugetlb pids rdma misc\n";
	assert_int_equal(cgfmt_controllers(all, strlen(all)), CG_ALL);
	assert_int_equal(cgfmt_controllers("hugetlb\n", 8), 0);
	assert_int_equal(cgfmt_controllers("", 0), 0);
	assert_int_equal(cgfmt_controllers("\n", 1), 0);
	assert_int_equal(cgfmt_controllers("memory", 6), CG_MEMORY);
	assert_int_equal(cgfmt_controllers("memory pids", 4), 0); /* length respected */
	assert_int_equal(cgfmt_controllers("cpuset cpuacct pidsx xpids", 26), 0);
	assert_int_equal(cgfmt_controllers("  pids\t cpu \n", 13), CG_PIDS | CG_CPU);
	assert_int_equal(cgfmt_controllers("io\n", 3), CG_IO);
	assert_int_equal(cgfmt_controllers("blkio iox\n", 10), 0); /* v2 says io */
}

static void test_pids(void **state)
{
	pid_t p[4];
	size_t n;
	const char *ok = "1\n42\n0\n4194304\n";

	assert_int_equal(cgfmt_parse_pids(ok, strlen(ok), p, 4, &n), 0);
	assert_int_equal(n, 3); /* 0 (not visible here) skipped */
	assert_int_equal(p[0], 1);
	assert_int_equal(p[1], 42);
	assert_int_equal(p[2], 4194304);
	assert_int_equal(cgfmt_parse_pids("", 0, p, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cgfmt_parse_pids("1\n2\n3\n4\n5\n", 10, p, 4, &n), -ENOSPC);

	static const char *const bad[] = {
		"1", "1\n2", "\n", "a\n", "-1\n", "+1\n", " 1\n", "1 \n", "01\n",
		"2147483648\n", "99999999999999999999\n", "1\n\n2\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cgfmt_parse_pids(bad[i], strlen(bad[i]), p, 4, &n), -EINVAL);
}

static bool in_slice(const char *text, uint32_t uid)
{
	return cgfmt_in_user_slice(text, strlen(text), uid);
}

static void test_in_user_slice(void **state)
{
	(void)state;
	/* cgroup v2 (the reference platform) */
	assert_true(in_slice("0::/user.slice/user-1000.slice/session-3.scope\n", 1000));
	assert_true(in_slice("0::/user.slice/user-1000.slice/nsession-1000-0123456789abcdef.scope", 1000));
	assert_false(in_slice("0::/system.slice/cron.service\n", 1000));
	assert_false(in_slice("0::/user.slice/user-0.slice/session-2.scope\n", 1000));
	assert_false(in_slice("0::/user.slice/user-10000.slice/session-2.scope\n", 1000));
	assert_false(in_slice("0::/user.slice/user-1000.slice\n", 1000));
	assert_false(in_slice("0::/user.slice/user-1000.slicex/a\n", 1000));
	assert_false(in_slice("0::/\n", 1000));
	/* the unified line decides where there is one */
	assert_false(in_slice("1:name=systemd:/user.slice/user-1000.slice/session-3.scope\n"
			      "0::/system.slice/cron.service\n", 1000));
	/* v1 hosts: name=systemd */
	assert_true(in_slice("12:pids:/user.slice/user-1000.slice/session-1.scope\n"
			     "1:name=systemd:/user.slice/user-1000.slice/session-1.scope\n", 1000));
	assert_false(in_slice("12:pids:/user.slice/user-1000.slice/session-1.scope\n"
			      "1:name=systemd:/system.slice/atd.service\n", 1000));
	/* a controller list that only ends in name=systemd is not it */
	assert_false(in_slice("1:cpu,name=systemdx:/user.slice/user-1000.slice/a\n", 1000));
	/* bad input */
	assert_false(in_slice("", 1000));
	assert_false(in_slice("garbage", 1000));
	assert_false(in_slice("0:/user.slice/user-1000.slice/a", 1000));
	assert_false(in_slice("\n\n::\n", 1000));
	assert_false(cgfmt_in_user_slice("0::/user.slice/user-1000.slice/a", 20, 1000)); /* cut short */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wanted),
		cmocka_unit_test(test_limit_key),
		cmocka_unit_test(test_weight_to_shares),
		cmocka_unit_test(test_cpu_quota),
		cmocka_unit_test(test_io_weight_to_blkio),
		cmocka_unit_test(test_leaf),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_mountinfo_bad),
		cmocka_unit_test(test_controllers),
		cmocka_unit_test(test_pids),
		cmocka_unit_test(test_in_user_slice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
