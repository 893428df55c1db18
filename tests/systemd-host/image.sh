#!/bin/bash
# tests/systemd-host/image.sh OUTDIR — a bootable Debian 12 (bookworm) guest
# with systemd as PID 1, for tests/systemd-host/run.sh (see guest.sh).
#
# Writes OUTDIR/image.raw (ext4, the whole disk is the root file system, no
# partition table, no boot loader), OUTDIR/vmlinuz and OUTDIR/initrd.img
# (booted with qemu's -kernel/-initrd/-append), OUTDIR/manifest (the
# packages and versions in the guest) and OUTDIR/build.log.
#
# Built by debootstrap (--variant=minbase) from Debian's mirror, then apt in
# a chroot with bookworm, bookworm-updates and bookworm-security, so the
# guest's packages are the current ones, without Recommends. The guest has
# what a .deb of nsession needs installed already (debian/control's
# Depends and the libraries its shlibs give), so `apt-get install
# ./nsession_*.deb` works there offline. The disk image is made with
# `mkfs.ext4 -d` from the tree: no loop device, no mount of the image. The
# chroot's /proc is mounted in a private mount namespace of this script
# (unshare -m), so nothing stays mounted on the host, whatever happens.
#
# With NSESSION_GUEST_CACHE=DIR the image is kept in DIR/nsguest-HASH, HASH
# being a hash of this script (which holds the package list and every
# setting; comment lines do not count): an entry with the same hash is reused, a build goes there (and
# older nsguest-* entries in DIR are removed); OUTDIR then holds symbolic
# links to the entry. Without it, everything is built in OUTDIR.
#
# Root's authorized_keys is not in the image: guest.sh passes a key made
# for each boot on the kernel command line (nsguest.key=TYPE,BASE64), and
# the unit nsguest-key.service writes it before sshd starts. The sshd host
# keys are made at build time and are the same for every boot of an image.
#
# Needs root, debootstrap, e2fsprogs (mkfs.ext4 -d), util-linux (unshare),
# and the network to deb.debian.org while building (only here: the guest
# itself never reaches anything, see guest.sh).
set -euo pipefail
export LC_ALL=C

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
SECURITY=http://deb.debian.org/debian-security
# Size of the guest's root file system (a sparse file: only what is used
# takes room on the host).
IMAGE_SIZE=4G
# What the guest gets on top of minbase. The libraries are those the
# nsession package depends on (debian/control, shlibs), so that installing
# it needs no download.
PACKAGES="systemd systemd-sysv udev dbus dbus-user-session libpam-systemd
	linux-image-amd64 initramfs-tools zstd kmod
	openssh-server openssh-sftp-server
	iproute2 procps psmisc util-linux passwd uidmap nftables at cron python3
	libpam-runtime libpam-modules libpam0g libnl-3-200 libnl-route-3-200 libcap2
	libseccomp2 libnftables1 libnetfilter-conntrack3 libsystemd0"
# Units that cost boot time under TCG and that no test needs.
MASK="apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service
	man-db.timer man-db.service e2scrub_all.timer e2scrub_all.service e2scrub_reap.service
	fstrim.timer dpkg-db-backup.timer systemd-timesyncd.service getty@tty1.service
	systemd-networkd-wait-online.service systemd-pstore.service"
# Modules the initrd must have to mount / (the rest comes from the root file
# system). MODULES=list: a 6 MB initrd, the kernel's part of the boot 7.6-9.7 s
# under TCG; MODULES=most: 30 MB, 12.5-14.2 s (tests/systemd-host/README.md).
INITRD_MODULES="virtio_pci virtio_blk virtio_net ext4 crc32c_generic"

