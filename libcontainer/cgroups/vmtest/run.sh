#!/bin/sh
# Runs the cgroup tests on a pure cgroup v2 host: Debian's kernel booted
# under qemu (software emulation) with an initramfs holding busybox, this
# directory's init.sh and the compiled test binaries.
#
#   libcontainer/cgroups/vmtest/run.sh            (as root, from anywhere)
#   KVER=6.1.0-50-amd64 WORK=/var/tmp/x TESTFLAGS='-test.run Lifecycle' run.sh
#
# PKGS lists the packages whose tests run in the VM (default: the cgroup
# packages); HULL_BIN, if set, is copied to /bin/hull in the guest for
# runtime integration tests. WORK keeps the unpacked kernel between runs.
#
# Needs: qemu-system-x86 (apt), busybox-static, go. Exit status 0
# only if every test passed; the guest's log is printed.
set -eu
# Default: the kernel Debian's linux-image-amd64 points at today (mirrors
# drop older ABI versions), else the one this lane was first measured with.
if [ -z "${KVER:-}" ]; then
	KVER=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -n 1)
	KVER=${KVER:-6.1.0-50-amd64}
fi
WORK=${WORK:-/var/tmp/hull-cgroupv2}
TESTFLAGS=${TESTFLAGS:-}
PKGS=${PKGS:-./libcontainer/cgroups ./libcontainer/cgroups/fs2 ./libcontainer/cgroups/devices/devfilter}
HULL_BIN=${HULL_BIN:-}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
mkdir -p "$WORK"

# The kernel package is unpacked, never installed.
if [ ! -f "$WORK/vmlinuz-$KVER" ]; then
	(cd "$WORK" && apt-get download "linux-image-$KVER" >/dev/null &&
		dpkg -x linux-image-"$KVER"_*.deb "kernel-$KVER" &&
		cp "kernel-$KVER/boot/vmlinuz-$KVER" "vmlinuz-$KVER" &&
		rm -rf "kernel-$KVER" linux-image-"$KVER"_*.deb)
fi

root="$WORK/initramfs"
rm -rf "$root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/tests"
cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"
printf '%s\n' "$TESTFLAGS" > "$root/testflags"
for pkg in $PKGS; do
	name=$(echo "${pkg#./}" | tr / _)
	(cd "$repo" && CGO_ENABLED=0 go test -c -o "$root/tests/$name.test" "$pkg")
done
if [ -n "$HULL_BIN" ]; then
	cp "$HULL_BIN" "$root/bin/hull"
	# hull finds its helpers (nsenter, seccomp) beside itself.
	for h in hull-nsenter hull-seccomp; do
		helper="$(dirname "$HULL_BIN")/$h"
		[ -x "$helper" ] && cp "$helper" "$root/bin/$h"
	done
fi
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$WORK/initramfs.gz")

log="$WORK/result.log"
: > "$log"
set +e
timeout 600 qemu-system-x86_64 -accel tcg -m 768M -smp 2 -nographic -no-reboot \
	-kernel "$WORK/vmlinuz-$KVER" -initrd "$WORK/initramfs.gz" \
	-append "console=ttyS0 panic=-1 quiet rdinit=/init" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-serial file:"$WORK/console.log" -serial file:"$log" -monitor none
rc=$?
set -e
cat "$log"
case $rc in
1) echo "cgroup v2 lane: PASS"; exit 0 ;;
3) echo "cgroup v2 lane: FAIL (see above)"; exit 1 ;;
*) echo "cgroup v2 lane: the VM did not report (qemu exit $rc); console:"; tail -30 "$WORK/console.log"; exit 1 ;;
esac
