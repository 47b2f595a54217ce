#!/bin/sh
# make-busybox-base.sh: make the busybox base image the examples build FROM,
# out of Debian's busybox-static (apt-get install busybox-static), and store it
# as NAME (default hull/busybox) with `builder import-rootfs`.
#
#   examples/make-busybox-base.sh [NAME]
# BUILDER (default: bin/builder) and BUILDER_ROOT (the store; default builder's)
# may be set in the environment.
set -eu
NAME=${1:-hull/busybox}
BUILDER=${BUILDER:-$(dirname "$0")/../bin/builder}
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || { echo "make-busybox-base: $BUSYBOX missing: apt-get install busybox-static" >&2; exit 1; }
ROOTFS=$(mktemp -d)
trap 'rm -rf "$ROOTFS"' EXIT

mkdir -p "$ROOTFS/bin" "$ROOTFS/dev" "$ROOTFS/proc" "$ROOTFS/sys" "$ROOTFS/etc" \
	"$ROOTFS/tmp" "$ROOTFS/root" "$ROOTFS/run" "$ROOTFS/var" "$ROOTFS/home"
chmod 1777 "$ROOTFS/tmp"
chmod 700 "$ROOTFS/root"
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
for applet in $("$BUSYBOX" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$ROOTFS/bin/$applet"
done
ln -s bin "$ROOTFS/sbin"
mkdir -p "$ROOTFS/usr"
ln -s ../bin "$ROOTFS/usr/bin"
cat >"$ROOTFS/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$ROOTFS/etc/group" <<'GROUP'
root:x:0:
app:x:1000:
nogroup:x:65534:
GROUP
echo "127.0.0.1 localhost" >"$ROOTFS/etc/hosts"

ROOT_FLAG=""
[ -n "${BUILDER_ROOT:-}" ] && ROOT_FLAG="--root=$BUILDER_ROOT"
# A fixed date makes the base image the same bytes on every machine.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0} "$BUILDER" $ROOT_FLAG import-rootfs \
	--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	--cmd /bin/sh "$ROOTFS" "$NAME"