usage() { echo "usage: $0 OUTDIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
[ "$(id -u)" -eq 0 ] || { echo "$0: must run as root" >&2; exit 1; }
for tool in debootstrap mkfs.ext4 unshare sha256sum; do
	command -v "$tool" >/dev/null || { echo "$0: $tool is missing (scripts/deps.sh)" >&2; exit 1; }
done
SELF=$(readlink -f "$0")
mkdir -p "$1"
OUT=$(cd "$1" && pwd)

# Everything below runs in a private mount namespace: the chroot's /proc
# goes away with this process.
if [ -z "${NSGUEST_IMAGE_UNSHARED:-}" ]; then
	NSGUEST_IMAGE_UNSHARED=1 exec unshare --mount --propagation private -- "$SELF" "$OUT"
fi

log() { printf '# image: %s\n' "$*" >&2; }
T0=$(date +%s)
PHASE_T=$T0
# phase NAME: how long the phase that just ended took
phase() {
	local now
	now=$(date +%s)
	log "$1: $((now - PHASE_T)) s"
	PHASE_T=$now
}

# the recipe: this script without its comment and blank lines
RECIPE=$(grep -Ev '^[[:space:]]*(#|$)' "$SELF" | sha256sum | cut -c1-16)
if [ -n "${NSESSION_GUEST_CACHE:-}" ]; then
	mkdir -p "$NSESSION_GUEST_CACHE"
	CACHE=$(cd "$NSESSION_GUEST_CACHE" && pwd)
	DEST=$CACHE/nsguest-$RECIPE
	# one build at a time per cache; a second run waits and then reuses it
	exec 9>"$CACHE/.lock"
	flock 9
else
	DEST=$OUT
fi

link_out() {
	local f
	[ "$DEST" = "$OUT" ] && return 0
	for f in image.raw vmlinuz initrd.img manifest build.log; do
		ln -sfn "$DEST/$f" "$OUT/$f"
	done
}

if [ -n "${CACHE:-}" ] && [ -f "$DEST/complete" ]; then
	log "reusing $DEST (recipe $RECIPE)"
	link_out
	exit 0
fi

WORK=$(mktemp -d /var/tmp/nsguest-build.XXXXXX)
ROOT=$WORK/root
BUILDLOG=$WORK/build.log
: >"$BUILDLOG"
cleanup() {
	local rc=$? m
	# unmount whatever is still mounted under the tree (deepest first),
	# then remove it without ever leaving its file system
	if [ -d "$ROOT" ]; then
		awk -v r="$ROOT" '$5 == r || index($5, r "/") == 1 {print $5}' /proc/self/mountinfo | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null || true; done
	fi
	if [ $rc -eq 130 ]; then
		log "interrupted"
	elif [ $rc -ne 0 ]; then
		log "FAILED (exit $rc); the end of the build log:"
		tail -n 40 "$BUILDLOG" >&2 || true
	fi
	[ $rc -eq 0 ] || [ -z "${CACHE:-}" ] || rm -rf "$DEST.tmp"
	rm -rf --one-file-system "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# run CMD...: CMD's output into the build log
run() { "$@" >>"$BUILDLOG" 2>&1; }
# in_root CMD...: CMD in the chroot, services kept from starting, no questions
in_root() {
	run chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
		DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true "$@"
}

log "building Debian $SUITE (recipe $RECIPE) in $WORK, then $DEST"

# ---- debootstrap ---------------------------------------------------------------------
mkdir -p "$ROOT"
run debootstrap --variant=minbase --merged-usr "$SUITE" "$ROOT" "$MIRROR"
phase debootstrap

# ---- packages -----------------------------------------------------------------------------
cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
EOF
cat >"$ROOT/etc/apt/apt.conf.d/90nsguest" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
EOF
# no service starts in the chroot (it would start on this host)
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
# faster dpkg while building (removed below: the guest syncs as usual)
echo force-unsafe-io >"$ROOT/etc/dpkg/dpkg.cfg.d/90nsguest-build"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# The initrd: only the modules that mount /, zstd (conf.d overrides
# initramfs.conf, and the modules file is read from there too).
mkdir -p "$ROOT/etc/initramfs-tools/conf.d" "$ROOT/usr/share/initramfs-tools/modules.d"
printf 'MODULES=list\nCOMPRESS=zstd\n' >"$ROOT/etc/initramfs-tools/conf.d/nsguest"
# shellcheck disable=SC2086 # one module a line
printf '%s\n' $INITRD_MODULES >"$ROOT/usr/share/initramfs-tools/modules.d/nsguest"
mount -t proc proc "$ROOT/proc"
in_root apt-get update
in_root apt-get -y -o Dpkg::Options::=--force-confold dist-upgrade
phase "apt-get update, upgrade to bookworm-updates/-security"
# shellcheck disable=SC2086
in_root apt-get -y -o Dpkg::Options::=--force-confold install $PACKAGES
phase "apt-get install (with the kernel's initrd)"

# ---- configure ----------------------------------------------------------------------------
echo nsguest >"$ROOT/etc/hostname"
cat >"$ROOT/etc/hosts" <<'EOF'
127.0.0.1	localhost
127.0.1.1	nsguest
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF
echo '/dev/vda	/	ext4	rw,relatime,errors=remount-ro	0 0' >"$ROOT/etc/fstab"
# the guest resolves nothing (its network reaches nothing)
: >"$ROOT/etc/resolv.conf"
# A fixed machine id: with none, systemd would treat every boot as the first
# (ConditionFirstBoot, systemd-firstboot asking on the console).
tr -d '-' </proc/sys/kernel/random/uuid >"$ROOT/etc/machine-id"
# DHCP from qemu's user network (10.0.2.15), IPv4 only, no router
# solicitations, no link-local addresses.
mkdir -p "$ROOT/etc/systemd/network"
cat >"$ROOT/etc/systemd/network/20-nsguest.network" <<'EOF'
[Match]
Type=ether
Name=en* eth*

[Network]
DHCP=ipv4
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
in_root systemctl enable systemd-networkd.service
# sshd: keys only, root with a key, no DNS look-ups
cat >"$ROOT/etc/ssh/sshd_config.d/nsguest.conf" <<'EOF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
EOF
# root's authorized_keys from the kernel command line (guest.sh)
cat >"$ROOT/usr/local/sbin/nsguest-key" <<'EOF'
#!/bin/sh
# nsguest.key=TYPE,BASE64 on the kernel command line -> root's authorized_keys
set -eu
key=""
for w in $(cat /proc/cmdline); do
	case $w in nsguest.key=*) key=$(echo "${w#nsguest.key=}" | tr , ' ') ;; esac
done
[ -n "$key" ] || exit 0
install -d -m 700 /root/.ssh
printf '%s nsguest-harness\n' "$key" >/root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
EOF
chmod 755 "$ROOT/usr/local/sbin/nsguest-key"
cat >"$ROOT/etc/systemd/system/nsguest-key.service" <<'EOF'
[Unit]
Description=nsguest: root's authorized_keys from the kernel command line
ConditionKernelCommandLine=nsguest.key
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/nsguest-key

[Install]
WantedBy=multi-user.target
EOF
in_root systemctl enable nsguest-key.service
for u in $MASK; do in_root systemctl mask "$u"; done
# ldconfig.service and systemd-update-done run when /usr is newer than these
touch "$ROOT/etc/.updated" "$ROOT/var/.updated"
# what is in the guest
# shellcheck disable=SC2016 # dpkg-query's format
chroot "$ROOT" dpkg-query -W -f='${Package} ${Version}\n' >"$WORK/manifest"
cp "$ROOT"/boot/vmlinuz-* "$WORK/vmlinuz"
cp "$ROOT"/boot/initrd.img-* "$WORK/initrd.img"
in_root apt-get clean
rm -f "$ROOT/usr/sbin/policy-rc.d" "$ROOT/etc/dpkg/dpkg.cfg.d/90nsguest-build"
umount "$ROOT/proc"
phase configure
log "kernel $(basename "$ROOT"/boot/vmlinuz-*), initrd $(du -k "$WORK/initrd.img" | cut -f1) KiB," \
	"root tree $(du -sm --one-file-system "$ROOT" | cut -f1) MiB, $(wc -l <"$WORK/manifest") packages"

# ---- disk image ---------------------------------------------------------------------------
run mkfs.ext4 -q -F -L nsguest-root -d "$ROOT" "$WORK/image.raw" "$IMAGE_SIZE"
phase "mkfs.ext4 -d"

if [ -n "${CACHE:-}" ]; then
	rm -rf "$DEST.tmp" "$DEST"
	mkdir "$DEST.tmp"
	mv "$WORK/image.raw" "$WORK/vmlinuz" "$WORK/initrd.img" "$WORK/manifest" "$DEST.tmp/"
	cp "$BUILDLOG" "$DEST.tmp/build.log"
	echo "$RECIPE" >"$DEST.tmp/complete"
	mv "$DEST.tmp" "$DEST"
	# older recipes' images in the cache
	for old in "$CACHE"/nsguest-*; do
		[ "$old" = "$DEST" ] || [ ! -f "$old/complete" ] || rm -rf "$old"
	done
	link_out
else
	mv "$WORK/image.raw" "$WORK/vmlinuz" "$WORK/initrd.img" "$WORK/manifest" "$OUT/"
	cp "$BUILDLOG" "$OUT/build.log"
fi
log "image in $DEST, $(du -m "$DEST/image.raw" | cut -f1) MiB used of $IMAGE_SIZE; total $(($(date +%s) - T0)) s"
