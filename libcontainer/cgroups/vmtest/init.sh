#!/bin/sh
# PID 1 of the cgroup v2 test VM: mount a pure cgroup2 hierarchy, run every
# test binary in /tests, and report through the second serial port (the
# log) and the isa-debug-exit port (the verdict: 0 pass, 1 fail).
export PATH=/bin
# Containers pivot_root, which the kernel refuses on the initramfs root:
# move everything to a tmpfs and make that the root first.
if [ ! -e /.stage2 ]; then
	mkdir -p /newroot
	mount -t tmpfs -o size=600m tmpfs /newroot
	cp -a /bin /tests /testflags /init /newroot/
	mkdir -p /newroot/dev /newroot/proc /newroot/sys /newroot/tmp
	: > /newroot/.stage2
	exec switch_root /newroot /init
fi
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
exec >/dev/ttyS1 2>&1
echo "kernel $(uname -r); cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
TESTFLAGS=$(cat /testflags)
# The runtime's integration tests use the hull binary copied in by run.sh.
[ -x /bin/hull ] && export HULL_BINARY=/bin/hull
status=0
for t in /tests/*.test; do
	echo "=== $t"
	(cd /tmp && "$t" -test.v -test.count=1 $TESTFLAGS) || status=1
done
echo "=== verdict: $status"
# isa-debug-exit: qemu exits with (value << 1) | 1.
printf "\\$(printf '%03o' $status)" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
# Not reached when the port works; otherwise qemu exits 0 ("no report").
poweroff -f
